import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { usePanel } from '../context';
import { reduce } from '../store';
import { onEscape } from './keys';

/**
 * The question answered with a name or a path (rename, move, new folder): Enter answers,
 * Escape cancels. An answer that cannot be taken (the name exists) is said under the
 * input, which keeps the focus. Test contract: `prompt-dialog`, the input's own test id
 * (`rename-input`, `move-input`, `new-folder-input`), `prompt-ok`, `prompt-cancel`,
 * `prompt-error`.
 */
export function PromptDialog() {
  const { store } = usePanel();
  const request = store.prompt.value;
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useLayoutEffect(() => {
    setError(null);
    setBusy(false);
    const element = input.current;
    if (!request || !element) return;
    element.focus();
    element.setSelectionRange(0, request.selectUntil ?? request.value.length);
  }, [request]);
  if (!request) return null;
  const close = () => reduce(store, { type: 'prompt', request: null });
  const answer = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    let problem: string | null;
    try {
      problem = await request.submit(input.current?.value ?? '');
    } catch (error) {
      // The page went away or stopped answering: said here, and the dialog answers again;
      // on the action line if the dialog closed meanwhile (a navigation closes it).
      const message = error instanceof Error ? error.message : String(error);
      if (store.prompt.value !== request) reduce(store, { type: 'file-action', state: { kind: 'failed', error: `${request.title} stopped: ${message}` } });
      problem = `That did not work: ${message}`;
    }
    setBusy(false);
    if (problem === null) close();
    else {
      setError(problem);
      input.current?.focus();
    }
  };
  return (
    <div class="dialog-backdrop" onClick={(e) => { if (e.target === e.currentTarget) close(); }}>
      <form class="dialog" role="dialog" aria-modal="true" aria-labelledby="prompt-title" data-testid="prompt-dialog" onSubmit={(e) => void answer(e)} onKeyDown={onEscape(close)}>
        <h2 id="prompt-title">{request.title}</h2>
        <input
          ref={input}
          class="prompt-input"
          data-testid={request.inputTestId}
          defaultValue={request.value}
          list={request.suggestions ? 'prompt-suggestions' : undefined}
          aria-invalid={error !== null}
          aria-describedby={error !== null ? 'prompt-error' : undefined}
          spellcheck={false}
          autocomplete="off"
        />
        {request.suggestions ? (
          <datalist id="prompt-suggestions">
            {request.suggestions.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        ) : null}
        {error !== null ? (
          <p class="error" id="prompt-error" data-testid="prompt-error" role="alert">
            {error}
          </p>
        ) : null}
        <div class="dialog-buttons">
          <button type="button" data-testid="prompt-cancel" onClick={close}>
            Cancel
          </button>
          <button type="submit" class="primary" data-testid="prompt-ok" disabled={busy}>
            {request.okLabel}
          </button>
        </div>
      </form>
    </div>
  );
}
