// The demo app's table: `rows` tasks with text (NULLs, non-ASCII), dates, decimals and
// booleans. Plain SQL that DuckDB-WASM (in the page) and native DuckDB (in the tests) run alike.

/** @param {number} rows */
export function tasksSql(rows) {
  return `SELECT i::BIGINT AS id,
    CASE WHEN i % 9 = 0 THEN NULL ELSE 'Tâche ' || i::VARCHAR END AS title,
    DATE '2026-01-01' + (i % 365)::INTEGER AS due,
    (i % 17 * 1.25)::DECIMAL(9,2) AS hours,
    i % 4 = 0 AS done
  FROM range(${Math.trunc(Number(rows))}) t(i)`;
}
