/**
 * Which files are selected in the list, as a file manager does it: a click selects one, a
 * Shift-click the range from the anchor, a Ctrl/Cmd-click toggles one; the arrows, Home,
 * End, PageUp and PageDown move the cursor (with Shift, extending the range); Ctrl/Cmd-A
 * selects every row of the current filter; Escape clears. Ranges follow the rows as they
 * are shown (filter and sort). Pure: the store keeps the state, the file list calls these.
 */

export interface Selection {
  /** The selected paths. */
  readonly paths: ReadonlySet<string>;
  /** Where a range starts (the last row clicked or moved to without Shift). */
  readonly anchor: string | null;
  /** The row the keyboard is on. */
  readonly cursor: string | null;
}

export const NO_SELECTION: Selection = { paths: new Set(), anchor: null, cursor: null };

export interface Modifiers {
  /** Shift: a range from the anchor. */
  range?: boolean;
  /** Ctrl or Cmd: add or take out one row. */
  toggle?: boolean;
}

/** The rows from `from` to `to` (either order), as shown; `to` alone when `from` is not shown. */
function rangeOf(rows: readonly string[], from: string | null, to: string): Set<string> {
  const end = rows.indexOf(to);
  const start = from === null ? -1 : rows.indexOf(from);
  if (start < 0 || end < 0) return new Set([to]);
  return new Set(rows.slice(Math.min(start, end), Math.max(start, end) + 1));
}

/** A click on the row at `path`, among `rows` (the paths as shown). */
export function clickRow(selection: Selection, rows: readonly string[], path: string, modifiers: Modifiers = {}): Selection {
  if (modifiers.range) return { paths: rangeOf(rows, selection.anchor, path), anchor: selection.anchor ?? path, cursor: path };
  if (modifiers.toggle) {
    const paths = new Set(selection.paths);
    if (paths.has(path)) paths.delete(path);
    else paths.add(path);
    return { paths, anchor: path, cursor: path };
  }
  return { paths: new Set([path]), anchor: path, cursor: path };
}

export type SelectionKey = 'ArrowUp' | 'ArrowDown' | 'Home' | 'End' | 'PageUp' | 'PageDown';

const MOVES: Record<SelectionKey, (index: number, last: number, page: number) => number> = {
  ArrowUp: (i) => i - 1,
  ArrowDown: (i) => i + 1,
  Home: () => 0,
  End: (_i, last) => last,
  PageUp: (i, _last, page) => i - page,
  PageDown: (i, _last, page) => i + page,
};

export function isSelectionKey(key: string): key is SelectionKey {
  return Object.prototype.hasOwnProperty.call(MOVES, key);
}

/**
 * The cursor moved by `key` (`page` rows for PageUp/PageDown); the row it lands on is
 * selected alone, or with Shift the range from the anchor. From no cursor (or one no longer
 * shown), a move starts at the first row (Up, PageUp, End: from the end).
 */
export function moveCursor(selection: Selection, rows: readonly string[], key: SelectionKey, page: number, range = false): Selection {
  if (rows.length === 0) return selection;
  const last = rows.length - 1;
  const at = selection.cursor === null ? -1 : rows.indexOf(selection.cursor);
  const index = at < 0 ? (key === 'ArrowUp' || key === 'PageUp' || key === 'End' ? last : 0) : Math.min(last, Math.max(0, MOVES[key](at, last, Math.max(1, page))));
  const cursor = rows[index];
  if (range) return { paths: rangeOf(rows, selection.anchor ?? selection.cursor ?? cursor, cursor), anchor: selection.anchor ?? selection.cursor ?? cursor, cursor };
  return { paths: new Set([cursor]), anchor: cursor, cursor };
}

/** Every row shown (the current filter), the cursor kept. */
export function selectAll(selection: Selection, rows: readonly string[]): Selection {
  return { paths: new Set(rows), anchor: selection.anchor, cursor: selection.cursor ?? rows[0] ?? null };
}

/** Nothing selected; the cursor stays where it is. */
export function clearSelection(selection: Selection): Selection {
  return { paths: new Set(), anchor: null, cursor: selection.cursor };
}

/** The selection without `gone` (files deleted, or no longer listed). */
export function withoutPaths(selection: Selection, gone: ReadonlySet<string>): Selection {
  const paths = new Set([...selection.paths].filter((p) => !gone.has(p)));
  return {
    paths,
    anchor: selection.anchor !== null && gone.has(selection.anchor) ? null : selection.anchor,
    cursor: selection.cursor !== null && gone.has(selection.cursor) ? null : selection.cursor,
  };
}
