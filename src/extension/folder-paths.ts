/**
 * The pure half of workspace-folder.ts (unit-tested without `vscode`): which folder Hearth
 * works in, paths as the runtime names them, and how the folder is shown.
 */
import { statSync } from "node:fs";
import { relative, resolve, sep } from "node:path";

/**
 * The folder Hearth works in: the remembered one while it is open, else the first; none
 * without folders. A folder not `onDisk` (a workspace file's entry for a folder moved or
 * deleted since) is passed over while another is on disk: worked in, the index said it was
 * gone and every message failed. `staying` (the folder Hearth works in, when the window's
 * folders changed) is kept while it is open and on disk: a folder passed over that came back
 * on disk took over at the next folder added or removed, and the runtime restarted there
 * unasked, even mid-run.
 */
export function chosenFolder<F extends { readonly uri: string }>(folders: readonly F[], remembered: string | undefined, onDisk: (folder: F) => boolean = () => true, staying?: string): F | undefined {
  const present = folders.filter(onDisk);
  const among = present.length > 0 ? present : folders;
  return among.find((f) => f.uri === staying) ?? among.find((f) => f.uri === remembered) ?? among[0];
}

/** Whether `path` is a folder on disk (a link to one too): a folder of a workspace file may name one moved or deleted since. */
export function folderOnDisk(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Remembers `picked` (a folder's URI) as the folder Hearth works in, only while it is one of
 * the window's `folders`: true once remembered; false, nothing remembered, when it has left
 * the window (removed while Choose Folder waited for a run to end). Remembered anyway, it
 * was not worked in then, and the day the folder was added back Hearth moved there unasked,
 * even in the middle of a run.
 */
export async function rememberChoice(folders: readonly { readonly uri: string }[], picked: string, remember: (uri: string) => PromiseLike<void>): Promise<boolean> {
  if (!folders.some((f) => f.uri === picked)) return false;
  await remember(picked);
  return true;
}

/**
 * A path as the runtime names files: relative to its folder with `/`, or undefined for a
 * file outside it (in another folder of the window, or none) — which the agent cannot
 * read under any relative name, and must not be given one that means another file.
 */
export function pathInFolder(folderPath: string, filePath: string): string | undefined {
  const rel = relative(folderPath, filePath);
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || /^[a-zA-Z]:|^[\\/]/.test(rel)) return undefined;
  return rel.split(sep).join("/");
}

/**
 * As pathInFolder, and for a file of `owner` — the window's folder the file is in — when that
 * folder is the same one by another path (a link to it opened as a second folder of the
 * window): its files are the folder's, and the runtime, which follows links, reads them so.
 * `real` gives a folder's real path (undefined when it cannot be read).
 */
export function pathInFolderOrTwin(folderPath: string, filePath: string, owner: string | undefined, real: (path: string) => string | undefined): string | undefined {
  const direct = pathInFolder(folderPath, filePath);
  if (direct !== undefined || owner === undefined) return direct;
  const [here, there] = [real(folderPath), real(owner)];
  return here !== undefined && here === there ? pathInFolder(owner, filePath) : undefined;
}

/** Whether two paths name the same folder as the platform compares them (Windows: any case of the drive letter and names). */
export function sameFolderPath(a: string, b: string): boolean {
  return relative(a, b) === "";
}

/**
 * The file a link in the chat names (a tool card's path, a workspace link in a reply),
 * relative to the folder with `/`: relative or absolute under it, `\\` read as `/` as the
 * agent's tools read it; undefined for anything outside the folder (or the folder itself).
 */
export function linkInFolder(folderPath: string, link: string): string | undefined {
  if (link.trim() === "") return undefined;
  return pathInFolder(folderPath, resolve(folderPath, link.replace(/\\/g, "/")));
}

/** Items as folderOfItem reads them: only a user message records a folder. */
interface FolderItem {
  readonly kind: string;
  readonly id: string;
  readonly folder?: string;
}

/**
 * The folder (URI) an item's paths are relative to: the one recorded by the user message
 * it answers (the last message when no item is named); undefined when none was recorded
 * (a conversation from before folders were recorded, or imported).
 */
export function folderOfItem(items: readonly FolderItem[], itemId?: string): string | undefined {
  const end = itemId === undefined ? items.length : items.findIndex((i) => i.id === itemId) + 1;
  for (let i = end - 1; i >= 0; i--) if (items[i]!.kind === "user") return items[i]!.folder;
  return undefined;
}

/**
 * A folder's name in a message: its name, or "name (path)" where another folder of the
 * window (`all`) has the same name — two clones both called app read "changed files in app;
 * Hearth works in app now".
 */
export function distinctFolderName(folder: { readonly name: string; readonly path: string }, all: readonly { readonly name: string; readonly path: string }[]): string {
  return all.some((f) => f.name === folder.name && !sameFolderPath(f.path, folder.path)) ? `${folder.name} (${folder.path})` : folder.name;
}

/** "api (2 of 3 folders)": where Hearth works, for the view and messages; undefined with one folder or none. */
export function folderLabel(name: string, index: number, count: number): string | undefined {
  return count > 1 ? `${name} (${index + 1} of ${count} folders)` : undefined;
}
