// Holds one OPFS file open with a sync access handle, as DuckDB-WASM does with the files it
// has registered: the file stays readable, but removeEntry() throws NoModificationAllowedError.
let handle;

self.onmessage = async (event) => {
  try {
    if (event.data.type === 'lock') {
      let folder = await navigator.storage.getDirectory();
      const segments = event.data.path.split('/');
      const name = segments.pop();
      for (const segment of segments) folder = await folder.getDirectoryHandle(segment);
      const file = await folder.getFileHandle(name);
      handle = await file.createSyncAccessHandle();
      self.postMessage({ ok: true });
    } else if (event.data.type === 'release') {
      handle?.close();
      handle = undefined;
      self.postMessage({ ok: true });
    }
  } catch (error) {
    self.postMessage({ ok: false, error: `${error?.name}: ${error?.message}` });
  }
};
