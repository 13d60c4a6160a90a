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
import './panel.css';

const inDevTools = hasInspectedWindow();
const store = createStore(inDevTools ? 'page' : 'extension');
const controller = createController(store);

// Follow DevTools' theme, also when it changes; in a tab, the system's (see panel.css).
function applyTheme(theme: string | undefined): void {
  document.documentElement.classList.toggle('theme-dark', theme === 'dark');
  document.documentElement.classList.toggle('theme-light', theme === 'default');
}
if (inDevTools) {
  applyTheme(chrome.devtools.panels.themeName);
  chrome.devtools.panels.setThemeChangeHandler?.((theme: string) => applyTheme(theme));
}

if (inDevTools) {
  // Rescan when the inspected page navigates: event-driven, never a polling loop.
  chrome.devtools.network.onNavigated.addListener(() => {
    store.locked.page.value = new Set();
    void controller.refresh('page');
  });
}

void controller.refresh(store.source.value);

render(
  <PanelContext.Provider value={{ store, controller }}>
    <App />
  </PanelContext.Provider>,
  document.getElementById('app')!,
);
