import { useState } from 'preact/hooks';
import type { EngineTable, SqlCell, SqlColumn } from '../../src/protocol';
import { usePanel } from '../context';
import { consumeKey } from './keys';

/** Each result row's height (one line: see .sql-grid td in panel.css). */
const ROW_HEIGHT = 22;
/** Rows rendered above and below the view. */
const OVERSCAN = 15;

const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL(\(\d+,\s*\d+\))?)$/i;

/** One value as the grid shows it: NULL unlike the text 'NULL', the empty string unlike both. */
export function Cell({ value, numeric, testId }: { value: SqlCell; numeric: boolean; testId?: string }) {
  if (value === null) {
    return (
      <td data-testid={testId} data-null="true" class="null" title="NULL">
        NULL
      </td>
    );
  }
  return (
    <td data-testid={testId} class={`${numeric ? 'num' : ''} ${value === '' ? 'empty' : ''}`} title={value === '' ? 'empty text' : value}>
      {value}
    </td>
  );
}

/** A virtualised grid of result rows, with each column's name and DuckDB type. */
function ResultGrid({ columns, rows }: { columns: SqlColumn[]; rows: SqlCell[][] }) {
  const [scrollTop, setScrollTop] = useState(0);
  const numeric = columns.map((c) => NUMERIC_TYPE.test(c.type.trim()));
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, first + 2 * OVERSCAN + 40);
  return (
    <div class="sql-grid" onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}>
      <table class="mini" role="grid" aria-rowcount={rows.length}>
        <thead>
          <tr>
            <th class="row-number">#</th>
            {columns.map((c) => (
              <th key={c.name} class={numeric[columns.indexOf(c)] ? 'num' : ''}>
                {c.name}
                <span class="type">{c.type}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {first > 0 ? <tr aria-hidden="true" style={{ height: `${first * ROW_HEIGHT}px` }} /> : null}
          {rows.slice(first, last).map((row, i) => (
            <tr key={first + i}>
              <td class="row-number">{(first + i + 1).toLocaleString('en-US')}</td>
              {row.map((value, j) => (
                <Cell key={j} value={value} numeric={numeric[j]} testId="sql-cell" />
              ))}
            </tr>
          ))}
          {last < rows.length ? <tr aria-hidden="true" style={{ height: `${(rows.length - last) * ROW_HEIGHT}px` }} /> : null}
        </tbody>
      </table>
    </div>
  );
}

function ResultView() {
  const { query, queries } = usePanel();
  const run = query.run.value;
  if (run.kind === 'idle') return <p class="hint">Snapshots of the extension’s storage are tables named after their ids, loaded the first time a statement names them. Ctrl+Enter (⌘+Enter) runs.</p>;
  if (run.kind === 'running') {
    return (
      <div class="sql-result" data-testid="sql-result" data-state="running" data-run={run.seq} role="status">
        {run.progress ?? 'Running…'}
      </div>
    );
  }
  if (run.kind === 'failed') {
    return (
      <div class="sql-result error" data-testid="sql-result" data-state="failed" data-run={run.seq} role="alert">
        <pre>{run.cancelled ? 'Cancelled: the engine stopped the query and is ready for the next one.' : run.error}</pre>
      </div>
    );
  }
  const { result } = run;
  const shown = result.rows.length;
  return (
    <div class="sql-result" data-testid="sql-result" data-state="done" data-run={run.seq} data-rows={result.totalRows} data-columns={result.columns.map((c) => c.name).join(',')}>
      <div class="sql-status">
        <span>
          {result.totalRows.toLocaleString('en-US')} row{result.totalRows === 1 ? '' : 's'}
          {shown < result.totalRows ? ` (the first ${shown.toLocaleString('en-US')} shown)` : ''} · {result.columns.length} column{result.columns.length === 1 ? '' : 's'} · {Math.round(result.elapsedMs).toLocaleString('en-US')} ms
          {result.loaded.length > 0 ? ` · loaded ${result.loaded.join(', ')}` : ''}
        </span>
        {result.kept ? (
          <>
            <button data-testid="sql-download-csv" onClick={() => void queries.downloadCsv()}>
              Download CSV
            </button>
            <button data-testid="sql-download-parquet" onClick={() => void queries.downloadParquet()}>
              Download Parquet
            </button>
          </>
        ) : null}
        {query.download.value ? <span data-testid="sql-download-status">{query.download.value}</span> : null}
      </div>
      {result.notes.map((note) => (
        <p key={note} class="notice warning" role="alert">
          {note}
        </p>
      ))}
      {result.columns.length > 0 ? <ResultGrid columns={result.columns} rows={result.rows} /> : <p class="hint">The statement ran; it returns no rows.</p>}
    </div>
  );
}

/** What can be queried: each name goes into the statement when clicked. */
function Catalog() {
  const { query, queries } = usePanel();
  const insert = (name: string, schema?: string) => queries.insertTable(name, schema);
  // A loaded snapshot is a table of the engine too: listed once, as the snapshot.
  const isSnapshot = (t: EngineTable) => t.schema === undefined && query.snapshots.value.some((m) => m.snapshotId === t.name);
  const others = query.tables.value.filter((t) => !isSnapshot(t));
  return (
    <aside class="query-catalog" data-testid="query-tables">
      <h3>Snapshots</h3>
      {query.catalogError.value ? <p class="error">{query.catalogError.value}</p> : null}
      {query.snapshots.value.length === 0 ? <p class="hint">No committed snapshot in the extension’s storage.</p> : null}
      <ul>
        {query.snapshots.value.map((m) => (
          <li key={m.snapshotId}>
            <button class="link" data-testid="query-table" data-table={m.snapshotId} title={m.schema.map((c) => `${c.name} ${c.type}`).join('\n')} onClick={() => insert(m.snapshotId)}>
              {m.snapshotId}
            </button>
            <span class="hint">
              {' '}
              {m.rowCount.toLocaleString('en-US')} rows{query.tables.value.some((t) => t.schema === undefined && t.name === m.snapshotId) ? ' · loaded' : ''}
            </span>
          </li>
        ))}
      </ul>
      {others.length > 0 ? <h3>Engine tables</h3> : null}
      <ul>
        {others.map((t) => (
          <li key={`${t.schema ?? ''}.${t.name}`}>
            <button class="link" data-testid="query-table" data-table={t.schema === undefined ? t.name : `${t.schema}.${t.name}`} onClick={() => insert(t.name, t.schema)}>
              {t.schema === undefined ? t.name : `${t.schema}.${t.name}`}
            </button>
            <span class="hint"> {t.rows.toLocaleString('en-US')} rows</span>
          </li>
        ))}
      </ul>
    </aside>
  );
}

export function QueryView() {
  const { query, queries } = usePanel();
  const running = query.run.value.kind === 'running' || query.diff.value.kind === 'running';
  return (
    <section class="query-view" data-testid="query-view">
      <Catalog />
      <div class="query-main">
        <textarea
          data-testid="sql-input"
          class="sql-input"
          spellcheck={false}
          aria-label="SQL statement"
          placeholder="SELECT count(*) FROM my_snapshot WHERE customer IS NULL"
          value={query.sql.value}
          onInput={(e) => queries.setSql((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              consumeKey(e);
              void queries.run((e.target as HTMLTextAreaElement).value);
            }
          }}
        />
        <div class="sql-buttons">
          <button data-testid="sql-run" class="primary" disabled={running} onClick={() => void queries.run()}>
            Run
          </button>
          <button data-testid="sql-cancel" disabled={query.run.value.kind !== 'running'} onClick={() => void queries.cancel()}>
            Cancel
          </button>
          <select
            data-testid="sql-history"
            aria-label="Earlier statements"
            value=""
            disabled={query.history.value.length === 0}
            onChange={(e) => {
              const chosen = (e.target as HTMLSelectElement).value;
              if (chosen) queries.setSql(chosen);
            }}
          >
            <option value="">History ({query.history.value.length})</option>
            {query.history.value.map((sql) => (
              <option key={sql} value={sql}>
                {sql.length > 80 ? `${sql.slice(0, 80)}…` : sql}
              </option>
            ))}
          </select>
        </div>
        <ResultView />
      </div>
    </section>
  );
}
