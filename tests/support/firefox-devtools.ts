/**
 * Opening and driving the real "OPFS Snapshots" panel in Firefox's DevTools, headless.
 *
 * WebDriver BiDi cannot reach an extension's DevTools panel: the panel is a remote
 * `<browser>` inside the toolbox, and BiDi addresses only tabs and their frames (Firefox's
 * NavigableManager resolves a top-level content context only through a tab). So, with
 * Firefox started with `-remote-allow-system-access` (tests/support/firefox.ts), these helpers
 * run privileged script in Firefox's own window ("chrome" scope) to:
 * - open the toolbox on a tab and select the extension's panel (`gDevTools`), and
 * - evaluate test code in the panel document through a frame script loaded into the
 *   panel's `<browser>`: it sees the panel's DOM (through Firefox's Xray wrappers, not the
 *   page's own JavaScript objects), clicks with `element.click()` (a synthetic click, not
 *   puppeteer's input pipeline), and answers with JSON.
 * These are Firefox internals: they live here, in one place, and fail with a clear message
 * if they change.
 */
import type { Page } from 'puppeteer-core';
import type { PanelHandle } from './panel-suite';
import { bidi, type LaunchedFirefox } from './firefox';
import { PANEL_TITLE } from './devtools-panel';

interface EvaluateResult {
  type: 'success' | 'exception';
  result?: { type: string; value?: unknown };
  exceptionDetails?: { text?: string };
}

/** The panel inside Firefox's DevTools, driven through its DOM. */
/** The panel's document in Firefox, driven as the shared suite drives every browser's. */
export interface FirefoxDevToolsPanel extends PanelHandle {
  /** The panel's URL as loaded in DevTools. */
  url: string;
}

const chromeContexts = new WeakMap<LaunchedFirefox, string>();

/** The browsing context of Firefox's main window (chrome scope). */
async function browserWindowContext(firefox: LaunchedFirefox): Promise<string> {
  const known = chromeContexts.get(firefox);
  if (known) return known;
  const tree = await bidi<{ contexts: { context: string; url: string }[] }>(firefox.browser, 'browsingContext.getTree', { 'moz:scope': 'chrome' });
  const main = tree.contexts.find((c) => c.url === 'chrome://browser/content/browser.xhtml');
  if (!main) throw new Error(`No Firefox browser window among ${tree.contexts.map((c) => c.url).join(', ')} (was Firefox started with -remote-allow-system-access?).`);
  chromeContexts.set(firefox, main.context);
  return main.context;
}

/** Evaluates privileged script in Firefox's main window; resolves with the JSON text it returns. */
async function inChrome(firefox: LaunchedFirefox, body: string): Promise<unknown> {
  const context = await browserWindowContext(firefox);
  const answer = await bidi<EvaluateResult>(firefox.browser, 'script.evaluate', {
    target: { context },
    awaitPromise: true,
    expression: `(async () => { ${body} })().then((value) => JSON.stringify(value ?? null))`,
  });
  if (answer.type !== 'success' || answer.result?.type !== 'string') {
    throw new Error(`Firefox DevTools helper failed: ${answer.exceptionDetails?.text ?? JSON.stringify(answer).slice(0, 500)} (Firefox internals may have changed: see tests/support/firefox-devtools.ts.)`);
  }
  return JSON.parse(answer.result.value as string);
}

// Shared preamble of the privileged scripts: DevTools' module loader and our registry.
const PRELUDE = `
  const { require } = ChromeUtils.importESModule('resource://devtools/shared/loader/Loader.sys.mjs');
  const { gDevTools } = require('devtools/client/framework/devtools');
  const registry = (globalThis.__opfsInspectorTest ??= { panels: new Map() });
`;

/**
 * Opens DevTools (in its own window) on the tab showing `inspectedPage`, selects the
 * "OPFS Snapshots" panel, and waits until the panel document has loaded.
 */
