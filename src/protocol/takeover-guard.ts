/**
 * The takeover guard of a stale lock file, shared by the locks Hearth keeps across processes
 * that take a dead holder's lock over: a download's part lock and a checkout's lock
 * (src/models/part-lock.ts) and the checkpoints' owner file (src/tools/checkpoint-lock.ts).
 * No Node imports (protocol/ stays free of Node's modules, and it is the one folder both
 * models/ and tools/ may import): the caller hands over the file operations, as GuardFiles.
 *
 * Of several runs that judge one stale lock at the same moment, each comes to remove it. With
 * three, two held the lock: the first removed it and placed its own; the second, from what it
 * had judged, moved that new one aside to look at it; while it was aside the place was empty
 * and the third took it, and the second could not put the first's back. So a run removes a
 * stale lock only while it holds that very lock's guard: `<lock>.<hash of the lock
 * judged>.takeover.<n>`, created exclusively and naming its taker, so one run at a time looks at
 * that lock again and removes it, and each later one finds another lock there (or none) and
 * removes nothing. A guard whose taker died holding it is passed by, never removed while the
 * stale lock may be there: the next run takes the next guard of the row (`.1`, `.2`, …), so no
 * run removes a guard another may hold, and a killed taker never leaves the lock unusable. The
 * row is removed once the stale lock is gone (a guard for a lock that no longer exists guards
 * nothing).
 */
import { isAlive, type ReadText, startedAfter } from "./processes.ts";

/** A lock file as a run judged it: which file (device, inode), when last written or refreshed, what it said. */
export interface SeenFile {
  readonly dev: number;
  readonly ino: number;
  readonly mtimeMs: number;
  /** Its text; undefined where it could not be read. */
  readonly text: string | undefined;
}

/** A file as seeFile found it, and whether it is a folder (made by hand, or by another program: a lock never taken over). */
export interface SeenPath extends SeenFile {
  readonly folder: boolean;
}

/** The file operations a guard is made with: node:fs's, sync (a takeover runs through in one go). */
export interface GuardFiles {
  /** Creates the file holding `text`, exclusively (writeFileSync, flag "wx"): throws EEXIST when one is there. */
  readonly create: (path: string, text: string) => void;
  /** Which file is at the path and when it was last written (lstatSync): throws ENOENT when there is none. */
  readonly lstat: (path: string) => { readonly dev: number; readonly ino: number; readonly mtimeMs: number; isDirectory(): boolean };
  /** Removes the file if it is there (rmSync, force). */
  readonly remove: (path: string) => void;
  /** Reads a text file (readFileSync, "utf8"). */
  readonly read: ReadText;
  /** This machine's name (os.hostname()). */
  readonly host: string;
  /** A hex digest of `text` (sha256): names the row of guards after the lock judged. */
  readonly digest: (text: string) => string;
}

/** A live run holds the lock's guard: it is taking the lock over now. `by`: that run, once its guard is written. */
export interface GuardBusy {
  readonly by: { readonly pid: number; readonly host: string } | undefined;
}

/** A guard this run holds; `release` removes it, and with it the dead takers' once the lock judged is gone. */
export interface HeldGuard {
  release(lockGone: boolean): void;
}

/** The file at `path` as it is now (which file first, then what it says), or undefined when there is none. */
export function seeFile(path: string, files: Pick<GuardFiles, "lstat" | "read">): SeenPath | undefined {
  let info;
  try {
    info = files.lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let text: string | undefined;
  try {
    text = files.read(path);
  } catch {
    text = undefined;
  }
  return { dev: info.dev, ino: info.ino, mtimeMs: info.mtimeMs, folder: info.isDirectory(), text };
}

/** Whether two looks at a lock saw the same one: the same file, not touched since, saying the same (a file system gives a removed file's inode number to the next file made). */
export function sameFile(a: SeenFile, b: SeenFile): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.text === b.text;
}

/** How long a lock or guard file with nothing in it yet counts as one its maker is still writing (created exclusively where there are no hard links). */
export const JUST_MADE_MS = 10_000;
/**
 * A takeover takes milliseconds: a guard untouched this long is a dead taker's whatever its pid
 * says (reused, where the system does not say when a process started: macOS, Windows), and
 * another machine's, whose pid cannot be checked, counts as held until then.
 */
export const GUARD_STALE_MS = 5 * 60_000;

/** Takes the guard of the lock at `lock`, as judged: the first of its row not held by a live taker, or GuardBusy when a live taker holds one. */
export function takeGuard(lock: string, judged: SeenFile, files: GuardFiles): HeldGuard | GuardBusy {
  const row = `${lock}.${files.digest(`${judged.dev}:${judged.ino}:${judged.mtimeMs}\n${judged.text ?? ""}`).slice(0, 16)}.takeover`;
  const me = JSON.stringify({ pid: process.pid, host: files.host, started: Date.now() });
  for (let n = 1; ; ) {
    const guard = `${row}.${n}`;
    try {
      files.create(guard, me);
      return heldGuard(row, n, files);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        files.remove(guard); // made but not written (a full disk): no empty guard left behind
        throw error;
      }
    }
    const seen = seeFile(guard, files);
    if (seen === undefined) continue; // its taker is done: the lock it guarded is gone
    const busy = heldBy(seen, files);
    if (busy) return busy;
    n++;
  }
}

function heldGuard(row: string, mine: number, files: GuardFiles): HeldGuard {
  return {
    release: (lockGone) => {
      // While the stale lock may still be there (a failed rename), the dead takers' guards stay: the next run passes them by.
      for (let n = mine; n >= (lockGone ? 1 : mine); n--) files.remove(`${row}.${n}`);
    },
  };
}

/** Who holds a guard, when its taker may still be at work: while recent, and this machine's while its process runs. */
function heldBy(seen: SeenFile, files: GuardFiles): GuardBusy | undefined {
  const idleMs = Date.now() - seen.mtimeMs;
  if (idleMs >= GUARD_STALE_MS) return undefined;
  const taker = parseTaker(seen.text);
  // Being written, or its taker died writing it.
  if (taker === undefined) return idleMs < JUST_MADE_MS ? { by: undefined } : undefined;
  // No host: a checkpoint guard written before guards named their machine, on this one.
  const by = { pid: taker.pid, host: typeof taker.host === "string" ? taker.host : files.host };
  if (by.host !== files.host) return { by };
  // This very process holds no guard between its calls (a takeover runs through in one go; checkpoint calls are queued).
  const alive = taker.pid !== process.pid && isAlive(taker.pid) && !startedAfter(taker.pid, Number(taker.started), files.read);
  return alive ? { by } : undefined;
}

function parseTaker(text: string | undefined): { pid: number; host?: unknown; started?: unknown } | undefined {
  try {
    const taker = JSON.parse(text ?? "") as { pid?: unknown } | null;
    return typeof taker?.pid === "number" ? (taker as { pid: number }) : undefined;
  } catch {
    return undefined;
  }
}
