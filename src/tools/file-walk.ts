/**
 * The workspace's files as list_files and search see them: the indexer's scan (nested
 * .gitignore, .hearthignore, excluded folders like node_modules), plus the files the
 * index leaves out for its own reasons (lock files, minified, large) — those are still
 * files a person can ask about. The walk starts at the folder asked about, not at the root
 * (the ignore rules of the folders above it still apply), and stops at a number of files:
 * in a home folder or a monorepo of 500,000 files, one call walked everything, tens of
 * seconds each time, however small the folder asked about.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_EXCLUDED_DIRS, shownPath } from "../indexer/index.ts";
// scan.ts is not re-exported by the indexer's index.ts; it is the one walker that honours
// ignore files the same way the index does, so the tools share it.
import { globTest } from "../indexer/ignore.ts";
import { NOT_UTF8_NAME, isPathExcluded, scanRepository } from "../indexer/scan.ts";
import { inBatches } from "../indexer/scan-fs.ts";
import { ToolError } from "./tool.ts";

/** What the walk found. Paths are workspace-relative with forward slashes, sorted. */
export interface WorkspaceFiles {
  readonly paths: string[];
  /** Symbolic links (to files or folders) whose real path is outside the workspace: not followed. */
  readonly linksOut: string[];
  /**
   * Folders this user may not enter and files it may not look at (mode 000, a folder whose
   * names can be read but not reached): left out of the walk, so a caller says so. A folder ends in `/`.
   */
  readonly denied: string[];
  /** Files and folders whose names are not UTF-8 (U+FFFD for each such byte): left out, as no tool can name them; a caller says so. */
  readonly unnamed?: string[];
  /** Set when the walk stopped at `maxFiles` (the files nearest the folder were kept): how many folders it did not enter or finish. */
  readonly stopped?: { readonly maxFiles: number; readonly foldersLeft: number };
}

export interface WalkOptions {
  /** Stop after this many files, keeping those nearest the folder walked (breadth first, in name order). */
  readonly maxFiles: number;
  readonly signal?: AbortSignal;
}

/**
 * The files at or under `dir` (workspace-relative, "." for all; a file gives itself), as a
 * walk of the whole workspace would find them; links pointing out of it are not followed but
 * reported.
 */
