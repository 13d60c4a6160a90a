/** Turns the sessions' measurements into the figures of the issue, with their targets. */
import type { BenchConfig } from './config';
import { EXPORT_PHASES, RESTORE_PHASES, type ExportBreakdown } from './breakdown';
import type { ExportRun, SessionResult } from './engine-session';
import type { PanelResult } from './panel-bench';
import { PAGES_RETURNED_MS, type RawWriteResult } from './opfs-write';
import type { TransferResult } from './transfer-bench';
import type { LibraryResult } from './library-bench';
import type { QueryResult } from './query-bench';
import type { HandlesResult } from './handles-bench';
import type { WriterResult } from './writer-bench';
import { rowsLabel } from './config';
import { baselineOf, type Results } from './report';
import { MiB, summarize, type Sample } from './stats';

const seconds = (s: Sample): Sample => ({ runs: s.runs.map((v) => v / 1000), median: s.median / 1000, min: s.min / 1000, max: s.max / 1000 });
/** A throughput sample from a time sample: amount per second (min and max swap). */
const rate = (s: Sample, amount: number): Sample => ({ runs: s.runs.map((v) => (amount * 1000) / v), median: (amount * 1000) / s.median, min: (amount * 1000) / s.max, max: (amount * 1000) / s.min });
const mib = (bytes: number) => bytes / MiB;

