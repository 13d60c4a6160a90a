import { describe, expect, test } from 'vitest';
import { seededRandom } from '../tests/support/random';
import { NO_SELECTION, clearSelection, clickRow, moveCursor, selectAll, withoutPaths, type Selection, type SelectionKey } from './selection';

const rowsOf = (n: number) => Array.from({ length: n }, (_, i) => `d${i % 3}/f${String(i).padStart(3, '0')}.parquet`);
const between = (rows: readonly string[], a: string, b: string) => {
  const [i, j] = [rows.indexOf(a), rows.indexOf(b)].sort((x, y) => x - y);
  return rows.slice(i, j + 1);
};

describe('selecting rows as a file manager does', () => {
  test.each([1, 2, 7, 50])('a click selects one row, Shift-click the rows between it and the anchor, whichever order (%i rows)', (n) => {
    const rows = rowsOf(n);
    for (const a of rows) {
      for (const b of rows) {
        const clicked = clickRow(NO_SELECTION, rows, a);
        expect([...clicked.paths]).toEqual([a]);
        const ranged = clickRow(clicked, rows, b, { range: true });
        expect([...ranged.paths].sort()).toEqual(between(rows, a, b).sort());
        // The anchor stays: a second Shift-click re-ranges from it.
        expect(ranged.anchor).toBe(a);
        expect(ranged.cursor).toBe(b);
      }
    }
  });

  test('Ctrl/Cmd-click toggles one row and keeps the others; a plain click drops them', () => {
    const rows = rowsOf(10);
    const random = seededRandom(7);
    let selection: Selection = NO_SELECTION;
    const expected = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const path = rows[Math.floor(random() * rows.length)];
      selection = clickRow(selection, rows, path, { toggle: true });
      if (expected.has(path)) expected.delete(path);
      else expected.add(path);
      expect(new Set(selection.paths)).toEqual(expected);
    }
    expect([...clickRow(selection, rows, rows[3]).paths]).toEqual([rows[3]]);
  });

  test('ranges follow the rows as shown: a filtered-out anchor starts anew at the clicked row', () => {
    const rows = rowsOf(20);
    const shown = rows.filter((r) => r.startsWith('d1/'));
    const selection = clickRow(NO_SELECTION, rows, rows[0]);
    expect([...clickRow(selection, shown, shown[3], { range: true }).paths]).toEqual([shown[3]]);
  });

  test.each([1, 5, 40])('the keys move the cursor within the rows and select where it lands; with Shift, the range (%i rows)', (n) => {
    const rows = rowsOf(n);
    const random = seededRandom(n);
    const keys: SelectionKey[] = ['ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown'];
    let selection: Selection = NO_SELECTION;
    let index = -1;
    let anchor = -1;
    for (let i = 0; i < 300; i++) {
      const key = keys[Math.floor(random() * keys.length)];
      const shift = random() < 0.4;
      const page = 1 + Math.floor(random() * 10);
      const from = index < 0 ? (key === 'ArrowUp' || key === 'PageUp' || key === 'End' ? n - 1 : 0) : undefined;
      const moved = { ArrowUp: index - 1, ArrowDown: index + 1, Home: 0, End: n - 1, PageUp: index - page, PageDown: index + page }[key];
      const next = from ?? Math.min(n - 1, Math.max(0, moved));
      if (!shift || anchor < 0) anchor = shift && index >= 0 ? index : next;
      selection = moveCursor(selection, rows, key, page, shift);
      index = next;
      expect(selection.cursor).toBe(rows[index]);
      expect([...selection.paths].sort()).toEqual(rows.slice(Math.min(anchor, index), Math.max(anchor, index) + 1).sort());
    }
  });

  test('select all takes every row shown; Escape clears but keeps the cursor; deleted rows leave the selection', () => {
    const rows = rowsOf(12);
    const all = selectAll(clickRow(NO_SELECTION, rows, rows[4]), rows);
    expect(all.paths.size).toBe(12);
    expect(all.cursor).toBe(rows[4]);
    const cleared = clearSelection(all);
    expect(cleared.paths.size).toBe(0);
    expect(cleared.cursor).toBe(rows[4]);
    const gone = new Set([rows[4], rows[5]]);
    const left = withoutPaths(all, gone);
    expect([...left.paths]).toEqual(rows.filter((r) => !gone.has(r)));
    expect(left.cursor).toBeNull();
    expect(moveCursor(NO_SELECTION, [], 'ArrowDown', 10)).toBe(NO_SELECTION);
  });
});
