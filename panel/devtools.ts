// The devtools_page only registers the panel; the panel itself is panel/panel.html.
export const PANEL_TITLE = 'OPFS Snapshots';

// Path-absolute: Chrome resolves the page against the extension's root, but Firefox
// resolves it against this document (panel/devtools.html), so 'panel/panel.html' opened
// moz-extension://…/panel/panel/panel.html there, a 404 (measured in Firefox ESR 153).
// Opened in a tab (as tests do, to drive the extension from an inert page of its own)
// there is no DevTools to register with.
if (chrome.devtools) void chrome.devtools.panels.create(PANEL_TITLE, '', '/panel/panel.html');
