import { useRef } from 'preact/hooks';
import { usePanel } from '../context';

/** "Load CSV…": a file picker; the whole panel also accepts a dropped file (see App). */
export function CsvPicker() {
  const { store, controller } = usePanel();
  const input = useRef<HTMLInputElement>(null);
  const busy = store.importState.value.kind === 'running';
  return (
    <>
      <button disabled={busy} onClick={() => input.current?.click()} title="Turn a CSV into a verified Parquet snapshot in the extension's storage">
        Load CSV…
      </button>
      <input
        ref={input}
        type="file"
        accept=".csv,.tsv,.txt,text/csv"
        data-testid="csv-input"
        hidden
        onChange={(e) => {
          const target = e.target as HTMLInputElement;
          const file = target.files?.[0];
          target.value = '';
          if (file) void controller.importCsv(file);
        }}
      />
    </>
  );
}
