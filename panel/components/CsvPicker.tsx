import { useRef } from 'preact/hooks';
import { usePanel } from '../context';
import { reduce } from '../store';

/**
 * "Load CSV…": a file picker (several files at once: each is imported in turn); the whole
 * panel also accepts dropped files (see App). Whether the first row names the columns is
 * decided here, before the import, and can be changed after it (see ImportStatus).
 */
export function CsvPicker() {
  const { store, controller } = usePanel();
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <label class="checkbox" title="Take the first row of the CSV as column names (untick when the file has no header row)">
        <input
          type="checkbox"
          data-testid="csv-header"
          checked={store.firstRowIsHeader.value}
          onChange={(e) => reduce(store, { type: 'first-row-is-header', value: (e.target as HTMLInputElement).checked })}
        />
        First row is header
      </label>
      <button onClick={() => input.current?.click()} title="Turn a CSV into a verified Parquet snapshot in the extension's storage">
        Load CSV…
      </button>
      <input
        ref={input}
        type="file"
        multiple
        accept=".csv,.tsv,.txt,text/csv"
        data-testid="csv-input"
        hidden
        onChange={(e) => {
          const target = e.target as HTMLInputElement;
          const files = Array.from(target.files ?? []);
          target.value = '';
          for (const file of files) void controller.importCsv(file);
        }}
      />
    </>
  );
}