export function collectFigures(
  results: Results,
  config: BenchConfig,
  sessions: SessionResult[],
  panel: PanelResult | undefined,
  raw: RawWriteResult | undefined,
  transfer: TransferResult | undefined,
  library?: LibraryResult,
  query?: QueryResult,
  handles?: HandlesResult,
  writer?: WriterResult,
): void {
  const small = sessions.find((s) => s.rows === config.rowsSmall);
  const large = sessions.find((s) => s.rows === config.rowsLarge);

  // 1. CSV import.
  if (small?.import) {
    const imp = small.import;
    const mb = imp.csvBytes / 1e6;
    results.add({
      key: `import.time.${small.label}`,
      name: `CSV import, ${small.label} rows (${mb.toFixed(0)} MB) → DuckDB-WASM`,
      sample: seconds(imp.wasm),
      unit: 's',
      baseline: baselineOf('native, same statement', seconds(imp.native), 's'),
      target: { text: '≤ 1.2× native', met: imp.wasm.median / imp.native.median <= 1.2 },
      note: "loadCsv through the extension's messages (staging the file into OPFS not included). Native DuckDB, one thread, runs the statement loadCsv runs (read_csv with row numbering) and its row count.",
      details: { elapsedInOffscreenMs: imp.elapsedMs, stagingMs: imp.stageMs, nativePlainReadMs: imp.nativePlain },
    });
    results.add({
      key: `import.rate.${small.label}`,
      name: `CSV import throughput, ${small.label} rows`,
      sample: rate(imp.wasm, mb),
      unit: 'MB/s',
      baseline: baselineOf('native', rate(imp.native, mb), 'MB/s'),
      ratio: null,
      details: { rowsPerSecond: rate(imp.wasm, small.rows), nativeRowsPerSecond: rate(imp.native, small.rows) },
    });
    results.add({
      key: `import.time.${small.label}.plain`,
      name: `CSV import vs native plain read_csv (no row numbering)`,
      sample: seconds(imp.wasm),
      unit: 's',
      baseline: baselineOf('native plain read', seconds(imp.nativePlain), 's'),
    });
    results.add({
      key: `import.exactTyping.${small.label}`,
      name: `What keeping every value exactly costs: the import's statements vs DuckDB's sampled typing, both native`,
      sample: seconds(imp.native),
      unit: 's',
      baseline: baselineOf('native, sampled types (values past the sample converted unchecked)', seconds(imp.nativeSampled), 's'),
      note: 'Exact typing reads the CSV as text and converts each value after a check that keeps it (src/engine/csv-types.ts).',
    });
  }

  // 2. Export vs native COPY, and vs the naive OFFSET strategy.
  for (const s of [small, large]) {
    if (!s) continue;
    const e = s.export;
    const bytes = e.runs.find((r) => r.strategy === 'range')?.bytes ?? 0;
    results.add({
      key: `export.time.${s.label}`,
      name: `Export ${s.label} rows → verified snapshot (${e.breakdownRange.parts} parts)`,
      sample: seconds(e.range),
      unit: 's',
      baseline: baselineOf('native COPY TO parquet, 1 thread', seconds(e.native), 's'),
      target: { text: '≤ 1.5× native', met: e.range.median / e.native.median <= 1.5 },
      note: `${(bytes / 1e6).toFixed(1)} MB in OPFS vs ${(e.nativeBytes / 1e6).toFixed(1)} MB native (ZSTD, row groups of ${config.rowGroupSize.toLocaleString('en-US')}).`,
      details: { rowsPerSecond: rate(e.range, s.rows), elapsedInOffscreenMs: summarize(e.runs.filter((r) => r.strategy === 'range').slice(config.warmup).map((r) => r.elapsedMs)), breakdown: e.breakdownRange },
    });
    results.add({
      key: `export.offset.${s.label}`,
      name: `Export ${s.label} rows, naive ORDER BY … LIMIT … OFFSET parts`,
      sample: e.offset ? seconds(e.offset) : null,
      unit: 's',
      baseline: baselineOf('the exporter (row-id ranges)', seconds(e.range), 's'),
      target: s === large ? { text: 'exporter ≥ 1.5× faster', met: e.offset ? e.offset.median / e.range.median >= 1.5 : null } : undefined,
      note: s.offsetNote,
      details: e.breakdownOffset ? { breakdown: e.breakdownOffset } : undefined,
    });
  }

  // 2b. CPU of both cores during export: how much of it ran in parallel.
  for (const s of [small, large]) {
    if (!s) continue;
    const timed = s.export.runs.filter((r) => r.strategy === 'range').slice(config.warmup).filter((r) => r.cpu.length > 0);
    if (timed.length === 0) continue;
    const busy = (r: ExportRun) => r.cpu.reduce((sum, t) => sum + t.cpuMs, 0);
    const last = timed[timed.length - 1];
    results.add({
      key: `export.cores.${s.label}`,
      name: `Cores busy during export, ${s.label} rows (CPU time of the engine's process / wall time)`,
      sample: summarize(timed.map((r) => busy(r) / r.ms)),
      unit: 'cores',
      baseline: null,
      note: `Per thread, last run (${(last.ms / 1000).toFixed(2)} s): ${last.cpu
        .slice(0, 4)
        .map((t) => `${t.name} ${(t.cpuMs / 1000).toFixed(2)} s`)
        .join(', ')} (Linux /proc, 10 ms ticks).`,
      details: { runs: timed.map((r) => ({ wallMs: r.ms, threads: r.cpu.slice(0, 6) })) },
    });
  }

  // 3. Memory during export.
  const memoryOf = (s: SessionResult) => {
    const range = s.export.runs.filter((r) => r.strategy === 'range');
    const timed = range.slice(config.warmup);
    const steady = summarize(timed.map((r) => mib(r.memory.extraPeak)));
    const first = mib(range[0].memory.extraPeak);
    return { range, timed, steady, first, wasmGrowth: wasmGrowth(s) };
  };
  const smallMem = small ? memoryOf(small) : undefined;
  for (const s of [small, large]) {
    if (!s) continue;
    const m = memoryOf(s);
    const isLarge = s === large && smallMem !== undefined;
    const details = {
      peakRssMiB: m.range.map((r) => mib(r.memory.rssPeak)),
      rssBeforeMiB: m.range.map((r) => mib(r.memory.rssBefore)),
      exactPeak: m.range[0].memory.exactPeak,
      rendererProcesses: s.rendererProcesses,
    };
    results.add({
      key: `memory.extraPeakRss.${s.label}`,
      name: `Extra peak RSS during export, ${s.label} rows`,
      sample: m.steady,
      unit: 'MiB',
      baseline: isLarge ? baselineOf(`at ${small!.label} rows`, smallMem.steady, 'MiB') : null,
      target: isLarge ? { text: `within 20% of ${small!.label}`, met: m.steady.median <= smallMem.steady.median * 1.2 } : undefined,
      note:
        "Peak RSS of the extension's renderer process (offscreen document, DuckDB's worker, parquet-wasm) during the export minus its RSS right before it, " +
        'after a forced GC; timed runs. Peak read as VmHWM after resetting it (else sampled every 20 ms). Absolute peaks per run in the details.',
      details,
    });
    results.add({
      key: `memory.extraPeakRss.first.${s.label}`,
      name: `Extra peak RSS during the first export (starts parquet-wasm), ${s.label} rows`,
      sample: { runs: [m.first], median: m.first, min: m.first, max: m.first },
      unit: 'MiB',
      baseline: isLarge ? { name: `at ${small!.label} rows`, value: smallMem.first, unit: 'MiB', runs: [smallMem.first], min: smallMem.first, max: smallMem.first } : null,
      note: "The session's first export (the warm-up): includes parquet-wasm's start and its WASM memory growing to what one part needs; WASM memory never shrinks, so later exports reuse it.",
    });
    const growth = m.wasmGrowth.firstTotalMiB;
    results.add({
      key: `memory.wasmGrowth.${s.label}`,
      name: `DuckDB's WASM heap growth during the first export, ${s.label} rows`,
      sample: { runs: [growth], median: growth, min: growth, max: growth },
      unit: 'MiB',
      baseline: isLarge ? { name: `at ${small!.label} rows`, value: smallMem.wasmGrowth.firstTotalMiB, unit: 'MiB', runs: [], min: 0, max: 0 } : null,
      note: "DuckDB's WASM heap (its worker), after minus before the session's first export. WASM memory never shrinks, so later exports grow it only if they need more; per-run growth for both strategies is in the details. parquet-wasm's memory, in the codec's worker, is out of reach of the bench's probes: it is in the RSS figures.",
      details: m.wasmGrowth,
    });
  }

  // 4. Restore and verify.
  if (small?.restore) {
    const r = small.restore;
    results.add({
      key: `restore.time.${small.label}`,
      name: `Restore the ${small.label}-row snapshot`,
      sample: seconds(r.wasm),
      unit: 's',
      baseline: baselineOf('native read_parquet + checksum', seconds(r.native), 's'),
      target: { text: '≤ 2× native and < 1.5 s', met: r.wasm.median <= 2 * r.native.median && r.wasm.median < 1500 },
      note: `restoreSnapshot (decode, insert, number rows, checksum); rows and checksum ${r.checksumOk ? 'match the manifest' : 'DO NOT match'}.`,
    });
    results.add({
      key: `verify.time.${small.label}`,
      name: `Verify the ${small.label}-row snapshot`,
      sample: seconds(r.verify),
      unit: 's',
      baseline: baselineOf('native read_parquet + checksum', seconds(r.native), 's'),
    });
  }

  // 5. Panel, at each size.
  for (const size of panel?.sizes ?? []) {
    const files = size.files.toLocaleString('en-US');
    const small = size.files <= 20_000;
    const taskLimit = small ? 50 : 100;
    const once = (value: number): Sample => ({ runs: [value], median: value, min: value, max: value });
    results.add({
      key: `panel.listed.${size.files}`,
      name: `Panel: refresh → every one of ${files} files listed`,
      sample: seconds(size.listed),
      unit: 's',
      baseline: baselineOf('bare walk, concurrent getFile()', seconds(size.bareWalk), 's'),
      target: { text: '≤ 1.2× bare walk', met: size.listed.median / size.bareWalk.median <= 1.2 },
      note: `Shift-click on Refresh (read every file again) in the real DevTools panel until its summary leaves "running", timed in the panel frame, paired run by run with the walk in the page. The refresh walks behind the rows listed before, which stay on screen until every file is listed (its summary counts the walk). A new document's listing fills from an empty list instead: see the reload figures. First open of the panel (DevTools' own start included): listed in ${(size.firstOpen.listedMs / 1000).toFixed(1)} s, checked in ${(size.firstOpen.checkedMs / 1000).toFixed(1)} s.`,
      details: { layout: size.layout, firstOpen: size.firstOpen },
    });
    const [bounded, wide] = size.walkConcurrency;
    if (bounded && wide) {
      results.add({
        key: `panel.walkConcurrency.${size.files}`,
        name: `Page walk of ${files} files with ${bounded.inFlight.toLocaleString('en-US')} getFile() calls in flight (the panel's)`,
        sample: once(bounded.ms / 1000),
        unit: 's',
        baseline: baselineOf(`${wide.inFlight.toLocaleString('en-US')} in flight`, once(wide.ms / 1000), 's'),
        note: `Once each, in the page, before the panel opens. First file after ${bounded.firstFileMs.toFixed(0)} vs ${wide.firstFileMs.toFixed(0)} ms; a 10 ms timer in the page at most ${bounded.timerLatenessMs.toFixed(0)} vs ${wide.timerLatenessMs.toFixed(0)} ms late (how long the page could not answer the panel).`,
        details: { walkConcurrency: size.walkConcurrency },
      });
    }
    results.add({
      key: `panel.workerWalk.${size.files}`,
      name: `Page walk of ${files} files in a worker of the page: the panel's walk vs a bare walk reading each file's size and time`,
      sample: seconds(size.workerWalk.panelWalk),
      unit: 's',
      baseline: baselineOf('bare walk in a worker, size and time read', seconds(size.workerWalk.bareWithStat), 's'),
      note: `Three rounds, the walks in turn, in a new worker each, before the panel opens (no DevTools). A bare walk that reads nothing of the files: ${(size.workerWalk.bare.median / 1000).toFixed(2)} s. What the panel's listing adds to its walk is the worker's start in the page, the polls and the judging.`,
      details: { workerWalk: size.workerWalk },
    });
    results.add({
      key: `panel.reloadFirstRow.${size.files}`,
      name: `Panel: page reloaded → first row of its ${files} files`,
      sample: size.reload.firstRow,
      unit: 'ms',
      baseline: null,
      note: 'From the reload in the page (its own load included) to the first row of the new document\'s listing, which fills while it walks; timed in the panel frame.',
    });
    results.add({
      key: `panel.reloadListed.${size.files}`,
      name: `Panel: page reloaded → every one of ${files} files listed`,
      sample: seconds(size.reload.listed),
      unit: 's',
      baseline: baselineOf('bare walk, concurrent getFile()', seconds(size.bareWalk), 's'),
      note: 'The page\'s own reload included, rows shown while the walk runs (verdicts known from before: nothing is read); for comparison, not a target.',
    });
    results.add({
      key: `panel.checked.${size.files}`,
      name: `Panel: refresh → every Parquet file checked, ${files} files`,
      sample: seconds(size.checked),
      unit: 's',
      baseline: baselineOf(`walk + one read per Parquet file (${size.readWalkReads.toLocaleString('en-US')} reads)`, seconds(size.readWalk), 's'),
      target: { text: '≤ 1.1× walk + reads', met: size.checked.median / size.readWalk.median <= 1.1 },
      note: 'Until the summary says done. The baseline walks with getFile() for every file and reads the last 64 KiB (and first 4 bytes when larger) of every non-empty .parquet file, all at once.',
    });
    results.add({
      key: `panel.rescan.${size.files}`,
      name: `Panel: rescan of the unchanged ${files} files`,
      sample: seconds(size.rescan),
      unit: 's',
      baseline: baselineOf('bare walk', seconds(size.bareWalk), 's'),
      target: { text: '≤ 1.1× bare walk', met: size.rescan.median / size.bareWalk.median <= 1.1 },
      note: 'Click on Refresh until done; verdicts are kept per origin by path, size and time, so no file is read again.',
    });
    if (size.pageStall) {
      results.add({
        key: `panel.pageStall.${size.files}`,
        name: `Page: longest stall of its own thread while the panel lists and checks ${files} files`,
        sample: size.pageStall.cold,
        unit: 'ms',
        baseline: baselineOf("the bare walk on the page's thread", size.pageStall.bareWalk, 'ms'),
        note: `How late a 10 ms timer of the inspected page ran at worst (how long the app itself could not respond), during each cold refresh; rescans: ${size.pageStall.rescan.median.toFixed(0)} ms (median; max ${size.pageStall.rescan.max.toFixed(0)}). The panel walks in a worker of the page where one can start.`,
      });
    }
    results.add({
      key: `panel.freeze.${size.files}`,
      name: `Panel: longest task while listing and checking ${files} files`,
      sample: { ...size.longestTask, max: Math.max(size.longestTask.max, size.longestRescanTask.max) },
      unit: 'ms',
      baseline: null,
      target: { text: `≤ ${taskLimit} ms`, met: Math.max(size.longestTask.max, size.longestRescanTask.max) <= taskLimit },
      note:
        `Long Tasks API (tasks ≥ 50 ms) in the panel frame during each refresh; 0 means no task reached 50 ms. Target judged on the worst run, rescans included (their longest: ${size.longestRescanTask.max.toFixed(0)} ms).` +
        (size.tracedRefresh
          ? ` One more cold refresh traced (Chrome's RunTask events of the panel's thread): ${size.tracedRefresh.tasks.length} tasks ≥ 50 ms, the longest ${size.tracedRefresh.tasks[0]?.wallMs.toFixed(0) ?? '—'} ms of which ${size.tracedRefresh.tasks[0]?.cpuMs.toFixed(0) ?? '—'} ms on the CPU; the most CPU any task used: ${size.tracedRefresh.maxCpuMs.toFixed(0)} ms (the rest of a long task is waiting for a core).`
          : ''),
      details: { rescans: size.longestRescanTask, tracedRefresh: size.tracedRefresh },
    });
    results.add({
      key: `panel.filter.${size.files}`,
      name: `Panel: filter keystroke over ${files} rows`,
      sample: size.filterKeystroke,
      unit: 'ms',
      baseline: null,
      target: { text: '≤ 100 ms', met: size.filterKeystroke.max <= 100 },
      note: `Typing "exports/2023/" one key at a time: input event → next frame. Longest task meanwhile: ${size.filterLongestTask.toFixed(0)} ms. Target judged on the slowest keystroke.`,
    });
    const calls = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    results.add({
      key: `panel.idle.${size.files}`,
      name: `Panel open and idle for ${size.idle.seconds} s: OPFS calls in the page, Live off / on`,
      sample: once(calls(size.idle.liveOff) + calls(size.idle.liveOn)),
      unit: 'calls',
      baseline: null,
      target: { text: '0', met: calls(size.idle.liveOff) === 0 && calls(size.idle.liveOn) === 0 && !size.idle.liveUnavailable },
      note: `Every File System API call and Blob read in the page counted from its first script on: ${calls(size.idle.liveOff)} with Live off, ${calls(size.idle.liveOn)} with Live on. A file the page then wrote was listed ${size.idle.liveLatencyMs?.toFixed(0) ?? '—'} ms later, without a refresh.`,
      details: size.idle,
    });
    if (size.purge) {
      results.add({
        key: `panel.purge.${size.files}`,
        name: `Panel: one-click purge of ${size.purge.removed.toLocaleString('en-US')} empty files, list updated`,
        sample: seconds(size.purge.toUpdatedList),
        unit: 's',
        baseline: baselineOf('the same files removed with removeEntry alone', seconds(size.purge.bareRemoval), 's'),
        target: { text: '≤ 3 s', met: size.purge.toUpdatedList.median <= 3000 },
        note: `From the confirm click until the list shows the remaining files (no rescan: ${calls(size.purge.pageCallsAfter)} OPFS calls in the page in the second after). Result line after ${(size.purge.toResult.median / 1000).toFixed(2)} s ("${size.purge.resultText}"); longest task ${size.purge.longestTask.max.toFixed(0)} ms. The baseline, paired run by run, removes the same files 64 at once as the purge does, but neither reads them first nor takes their snapshots' locks.`,
        details: { toResultMs: size.purge.toResult, bareRemovalMs: size.purge.bareRemoval, longestTaskMs: size.purge.longestTask, pageCallsAfter: size.purge.pageCallsAfter },
      });
    }
  }

  // 6. Raw OPFS writes, and how close the exporter's write phase gets.
  if (raw) {
    const m = raw.mib;
    const ceiling = rate(raw.pageSyncHandle, m);
    results.add({ key: 'opfs.write.createWritable', name: `Raw OPFS write ${m} MiB, createWritable (extension origin)`, sample: rate(raw.extensionOneFile, m), unit: 'MiB/s', baseline: null });
    results.add({ key: 'opfs.write.createWritableParts', name: `Raw OPFS write ${m} MiB as part-sized files, createWritable (extension origin)`, sample: rate(raw.extensionParts, m), unit: 'MiB/s', baseline: null });
    results.add({ key: 'opfs.write.pageCreateWritable', name: `Raw OPFS write ${m} MiB, createWritable (web page)`, sample: rate(raw.pageOneFile, m), unit: 'MiB/s', baseline: null });
    results.add({ key: 'opfs.write.syncHandle', name: `Raw OPFS write ${m} MiB, sync access handle in a worker (web page)`, sample: ceiling, unit: 'MiB/s', baseline: null });
    results.add({ key: 'opfs.write.syncHandleParts', name: `Raw OPFS write ${m} MiB as part-sized files, sync access handle in a worker, no flush (web page)`, sample: rate(raw.pageSyncHandleParts, m), unit: 'MiB/s', baseline: null });
    results.add({
      key: 'opfs.write.syncHandleFreshParts',
      name: `Raw OPFS write ${m} MiB as part-sized files, each from a buffer allocated just before it`,
      sample: rate(raw.pageSyncHandleFreshParts, m),
      unit: 'MiB/s',
      baseline: baselineOf('the same files from one buffer written again and again', rate(raw.pageSyncHandleParts, m), 'MiB/s'),
      note: 'Why the codec\'s worker copies each part into a buffer it keeps (src/engine/parquet-worker.ts): parquet-wasm hands over every part in a buffer allocated for it. Each buffer is allocated and filled outside the clock. A ratio below 1 is slower than the reused buffer.',
    });
    const paused = rate(raw.pageSyncHandlePartsPaused, m);
    const returned = `${PAGES_RETURNED_MS / 1000} s after the run before removed its files`;
    results.add({
      key: 'opfs.write.syncHandlePartsPaused',
      name: `Raw OPFS write ${m} MiB as part-sized files, ${returned}`,
      sample: paused,
      unit: 'MiB/s',
      baseline: baselineOf('the same right after (the run before\'s files removed at its end)', rate(raw.pageSyncHandleParts, m), 'MiB/s'),
      note: 'This machine hands memory free for 2 s back to its host (free page reporting), and new file data then costs a fault in the host per page (bench/opfs-write.ts, PAGES_RETURNED_MS). A ratio below 1 is that cost.',
    });
    results.add({
      key: 'opfs.write.osPartsPaused',
      name: `The OS alone (Node, no browser): ${m} MiB as part-sized files, ${returned}`,
      sample: rate(raw.osParts.paused, m),
      unit: 'MiB/s',
      baseline: baselineOf('the same right after', rate(raw.osParts.recycled, m), 'MiB/s'),
      note: 'The same effect without a browser: whether freed memory was handed back to the host before the writes.',
    });
    for (const s of [small, large]) {
      if (!s) continue;
      const range = s.export.runs.filter((r) => r.strategy === 'range').slice(-3);
      const writeRates = range.map((r) => mib(r.bytes) / (r.breakdown.phases.write / 1000));
      const writeRate = summarize(writeRates);
      /** The write phase against one of the raw writes, with the issue's target. */
      const againstRaw = (key: string, name: string, baseline: string, against: Sample, note: string) =>
        results.add({
          key: `${key}.${s.label}`,
          name,
          sample: writeRate,
          unit: 'MiB/s',
          baseline: baselineOf(baseline, against, 'MiB/s'),
          target: { text: '≥ 0.9× raw sync access handle', met: writeRate.median >= 0.9 * against.median },
          note,
        });
      againstRaw(
        'export.writePhase',
        `Export write phase throughput, ${s.label} rows`,
        'raw writes, sync access handle in a worker',
        ceiling,
        'Bytes written / the time the codec\'s worker spent writing them (its sync access handle: truncate, write, close; the handle was opened while the part encoded), as the worker times it. The baseline is one file with a flush, in a browser of its own with nothing else running.',
      );
      const writeMs = summarize(range.map((r) => r.breakdown.phases.write));
      results.add({
        key: `export.writeWait.${s.label}`,
        name: `Export: time the store waited for part writes, ${s.label} rows`,
        sample: summarize(range.map((r) => r.breakdown.phases.wait)),
        unit: 'ms',
        baseline: baselineOf('the write phase (the codec\'s workers writing)', writeMs, 'ms'),
        note: 'Summed over parts: from the store taking up a part until its write had ended. The codec\'s worker writes a part while the next part is encoded by the other worker, and the next encode starts once the store before has ended: this wait holds up the export only where a write and its check outlast that encode.',
      });
      againstRaw(
        'export.writePhaseParts',
        `Export write phase throughput, ${s.label} rows, vs part-sized raw writes`,
        `raw writes of ${m} MiB as part-sized files, sync access handle in a worker, no flush (as the codec writes)`,
        rate(raw.pageSyncHandleParts, m),
        'The same write phase against raw writes shaped like it: files of a part\'s size, each opened, truncated, written and closed, no flush. Still measured in a browser of its own while nothing else runs; the export writes while DuckDB\'s worker queries the next part.',
      );
      againstRaw(
        'export.writePhasePartsPaused',
        `Export write phase throughput, ${s.label} rows, vs part-sized raw writes ${returned}`,
        `raw writes of ${m} MiB as part-sized files, ${returned}`,
        paused,
        'The same raw writes once the memory the run before freed has been handed back to the host: the regime new file data meets when less memory was freed just before than it needs.',
      );
    }
  }

  // 7. Uploads and downloads through the panel, against the bare DevTools channel.
  if (transfer) {
    const m = transfer.mib;
    const growth = (memory: TransferResult['uploadMemory']) => summarize(memory.map((r) => mib(r.peak - r.before)));
    for (const [key, what, time, base, memory, channelMemory] of [
      ['upload', 'Upload', transfer.upload, transfer.uploadChannel, transfer.uploadMemory, transfer.uploadChannelMemory],
      ['download', 'Download', transfer.download, transfer.downloadChannel, transfer.downloadMemory, transfer.downloadChannelMemory],
    ] as const) {
      results.add({
        key: `transfer.${key}.${m}`,
        name: `${what} of one ${m} MiB file through the panel (page's OPFS)`,
        sample: rate(time, m),
        unit: 'MiB/s',
        baseline: baselineOf(`bare inspectedWindow.eval, ${m} × 1 MiB base64, one at a time`, rate(base, m), 'MiB/s'),
        note: `From ${key === 'upload' ? 'the file chosen' : 'the click on Download'} to the panel's "done", paired run by run with the bare channel. A ratio below 1 is slower than the channel.`,
        details: { seconds: seconds(time), channelSeconds: seconds(base) },
      });
      results.add({
        key: `transfer.${key}.memory.${m}`,
        name: `${what} of ${m} MiB: peak growth of the panel's process`,
        sample: growth(memory),
        unit: 'MiB',
        baseline: baselineOf('the bare channel moving the same bytes', growth(channelMemory), 'MiB'),
        note: "Peak RSS of the extension renderer process that grew most (the panel's), over its RSS before the transfer. Bounded means it does not grow with the file: compare runs of two sizes (--transfer-mib).",
        details: { runs: memory, channelRuns: channelMemory },
      });
    }
  }

  // 8. The exporter as a library in an app's page, against the extension's engine and native.
  if (library) {
    const label = rowsLabel(library.rows);
    results.add({
      key: `library.export.${label}`,
      name: `Export ${label} rows by the library in an app's page`,
      sample: seconds(library.library),
      unit: 's',
      baseline: baselineOf("the extension's engine, same rows, same run", seconds(library.engine), 's'),
      target: { text: 'equal to the engine (≤ 1.15×)', met: library.library.median / library.engine.median <= 1.15 },
      note: "The app's table has no row id: the library numbers it through a temporary view (DuckDB's rowid). The engine's table carries its __row_id column. Runs alternate library, engine, native.",
    });
    results.add({
      key: `library.native.${label}`,
      name: `Export ${label} rows by the library vs native COPY TO parquet`,
      sample: seconds(library.library),
      unit: 's',
      baseline: baselineOf('native COPY TO parquet (ZSTD, same row groups)', seconds(library.native), 's'),
    });
  }

  if (query) queryFigures(results, query);
  if (handles) handlesFigures(results, handles);
  if (writer) writerFigures(results, writer);
}

