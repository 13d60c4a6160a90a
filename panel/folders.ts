/**
 * The folder tree of a listing: every folder (empty ones too, and every folder above a
 * file even when the walk did not list it), with the files and bytes below it. Built from
 * the folders alone (the listing keeps each folder's own counts up to date), so a tree of
 * 100,000 files in 18 folders costs 18 steps.
 */

export interface FolderNode {
  /** '' for the root. */
  path: string;
  name: string;
  depth: number;
  /** Files and bytes in this folder and every folder below it. */
  files: number;
  bytes: number;
  /** Paths of the folders directly inside, by name. */
  children: string[];
}

export type FolderTree = ReadonlyMap<string, FolderNode>;

/** The folder `path` is in ('' for the top). */
export const parentOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf('/')));

export function buildFolderTree(directories: Iterable<string>, inFolder: ReadonlyMap<string, { files: number; bytes: number }>): FolderTree {
  const tree = new Map<string, FolderNode>();
  const add = (path: string): FolderNode => {
    let node = tree.get(path);
    if (!node) {
      node = { path, name: path.slice(path.lastIndexOf('/') + 1), depth: path === '' ? 0 : path.split('/').length, files: 0, bytes: 0, children: [] };
      tree.set(path, node);
      if (path !== '') add(parentOf(path)).children.push(path);
    }
    return node;
  };
  add('');
  for (const path of directories) add(path);
  for (const path of inFolder.keys()) add(path);
  // Each folder's own files count for it and for every folder above it.
  for (const [path, own] of inFolder) {
    for (let at: string | null = path; at !== null; at = at === '' ? null : parentOf(at)) {
      const node = tree.get(at)!;
      node.files += own.files;
      node.bytes += own.bytes;
    }
  }
  for (const node of tree.values()) node.children.sort(byName(tree));
  return tree;
}

function byName(tree: ReadonlyMap<string, FolderNode>) {
  return (a: string, b: string) => {
    const [x, y] = [tree.get(a)!.name, tree.get(b)!.name];
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

/** The folders shown, in order: the root, then the children of every expanded folder, depth first. */
export function shownFolders(tree: FolderTree, expanded: ReadonlySet<string>): FolderNode[] {
  const out: FolderNode[] = [];
  const visit = (path: string) => {
    const node = tree.get(path);
    if (!node) return;
    out.push(node);
    if (path === '' || expanded.has(path)) for (const child of node.children) visit(child);
  };
  visit('');
  return out;
}

/** The folders from the root down to `path`, each with its name ('' is the root). */
export function breadcrumb(path: string): { path: string; name: string }[] {
  const crumbs = [{ path: '', name: '' }];
  if (path === '') return crumbs;
  const segments = path.split('/');
  segments.forEach((name, i) => crumbs.push({ path: segments.slice(0, i + 1).join('/'), name }));
  return crumbs;
}

/** Whether `filePath` is in `folder` or below it ('' holds everything). */
export function isUnder(filePath: string, folder: string): boolean {
  return folder === '' || filePath.startsWith(`${folder}/`);
}
