import { useState } from 'preact/hooks';
import { usePanel } from '../context';
import { reduce } from '../store';
import { Toolbar } from './Toolbar';
import { SummaryBar } from './SummaryBar';
import { ConfirmDialog, PurgeBar, PurgeDialog } from './PurgeBar';
import { ImportStatus } from './ImportStatus';
import { FileTable } from './FileTable';
import { FileActions } from './FileActions';
import { FolderTree } from './FolderTree';
import { PromptDialog } from './PromptDialog';
import { ConflictDialog } from './ConflictDialog';
import { DetailsPane } from './DetailsPane';
import { droppedEntries, droppedFiles } from '../dropped';
import { EngineStatusLine, SnapshotActionLine, SnapshotList } from './SnapshotList';
import { QueryView } from './QueryView';
import { DiffView } from './DiffView';
import type { PanelTab } from '../query';

const TABS: { tab: PanelTab; label: string; title: string }[] = [
  { tab: 'files', label: 'Files', title: 'The files of the storage, their health, snapshots and purges' },
  { tab: 'query', label: 'Query', title: 'SQL over the snapshots of the extension’s storage' },
  { tab: 'diff', label: 'Diff', title: 'What changed between two snapshots' },
];

function Tabs() {
  const { query, queries } = usePanel();
  return (
    <nav class="tabs" role="tablist">
      {TABS.map(({ tab, label, title }) => (
        <button key={tab} role="tab" data-testid={`tab-${tab}`} aria-selected={query.tab.value === tab} class={query.tab.value === tab ? 'active' : ''} title={title} onClick={() => queries.showTab(tab)}>
          {label}
        </button>
      ))}
    </nav>
  );
}

function Notice() {
  const { store } = usePanel();
  const notice = store.notice.value;
  if (!notice) return null;
  return (
    <div class={`notice ${notice.kind}`} role="alert" data-testid="notice" data-kind={notice.kind}>
      <span>{notice.text}</span>
      <button class="close" aria-label="Dismiss" onClick={() => reduce(store, { type: 'notice', notice: null })}>
        ✕
      </button>
    </div>
  );
}

export function App() {
  const { controller, query } = usePanel();
  const tab = query.tab.value;
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
        if (!e.dataTransfer) return;
        // On the folders or the list: uploaded into the folder dropped on (or the one shown).
        const target = e.target instanceof Element ? e.target : null;
        if (target?.closest('.split')) {
          const folder = target.closest('[data-testid="folder-row"]')?.getAttribute('data-path') ?? undefined;
          const entries = droppedEntries(e.dataTransfer);
          void droppedFiles(entries).then((items) => controller.upload(items, folder));
          return;
        }
        // Elsewhere: each dropped file is its own CSV import, run in turn, each with its own result.
        for (const file of Array.from(e.dataTransfer.files)) void controller.importCsv(file);
      }}
    >
      <Tabs />
      <div class="files-view" hidden={tab !== 'files'}>
        <Toolbar />
        <SummaryBar />
        <Notice />
        <PurgeBar />
        <ImportStatus />
        <SnapshotList />
        <SnapshotActionLine />
        <EngineStatusLine />
        <FileActions />
        <main class="split">
          <FolderTree />
          <FileTable />
          <DetailsPane />
        </main>
      </div>
      {tab === 'query' ? <QueryView /> : null}
      {tab === 'diff' ? <DiffView /> : null}
      <PurgeDialog />
      <ConfirmDialog />
      <PromptDialog />
      <ConflictDialog />
      {dragging ? <div class="drop-hint">Drop on the list to upload into the folder shown (on a folder: into it); anywhere else, CSV files become snapshots</div> : null}
    </div>
  );
}
