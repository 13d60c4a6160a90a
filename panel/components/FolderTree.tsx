import { formatBytes, formatCount } from '../../src/format';
import { usePanel } from '../context';
import { breadcrumb, shownFolders } from '../folders';
import { reduce } from '../store';
import type { SourceKind } from '../sources';
import { consumeKey } from './keys';

/** Folder rows rendered at most. */
const MAX_FOLDER_ROWS = 2000;

/** What a file row carries when dragged: a token of this panel's drag (see FileTable). */
export const DRAG_TYPE = 'application/x-opfs-paths';

/**
 * The drag under way in this panel: its paths stay here, and the drag carries only a token.
 * A drop whose token is not this panel's (a row dragged from another DevTools window, or
 * any page that sets the type), or from the other storage, moves nothing.
 */
let dragging: { token: string; source: SourceKind; paths: string[] } | null = null;

export function startDrag(source: SourceKind, paths: string[]): string {
  dragging = { token: crypto.randomUUID(), source, paths };
  return dragging.token;
}

/** The paths of this panel's drag `token` of `source`, once; null for any other drop. */
export function takeDrag(token: string, source: SourceKind): string[] | null {
  const drag = dragging;
  dragging = null;
  return drag && drag.token === token && drag.source === source ? drag.paths : null;
}

/**
 * The folders of the source shown, as a tree: each with the files and bytes below it, empty
 * ones too. Choosing one narrows the list to it; Delete (or the action) deletes it after a
 * confirmation, F2 renames it, and files dragged onto it move there. Test contract: `folder-row` with `data-path`, `data-files`, `data-bytes`,
 * `aria-expanded`, `aria-selected` (the folder the list shows); `folder-toggle`.
 */
export function FolderTree() {
  const { store, controller } = usePanel();
  const view = store.view.value;
  if (!view) return null;
  const tree = view.listing.folderTree();
  const current = store.folder.value;
  const shown = shownFolders(tree, store.expanded.value);
  // Thousands of folders open at once would cost every render; the rest are counted.
  const rows = shown.length > MAX_FOLDER_ROWS ? shown.slice(0, MAX_FOLDER_ROWS) : shown;
  const onKeyDown = (event: KeyboardEvent, path: string) => {
    if (event.key === 'Delete' && path !== '') controller.askDeleteFolder(path);
    else if (event.key === 'F2' && path !== '') controller.askRename(path);
    else if (event.key === 'Enter' || event.key === ' ') controller.chooseFolder(path);
    else if (event.key === 'ArrowRight' && !store.expanded.value.has(path)) reduce(store, { type: 'folder-toggle', path });
    else if (event.key === 'ArrowLeft' && store.expanded.value.has(path)) reduce(store, { type: 'folder-toggle', path });
    else return;
    consumeKey(event);
  };
  return (
    <nav class="folder-tree" role="tree" aria-label="Folders" data-testid="folder-tree">
      {rows.map((node) => {
        const open = node.path === '' || store.expanded.value.has(node.path);
        const hasChildren = node.children.length > 0;
        return (
          <div
            key={node.path}
            role="treeitem"
            tabIndex={0}
            class={`folder-row ${node.path === current ? 'current' : ''}`}
            style={{ paddingLeft: `${4 + node.depth * 12}px` }}
            data-testid="folder-row"
            data-path={node.path}
            data-files={String(node.files)}
            data-bytes={String(node.bytes)}
            aria-level={node.depth + 1}
            aria-expanded={hasChildren && node.path !== '' ? open : undefined}
            aria-selected={node.path === current}
            title={`${node.path || 'All files'}: ${formatCount(node.files)} files, ${formatCount(node.bytes)} bytes`}
            onClick={() => controller.chooseFolder(node.path)}
            onDragOver={(e) => {
              if (e.dataTransfer?.types.includes(DRAG_TYPE)) e.preventDefault();
            }}
            onDrop={(e) => {
              const token = e.dataTransfer?.getData(DRAG_TYPE);
              if (!token) return;
              e.preventDefault();
              e.stopPropagation();
              const paths = takeDrag(token, store.source.value);
              if (paths) void controller.moveTo(paths, node.path);
            }}
            onKeyDown={(e) => onKeyDown(e, node.path)}
          >
            {hasChildren && node.path !== '' ? (
              <button
                class="toggle"
                data-testid="folder-toggle"
                tabIndex={-1}
                aria-label={open ? 'Collapse' : 'Expand'}
                onClick={(e) => {
                  e.stopPropagation();
                  reduce(store, { type: 'folder-toggle', path: node.path });
                }}
              >
                {open ? '▾' : '▸'}
              </button>
            ) : (
              <span class="toggle" />
            )}
            <bdi class="folder-name">{node.path === '' ? 'All files' : node.name}</bdi>
            <span class="folder-meta">
              {formatCount(node.files)} · {formatBytes(node.bytes)}
            </span>
          </div>
        );
      })}
      {shown.length > rows.length ? <div class="folder-more hint">… and {formatCount(shown.length - rows.length)} more folders: collapse some, or filter the list</div> : null}
    </nav>
  );
}

/** Where the list is: each folder from the root down, each a way back up. Test contract: `breadcrumb`, its buttons with `data-path`. */
export function Breadcrumb() {
  const { store, controller } = usePanel();
  const crumbs = breadcrumb(store.folder.value);
  return (
    <nav class="breadcrumb" data-testid="breadcrumb" aria-label="Folder">
      {crumbs.map((crumb, i) => (
        <span key={crumb.path}>
          {i > 0 ? <span class="separator">/</span> : null}
          <button class="crumb" data-path={crumb.path} aria-current={i === crumbs.length - 1 ? 'location' : undefined} onClick={() => controller.chooseFolder(crumb.path)}>
            <bdi>{crumb.path === '' ? 'All files' : crumb.name}</bdi>
          </button>
        </span>
      ))}
    </nav>
  );
}
