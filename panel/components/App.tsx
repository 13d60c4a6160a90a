import { useState } from 'preact/hooks';
import { usePanel } from '../context';
import { reduce } from '../store';
import { Toolbar } from './Toolbar';
import { SummaryBar } from './SummaryBar';
import { PurgeBar, PurgeDialog } from './PurgeBar';
import { ImportStatus } from './ImportStatus';
import { FileTable } from './FileTable';
import { DetailsPane } from './DetailsPane';
import { SnapshotList } from './SnapshotList';

function Notice() {
  const { store } = usePanel();
  const text = store.notice.value;
  if (!text) return null;
  return (
    <div class={`notice ${text.startsWith('Removed') ? 'info' : 'error'}`} role="alert" data-testid="notice">
      <span>{text}</span>
      <button class="close" aria-label="Dismiss" onClick={() => reduce(store, { type: 'notice', text: null })}>
        ✕
      </button>
    </div>
  );
}

export function App() {
  const { controller } = usePanel();
  const [dragging, setDragging] = useState(false);
  return (
    <div
      class={`app ${dragging ? 'dragging' : ''}`}
      onDragOver={(e) => {
        if (e.dataTransfer?.types.includes('Files')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        const file = e.dataTransfer?.files[0];
        if (file) void controller.importCsv(file);
      }}
    >
      <Toolbar />
      <SummaryBar />
      <Notice />
      <PurgeBar />
      <ImportStatus />
      <SnapshotList />
      <main class="split">
        <FileTable />
        <DetailsPane />
      </main>
      <PurgeDialog />
      {dragging ? <div class="drop-hint">Drop a CSV to snapshot it</div> : null}
    </div>
  );
}
