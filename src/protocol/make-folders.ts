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

/**
 * The modes of Hearth's own files outside the workspace (checkpoint stores, the index cache,
 * conversations, runtime logs, the state folder): this user's alone, as ssh, gh and git's
 * credential store keep theirs, and as XDG asks of the folders it names. They hold copies of
 * private code (an .env, a key) that the workspace's own modes no longer guard, and umask 022
 * made them readable by every user of a shared machine. Given at mkdir and open, never by a
 * chmod after: a mode can only take bits away from these (0700 & ~077 is still 0700).
 */
export const PRIVATE_FOLDER = 0o700;
export const PRIVATE_FILE = 0o600;

/** node:fs/promises' stat and chmod, and process.getuid's answer (undefined on Windows): pass those. */
export interface PrivateCalls {
  readonly stat: (path: string) => Promise<{ readonly mode: number; readonly uid: number }>;
  readonly chmod: (path: string, mode: number) => Promise<unknown>;
  readonly uid: number | undefined;
}

/** node:fs's statSync and chmodSync, and process.getuid's answer: pass those. */
export interface PrivateCallsSync {
  readonly statSync: (path: string) => { readonly mode: number; readonly uid: number };
  readonly chmodSync: (path: string, mode: number) => unknown;
  readonly uid: number | undefined;
}

/**
 * Makes `dir`, one of Hearth's own folders that an older Hearth made readable by others (0755),
 * this user's alone. Best effort and quiet: a folder of another user (root's Hearth on a user's
 * store) is left as it is, and a file system that keeps no modes (FAT, some SMB shares) refuses
 * or ignores the chmod, which is no error.
 */
export async function keepPrivate(dir: string, calls: PrivateCalls): Promise<void> {
  try {
    const mode = tightened(await calls.stat(dir), calls.uid);
    if (mode !== undefined) await calls.chmod(dir, mode);
  } catch {
    // Nothing to tighten where the folder cannot be looked at or its mode not changed.
  }
}

/** {@link keepPrivate}, for sync callers. */
export function keepPrivateSync(dir: string, calls: PrivateCallsSync): void {
  try {
    const mode = tightened(calls.statSync(dir), calls.uid);
    if (mode !== undefined) calls.chmodSync(dir, mode);
  } catch {
    // As keepPrivate.
  }
}

/** The mode without the group's and others' bits, where there are some and the folder is this user's. */
function tightened({ mode, uid }: { readonly mode: number; readonly uid: number }, own: number | undefined): number | undefined {
  return (mode & 0o077) === 0 || own === undefined || uid !== own ? undefined : mode & 0o7700;
}
