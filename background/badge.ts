/**
 * The background's own requests ({@link BackgroundOwnApi}), shared by Chrome's service
 * worker and Firefox's event page. Through webextension-polyfill's `browser.action`, which
 * is Chrome's `chrome.action` wrapped in promises and Firefox's native `browser.action`.
 */
import browser from 'webextension-polyfill';
import type { BackgroundOwnApi } from '../src/protocol';
import type { Handlers } from '../src/messaging';

export const backgroundOwnHandlers: Handlers<BackgroundOwnApi> = {
  async setBadge({ text, title }) {
    await browser.action.setBadgeBackgroundColor({ color: '#d93025' });
    await browser.action.setBadgeText({ text: text.slice(0, 4) });
    await browser.action.setTitle({ title: title.slice(0, 200) || 'OPFS Snapshot Inspector' });
    return {};
  },
};
