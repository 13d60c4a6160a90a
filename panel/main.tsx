/**
 * The "OPFS Snapshots" panel. Runs inside DevTools (and, without `chrome.devtools`, in a
 * tab, where only the extension's own storage can be listed).
 */
import { render } from 'preact';
import { App } from './components/App';
import { PanelContext } from './context';
import { createController } from './controller';
import { hasInspectedWindow } from './inspected-window';
import { createStore } from './store';
import { createQueryController, createQueryState } from './query';
import './panel.css';

const inDevTools = hasInspectedWindow();
const store = createStore(inDevTools ? 'page' : 'extension');
const controller = createController(store);
const query = createQueryState();
const queries = createQueryController(query, undefined, () => controller.storageOf('page'));

// Follow DevTools' theme, also when it changes; in a tab, the system's (see panel.css).
function applyTheme(theme: string | undefined): void {
  document.documentElement.classList.toggle('theme-dark', theme === 'dark');
  // Chrome calls the light theme 'default', Firefox 'light'.
  document.documentElement.classList.toggle('theme-light', theme === 'default' || theme === 'light');
}
if (inDevTools) {
  applyTheme(chrome.devtools.panels.themeName);
  chrome.devtools.panels.setThemeChangeHandler?.((theme: string) => applyTheme(theme));
  // Firefox has no setThemeChangeHandler; it fires devtools.panels.onThemeChanged instead.
  (chrome.devtools.panels as { onThemeChanged?: chrome.events.Event<(theme: string) => void> }).onThemeChanged?.addListener(applyTheme);
}

if (inDevTools) {
  // Rescan when the inspected page navigates: event-driven, never a polling loop.
  chrome.devtools.network.onNavigated.addListener(() => controller.navigated());
}

// The page's live watch (if on) stops with the panel.
addEventListener('pagehide', () => controller.close());

void controller.refresh(store.source.value);
void controller.resumeImports();

render(
  <PanelContext.Provider value={{ store, controller, query, queries }}>
    <App />
  </PanelContext.Provider>,
  document.getElementById('app')!,
);
