/**
 * An in-memory stand-in for the Origin Private File System, for unit tests. It behaves
 * like Chrome's OPFS where our code depends on it: NotFoundError / TypeMismatchError from
 * lookups, `removeEntry` refusing non-empty folders without `{ recursive: true }`, and
 * NoModificationAllowedError for a file held open (as by a sync access handle — see
 * {@link FakeOpfs.lock}). `getFile()` returns a real `File`.
 */

type Entry = FakeFileHandle | FakeDirectoryHandle;

function domError(name: string, message: string): DOMException {
  return new DOMException(message, name);
}

/** Chrome rejects these names with TypeError before any lookup. */
function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\\')) {
    throw new TypeError(`Name is not allowed: "${name}"`);
  }
}

/** Options of the fake as a whole. */
export interface FakeOpfsOptions {
  /** Delay of every `getFile()`, to observe concurrency. */
  getFileDelayMs?: number;
  /**
   * Gives files Chrome's `move(parent?, name?)`, which replaces a file of the new name and
   * refuses a file held open. Without it files have no `move()`, as in browsers without it.
   */
  fileMove?: boolean;
  /** Called at the start of every `move()` (with {@link fileMove}): other code acting at that moment. */
  beforeMove?: (file: FakeFileHandle) => void | Promise<void>;
}

/** Shared state of one fake file system: locks, counters. */
class FakeOpfsState {
  readonly locked = new Set<FakeFileHandle>();
  getFileCalls = 0;
  /** Reads of file contents (`slice().arrayBuffer()`, `.text()`, `.arrayBuffer()`). */
  reads = 0;
  getFileInFlight = 0;
  maxGetFileInFlight = 0;
  constructor(readonly options: FakeOpfsOptions) {}
}

/** A fake `FileSystemFileHandle`. */
export class FakeFileHandle {
  readonly kind = 'file' as const;
  /** The file's bytes; replaced on write. */
  bytes: Uint8Array<ArrayBuffer>;
  lastModified: number;
  /** Chrome's move, where the fake has it ({@link FakeOpfsOptions.fileMove}). */
  readonly move?: (parentOrName: FakeDirectoryHandle | string, name?: string) => Promise<void>;

  constructor(
    public name: string,
    private readonly state: FakeOpfsState,
    /** The folder the file was made or last moved in (it may have been removed or replaced there since). */
    public parent: FakeDirectoryHandle,
    bytes: Uint8Array<ArrayBuffer> = new Uint8Array(0),
    lastModified = Date.now(),
  ) {
    this.bytes = bytes;
    this.lastModified = lastModified;
    // Of the handle it is called on, as a method of the prototype is (code calls it through `.call`).
    if (state.options.fileMove) {
      this.move = function (this: FakeFileHandle, parentOrName: FakeDirectoryHandle | string, name?: string) {
        return this.moveTo(parentOrName, name);
      };
    }
  }

  private async moveTo(parentOrName: FakeDirectoryHandle | string, newName?: string): Promise<void> {
    await this.state.options.beforeMove?.(this);
    const from = this.parent;
    if (from.child(this.name) !== this) throw domError('NotFoundError', `"${this.name}" is gone.`);
    if (this.state.locked.has(this)) throw domError('NoModificationAllowedError', `"${this.name}" is held open by an access handle.`);
    const into = typeof parentOrName === 'string' ? from : parentOrName;
    const name = typeof parentOrName === 'string' ? parentOrName : (newName ?? this.name);
    checkName(name);
    const there = into.child(name);
    if (there instanceof FakeDirectoryHandle) throw domError('TypeMismatchError', `"${name}" is a directory.`);
    if (there && this.state.locked.has(there)) throw domError('NoModificationAllowedError', `"${name}" is held open by an access handle.`);
    from.detach(this.name);
    into.attach(name, this);
    this.name = name;
    this.parent = into;
  }

  async getFile(): Promise<File> {
    const state = this.state;
    state.getFileCalls++;
    state.getFileInFlight++;
    state.maxGetFileInFlight = Math.max(state.maxGetFileInFlight, state.getFileInFlight);
    try {
      const delay = state.options.getFileDelayMs ?? 0;
      if (delay > 0) await new Promise((done) => setTimeout(done, delay));
      return countReads(new File([this.bytes], this.name, { lastModified: this.lastModified }), state);
    } finally {
      state.getFileInFlight--;
    }
  }

