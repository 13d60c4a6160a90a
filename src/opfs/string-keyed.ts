/**
 * A Map and a Set keyed by strings that V8 does not internalize.
 *
 * Chrome's V8 (seen on Chrome 156, in heap snapshots) puts every string used as a key of a
 * `Map` or `Set`, or looked up in one, into its string table: a panel listing 100,000 files
 * had 216,000 of them there (its paths, names and group keys). Each mark-compact collection
 * visits every entry of that table when it updates pointers from the heap's roots, the phase
 * that took 23–27 ms of CPU in each of the panel's longest tasks at that size. Here a key is
 * hashed in JavaScript to a small integer, and the Maps underneath are keyed by that
 * integer; the few keys whose hash another key already has go to an ordinary Map.
 */

/** FNV-1a over the key's UTF-16 code units, cut to a small integer (kept unboxed as a Map key). */
export function fnv1a(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash & 0x3fffffff;
}

/** Keys by their hash, and the keys another key's hash took (see the module's comment). */
class HashedKeys {
  readonly byHash = new Map<number, string>();
  readonly collided = new Set<string>();

  constructor(readonly hash: (key: string) => number) {}

  /** Where `key` is: its hash when it holds the slot of its hash, the key itself when it collided, undefined when absent. */
  find(key: string, hash = this.hash(key)): number | string | undefined {
    const holder = this.byHash.get(hash);
    if (holder === key) return hash;
    if (holder === undefined || this.collided.size === 0) return undefined;
    return this.collided.has(key) ? key : undefined;
  }

  /** Adds `key` (not present): where it went. */
  add(key: string, hash: number): number | string {
    if (this.byHash.has(hash)) {
      this.collided.add(key);
      return key;
    }
    this.byHash.set(hash, key);
    return hash;
  }

  /**
   * Takes out `key` found at `slot`. When it held a hash's slot that a collided key shares,
   * that key moves into the slot: returned so that its value can move too.
   */
  remove(slot: number | string): string | undefined {
    if (typeof slot === 'string') {
      this.collided.delete(slot);
      return undefined;
    }
    this.byHash.delete(slot);
    for (const other of this.collided) {
      if (this.hash(other) !== slot) continue;
      this.collided.delete(other);
      this.byHash.set(slot, other);
      return other;
    }
    return undefined;
  }

  get size(): number {
    return this.byHash.size + this.collided.size;
  }

  clear(): void {
    this.byHash.clear();
    this.collided.clear();
  }

  *keys(): IterableIterator<string> {
    yield* this.byHash.values();
    yield* this.collided;
  }
}

/**
 * A `Map<string, V>` whose keys V8 does not internalize (see the module's comment). Iterates
 * in insertion order, except that keys whose hash collided come last (and one that takes over
 * its hash's slot when the key there is deleted moves to where it took it over).
 */
export class StringMap<V> implements Iterable<[string, V]> {
  private readonly keysOf: HashedKeys;
  private readonly byHash = new Map<number, V>();
  private readonly collided = new Map<string, V>();

  constructor(entries: Iterable<readonly [string, V]> = [], hash: (key: string) => number = fnv1a) {
    this.keysOf = new HashedKeys(hash);
    for (const [key, value] of entries) this.set(key, value);
  }

  get size(): number {
    return this.keysOf.size;
  }

  get(key: string): V | undefined {
    const slot = this.keysOf.find(key);
    if (slot === undefined) return undefined;
    return typeof slot === 'number' ? this.byHash.get(slot) : this.collided.get(slot);
  }

  has(key: string): boolean {
    return this.keysOf.find(key) !== undefined;
  }

  set(key: string, value: V): this {
    const hash = this.keysOf.hash(key);
    const slot = this.keysOf.find(key, hash) ?? this.keysOf.add(key, hash);
    if (typeof slot === 'number') this.byHash.set(slot, value);
    else this.collided.set(slot, value);
    return this;
  }

  delete(key: string): boolean {
    const slot = this.keysOf.find(key);
    if (slot === undefined) return false;
    if (typeof slot === 'string') this.collided.delete(slot);
    else this.byHash.delete(slot);
    const moved = this.keysOf.remove(slot);
    if (moved !== undefined && typeof slot === 'number') {
      this.byHash.set(slot, this.collided.get(moved) as V);
      this.collided.delete(moved);
    }
    return true;
  }

  clear(): void {
    this.keysOf.clear();
    this.byHash.clear();
    this.collided.clear();
  }

  keys(): IterableIterator<string> {
    return this.keysOf.keys();
  }

  *values(): IterableIterator<V> {
    yield* this.byHash.values();
    yield* this.collided.values();
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [hash, key] of this.keysOf.byHash) yield [key, this.byHash.get(hash) as V];
    yield* this.collided;
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }
}

/** A `Set<string>` whose keys V8 does not internalize (see the module's comment). */
export class StringSet implements Iterable<string> {
  private readonly keysOf: HashedKeys;

  constructor(keys: Iterable<string> = [], hash: (key: string) => number = fnv1a) {
    this.keysOf = new HashedKeys(hash);
    for (const key of keys) this.add(key);
  }

  get size(): number {
    return this.keysOf.size;
  }

  has(key: string): boolean {
    return this.keysOf.find(key) !== undefined;
  }

  add(key: string): this {
    const hash = this.keysOf.hash(key);
    if (this.keysOf.find(key, hash) === undefined) this.keysOf.add(key, hash);
    return this;
  }

  delete(key: string): boolean {
    const slot = this.keysOf.find(key);
    if (slot === undefined) return false;
    this.keysOf.remove(slot);
    return true;
  }

  clear(): void {
    this.keysOf.clear();
  }

  keys(): IterableIterator<string> {
    return this.keysOf.keys();
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.keysOf.keys();
  }
}
