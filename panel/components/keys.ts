/**
 * Keys the panel acts on stop here. DevTools runs a script in every extension panel that
 * listens for keydown on the document and forwards Escape, the F-keys and its shortcuts to
 * DevTools itself, where Escape opens the console drawer and takes the keyboard away from the
 * panel. A key that cancelled a dialog, cleared the selection or renamed a file must not do
 * that too: it goes no further than the element that handled it. Keys the panel leaves alone
 * (Escape with nothing to cancel) still reach DevTools, as anywhere else in it.
 */
export function consumeKey(event: KeyboardEvent): void {
  event.preventDefault();
  event.stopPropagation();
}

/** A dialog's keydown handler: Escape runs `cancel`, and DevTools does not see the key. */
export function onEscape(cancel: () => void): (event: KeyboardEvent) => void {
  return (event) => {
    if (event.key !== 'Escape') return;
    consumeKey(event);
    cancel();
  };
}
