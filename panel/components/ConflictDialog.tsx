import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { usePanel } from '../context';
import { onEscape } from './keys';

/**
 * A name an upload finds taken: replace the file there, keep both (the upload gets
 * `name (1).ext`), or skip it; for this file or, ticked, for every conflict after it.
 * Escape stops the upload. Test contract: `conflict-dialog`, `conflict-replace`,
 * `conflict-keep-both`, `conflict-skip`, `conflict-all`, `conflict-cancel`.
 */
export function ConflictDialog() {
  const { store } = usePanel();
  const request = store.conflict.value;
  const [all, setAll] = useState(false);
  const keep = useRef<HTMLButtonElement>(null);
  useLayoutEffect(() => {
    setAll(false);
    keep.current?.focus();
  }, [request]);
  if (!request) return null;
  return (
    <div class="dialog-backdrop">
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="conflict-title" data-testid="conflict-dialog" data-path={request.path} onKeyDown={onEscape(() => request.answer('cancel', false))}>
        <h2 id="conflict-title">
          <bdi>{request.path}</bdi> exists already
        </h2>
        <p>Replace it with the file being uploaded, keep both (the upload gets a new name), or skip this file?</p>
        {request.later > 0 ? (
          <label class="check">
            <input type="checkbox" data-testid="conflict-all" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} /> Do the same for the {request.later.toLocaleString('en-US')} other{' '}
            {request.later === 1 ? 'name' : 'names'} taken in this upload
          </label>
        ) : null}
        <div class="dialog-buttons">
          <button data-testid="conflict-cancel" onClick={() => request.answer('cancel', false)}>
            Stop upload
          </button>
          <button data-testid="conflict-skip" onClick={() => request.answer('skip', all)}>
            Skip
          </button>
          <button data-testid="conflict-keep-both" ref={keep} onClick={() => request.answer('keep-both', all)}>
            Keep both
          </button>
          <button class="danger" data-testid="conflict-replace" onClick={() => request.answer('replace', all)}>
            Replace
          </button>
        </div>
      </div>
    </div>
  );
}
