/**
 * `mkdir -p` that fails with the disk's reason, for every folder Hearth makes for its own files
 * (a download's models folder, the checkout locks, the conversation store, the index cache).
 * Node's recursive mkdir answers ENOENT when the folders to make are on a read-only file system
 * (a home on a read-only mount: "no such file or directory, mkdir '~/.local'"), which sends the
 * user looking for a missing folder; the topmost missing folder is then made on its own, whose
 * error is the real one (EROFS, EACCES, ENOSPC). Where that one is there after all (EEXIST: a
 * link to a drive not mounted, or another process made it) or its own parent is missing
 * (ENOENT), the first ENOENT stands: it is the truer word.
 * No Node imports (protocol/ stays free of Node's modules): the caller hands over node:fs's
 * mkdir and lstat and node:path's dirname.
 */

/** node:fs's mkdirSync and lstatSync, node:path's dirname: pass those. */
export interface FolderCallsSync {
  readonly mkdirSync: (path: string, options?: { recursive: true }) => unknown;
  readonly lstatSync: (path: string) => unknown;
  readonly dirname: (path: string) => string;
}

/** node:fs/promises' mkdir and lstat, node:path's dirname: pass those. */
export interface FolderCalls {
  readonly mkdir: (path: string, options?: { recursive: true }) => Promise<unknown>;
  readonly lstat: (path: string) => Promise<unknown>;
  readonly dirname: (path: string) => string;
}

/** Makes `dir` and the folders above it that are missing, failing with the disk's reason. */
export function makeFoldersSync(dir: string, calls: FolderCallsSync): void {
  try {
    calls.mkdirSync(dir, { recursive: true });
  } catch (error) {
    if (codeOf(error) !== "ENOENT") throw error;
    let missing = dir;
    while (calls.dirname(missing) !== missing && !existsSync(calls, calls.dirname(missing))) missing = calls.dirname(missing);
    try {
      calls.mkdirSync(missing);
    } catch (alone) {
      throw truerError(error, alone);
    }
    calls.mkdirSync(dir, { recursive: true });
  }
}

/** {@link makeFoldersSync}, for async callers. */
export async function makeFolders(dir: string, calls: FolderCalls): Promise<void> {
  try {
    await calls.mkdir(dir, { recursive: true });
  } catch (error) {
    if (codeOf(error) !== "ENOENT") throw error;
    let missing = dir;
    while (calls.dirname(missing) !== missing && !(await calls.lstat(calls.dirname(missing)).then(() => true, () => false))) missing = calls.dirname(missing);
    try {
      await calls.mkdir(missing);
    } catch (alone) {
      throw truerError(error, alone);
    }
    await calls.mkdir(dir, { recursive: true });
  }
}

/** Whether anything is at `path`, a link to nothing included (lstat, not stat). */
function existsSync(calls: FolderCallsSync, path: string): boolean {
  try {
    calls.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The topmost missing folder's own error, unless it only says that folder is there or its parent is not. */
function truerError(recursive: unknown, alone: unknown): unknown {
  const code = codeOf(alone);
  return code === "EEXIST" || code === "ENOENT" ? recursive : alone;
}

function codeOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : undefined;
}
