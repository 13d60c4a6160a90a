import { usePanel } from '../context';
import type { DiffGroup } from '../query';

const GROUP_LABELS: Record<DiffGroup, string> = { added: 'only in B (added)', removed: 'only in A (removed)', changed: 'changed' };

function SnapshotChoice({ testId, label, value, onChange }: { testId: string; label: string; value: string; onChange: (v: string) => void }) {
  const { query } = usePanel();
  return (
    <label>
      {label}{' '}
      <select data-testid={testId} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        <option value="">choose a snapshot or a file</option>
        <optgroup label="Snapshots">
          {query.snapshots.value.map((m) => (
            <option key={m.snapshotId} value={m.snapshotId}>
              {m.snapshotId} ({m.rowCount.toLocaleString('en-US')} rows)
            </option>
          ))}
        </optgroup>
        {query.openedFiles.value.length > 0 ? (
          <optgroup label="Files opened in Query">
            {query.openedFiles.value.map((f) => (
              <option key={f.path} value={f.path}>
                {f.path} (table {f.table})
              </option>
            ))}
          </optgroup>
        ) : null}
      </select>
    </label>
  );
}

function DiffOutcome() {
  const { query, queries } = usePanel();
  const diff = query.diff.value;
  if (diff.kind === 'idle') return <p class="hint">Rows are matched by their row id (their place in the snapshot), or by a key column both snapshots have, which must be unique on each side.</p>;
  if (diff.kind === 'running') {
    return (
      <div class="diff-result" data-testid="diff-result" data-state="running" data-run={diff.seq} role="status">
        {diff.progress ?? 'Comparing…'}
      </div>
    );
  }
  if (diff.kind === 'failed') {
    return (
      <div class="diff-result error" data-testid="diff-result" data-state="failed" data-run={diff.seq} role="alert">
        <pre>{diff.cancelled ? 'Cancelled.' : diff.error}</pre>
      </div>
    );
  }
  const { result, group, rows } = diff;
  const count = { added: result.added, removed: result.removed, changed: result.changed };
  return (
    <div class="diff-result" data-testid="diff-result" data-state="done" data-run={diff.seq} data-added={result.added} data-removed={result.removed} data-changed={result.changed}>
      {result.onlyInA.length + result.onlyInB.length + result.typeChanges.length > 0 ? (
        <ul class="schema-changes" data-testid="diff-schema">
          {result.onlyInA.length > 0 ? <li>Columns only in A (not compared): {result.onlyInA.join(', ')}</li> : null}
          {result.onlyInB.length > 0 ? <li>Columns only in B (not compared): {result.onlyInB.join(', ')}</li> : null}
          {result.typeChanges.map((t) => (
            <li key={t.column}>
              {t.column}: {t.a} in A, {t.b} in B (compared as text)
            </li>
          ))}
        </ul>
      ) : null}
      <p class="diff-summary">
        Matched by {result.key === null ? 'row id' : `“${result.key}”`}: {result.added.toLocaleString('en-US')} added, {result.removed.toLocaleString('en-US')} removed, {result.changed.toLocaleString('en-US')} changed ·{' '}
        {Math.round(result.elapsedMs).toLocaleString('en-US')} ms
      </p>
      {result.compared.length > 0 ? (
        <p class="diff-columns" data-testid="diff-columns">
          Changed rows per column:{' '}
          {result.compared.map((c, i) => (
            <span key={c} data-column={c} data-changed={result.changedByColumn[c]}>
              {i > 0 ? ', ' : ''}
              {c} {result.changedByColumn[c].toLocaleString('en-US')}
            </span>
          ))}
        </p>
      ) : null}
      <div class="diff-groups" role="tablist">
        {(['changed', 'added', 'removed'] as const).map((g) => (
          <button key={g} role="tab" aria-selected={g === group} data-testid={`diff-group-${g}`} class={g === group ? 'active' : ''} onClick={() => void queries.showDiffGroup(g)}>
            {count[g].toLocaleString('en-US')} {GROUP_LABELS[g]}
          </button>
        ))}
      </div>
      {rows.length === 0 ? (
        <p class="hint">No rows in this group.</p>
      ) : (
        <div class="sql-grid">
          <table class="mini">
            <thead>
              <tr>
                <th>{result.key ?? 'row id'}</th>
                {result.compared.map((c) => (
                  <th key={c}>{c}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.key} data-testid="diff-row" data-key={row.key}>
                  <td>{row.key}</td>
                  {row.cells.map((cell, i) => {
                    const shown = group === 'added' ? cell.b : cell.a;
                    if (group === 'changed' && cell.changed) {
                      return (
                        <td key={i} class="changed" data-testid="diff-cell" data-changed="true" title={`A: ${cell.a ?? 'NULL'}\nB: ${cell.b ?? 'NULL'}`}>
                          <del class={cell.a === null ? 'null' : ''}>{cell.a ?? 'NULL'}</del> → <ins class={cell.b === null ? 'null' : ''}>{cell.b ?? 'NULL'}</ins>
                        </td>
                      );
                    }
                    return (
                      <td key={i} data-testid="diff-cell" class={shown === null ? 'null' : ''}>
                        {shown ?? 'NULL'}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length < count[group] ? <p class="hint">The first {rows.length.toLocaleString('en-US')} rows, by key.</p> : null}
        </div>
      )}
    </div>
  );
}

export function DiffView() {
  const { query, queries } = usePanel();
  const a = query.diffA.value;
  const b = query.diffB.value;
  // Key candidates: columns both sides have.
  const inB = new Set(queries.columnsOf(b));
  const keys = queries.columnsOf(a).filter((c) => inB.has(c));
  const running = query.diff.value.kind === 'running';
  return (
    <section class="diff-view" data-testid="diff-view">
      <div class="diff-controls">
        <SnapshotChoice testId="diff-a" label="A" value={query.diffA.value} onChange={(v) => queries.chooseDiff({ a: v })} />
        <SnapshotChoice testId="diff-b" label="B" value={query.diffB.value} onChange={(v) => queries.chooseDiff({ b: v })} />
        <label>
          Match rows by{' '}
          <select data-testid="diff-key" value={query.diffKey.value} onChange={(e) => queries.chooseDiff({ key: (e.target as HTMLSelectElement).value })}>
            <option value="">row id</option>
            {keys.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <button data-testid="diff-run" class="primary" disabled={running || !a || !b} onClick={() => void queries.runDiff()}>
          Compare
        </button>
        <button data-testid="diff-cancel" disabled={!running} onClick={() => void queries.cancel()}>
          Cancel
        </button>
      </div>
      <DiffOutcome />
    </section>
  );
}
