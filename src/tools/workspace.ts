/**
 * The one interface every workspace read and write goes through. On the CLI it is the disk
 * (disk-workspace.ts); in VS Code the runtime's EditorWorkspace (src/runtime/editor-workspace.ts)
 * turns `apply` into one `workspace/applyEdit` so changes are visible, undoable and respect
 * unsaved buffers.
 * Paths are workspace-relative with forward slashes; an implementation refuses any path
 * that resolves outside the root.
 *
 * `checkWritable` is the one containment check every write path runs (the disk workspace,
 * the editor workspace, `hearth apply-patch`): a write must land inside the real root and
 * never in a `.git` folder, whatever links the path goes through.
 */
import { lstat, readdir, readlink, realpath, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, posix, relative, resolve as resolvePath, sep } from "node:path";
import { shownPath } from "../indexer/index.ts";
import { isOutside } from "../indexer/scan.ts";
import { printableAscii } from "../protocol/printable-ascii.ts";
import { ToolError } from "./tool.ts";

/** What `stat` reports. */
export interface EntryInfo {
  readonly type: "file" | "directory";
  readonly size: number;
  readonly mtimeMs: number;
}

/** One entry of a directory listing. */
export interface DirEntry {
  readonly name: string;
  readonly type: "file" | "directory";
}

/** One change of a batch. Every `path` is workspace-relative. */
export type WorkspaceChange =
  | {
      readonly kind: "write";
      readonly path: string;
      readonly content: Uint8Array;
      /**
       * The file's bytes the content was made from (edit_file, write_file, apply_patch): the write is
       * refused (`checkUnchanged`) when the file holds other bytes by the time it is made.
       */
      readonly expected?: Uint8Array;
    }
  | { readonly kind: "delete"; readonly path: string }
  | { readonly kind: "rename"; readonly from: string; readonly to: string; readonly content?: Uint8Array };

