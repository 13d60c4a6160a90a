/**
 * Service worker: routes panel requests to the offscreen document (creating it on
 * demand) and owns the action badge. Listeners are registered at the top level.
 */
import { REQUEST_TIMEOUT_MS, type BackgroundOwnApi, type OffscreenApi, type RequestOf, type ResponseOf } from '../src/protocol';
import { sendRequest, serve, type Handlers } from '../src/messaging';
import { ensureOffscreenDocument } from './offscreen-document';

function forwardToOffscreen<K extends keyof OffscreenApi & string>(type: K) {
  return async (request: RequestOf<OffscreenApi, K>): Promise<ResponseOf<OffscreenApi, K>> => {
    await ensureOffscreenDocument();
    return sendRequest<OffscreenApi, K>('offscreen', type, request, REQUEST_TIMEOUT_MS[type]);
  };
}

// Spelled out so that the compiler checks that every offscreen request is forwarded.
const forwarders: Handlers<OffscreenApi> = {
  ping: forwardToOffscreen('ping'),
  loadCsv: forwardToOffscreen('loadCsv'),
  exportSnapshot: forwardToOffscreen('exportSnapshot'),
  cancelOperation: forwardToOffscreen('cancelOperation'),
  restoreSnapshot: forwardToOffscreen('restoreSnapshot'),
  verifySnapshot: forwardToOffscreen('verifySnapshot'),
  listSnapshots: forwardToOffscreen('listSnapshots'),
  deleteSnapshot: forwardToOffscreen('deleteSnapshot'),
  dropTable: forwardToOffscreen('dropTable'),
  queryRows: forwardToOffscreen('queryRows'),
};

const own: Handlers<BackgroundOwnApi> = {
  async setBadge({ text, title }) {
    await chrome.action.setBadgeBackgroundColor({ color: '#d93025' });
    await chrome.action.setBadgeText({ text: text.slice(0, 4) });
    await chrome.action.setTitle({ title: title.slice(0, 200) || 'OPFS Snapshot Inspector' });
    return {};
  },
};

serve<OffscreenApi & BackgroundOwnApi>('background', { ...forwarders, ...own });