/** 10. What asking which files are held open costs the app (issue 16). */
function handlesFigures(results: Results, h: HandlesResult): void {
  const app = baselineOf("the app's own open and close of a readwrite sync access handle on a free file", h.appOpenClose, 'ms');
  results.add({
    key: 'handles.longestHold',
    name: `Longest hold of a free file's handle by the probe (${h.files} files, ${h.held} held by the app)`,
    sample: h.longestHold,
    unit: 'ms',
    baseline: app,
    note: `The probe's read-only handle on each free file, from the request to its close; the longest per run. Every run found exactly the app's held files: ${h.heldFound ? 'yes' : 'NO'}. A racing app worker opening and closing a handle on one free file meanwhile failed ${h.raceFailures.toLocaleString('en-US')} of ${h.raceAttempts.toLocaleString('en-US')} attempts.`,
  });
  results.add({ key: 'handles.medianHold', name: "Median hold of a free file's handle by the probe", sample: h.medianHold, unit: 'ms', baseline: app });
  results.add({ key: 'handles.wall', name: `The whole probe of ${h.files} files (worker start to answer)`, sample: h.probeWall, unit: 'ms', baseline: null });
}

/** 9. The Query and Diff views' engine work against native DuckDB on the same Parquet files. */
function queryFigures(results: Results, query: QueryResult): void {
  const label = rowsLabel(query.rows);
  const within = (p: { ours: Sample; native: Sample }, limit: number) => ({ text: `≤ ${limit}× native`, met: p.ours.median / p.native.median <= limit });
  const figures = [
    { key: 'load', name: `Load a ${label}-row snapshot for querying (the first statement naming it)`, pair: query.load, target: null, native: 'native CREATE TABLE AS read_parquet of the same files' },
    { key: 'count', name: `Count with a filter over a loaded ${label}-row snapshot`, pair: query.count, target: 3, native: 'native, same query, same rows in memory' },
    { key: 'groupby', name: `GROUP BY a text column over a loaded ${label}-row snapshot`, pair: query.groupBy, target: 3, native: 'native, same query, same rows in memory' },
    { key: 'diff', name: `Diff of two loaded ${label}-row snapshots differing in 1% of rows, by key`, pair: query.diff, target: 3, native: "native, the same join and counts" },
  ] as const;
  for (const f of figures) {
    results.add({
      key: `query.${f.key}.${label}`,
      name: f.name,
      sample: f.key === 'load' || f.key === 'diff' ? seconds(f.pair.ours) : f.pair.ours,
      unit: f.key === 'load' || f.key === 'diff' ? 's' : 'ms',
      baseline: baselineOf(f.native, f.key === 'load' || f.key === 'diff' ? seconds(f.pair.native) : f.pair.native, f.key === 'load' || f.key === 'diff' ? 's' : 'ms'),
      ...(f.target === null ? {} : { target: within(f.pair, f.target) }),
      note:
        f.key === 'load'
          ? "runSql's elapsed time in the engine: the snapshot restored (decoded by the codec, checked against its manifest's checksum) and the count. Native reads the same Parquet files."
          : f.key === 'diff'
            ? `diffSnapshots' elapsed time: schemas, the key's uniqueness on both sides, the join kept as a table, the counts (${query.diffCounts.changed.toLocaleString('en-US')} changed rows found by both).`
            : "runSql's elapsed time: the statement's result kept as a table, counted, its rows read as DuckDB's text. Answers checked equal to native's.",
    });
  }
}