  /**
   * A minimal writable, a real `WritableStream` (so that `pipeTo` works) with `write()` of its
   * own, as FileSystemWritableFileStream has: the bytes land when it closes, as in a browser.
   */
  async createWritable(): Promise<WritableStream<Uint8Array> & { write(data: Uint8Array | Blob | string): Promise<void> }> {
    if (this.state.locked.has(this)) {
      throw domError('NoModificationAllowedError', 'An open access handle holds this file.');
    }
    const chunks: Uint8Array[] = [];
    const toBytes = async (data: Uint8Array | Blob | string) => (typeof data === 'string' ? new TextEncoder().encode(data) : data instanceof Blob ? new Uint8Array(await data.arrayBuffer()) : data.slice());
    const stream = new WritableStream<Uint8Array | Blob | string>({
      write: async (data) => void chunks.push(await toBytes(data)),
      close: async () => {
        this.bytes = new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer());
        this.lastModified = Date.now();
      },
    });
    return Object.assign(stream, {
      write: async (data: Uint8Array | Blob | string) => {
        const writer = stream.getWriter();
        try {
          await writer.write(data);
        } finally {
          writer.releaseLock();
        }
      },
    });
  }

  async isSameEntry(other: unknown): Promise<boolean> {
    return other === this;
  }
}

/** A fake `FileSystemDirectoryHandle`. */
export class FakeDirectoryHandle {
  readonly kind = 'directory' as const;
  private readonly children = new Map<string, Entry>();

  constructor(
    readonly name: string,
    private readonly state: FakeOpfsState,
  ) {}

  async *entries(): AsyncIterableIterator<[string, Entry]> {
    // A snapshot of the names, like Chrome's: entries added during iteration may be missed.
    for (const [name, entry] of [...this.children]) yield [name, entry];
  }

  async *keys(): AsyncIterableIterator<string> {
    for (const [name] of [...this.children]) yield name;
  }

  async *values(): AsyncIterableIterator<Entry> {
    for (const [, entry] of [...this.children]) yield entry;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<[string, Entry]> {
    return this.entries();
  }

  async getFileHandle(name: string, options: { create?: boolean } = {}): Promise<FakeFileHandle> {
    checkName(name);
    const entry = this.children.get(name);
    if (entry instanceof FakeFileHandle) return entry;
    if (entry) throw domError('TypeMismatchError', `"${name}" is a directory.`);
    if (!options.create) throw domError('NotFoundError', `"${name}" not found.`);
    const file = new FakeFileHandle(name, this.state, this);
    this.children.set(name, file);
    return file;
  }

  async getDirectoryHandle(name: string, options: { create?: boolean } = {}): Promise<FakeDirectoryHandle> {
    checkName(name);
    const entry = this.children.get(name);
    if (entry instanceof FakeDirectoryHandle) return entry;
    if (entry) throw domError('TypeMismatchError', `"${name}" is a file.`);
    if (!options.create) throw domError('NotFoundError', `"${name}" not found.`);
    const folder = new FakeDirectoryHandle(name, this.state);
    this.children.set(name, folder);
    return folder;
  }

  async removeEntry(name: string, options: { recursive?: boolean } = {}): Promise<void> {
    checkName(name);
    const entry = this.children.get(name);
    if (!entry) throw domError('NotFoundError', `"${name}" not found.`);
    if (entry instanceof FakeDirectoryHandle) {
      if (entry.children.size > 0 && !options.recursive) throw domError('InvalidModificationError', `"${name}" is not empty.`);
      if (entry.holdsLockedFile()) throw domError('NoModificationAllowedError', `"${name}" contains a file held open.`);
    } else if (this.state.locked.has(entry)) {
      throw domError('NoModificationAllowedError', `"${name}" is held open by an access handle.`);
    }
    this.children.delete(name);
  }

  async isSameEntry(other: unknown): Promise<boolean> {
    return other === this;
  }

  private holdsLockedFile(): boolean {
    for (const entry of this.children.values()) {
      if (entry instanceof FakeDirectoryHandle ? entry.holdsLockedFile() : this.state.locked.has(entry)) return true;
    }
    return false;
  }

  /** @internal For a file's move: `entry` under `name`, replacing what was there. */
  attach(name: string, entry: Entry): void {
    this.children.set(name, entry);
  }

  /** @internal For a file's move: `name` no longer here. */
  detach(name: string): void {
    this.children.delete(name);
  }

  /** @internal Synchronous child lookup for {@link FakeOpfs}. */
  child(name: string): Entry | undefined {
    return this.children.get(name);
  }

  /** @internal Synchronous listing for {@link FakeOpfs}. */
  childNames(): string[] {
    return [...this.children.keys()];
  }
}

/** A fake OPFS: its root handle plus test helpers that work on '/'-separated paths. */
export class FakeOpfs {
  private readonly state: FakeOpfsState;
  readonly root: FakeDirectoryHandle;

