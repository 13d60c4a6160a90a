import { counted } from '../store';
import { useRef } from 'preact/hooks';
import { usePanel } from '../context';
import type { UploadItem } from '../controller';
import { Breadcrumb } from './FolderTree';

/**
 * What can be done with the files selected in the list, and how the last action went.
 * Test contract: `action-delete`, `action-rename`, `action-move`, `action-new-folder`,
 * `action-upload` with `upload-input` and `upload-folder-input`, `upload-cancel`, `action-download`; `action-result` with `data-state`
 * (`running`, `done`, `failed`), `data-action` (new for each action) and a sentence.
 */
export function FileActions() {
  const { store, controller } = usePanel();
  // Only what is shown: a file the filter hides is never acted on unseen.
  const selected = store.chosen.value.size;
  const action = store.fileAction.value;
  const running = action.kind === 'running';
  const folder = store.folder.value;
  const shown = store.visibleFiles.value.rows.length;
  const total = store.view.value?.listing.fileCount ?? 0;
  const narrowed = folder !== '' || store.filter.value.trim() !== '';
  return (
    <div class="file-actions">
      <Breadcrumb />
      <button
        data-testid="action-delete"
        disabled={(selected === 0 && folder === '') || running}
        title={selected === 0 && folder !== '' ? `Delete the folder ${folder} and what it holds, after a confirmation` : 'Delete the selected files (Delete key), after a confirmation that lists them'}
        onClick={() => (selected === 0 ? controller.askDeleteFolder() : controller.askDeleteSelection())}
      >
        {selected > 0 ? `Delete ${counted(selected, 'file')}` : folder !== '' ? 'Delete folder' : 'Delete'}
      </button>
      <button data-testid="action-rename" disabled={selected !== 1 || running} title="Rename the selected file (F2)" onClick={() => controller.askRename()}>
        Rename
      </button>
      <button data-testid="action-move" disabled={selected === 0 || running} title="Move the selected files to another folder (or drag them onto a folder)" onClick={() => controller.askMove()}>
        Move
      </button>
      <button data-testid="action-new-folder" disabled={running || !store.view.value} title="Make a folder in the folder shown" onClick={() => controller.askNewFolder()}>
        New folder
      </button>
      <UploadButtons />
      <button
        data-testid="action-download"
        disabled={(selected === 0 && folder === '') || running}
        title={selected === 0 ? `Download the folder ${folder} as one .zip` : 'Download the selected file, or the selected files as one .zip'}
        onClick={() => void controller.download({ selection: true })}
      >
        {selected === 0 && folder !== '' ? 'Download folder .zip' : `Download${selected > 1 ? ' .zip' : ''}`}
      </button>
      <span class="meta" data-testid="shown-count">
        {narrowed ? `${shown.toLocaleString('en-US')} of ${counted(total, 'file')} shown · ` : ''}
        {selected > 0 ? `${counted(selected, 'file')} selected · Shift/Ctrl-click, arrows, Ctrl+A, Esc` : 'Click a file to select it; Shift/Ctrl-click for more'}
      </span>
      {action.kind === 'idle' ? null : (
        <span class={`result ${action.kind}`} data-testid="action-result" data-state={action.kind} data-action={store.fileActions.value} role={action.kind === 'failed' ? 'alert' : 'status'}>
          {action.kind === 'running' ? `${action.label}…` : action.kind === 'done' ? action.result.sentence : action.error}
        </span>
      )}
    </div>
  );
}

/** The files (or the folder tree) an input was given, each with its path below the folder shown. */
function chosenFiles(input: HTMLInputElement): UploadItem[] {
  return Array.from(input.files ?? [], (file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/** Upload files or a whole folder into the folder shown, by a picker; Stop while one runs. */
function UploadButtons() {
  const { store, controller } = usePanel();
  const files = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);
  const stop = store.uploadStop.value;
  const take = (input: HTMLInputElement) => {
    const items = chosenFiles(input);
    input.value = ''; // the same files can be chosen again
    void controller.upload(items);
  };
  if (stop) {
    return (
      <button data-testid="upload-cancel" title="Stop the upload: the file being written is removed, nothing partial is left" onClick={stop}>
        Stop upload
      </button>
    );
  }
  const disabled = !store.view.value || store.fileAction.value.kind === 'running';
  return (
    <>
      <input ref={files} type="file" multiple hidden data-testid="upload-input" onChange={(e) => take(e.currentTarget)} />
      <input ref={folder} type="file" multiple hidden data-testid="upload-folder-input" {...{ webkitdirectory: '' }} onChange={(e) => take(e.currentTarget)} />
      <button data-testid="action-upload" disabled={disabled} title="Upload files into the folder shown (or drop them on the list)" onClick={() => files.current?.click()}>
        Upload
      </button>
      <button data-testid="action-upload-folder" disabled={disabled} title="Upload a folder, with everything in it, into the folder shown" onClick={() => folder.current?.click()}>
        Upload folder
      </button>
    </>
  );
}
