/**
 * Opening the real "OPFS Snapshots" DevTools panel from puppeteer, headless.
 *
 * Chromium launched with `devtools: true` (and `headless: true`: devtools alone turns
 * headless off) opens DevTools for every tab; one launched without it opens them only for
 * the tab handed to {@link openDevToolsPanel} (`Page.openDevTools`), which spares the tabs a
 * test opens only to run an app in them. These steps use DevTools' own frontend modules,
 * which are internals: they are wrapped here, in one place, and fail with a clear message
 * if they change.
 */
import type { Browser, Frame, Page } from 'puppeteer-core';
import { poll as pollFor } from './poll';

const INTERNALS_HINT = '(DevTools internals may have changed: see tests/support/devtools-panel.ts.)';
const poll = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) => pollFor(what, timeoutMs, probe, INTERNALS_HINT);

export const PANEL_TITLE = 'OPFS Snapshots';

export interface OpenedPanel {
  /** The DevTools window (a page of its own). */
  devtools: Page;
  /** The extension panel's iframe inside it. */
  panel: Frame;
}

// Passed as strings: test runners rewrite `import()` inside functions given to evaluate().
const INSPECTED_URL = `(async () => {
  const SDK = await import('devtools://devtools/bundled/core/sdk/sdk.js');
  return SDK.TargetManager.TargetManager.instance().primaryPageTarget()?.inspectedURL() ?? null;
})()`;

const panelRegistered = (panelId: string) => `(async () => {
  const UI = await import('devtools://devtools/bundled/ui/legacy/legacy.js');
  const view = UI.InspectorView.InspectorView.instance();
  return view.tabbedPane.tabIds().includes(${JSON.stringify(panelId)});
})()`;

const dockAt = (side: DockSide) => `(async () => {
  const UI = await import('devtools://devtools/bundled/ui/legacy/legacy.js');
  UI.DockController.DockController.instance().setDockSide(${JSON.stringify(side)});
  return true;
})()`;

const useTheme = (theme: 'dark' | 'default') => `(async () => {
  const Common = await import('devtools://devtools/bundled/core/common/common.js');
  Common.Settings.Settings.instance().moduleSetting('ui-theme').set(${JSON.stringify(theme)});
  return true;
})()`;

const showPanel = (panelId: string) => `(async () => {
  const UI = await import('devtools://devtools/bundled/ui/legacy/legacy.js');
  await UI.InspectorView.InspectorView.instance().showPanel(${JSON.stringify(panelId)});
  return true;
})()`;

export type DockSide = 'bottom' | 'right' | 'left' | 'undocked';

/**
 * Finds the DevTools window inspecting `inspectedUrl` (with `inspected`, opens it for that
 * tab first if the browser has not), waits for the extension's panel to register, shows it,
 * and returns its frame.
 */
export async function openDevToolsPanel(
  browser: Browser,
  extensionId: string,
  inspectedUrl: string,
  options: { dock?: DockSide; timeoutMs?: number; inspected?: Page } = {},
): Promise<OpenedPanel> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const inspecting = async (): Promise<Page | undefined> => {
    for (const target of browser.targets()) {
      if (target.type() !== 'other' || !target.url().startsWith('devtools://devtools/bundled/devtools_app.html')) continue;
      const page = await target.asPage();
      if ((await page.evaluate(INSPECTED_URL)) === inspectedUrl) return page;
    }
    return undefined;
  };
  if (options.inspected && !(await inspecting())) await options.inspected.openDevTools();
  const devtools = await poll(`a DevTools window inspecting ${inspectedUrl}`, timeoutMs, inspecting);
  const panelId = `chrome-extension://${extensionId}${PANEL_TITLE.replace(/\s+/g, '')}`;
  await poll(`the "${PANEL_TITLE}" panel to register`, timeoutMs, async () => ((await devtools.evaluate(panelRegistered(panelId))) ? true : undefined));
  // Without bringing DevTools to the front, clicks in the panel frame occasionally hang.
  await devtools.bringToFront();
  if (options.dock) await devtools.evaluate(dockAt(options.dock));
  await devtools.evaluate(showPanel(panelId));
  const panelUrl = `chrome-extension://${extensionId}/panel/panel.html`;
  const panel = await poll('the panel frame', timeoutMs, async () => devtools.frames().find((f) => f.url() === panelUrl));
  return { devtools, panel };
}

/**
 * Sets DevTools' theme (a shared preference) through any open DevTools window. Extension
 * panels learn the theme when their DevTools window starts: open the page to inspect
 * after calling this.
 */
export async function setDevToolsTheme(browser: Browser, theme: 'dark' | 'default', timeoutMs = 30_000): Promise<void> {
  await poll('a DevTools window that accepts settings', timeoutMs, async () => {
    const target = browser.targets().find((t) => t.type() === 'other' && t.url().startsWith('devtools://devtools/bundled/devtools_app.html'));
    // Right after start-up, DevTools' settings are not created yet: evaluate throws until they are.
    return target ? ((await (await target.asPage()).evaluate(useTheme(theme))) as boolean) : undefined;
  });
}