export async function openFirefoxDevToolsPanel(firefox: LaunchedFirefox, inspectedPage: Page, options: { timeoutMs?: number } = {}): Promise<FirefoxDevToolsPanel> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const inspectedUrl = inspectedPage.url();
  const key = `panel-${Date.now().toString(36)}`;
  const opened = (await inChrome(
    firefox,
    `${PRELUDE}
    const tab = gBrowser.tabs.find((t) => t.linkedBrowser.currentURI.spec === ${JSON.stringify(inspectedUrl)});
    if (!tab) return { error: 'no tab shows ' + ${JSON.stringify(inspectedUrl)} };
    gBrowser.selectedTab = tab;
    const toolbox = await gDevTools.showToolboxForTab(tab, { hostType: 'window' });
    const deadline = Date.now() + ${timeoutMs};
    let toolId;
    while (!toolId && Date.now() < deadline) {
      for (const [id, definition] of toolbox.additionalToolDefinitions ?? []) {
        if (id.startsWith('webext-devtools-panel-') && definition.label === ${JSON.stringify(PANEL_TITLE)}) toolId = id;
      }
      if (!toolId) await new Promise((wake) => setTimeout(wake, 100));
    }
    if (!toolId) return { error: 'the extension panel did not register', tools: [...(toolbox.additionalToolDefinitions?.keys() ?? [])] };
    // A roomy window, so the panel renders every row of the demo listing.
    toolbox.topWindow.resizeTo(1280, 900);
    await toolbox.selectTool(toolId);
    registry.panels.set(${JSON.stringify(key)}, { toolbox, toolId });
    return { toolId };`,
  )) as { toolId?: string; error?: string; tools?: string[] };
  if (!opened.toolId) throw new Error(`Could not open the "${PANEL_TITLE}" panel in Firefox DevTools: ${opened.error} ${JSON.stringify(opened.tools ?? '')}`);

  /**
   * Runs `fn` in the panel. An answer that does not come within `answerMs` counts as a
   * failure: a frame script loaded while the panel's <browser> switches process is lost, and
   * only a new one (on the next try) runs.
   */
  const evaluateWithin = async <T, A extends unknown[]>(answerMs: number, fn: (document: Document, ...args: A) => T | Promise<T>, ...args: A): Promise<T> => {
    const reply = `opfs-inspector-test:${Math.random().toString(36).slice(2)}`;
    // Runs in the panel's process as a frame script: `content` is the panel window.
    const frameScript = `(function () {
      const reply = (payload) => sendAsyncMessage(${JSON.stringify(reply)}, payload);
      try {
        Promise.resolve((${fn.toString()})(content.document, ...${JSON.stringify(args)})).then(
          (value) => reply({ ok: true, json: JSON.stringify(value === undefined ? null : value) }),
          (error) => reply({ ok: false, error: String((error && error.stack) || error) }),
        );
      } catch (error) {
        reply({ ok: false, error: String((error && error.stack) || error) });
      }
    })();`;
    const answer = (await inChrome(
      firefox,
      `${PRELUDE}
      const { toolbox, toolId } = registry.panels.get(${JSON.stringify(key)});
      const iframe = toolbox.doc.getElementById('toolbox-panel-iframe-' + toolId);
      const browser = iframe?.contentDocument?.querySelector('browser');
      if (!browser?.messageManager) return { ok: false, error: 'the panel has no <browser> (not shown yet?)' };
      const mm = browser.messageManager;
      const answer = new Promise((resolve) => {
        const listener = (message) => {
          mm.removeMessageListener(${JSON.stringify(reply)}, listener);
          resolve(message.data);
        };
        mm.addMessageListener(${JSON.stringify(reply)}, listener);
      });
      // UTF-8 said outright: a data: URL is read as Latin-1 otherwise ("ü" would arrive as "Ã¼").
      mm.loadFrameScript('data:text/javascript;charset=utf-8,' + encodeURIComponent(${JSON.stringify(frameScript)}), false);
      const timeout = new Promise((resolve) => setTimeout(() => resolve({ ok: false, error: 'no answer from the panel within ' + ${JSON.stringify(String(answerMs / 1000))} + ' s' }), ${answerMs}));
      return await Promise.race([answer, timeout]);`,
    )) as { ok: boolean; json?: string; error?: string };
    if (!answer.ok) throw new Error(`In the Firefox DevTools panel: ${answer.error}`);
    return JSON.parse(answer.json!) as T;
  };

  const evaluate = <T, A extends unknown[]>(fn: (document: Document, ...args: A) => T | Promise<T>, ...args: A): Promise<T> => evaluateWithin(60_000, fn, ...args);

  const waitForSelector = async (selector: string, waitMs = 60_000): Promise<void> => {
    const deadline = Date.now() + waitMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      try {
        if (await evaluateWithin(5_000, (document, s) => document.querySelector(s) !== null, selector)) return;
      } catch (error) {
        lastError = error; // the panel document may still be loading
      }
      await new Promise((wake) => setTimeout(wake, 150));
    }
    throw new Error(`Timed out after ${waitMs} ms waiting for ${selector} in the Firefox DevTools panel.${lastError ? ` Last error: ${String(lastError)}` : ''}`);
  };

  // The panel page loads after the tool is selected: wait for its document.
  await waitForSelector('#app', timeoutMs);
  const url = await evaluate((document) => document.location.href);
  return {
    url,
    evaluate,
    waitForSelector,
    async click(selector) {
      const clicked = await evaluate((document, s) => {
        const element = document.querySelector<HTMLElement>(s);
        element?.click();
        return element !== null;
      }, selector);
      if (!clicked) throw new Error(`Nothing to click: ${selector} is not in the Firefox DevTools panel.`);
    },
    async text(testId) {
      return evaluate((document, id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '', testId);
    },
    // Fetched from its URL in the panel's realm: Firefox's frame scripts cannot hand over a local path.
    async chooseFile(selector, { url, name }) {
      await evaluate(
        async (document, s, fileUrl, fileName) => {
          // Objects are made in the panel's own realm, as a real choice would make them.
          const win = document.defaultView as Window & typeof globalThis;
          const response = await win.fetch(fileUrl);
          if (!response.ok) throw new Error(`fetch ${fileUrl}: ${response.status}`);
          const file = new win.File([await response.blob()], fileName, { type: 'text/csv' });
          const transfer = new win.DataTransfer();
          transfer.items.add(file);
          const input = document.querySelector(s) as HTMLInputElement;
          input.files = transfer.files;
          input.dispatchEvent(new win.Event('change', { bubbles: true }));
          return true;
        },
        selector,
        url,
        name,
      );
    },
  };
}

/** Sets Firefox DevTools' theme preference (`devtools.theme`: 'light' or 'dark'), as its settings page does. */
export async function setFirefoxDevToolsTheme(firefox: LaunchedFirefox, theme: 'light' | 'dark'): Promise<void> {
  await inChrome(firefox, `Services.prefs.setCharPref('devtools.theme', ${JSON.stringify(theme)}); return true;`);
}
