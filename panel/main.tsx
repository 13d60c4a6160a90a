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

// Follow DevTools' theme; in a tab, the system's (see panel.css).
const theme = inDevTools ? chrome.devtools.panels.themeName : undefined;
if (theme === 'dark') document.documentElement.classList.add('theme-dark');
if (theme === 'default') document.documentElement.classList.add('theme-light');

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
