/**
 * The offscreen document: hosts the engine and serves its requests. The listener is
 * registered first, at the top level, so the request that created the document is not missed.
 */
import type { OffscreenApi } from '../protocol';
import { serve } from '../messaging';
import { engineHandlers, startEngine } from '../engine/engine';

serve<OffscreenApi>('offscreen', engineHandlers);
void startEngine();
