/**
 * The offscreen document's lifecycle. The service worker is stopped and restarted by
 * Chrome at will, so nothing here is remembered between requests except one in-flight
 * creation promise: every request checks again that the document exists.
 */
export const OFFSCREEN_DOCUMENT_PATH = 'src/offscreen/offscreen.html';

let creating: Promise<void> | undefined;

export async function ensureOffscreenDocument(): Promise<void> {
  if (await hasOffscreenDocument()) return;
  creating ??= chrome.offscreen
    .createDocument({
      url: OFFSCREEN_DOCUMENT_PATH,
      // DuckDB-WASM runs in a dedicated Worker, which a service worker cannot start.
      reasons: [chrome.offscreen.Reason.WORKERS],
      justification: 'Hosts the DuckDB-WASM database worker that turns CSV into Parquet snapshots in OPFS.',
    })
    .catch(async (error: unknown) => {
      // Another creation (e.g. from a previous incarnation of this worker) may have won.
      if (!(await hasOffscreenDocument())) throw error;
    })
    .finally(() => {
      creating = undefined;
    });
  await creating;
}

async function hasOffscreenDocument(): Promise<boolean> {
  const contexts = await chrome.runtime.getContexts({
    contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT],
    documentUrls: [chrome.runtime.getURL(OFFSCREEN_DOCUMENT_PATH)],
  });
  return contexts.length > 0;
}
