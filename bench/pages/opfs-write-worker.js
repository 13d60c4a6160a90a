// Raw OPFS write through a sync access handle: only dedicated workers have them.
// Message: { mib, name }; answer: { ms } (get handle → open → write → flush → close) or { error }.
function patterned(bytes) {
  const data = new Uint8Array(bytes);
  const block = new Uint8Array(65536);
  crypto.getRandomValues(block);
  for (let at = 0; at < bytes; at += block.length) data.set(block.subarray(0, Math.min(block.length, bytes - at)), at);
  return data;
}

onmessage = async (event) => {
  const { mib, name } = event.data;
  try {
    const data = patterned(mib * 1024 * 1024);
    const root = await navigator.storage.getDirectory();
    const started = performance.now();
    const handle = await root.getFileHandle(name, { create: true });
    const access = await handle.createSyncAccessHandle();
    access.truncate(0);
    let written = 0;
    while (written < data.length) written += access.write(data.subarray(written), { at: written });
    access.flush();
    access.close();
    const ms = performance.now() - started;
    await root.removeEntry(name);
    postMessage({ ms });
  } catch (error) {
    postMessage({ error: `${error?.name}: ${error?.message}` });
  }
};
