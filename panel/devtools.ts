// The devtools_page only registers the panel; the panel itself is panel/panel.html.
export const PANEL_TITLE = 'OPFS Snapshots';

chrome.devtools.panels.create(PANEL_TITLE, '', 'panel/panel.html');
