/**
 * File names come from the page and are rendered as text, never as HTML. Text can still
 * mislead: a right-to-left override (U+202E) shows `invoice‮teeuqrap.csv` as
 * `invoicecsv.parquet`, zero-width characters make two names look alike, and a newline
 * hides the rest of a name. Such names keep their literal text and get a visible warning
 * with the name spelled out in code points.
 */

// C0 and C1 controls (newline, tab…), zero-width and bidi formatting characters, BOM, line/paragraph separators.
const DECEPTIVE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/gu;

/** True when `name` holds characters that are invisible or change how the text around them is shown. */
export function hasDeceptiveCharacters(name: string): boolean {
  DECEPTIVE.lastIndex = 0;
  return DECEPTIVE.test(name);
}

/** `name` with each deceptive character written as `⟨U+202E⟩`, for a tooltip or details line. */
export function spelledOut(name: string): string {
  return name.replace(DECEPTIVE, (c) => `⟨U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟩`);
}

export { entryNameProblem } from '../src/opfs/fs';

/**
 * The first of `name (1).ext`, `name (2).ext`, … that `taken` says is free: what "keep both"
 * names a file when its name is taken. The extension is what follows the last dot, unless
 * that dot starts the name (`.env` → `.env (1)`).
 */
export function keepBothName(name: string, taken: (candidate: string) => boolean): string {
  const dot = name.lastIndexOf('.');
  const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 1; ; n++) {
    const candidate = `${stem} (${n})${extension}`;
    if (!taken(candidate)) return candidate;
  }
}