/** WASM memory growth of one export in DuckDB's heap (parquet-wasm's, in the codec's worker, is counted in RSS only). */
function growthOf(run: ExportRun): { duckdbHeapMiB: number | null; totalMiB: number } {
  const m = run.memory;
  const duckdb = m.duckdbHeapBefore !== null && m.duckdbHeapAfter !== null ? m.duckdbHeapAfter - m.duckdbHeapBefore : null;
  return { duckdbHeapMiB: duckdb === null ? null : mib(duckdb), totalMiB: mib(duckdb ?? 0) };
}

function wasmGrowth(session: SessionResult): Record<string, unknown> & { firstTotalMiB: number } {
  const range = session.export.runs.filter((r) => r.strategy === 'range');
  const offset = session.export.runs.filter((r) => r.strategy === 'offset');
  const first = growthOf(range[0]);
  const last = range.at(-1)!.memory;
  return {
    firstTotalMiB: first.totalMiB,
    firstExport: first,
    perRangeRun: range.map(growthOf),
    perOffsetRun: offset.map(growthOf),
    afterLastExport: { duckdbHeapMiB: last.duckdbHeapAfter === null ? null : mib(last.duckdbHeapAfter) },
  };
}

/** Per-phase tables of the export and restore (median of the timed runs). */
export function breakdownTable(sessions: SessionResult[]): string {
  const rows: [string, ExportBreakdown][] = [];
  for (const s of sessions) {
    rows.push([`${s.label}, exporter`, s.export.breakdownRange]);
    if (s.export.breakdownOffset) rows.push([`${s.label}, naive OFFSET`, s.export.breakdownOffset]);
  }
  const cell = (ms: number, total: number) => `${(ms / 1000).toFixed(2)} (${((ms / total) * 100).toFixed(0)}%)`;
  const lines = [`| Export (s) | total | ${EXPORT_PHASES.join(' | ')} |`, `|---|---|${EXPORT_PHASES.map(() => '---').join('|')}|`];
  for (const [label, b] of rows) lines.push(`| ${label} | ${(b.totalMs / 1000).toFixed(2)} | ${EXPORT_PHASES.map((p) => cell(b.phases[p], b.totalMs)).join(' | ')} |`);
  const perPart = rows.map(([label, b]) => `${label}: ${b.queryPerPart.map((ms) => ms.toFixed(0)).join(', ')} ms`).join('; ');
  const writes = rows.map(([label, b]) => `${label}: ${b.writePerPart.map((w) => `${w.writeMs.toFixed(0)} (${w.openWaitMs.toFixed(0)})`).join(', ')} ms`).join('; ');
  let text = `${lines.join('\n')}\n\nPart query time per part (in DuckDB's worker): ${perPart}.\n\nPart write time per part (in the codec's workers, from encoded to closed; in brackets, of it the wait for the file's open): ${writes}.`;
  const restored = sessions.find((s) => s.restore);
  if (restored?.restore) {
    const b = restored.restore.breakdown;
    text += `\n\n| Restore (s) | total | ${RESTORE_PHASES.join(' | ')} |\n|---|---|${RESTORE_PHASES.map(() => '---').join('|')}|\n`;
    text += `| ${restored.label} | ${(b.totalMs / 1000).toFixed(2)} | ${RESTORE_PHASES.map((p) => cell(b[p], b.totalMs)).join(' | ')} |`;
  }
  return text;
}

/** 11. Parquet writer settings on one part of the bench table (issue 13), against the v1 pages the engine wrote before. */
function writerFigures(results: Results, w: WriterResult): void {
  const [, before] = w.variants;
  const rows = w.rows.toLocaleString('en-US');
  for (const [index, variant] of w.variants.entries()) {
    if (index === 1) continue;
    const details = { bytes: variant.bytes, bytesBefore: before.bytes, decodeMs: variant.decodeMs, decodeMsBefore: before.decodeMs };
    results.add({
      key: `writer.encode.${index}`,
      name: `Encode ${rows} rows, ${variant.name}: ${(variant.bytes / 1e6).toFixed(2)} MB (v1: ${(before.bytes / 1e6).toFixed(2)}), decode ${variant.decodeMs.median.toFixed(0)} ms (v1: ${before.decodeMs.median.toFixed(0)})`,
      sample: variant.encodeMs,
      unit: 'ms',
      baseline: baselineOf(`encode, ${before.name}`, before.encodeMs, 'ms'),
      note: 'parquet-wasm in Node on one part of the bench table (ZSTD, no dictionary unless said); the first row is what the engine writes.',
      details,
    });
  }
}
