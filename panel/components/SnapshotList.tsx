import { useState } from 'preact/hooks';
import { formatBytes } from '../../src/format';
import { SNAPSHOTS_DIR } from '../../src/snapshot/names';
import { usePanel } from '../context';
import { counted } from '../store';

/** Each row's height (one line: see .snapshots tr in panel.css). */
const ROW_HEIGHT = 21;
/**
 * Rows rendered above and below the view. Few: the first render of the groups, when a walk
 * ends, lays out every rendered row's cells and buttons at once. Traced at 10,000 files, in
 * that frame: with 30 rows around the view, about 1,100 layout objects dirty; with 10, 662 of
 * 1,392 and 22 ms of CPU, which a busy machine stretches past 50 ms; with 6, 594 of 1,139 and
 * 13 ms.
 */
const OVERSCAN = 6;
/** The view's height at most: .snapshot-scroll's max-height in panel.css. */
const VIEW_MAX_HEIGHT = 140;
/** The rows a full view shows, its header row's place included (so one more than fits). */
const VIEW_ROWS = Math.ceil(VIEW_MAX_HEIGHT / ROW_HEIGHT);

/**
 * Parquet files grouped into snapshots, with restore and verify for the extension's own.
 * Renders only the rows in view: thousands of groups (every empty export is one) would
 * otherwise be laid out again whenever one of them changes.
 */