export interface Workspace {
  /** Absolute path of the workspace root. */
  readonly root: string;
  /**
   * Checks a model-given path and returns it workspace-relative with forward slashes.
   * Throws `ToolError("outside-workspace")` for `..` escapes, absolute paths elsewhere and
   * symlinks that point out.
   */
  resolve(path: string): Promise<string>;
  /** The bytes of a file (unsaved editor text where the implementation has it). */
  read(path: string): Promise<Uint8Array>;
  /** Metadata, or undefined when nothing is there. */
  stat(path: string): Promise<EntryInfo | undefined>;
  /** Entries of a directory, sorted by name. */
  list(dir: string): Promise<DirEntry[]>;
  /** Replaces or creates a file atomically (a reader never sees half a file). */
  write(path: string, content: Uint8Array): Promise<void>;
  /**
   * Creates a file only where nothing is: true when it did, false when the name is taken —
   * also by another process that got there between any check of the caller's and this call
   * (two windows or `hearth fix` naming a memory entry alike). Never replaces anything.
   */
  create(path: string, content: Uint8Array): Promise<boolean>;
  delete(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /**
   * Applies several changes as one edit: either all of them or, when one fails, none
   * (the ones done are rolled back).
   */
  apply(changes: readonly WorkspaceChange[]): Promise<void>;
  /**
   * Runs every check `apply` runs before it writes (containment, `.git`, a read-only file, a
   * folder in the way, the user's unsaved text), writes nothing: a dry run (`hearth apply-patch
   * --check`, apply_patch's `dry_run`) refuses what the real run would, in the same words.
   * Absent: only the patch's own plan is checked.
   */
  check?(changes: readonly WorkspaceChange[]): Promise<void>;
  /**
   * Called by `runTool` before a write's checkpoint with the files (workspace-relative) it is
   * about to write: where an editor holds the user's unsaved changes to one that it saves on
   * its own anyway (VS Code's `files.autoSave`), it saves them now, so the checkpoint holds
   * them and the write is not refused for changes about to be saved. Absent on disk.
   */
  flushAutoSave?(paths: readonly string[]): Promise<void>;
  /**
   * Set where each write ends in an editor's save that may change what was written (VS Code's
   * save settings: format on save, trimmed trailing whitespace, a final newline, `files.eol`)
   * and whose reads leave a file's BOM out: the tools then record a written file as a read
   * gives it after the write (`afterWrite`). Absent on disk, where the bytes written are what
   * the model knows: a change read back after them is another program's (a file watcher's
   * formatter, the user), which write_file's read-first check must still see.
   */
  readonly editorSaves?: true;
  /**
   * Whether `path` (workspace-relative) is open in an editor with unsaved changes, so `read`
   * gives the editor's text, not the file on disk that commands and tests read. Absent on disk.
   */
  unsaved?(path: string): boolean;
}

/**
 * The lexical half of path checking, shared by implementations: normalizes separators and
 * `.` segments, turns absolute paths under `root` into relative ones, refuses the rest.
 * Symlink checks need the file system and are the implementation's job.
 */
export function lexicalRelative(root: string, input: string): string {
  if (input.includes("\0")) throw new ToolError("invalid-input", "path contains a NUL character");
  let path = input.trim().replace(/\\/g, "/");
  if (path === "") throw new ToolError("invalid-input", "path is empty");
  if (isAbsolute(path) || /^[a-zA-Z]:\//.test(path)) {
    const rel = relative(root, path);
    // Not startsWith(".."): `..foo.ts` at the root is inside.
    if (isOutside(rel)) throw outside(input);
    path = rel.split(sep).join("/");
  }
  const normal = posix.normalize(path).replace(/\/+$/, "");
  if (normal === ".." || normal.startsWith("../")) throw outside(input);
  return normal === "" ? "." : normal;
}

/**
 * `rel` (lexicalRelative's) as the disk spells it where only Unicode normalization differs.
 * A name written decomposed (NFD: é as e + U+0301, as macOS and archives made there write
 * them) was not found under the composed form a model writes (U+00E9), and a write made a
 * second, same-looking file beside it. A missing segment that is not ASCII is matched
 * against its folder's names by NFC, one match standing for it; the path as given when it
 * exists; from a segment that no name matches (a new one), the rest as given. A segment
 * that several names match, none as written, is refused as ambiguous.
 */
export async function diskSpelling(root: string, rel: string): Promise<string> {
  const nonAscii = /[^\x00-\x7f]/;
  if (!nonAscii.test(rel)) return rel;
  return spellingOnDisk(root, rel, {
    asWritten: (segment) => !nonAscii.test(segment),
    fold: (name) => name.normalize("NFC"),
    ambiguous: (folder, segment, names) => ambiguousSpelling(rel, [...folder, segment].join("/"), names),
  });
}

/**
 * `rel` as the disk spells it: as given where it is there; else each segment not on disk as
 * written taken as the one entry of its folder that `fold`s to the same (diskSpelling: Unicode
 * normalization; path-spelling.ts: letter case too). A segment that several entries match,
 * none as written, is `ambiguous` (which is meant cannot be told, and a write would add one
 * more); from one that none matches (a new name), the rest as given, the folders above as on
 * disk, so a new file does not make a same-looking twin of its folder.
 */
export async function spellingOnDisk(
  root: string,
  rel: string,
  match: {
    /** A segment taken as written without a look (ASCII for diskSpelling, `..`). */
    readonly asWritten: (segment: string) => boolean;
    readonly fold: (name: string) => string;
    readonly ambiguous: (folder: readonly string[], segment: string, names: readonly string[]) => ToolError;
  },
): Promise<string> {
  const there = (abs: string): Promise<boolean> => lstat(abs).then(() => true, () => false);
  const segments = rel.split("/");
  const found: string[] = [];
  for (const [i, segment] of segments.entries()) {
    if (match.asWritten(segment)) {
      found.push(segment);
      continue;
    }
    if (await there(join(root, ...found, segment))) {
      found.push(await listedName(join(root, ...found), segment, match.fold));
      continue;
    }
    const names = await readdir(join(root, ...found)).catch(() => [] as string[]);
    const same = names.filter((name) => match.fold(name) === match.fold(segment));
    if (same.length > 1) throw match.ambiguous(found, segment, same);
    if (same.length === 0) return [...found, ...segments.slice(i)].join("/");
    found.push(same[0]!);
  }
  return found.join("/");
}

/**
 * The name `folder` lists for `segment`, which lstat found there: the segment itself, except on
 * a disk that ignores letter case or Unicode normalization (macOS, Windows), where lstat of
 * `Foo.ts` answers for foo.ts — there the entry it answered for, so the tools, the review and
 * the checkpoints name the file as its folder, git and an import do. Whether the disk folds
 * is asked of the disk: the segment in another case (else the other normalization) is the same
 * file (device and inode) only there; a Linux folder costs that one lstat, a folding one a readdir.
 */
async function listedName(folder: string, segment: string, fold: (name: string) => string): Promise<string> {
  const other = otherSpelling(segment);
  if (other === undefined) return segment;
  const [own, twin] = await Promise.all([lstat(join(folder, segment)).catch(() => undefined), lstat(join(folder, other)).catch(() => undefined)]);
  if (own === undefined || twin === undefined || own.ino !== twin.ino || own.dev !== twin.dev) return segment;
  const names = await readdir(folder).catch(() => [] as string[]);
  if (names.includes(segment)) return segment;
  const same = names.filter((name) => fold(name) === fold(segment));
  return same.length === 1 ? same[0]! : segment;
}

/**
 * Whether the disk holding `folder` ignores letter case (macOS and Windows disks, WSL's
 * /mnt/c, an SMB share): an entry of it, or the folder itself, is the same file (device and
 * inode) under its name in another case, which the folder does not list too (hard links of
 * one file on Linux). Asked without writing anything; false where no name there has a letter to try.
 */
export async function ignoresCase(folder: string): Promise<boolean> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const named = names.find((name) => name.toUpperCase() !== name.toLowerCase());
  const [parent, name] = named === undefined ? [dirname(folder), basename(folder)] : [folder, named];
  const other = name.toUpperCase() !== name ? name.toUpperCase() : name.toLowerCase();
  // Both listed: a disk that holds case, whatever they are (hard links of one file are one inode).
  if (other === name || (parent === folder && names.includes(other))) return false;
  const [own, twin] = await Promise.all([lstat(join(parent, name)).catch(() => undefined), lstat(join(parent, other)).catch(() => undefined)]);
  return own !== undefined && twin !== undefined && own.ino === twin.ino && own.dev === twin.dev;
}