  constructor(options: FakeOpfsOptions = {}) {
    this.state = new FakeOpfsState(options);
    this.root = new FakeDirectoryHandle('', this.state);
  }

  /** The root, typed as the real thing for code under test. */
  get handle(): FileSystemDirectoryHandle {
    return this.root as unknown as FileSystemDirectoryHandle;
  }

  /** A `navigator.storage` look-alike serving this fake. */
  storage(estimate: StorageEstimate = { usage: this.totalBytes(), quota: 10 * 1024 ** 3 }): Pick<StorageManager, 'getDirectory' | 'estimate'> {
    return {
      getDirectory: async () => this.handle,
      estimate: async () => estimate,
    };
  }

  /** Creates the folders of `path` (like `mkdir -p`). */
  async mkdir(path: string): Promise<FakeDirectoryHandle> {
    let folder = this.root;
    for (const segment of path.split('/').filter(Boolean)) folder = await folder.getDirectoryHandle(segment, { create: true });
    return folder;
  }

  /** Writes a file, creating its folders. */
  async writeFile(path: string, content: Uint8Array | string = new Uint8Array(0), options: { lastModified?: number } = {}): Promise<FakeFileHandle> {
    const { folder, name } = splitPath(path);
    const dir = await this.mkdir(folder);
    const file = await dir.getFileHandle(name, { create: true });
    file.bytes = typeof content === 'string' ? new TextEncoder().encode(content) : new Uint8Array(content);
    file.lastModified = options.lastModified ?? Date.now();
    return file;
  }

  /** Marks a file as held open: `removeEntry` and `createWritable` then throw NoModificationAllowedError. */
  lock(path: string): void {
    this.state.locked.add(this.fileAt(path));
  }

  unlock(path: string): void {
    this.state.locked.delete(this.fileAt(path));
  }

  exists(path: string): boolean {
    return this.entryAt(path) !== undefined;
  }

  /** The bytes of the file at `path` as numbers, `'folder'` for a folder, null for nothing. */
  contentAt(path: string): number[] | 'folder' | null {
    const entry = this.entryAt(path);
    if (entry === undefined) return null;
    return entry instanceof FakeDirectoryHandle ? 'folder' : [...entry.bytes];
  }

  /** Every file and folder path, folders with a trailing '/', sorted. */
  listPaths(): string[] {
    const out: string[] = [];
    const visit = (folder: FakeDirectoryHandle, prefix: string): void => {
      for (const name of folder.childNames()) {
        const entry = folder.child(name)!;
        const path = prefix ? `${prefix}/${name}` : name;
        if (entry instanceof FakeDirectoryHandle) {
          out.push(`${path}/`);
          visit(entry, path);
        } else out.push(path);
      }
    };
    visit(this.root, '');
    return out.sort();
  }

  totalBytes(): number {
    return this.listPaths()
      .filter((p) => !p.endsWith('/'))
      .reduce((sum, p) => sum + this.fileAt(p).bytes.length, 0);
  }

  get getFileCalls(): number {
    return this.state.getFileCalls;
  }

  /** Reads of file contents so far: a rescan of an unchanged storage reads none. */
  get reads(): number {
    return this.state.reads;
  }

  get maxGetFileInFlight(): number {
    return this.state.maxGetFileInFlight;
  }

  private entryAt(path: string): Entry | undefined {
    let entry: Entry | undefined = this.root;
    for (const segment of path.split('/').filter(Boolean)) {
      if (!(entry instanceof FakeDirectoryHandle)) return undefined;
      entry = entry.child(segment);
    }
    return entry;
  }

  private fileAt(path: string): FakeFileHandle {
    const entry = this.entryAt(path);
    if (!(entry instanceof FakeFileHandle)) throw new Error(`No file at "${path}" in the fake OPFS.`);
    return entry;
  }
}

function splitPath(path: string): { folder: string; name: string } {
  const cut = path.lastIndexOf('/');
  return { folder: cut < 0 ? '' : path.slice(0, cut), name: path.slice(cut + 1) };
}

/** Counts reads of `file`'s bytes (whole, or through a slice) in `state.reads`. */
function countReads(file: File, state: { reads: number }): File {
  const count = <T extends Blob>(blob: T): T => {
    for (const method of ['arrayBuffer', 'text', 'bytes'] as const) {
      const original = (blob as unknown as Record<string, () => Promise<unknown>>)[method];
      if (typeof original !== 'function') continue;
      Object.defineProperty(blob, method, {
        value: () => {
          state.reads++;
          return original.call(blob);
        },
      });
    }
    const slice = blob.slice.bind(blob);
    Object.defineProperty(blob, 'slice', { value: (...args: Parameters<Blob['slice']>) => count(slice(...args)) });
    return blob;
  };
  return count(file);
}