export function SnapshotList() {
  const { store, controller, queries } = usePanel();
  const [scrollTop, setScrollTop] = useState(0);
  const source = store.source.value;
  const groups = store.view.value?.groups ?? [];
  if (groups.length === 0) return null;
  const busy = store.snapshotAction.value.kind === 'running';
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(groups.length, first + 2 * OVERSCAN + VIEW_ROWS);
  return (
    <details class="snapshots" data-testid="snapshots" open>
      <summary>
        {groups.length.toLocaleString('en-US')} snapshot{groups.length === 1 ? '' : 's'}
      </summary>
      <div class="snapshot-scroll" onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}>
        <table class="mini">
          <colgroup>
            <col style={{ width: '86px' }} />
            <col />
            <col />
            <col style={{ width: '104px' }} />
            <col style={{ width: '84px' }} />
            <col style={{ width: '76px' }} />
            <col style={{ width: '70px' }} />
            <col style={{ width: source === 'extension' ? '360px' : '160px' }} />
          </colgroup>
          <thead>
            <tr>
              <th>Status</th>
              <th>Snapshot</th>
              <th>Folder</th>
              <th>Parts</th>
              <th>Rows</th>
              <th>Size</th>
              <th>Manifest</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {first > 0 ? <tr aria-hidden="true" style={{ height: `${first * ROW_HEIGHT}px` }} /> : null}
            {groups.slice(first, last).map((g) => (
              <tr key={`${g.folder}/${g.id}`} data-testid="snapshot-row" data-snapshot-id={g.id} data-status={g.status} class={`status-${g.status}`}>
                <td>
                  <span class={`badge badge-${g.status}`}>{g.status}</span>
                </td>
                <td class="name" title={g.id}>
                  {g.id}
                </td>
                <td title={g.folder || '/'}>{g.folder || '/'}</td>
                <td>
                  {g.partCount}
                  {g.missingParts.length > 0 ? ` (missing ${g.missingParts.join(', ')})` : ''}
                </td>
                <td>{g.totalRows === null ? '—' : g.totalRows.toLocaleString('en-US')}</td>
                <td>{formatBytes(g.totalBytes)}</td>
                <td>{g.manifestPresent ? 'yes' : 'no'}</td>
                <td class="actions">
                  <button data-testid="download-snapshot" title="Download its parts and manifest as one .zip" onClick={() => void controller.download({ snapshot: g })}>
                    Download
                  </button>
                  <button disabled={busy} data-testid="delete-snapshot" title="Delete its files, after a confirmation that lists them" onClick={() => controller.askDeleteSnapshot(g)}>
                    Delete
                  </button>
                  {!(source === 'extension' && g.folder === SNAPSHOTS_DIR && g.manifestPresent) && g.parts.length > 0 && g.parts.every((p) => p.size > 0 && p.status !== 'corrupt') ? (
                    <button
                      data-testid="open-in-query"
                      title="Query it with SQL: its parts, in order, read into one table named after it"
                      onClick={() => void queries.openFiles(source, g.parts, { table: g.id, label: `${g.folder ? `${g.folder}/` : ''}${g.id}` })}
                    >
                      Query
                    </button>
                  ) : null}
                  {source === 'extension' && g.folder === SNAPSHOTS_DIR && g.manifestPresent ? (
                      <>
                        <button disabled={busy} data-testid="verify-snapshot" onClick={() => void controller.verifySnapshot(g.id)}>
                          Verify
                        </button>
                        <button disabled={busy} data-testid="restore-snapshot" onClick={() => void controller.restoreSnapshot(g.id)}>
                          Restore
                        </button>
                        <button data-testid="open-in-query" title="Query it with SQL: its rows as a table named after its id" onClick={() => queries.openSnapshot(g.id)}>
                          Query
                        </button>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
            {last < groups.length ? <tr aria-hidden="true" style={{ height: `${(groups.length - last) * ROW_HEIGHT}px` }} /> : null}
          </tbody>
        </table>
      </div>
    </details>
  );
}

/** How the last snapshot action (verify, restore, delete) went: shown whether or not snapshots are left to list. */
export function SnapshotActionLine() {
  const { store, controller } = usePanel();
  const state = store.snapshotAction.value;
  if (state.kind === 'idle') return null;
  if (state.kind === 'running') {
    const { operationId } = state;
    return (
      <p class="snapshot-action" data-testid="snapshot-action" data-state="running">
        {state.label}…{' '}
        {operationId ? (
          <button data-testid="snapshot-action-cancel" onClick={() => void controller.cancelSnapshotAction(operationId)}>
            Cancel
          </button>
        ) : null}
      </p>
    );
  }
  if (state.kind === 'failed') {
    return (
      <p class="snapshot-action error" data-testid="snapshot-action" data-state="failed" role="alert">
        {state.error}
      </p>
    );
  }
  const r = state.result;
  if (r.kind === 'verify') {
    const v = r.result;
    return (
      <p class={`snapshot-action ${v.ok ? 'ok' : 'error'}`} data-testid="snapshot-action" data-state="done" data-ok={String(v.ok)}>
        {v.ok
          ? `${v.snapshotId} verified: ${v.actual.rowCount.toLocaleString('en-US')} rows, checksum matches the manifest (${(v.elapsedMs / 1000).toFixed(1)} s).`
          : `${v.snapshotId} failed verification: ${v.problems.join(' ')}`}
      </p>
    );
  }
  if (r.kind === 'delete') {
    const kept = r.changed.length > 0 ? ` ${r.changed.length} kept: changed since they were listed (${r.changed.slice(0, 3).join(', ')}).` : '';
    return (
      <p class={`snapshot-action ${r.changed.length > 0 ? 'error' : 'ok'}`} data-testid="snapshot-action" data-state="done" data-ok={String(r.changed.length === 0)}>
        Deleted {r.snapshotId}: removed {counted(r.removed, 'file')}{r.missing > 0 ? `, ${r.missing} already gone` : ''}.{kept}
      </p>
    );
  }
  return (
    <p class={`snapshot-action ${r.checksumMatches ? 'ok' : 'error'}`} data-testid="snapshot-action" data-state="done" data-ok={String(r.checksumMatches)}>
      Restored {r.snapshotId} into table {r.table}: {r.rowCount.toLocaleString('en-US')} rows,{' '}
      {r.checksumMatches ? 'checksum matches the manifest' : `it does NOT match the manifest: ${r.problems.join(' ')}`} ({(r.elapsedMs / 1000).toFixed(1)} s). The engine keeps the table until you drop it.
    </p>
  );
}

/**
 * What the engine holds: its memory against its limit, and the tables it keeps (restores),
 * each with a Drop. With no table kept the engine stops itself when idle, which gives its
 * memory back.
 */
export function EngineStatusLine() {
  const { store, controller } = usePanel();
  const status = store.engine.value;
  if (store.source.value !== 'extension' || !status) return null;
  if (!status.running) {
    return (
      <div class="engine" data-testid="engine-status" data-running="false">
        Engine: not running (it starts on the next import, restore or verify).
      </div>
    );
  }
  const memory = status.memory;
  return (
    <div class="engine" data-testid="engine-status" data-running="true" data-used-bytes={memory ? String(memory.usedBytes) : undefined}>
      <span>
        Engine: DuckDB {status.duckdbVersion}
        {memory ? `, ${formatBytes(memory.usedBytes)} in use of its ${formatBytes(memory.limitBytes)} memory limit` : ''}
        {status.tables.length === 0 ? '; no tables kept.' : '; keeps:'}
      </span>
      {status.tables.map((t) => (
        <span class="engine-table" data-testid="engine-table" data-table={t.name} key={t.name}>
          <bdi>{t.name}</bdi> ({t.rows.toLocaleString('en-US')} rows){' '}
          <button data-testid="drop-table" title="Drop this table from the engine and free its memory" onClick={() => void controller.dropTable(t.name)}>
            Drop
          </button>
        </span>
      ))}
    </div>
  );
}