/** `segment` in another letter case, else in the other Unicode normalization; undefined where it has neither. */
function otherSpelling(segment: string): string | undefined {
  for (const other of [segment.toUpperCase(), segment.toLowerCase(), segment.normalize("NFD"), segment.normalize("NFC")]) {
    if (other !== segment) return other;
  }
  return undefined;
}

/**
 * A path as a message names it: in double quotes, or escaped as shownPath escapes it (a JSON
 * string) when it holds a newline, a control or a bidi character, so that a cloned
 * repository's file name cannot break the answer into a line that reads as other text.
 */
export function quotedPath(path: string): string {
  const shown = shownPath(path);
  return shown === path ? `"${path}"` : shown;
}

/** The refusal of a name that several spellings on disk match: each named with its accents escaped, as they look the same. */
function ambiguousSpelling(rel: string, segment: string, names: readonly string[]): ToolError {
  const spelled = [...names].sort().map((name) => `"${printableAscii(join(dirname(segment), name))}"`).join(", ");
  return new ToolError(
    "ambiguous-match",
    `"${printableAscii(rel)}" matches ${names.length} names on disk that differ only in how their accents are encoded (Unicode normalization), none as written: ${spelled}. Nothing was read or written; give the path with one of these spellings exactly`,
  );
}

/**
 * Refuses a write made from `expected` when the file now holds `current` (undefined: gone):
 * the user, a formatter or git wrote it after the tool read it, and writing would undo that.
 */
