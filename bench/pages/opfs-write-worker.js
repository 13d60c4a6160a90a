// Raw OPFS write through a sync access handle: only dedicated workers have them.
// Message: { mib, name, files?, fresh? }; answer: { ms } (get handle → open → write → flush → close; with `files`,
// that many part-sized files as the exporter writes them; with `fresh`, each from a buffer
// allocated and filled just before it, untimed) or { error }.
function patterned(bytes) {
  const data = new Uint8Array(bytes);
  const block = new Uint8Array(65536);
  crypto.getRandomValues(block);
  for (let at = 0; at < bytes; at += block.length) data.set(block.subarray(0, Math.min(block.length, bytes - at)), at);
  return data;
}

/** Opens `handle`, writes `data` as the whole file, (with `flush`, syncs it,) closes it. */
async function writeWhole(handle, data, flush) {
  const access = await handle.createSyncAccessHandle();
  access.truncate(0);
  let written = 0;
  while (written < data.length) written += access.write(data.subarray(written), { at: written });
  if (flush) access.flush();
  access.close();
}

onmessage = async (event) => {
  const { mib, name, files, fresh } = event.data;
  try {
    const root = await navigator.storage.getDirectory();
    if (files === undefined) {
      const data = patterned(mib * 1024 * 1024);
      const started = performance.now();
      const handle = await root.getFileHandle(name, { create: true });
      await writeWhole(handle, data, true);
      const ms = performance.now() - started;
      await root.removeEntry(name);
      postMessage({ ms });
      return;
    }
    // As the exporter's codec worker writes its parts: `files` files handed over already
    // created (their creation is not timed), each opened, truncated, written and closed, no flush.
    const per = Math.floor((mib * 1024 * 1024) / files);
    const reused = patterned(per);
    const handles = [];
    for (let f = 0; f < files; f++) handles.push(await root.getFileHandle(`${name}-${f}`, { create: true }));
    let ms = 0;
    for (const handle of handles) {
      const data = fresh ? patterned(per) : reused;
      const started = performance.now();
      await writeWhole(handle, data, false);
      ms += performance.now() - started;
    }
    for (let f = 0; f < files; f++) await root.removeEntry(`${name}-${f}`);
    postMessage({ ms });
  } catch (error) {
    postMessage({ error: `${error?.name}: ${error?.message}` });
  }
};
