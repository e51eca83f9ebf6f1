/**
 * The one interface every workspace read and write goes through. On the CLI it is the disk
 * (disk-workspace.ts); in VS Code another implementation turns `apply` into one
 * `workspace/applyEdit` so changes are visible, undoable and respect unsaved buffers.
 * Paths are workspace-relative with forward slashes; an implementation refuses any path
 * that resolves outside the root.
 */
import { isAbsolute, posix, relative, sep } from "node:path";
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
  | { readonly kind: "write"; readonly path: string; readonly content: Uint8Array }
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
  delete(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /**
   * Applies several changes as one edit: either all of them or, when one fails, none
   * (the ones done are rolled back).
   */
  apply(changes: readonly WorkspaceChange[]): Promise<void>;
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
    const rel = relative(root, path).split(sep).join("/");
    if (rel.startsWith("..") || isAbsolute(rel)) throw outside(input);
    path = rel;
  }
  const normal = posix.normalize(path).replace(/\/+$/, "");
  if (normal === ".." || normal.startsWith("../")) throw outside(input);
  return normal === "" ? "." : normal;
}

/** The error for a path that leaves the workspace. */
export function outside(path: string): ToolError {
  return new ToolError("outside-workspace", `"${path}" is outside the workspace; only files under the workspace root can be used`);
}

/** Whether a workspace-relative path is inside the user's own git directory (never written). */
export function isGitInternal(rel: string): boolean {
  return rel === ".git" || rel.startsWith(".git/") || rel.includes("/.git/") || rel.endsWith("/.git");
}