export function checkUnchanged(path: string, expected: Uint8Array | undefined, current: Uint8Array | undefined): void {
  if (expected === undefined || (current !== undefined && Buffer.compare(bytesOf(expected), bytesOf(current)) === 0)) return;
  throw new ToolError("stale-file", `${quotedPath(path)} changed while the edit was made (the user, a formatter or another program wrote it); nothing was written. Read it again and redo the edit`);
}

/** A Buffer over the same memory (no copy of a large file). */
function bytesOf(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** The error for a path that leaves the workspace. */
export function outside(path: string): ToolError {
  return new ToolError("outside-workspace", `${quotedPath(path)} is outside the workspace; only files under the workspace root can be used`);
}

/**
 * Whether a workspace-relative path (either separator) has a segment naming a git
 * directory: `.git` in any case, with the trailing dots and spaces Windows drops, its 8.3
 * short name `git~1`, or with the zero-width characters HFS+ ignores — every spelling git
 * itself refuses in a tree (`is_ntfs_dotgit`, `is_hfs_dotgit`).
 */
export function isGitInternal(rel: string): boolean {
  return rel.split(/[\\/]/).some(isGitName);
}

function isGitName(segment: string): boolean {
  const name = segment.replace(/[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g, "").replace(/[. ]+$/, "").toLowerCase();
  return name === ".git" || name === "git~1";
}

/** Where a checked write goes: the path as the workspace knows it, and the file it really reaches. */
export interface WritableTarget {
  /** Workspace-relative, forward slashes, as typed (links not followed). */
  readonly rel: string;
  /** Absolute real path: every link on the way, the target's own included, followed. */
  readonly real: string;
}

/**
 * The containment check for every write, delete and rename end. Refuses (ToolError) when
 * the typed path or the real path it reaches — links of the target and of its folders
 * followed, dangling ones too — is outside the real root, is the root, or has a `.git`
 * segment (see `isGitInternal`; a nested repository's `.git` counts).
 */
export async function checkWritable(root: string, path: string): Promise<WritableTarget> {
  const rel = await diskSpelling(root, lexicalRelative(root, path));
  if (rel === ".") throw notAFile(path);
  if (isGitInternal(rel)) throw protectedPath(path);
  const realRoot = await realpath(root);
  const real = await realTarget(join(root, rel), path);
  const back = relative(realRoot, real);
  if (isOutside(back)) throw outside(path);
  if (back === "") throw notAFile(path);
  if (isGitInternal(back)) throw protectedPath(path);
  return { rel, real };
}

/**
 * The checks a batch runs on each target before anything of it is written (both
 * workspaces: VS Code applies a WorkspaceEdit's file operations one by one, and the disk
 * fails with EEXIST / ENOTDIR / EISDIR), so that no change is refused halfway: a file is
 * written, created or moved only where no folder is and under folders, not files
 * (`a.txt/c.txt` beside a file `a.txt`); what is deleted or moved is a file.
 */
export async function checkFileTarget(root: string, abs: string, shown: string, batch?: BatchNames): Promise<void> {
  if ((await stat(abs).catch(() => undefined))?.isDirectory()) throw new ToolError("not-a-file", `${quotedPath(shown)} is a directory`);
  await checkFolders(root, abs, shown, batch);
}

/**
 * See checkFileTarget: a rename's new path is no folder. (A file there may be gone by the
 * time the rename comes: an earlier change of the batch can delete it.)
 */
export async function checkRenameTarget(root: string, abs: string, shown: string, batch?: BatchNames): Promise<void> {
  if ((await lstat(abs).catch(() => undefined))?.isDirectory()) throw alreadyThere(shown, "folder");
  await checkFolders(root, abs, shown, batch);
}

export function alreadyThere(shown: string, what: "file" | "folder"): ToolError {
  return new ToolError("already-exists", `cannot rename to ${quotedPath(shown)}: a ${what} is already there`);
}

/** See checkFileTarget: a folder is not deleted or moved by a file operation. */
export async function checkNotFolder(abs: string, shown: string): Promise<void> {
  if ((await lstat(abs).catch(() => undefined))?.isDirectory()) throw new ToolError("not-a-file", `${quotedPath(shown)} is a directory`);
}

/**
 * The file names that the earlier changes of a batch free (delete or move away) or fill,
 * by real path, so that the checks of a later change follow the batch's order: a name an
 * earlier change freed may become a folder (`git mv d d/x`; "delete d, create d/x").
 */
export class BatchNames {
  // true: a file is there by then; false: the file there is gone by then.
  private readonly names = new Map<string, boolean>();

  /** A delete, or a rename's old name. */
  async free(abs: string): Promise<void> {
    this.names.set(await entryPath(abs), false);
  }

  /** A write, or a rename's new name. */
  async fill(abs: string): Promise<void> {
    this.names.set(await entryPath(abs), true);
  }

  /** Whether a file is at this real path once the earlier changes are made; undefined: as on disk. */
  fileAt(real: string): boolean | undefined {
    return this.names.get(real);
  }
}

// The entry itself, not what a link there points to, under its folder's real path.
async function entryPath(abs: string): Promise<string> {
  return join(await realTarget(dirname(abs)), basename(abs));
}

/**
 * Refuses a target whose nearest existing ancestor is a file (as the earlier changes of the
 * batch leave it, where given): its folder cannot be made.
 */
async function checkFolders(root: string, abs: string, shown: string, batch?: BatchNames): Promise<void> {
  for (let folder = await realTarget(dirname(abs)); ; ) {
    const file = batch?.fileAt(folder);
    const info = file === undefined ? await stat(folder).catch(() => undefined) : undefined;
    if (info?.isDirectory()) return;
    if (file === true || info) {
      const inRoot = relative(await realpath(root), folder).split(sep).join("/");
      throw new ToolError("invalid-input", `${quotedPath(shown)} cannot be written: ${quotedPath(inRoot)} is a file, not a folder; give a path under a folder`);
    }
    const parent = dirname(folder);
    if (parent === folder) return;
    folder = parent;
  }
}

/** Links followed at most, like the kernel's own limit (Linux: 40). */
const MAX_LINK_HOPS = 40;

/**
 * The real path a write to `abs` reaches: the deepest existing ancestor's real path plus
 * the missing rest, where a dangling link on the way is followed to where it points
 * (writing through it would create its target there).
 */
export async function realTarget(abs: string, shown: string = abs): Promise<string> {
  let current = abs;
  for (let hops = 0; hops <= MAX_LINK_HOPS; hops++) {
    const rest: string[] = [];
    for (;;) {
      try {
        return join(await realpath(current), ...rest.reverse());
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ELOOP") throw linkLoop(shown);
        if (code !== "ENOENT" && code !== "ENOTDIR") throw new ToolError("io-error", `${quotedPath(shown)}: ${shownPath((error as Error).message)}`);
      }
      const link = await readlink(current).catch(() => undefined);
      if (link !== undefined) {
        // A dangling link: go on from what it names, relative to its folder's real path.
        current = join(resolvePath(await realpath(dirname(current)), link), ...rest.reverse());
        break;
      }
      const parent = dirname(current);
      if (parent === current) return join(current, ...rest.reverse());
      rest.push(basename(current));
      current = parent;
    }
  }
  throw linkLoop(shown);
}

function protectedPath(path: string): ToolError {
  return new ToolError("protected-path", `${quotedPath(path)} is inside a .git folder (or a link to one); Hearth never writes there. Change files of the work tree instead`);
}

function notAFile(path: string): ToolError {
  return new ToolError("invalid-input", `${quotedPath(path)} is the workspace root itself, not a file; give a file path under it`);
}

function linkLoop(path: string): ToolError {
  return new ToolError("invalid-input", `${quotedPath(path)} goes through a loop of symbolic links; give the path of a real file`);
}