export async function workspaceFiles(root: string, dir: string, options: WalkOptions): Promise<WorkspaceFiles> {
  const ignores = { excludeDirs: DEFAULT_EXCLUDED_DIRS, useGitignore: true };
  const info = dir === "." ? undefined : await stat(join(root, dir)).catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" || error.code === "ENOTDIR" ? null : undefined));
  // An empty answer would read as a folder without what was looked for.
  if (info === null) throw new ToolError("not-found", `${JSON.stringify(dir)} does not exist`);
  if (info && !info.isFile() && !info.isDirectory()) throw new ToolError("not-a-file", `${JSON.stringify(dir)} is not a file or folder (a pipe, socket or device)`);
  if (info?.isFile()) return { paths: (await isPathExcluded(root, dir, ignores)) ? [] : [dir], linksOut: [], denied: [] };
  const scan = await scanRepository(root, {
    ...ignores,
    maxFileBytes: Number.MAX_SAFE_INTEGER,
    maxFiles: options.maxFiles,
    ...(dir === "." ? {} : { from: dir }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const kept = scan.skipped.filter((s) => s.reason === "generated" || s.reason === "minified").map((s) => s.path);
  const linksOut = scan.skipped.filter((s) => s.reason === "link-outside").map((s) => s.path).sort();
  const deniedPaths = scan.skipped.filter((s) => s.reason === "unreadable" && (s.detail === "EACCES" || s.detail === "EPERM")).map((s) => s.path);
  const unnamed = scan.skipped.filter((s) => s.reason === "unreadable" && s.detail === NOT_UTF8_NAME).map((s) => s.path).sort();
  const denied: string[] = [];
  // A folder is named with its slash.
  const isFolder = (path: string) => stat(join(root, path)).then((info) => info.isDirectory(), () => false);
  for await (const batch of inBatches(deniedPaths, isFolder)) {
    for (const [path, folder] of batch) denied.push(folder ? `${path}/` : path);
  }
  return { paths: [...scan.files.map((f) => f.path), ...kept].sort(), linksOut, denied: denied.sort(), unnamed, ...(scan.stopped ? { stopped: scan.stopped } : {}) };
}

/**
 * The note list_files and search add for files whose names are not UTF-8 (`unnamed`): the tools
 * take names as text and cannot give such a name back, but the model must learn they are there.
 */
export function unnamedNote(paths: readonly string[] | undefined, done: "listed" | "searched"): string[] {
  if (!paths?.length) return [];
  const shown = paths.slice(0, 20).map((path) => (shownPath(path).startsWith('"') ? shownPath(path) : `"${path}"`)).join(", ") + (paths.length > 20 ? ` and ${paths.length - 20} more` : "");
  const count = paths.length === 1 ? "1 file whose name is" : `${paths.length} files whose names are`;
  const glob = paths[0]!.replace(/\uFFFD/g, "?");
  return [`[Not ${done}: ${count} not UTF-8, shown here with U+FFFD (\uFFFD) for each byte that is not: ${shown}. The tools cannot name them; reach them with run_command, a shell glob standing for the byte (ls ${glob}), or rename them to UTF-8 (convmv, or mv with the glob).]`];
}

/** The note list_files and search add for what they could not read (`denied`, and files whose read failed): what the results lack. */
export function unreadableNote(paths: readonly string[], done: "listed" | "searched"): string[] {
  if (paths.length === 0) return [];
  const shown = paths.slice(0, 20).map(shownPath).join(", ") + (paths.length > 20 ? ` and ${paths.length - 20} more` : "");
  const count = paths.length === 1 ? "1 file or folder" : `${paths.length} files or folders`;
  const why = done === "listed" ? "This user may not enter or read them, so what they hold is not listed" : "This user may not read them (or their read failed), so matches in them are not shown";
  return [`[Not ${done}: ${count} that could not be read: ${shown}. ${why}; ask the user for access if they matter.]`];
}

/** The note list_files and search add when their walk stopped: what they looked at, and how to narrow. */
export function stoppedNote(dir: string, stopped: NonNullable<WorkspaceFiles["stopped"]>, done: "listed" | "searched"): string {
  const where = dir === "." ? "the workspace root" : shownPath(dir);
  const folders = stopped.foldersLeft === 1 ? "1 folder under it was" : `${stopped.foldersLeft.toLocaleString("en")} folders under it were`;
  return `[Too many files: only the ${stopped.maxFiles.toLocaleString("en")} files nearest ${where} were ${done}; ${folders} not walked, or only in part. This is not all of ${where}: narrow with path to a folder below it (a glob only filters the files walked).]`;
}

/** The line list_files and search show for a link they did not follow. */
export function linkOutLine(path: string): string {
  return `${shownPath(path)} → outside the workspace, skipped`;
}

/** The most paths one glob's `{a,b}` groups may stand for (`{a,b}{c,d}` is 4). */
const MAX_GLOB_ALTERNATIVES = 256;

/**
 * A glob (`*`, `**`, `?`, `{a,b}`; `[` is itself: `app/[id].tsx`) as a test of
 * workspace-relative paths. Without a `/` it matches the file name. The test is linear in the
 * path's length whatever the glob: a model's `*a*a*a…b` would make a regular expression
 * backtrack for longer than anyone waits.
 */
export function globMatcher(glob: string): (path: string) => boolean {
  const anchored = glob.includes("/");
  const tests = braceAlternatives(glob).map((g) => globTest(g, anchored));
  return (path) => tests.some((test) => test(path));
}

/** The globs a glob's `{a,b}` groups stand for, in the escaped syntax of `globTest` (`{a,b}` options are literal). */
function braceAlternatives(glob: string): string[] {
  let out = [""];
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    const close = ch === "{" ? glob.indexOf("}", i) : -1;
    if (close === -1) {
      out = out.map((o) => o + (ch === "[" || ch === "\\" ? `\\${ch}` : ch));
      continue;
    }
    const options = glob.slice(i + 1, close).split(",").map((o) => o.replace(/[*?[\\]/g, "\\$&"));
    if (out.length * options.length > MAX_GLOB_ALTERNATIVES) {
      throw new ToolError("invalid-input", `the glob "${glob}" stands for more than ${MAX_GLOB_ALTERNATIVES} patterns; use fewer {a,b} groups`);
    }
    out = out.flatMap((o) => options.map((option) => o + option));
    i = close;
  }
  return out;
}
