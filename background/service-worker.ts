/**
 * Service worker: routes panel requests to the offscreen document (creating it on
 * demand) and owns the action badge. Listeners are registered at the top level.
 */
import { REQUEST_TIMEOUT_MS, type BackgroundOwnApi, type OffscreenApi, type RequestOf, type ResponseOf } from '../src/protocol';
import { NoReceiverError, sendRequest, serve, type Handlers } from '../src/messaging';
import { RemoteError } from '../src/protocol';
import { UserFacingError } from '../src/errors';
import { ensureOffscreenDocument } from './offscreen-document';
import { backgroundOwnHandlers } from './badge';

function forwardToOffscreen<K extends keyof OffscreenApi & string>(type: K) {
  return async (request: RequestOf<OffscreenApi, K>): Promise<ResponseOf<OffscreenApi, K>> => {
    try {
      // A document that was just created may not have registered its listener yet; a
      // request nobody received had no effect, so it is safe to send again.
      for (let attempt = 0; ; attempt++) {
        await ensureOffscreenDocument();
        try {
          return await sendRequest<OffscreenApi, K>('offscreen', type, request, REQUEST_TIMEOUT_MS[type]);
        } catch (error) {
          if (!(error instanceof NoReceiverError) || attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    } catch (error) {
      if (error instanceof RemoteError) throw error; // the engine's own answer
      // The channel to the engine broke (its document closed or crashed): say so, so that
      // the panel asks the (new) engine how the operation ended instead of guessing.
      throw new UserFacingError('EngineUnavailableError', `The engine stopped answering "${type}".`, { cause: error });
    }
  };
}

// Spelled out so that the compiler checks that every offscreen request is forwarded.
const forwarders: Handlers<OffscreenApi> = {
  ping: forwardToOffscreen('ping'),
  loadCsv: forwardToOffscreen('loadCsv'),
  importCsv: forwardToOffscreen('importCsv'),
  getOperations: forwardToOffscreen('getOperations'),
  sweepAbandoned: forwardToOffscreen('sweepAbandoned'),
  exportSnapshot: forwardToOffscreen('exportSnapshot'),
  cancelOperation: forwardToOffscreen('cancelOperation'),
  restoreSnapshot: forwardToOffscreen('restoreSnapshot'),
  verifySnapshot: forwardToOffscreen('verifySnapshot'),
  listSnapshots: forwardToOffscreen('listSnapshots'),
  deleteSnapshot: forwardToOffscreen('deleteSnapshot'),
  dropTable: forwardToOffscreen('dropTable'),
  queryRows: forwardToOffscreen('queryRows'),
  runSql: forwardToOffscreen('runSql'),
  cancelSql: forwardToOffscreen('cancelSql'),
  sqlResultRows: forwardToOffscreen('sqlResultRows'),
  sqlResultParquet: forwardToOffscreen('sqlResultParquet'),
  openFileInQuery: forwardToOffscreen('openFileInQuery'),
  describeDatabaseCopy: forwardToOffscreen('describeDatabaseCopy'),
  openDatabaseInQuery: forwardToOffscreen('openDatabaseInQuery'),
  diffSnapshots: forwardToOffscreen('diffSnapshots'),
  diffRows: forwardToOffscreen('diffRows'),
  engineStatus: forwardToOffscreen('engineStatus'),
  configureEngine: forwardToOffscreen('configureEngine'),
};

serve<OffscreenApi & BackgroundOwnApi>('background', { ...forwarders, ...backgroundOwnHandlers });
