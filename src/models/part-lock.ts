/**
 * One download of a file at a time, across processes: two VS Code windows share one models
 * folder, each with its own runtime (and `hearth models --download` may run beside them),
 * and two downloads appending to the same `.part` make a corrupt file. `<part>.lock`,
 * created exclusively, names the process holding it; a lock whose process is gone (a crash,
 * a killed runtime) is taken over.
 *
 * Pids are reused: a container's restarted runtime often gets the pid its killed one had,
 * and after a reboot another program may have it. A lock naming this very process that this
 * process does not hold is such a leftover, and so, where the system says when a process
 * started (Linux), is one whose process started after the lock was made.
 *
 * A lock made on another machine (a home folder on NFS shared by two) names a pid this one
 * cannot check: its holder refreshes the lock's mtime every LOCK_REFRESH_MS while it holds
 * it, and such a lock is held only while it is fresh — one not refreshed for LOCK_STALE_MS
 * (a crashed or switched-off machine) is taken over. A holder that finds its lock taken over
 * (it was suspended past that time) is told, so it stops writing.
 */
import { createHash, randomBytes } from "node:crypto";
import { linkSync, lstatSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { open, readFile, stat, unlink, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { isAlive, startedAfter } from "../protocol/processes.ts";
import { type GuardBusy, type GuardFiles, JUST_MADE_MS, sameFile, type SeenPath, seeFile, takeGuard } from "../protocol/takeover-guard.ts";
import { type Clock, systemClock } from "./http-limits.ts";

/** How often a holder refreshes its lock's mtime. */
export const LOCK_REFRESH_MS = 30_000;
/** How long a lock from another machine counts as held without a refresh. */
export const LOCK_STALE_MS = 5 * 60_000;

/** Who holds a part's lock. */
export interface PartHolder {
  readonly pid: number;
  readonly host: string;
  /** Milliseconds since the lock was last refreshed (one from another machine). */
  readonly idleMs?: number;
  /** Held by another download in this very process (the same window's runtime), not another Hearth. */
  readonly here?: boolean;
  /** A lock that names no process yet (made moments ago: its maker is still writing it, or died doing so): `pid` and `host` are this process's, not its holder's. */
  readonly unnamed?: boolean;
  /**
   * A lock another version of Hearth wrote whole in a shape this one does not read (a newer
   * Hearth that moved or renamed `pid` and `host`), held while refreshed: `pid` and `host` are
   * this process's, not its holder's; `idleMs` says when it was last refreshed.
   */
  readonly otherVersion?: boolean;
}

/**
 * Who holds a part's lock, in words for a refusal (Manage Downloaded Models' delete, hearth
 * storage --clean): its process, or what this version can say of a lock that names none it reads
 * (whose `pid` and `host` are this process's, not its holder's).
 */
export function holderWords(holder: PartHolder): string {
  if (holder.otherVersion) return "another version of Hearth, whose lock this version does not read";
  if (holder.unnamed) return "another Hearth starting just now, whose lock names no process yet";
  return `process ${holder.pid} on ${holder.host}`;
}

/** A lock this process holds. */
export interface PartLock {
  /** Stops refreshing it and removes it. */
  release(): Promise<void>;
  /** The refresh under way, if any, once written (tests move a fake clock, then wait on this). */
  refreshed(): Promise<void>;
}

export interface LockPartOptions {
  /** The refresh timer and the time a lock's freshness is judged by (default: the system's). */
  readonly clock?: Clock;
  /** Called once if another process took the lock over (this one was suspended past LOCK_STALE_MS). */
  readonly onLost?: (holder: PartHolder | undefined) => void;
  /** Called with the lock file once it is judged stale, before it is removed: tests put another download's takeover there. */
  readonly beforeTakeover?: (lock: string) => void;
  /** Called at the steps of the takeover (see TakeoverStep): tests stop a download there. */
  readonly duringTakeover?: TakeoverStep;
}

/**
 * Takes the lock of `part`: resolves with it, or with the holder when another live process
 * has it. Errors creating the lock (a read-only folder) are thrown as they are.
 */
export async function lockPart(part: string, options: LockPartOptions = {}): Promise<PartLock | { holder: PartHolder }> {
  const lock = `${part}.lock`;
  const clock = options.clock ?? systemClock;
  const me = { pid: process.pid, host: hostname(), token: randomBytes(8).toString("hex") };
  const unnamed: PartHolder = { pid: me.pid, host: me.host, unnamed: true };
  for (let attempt = 0; ; attempt++) {
    try {
      const file = await open(lock, "wx");
      let identity: string;
      try {
        await file.writeFile(JSON.stringify(me));
        const now = clock.now() / 1000;
        await file.utimes(now, now);
        identity = fileIdentity(await file.stat());
      } finally {
        await file.close();
      }
      held.add(identity);
      return keepFresh(lock, me.token, identity, clock, options.onLost);
    } catch (error) {
      if ((error as { code?: unknown }).code !== "EEXIST") throw error;
      // Only the very lock judged here may be removed below.
      const info = seeLock(lock);
      if (!info) continue; // released since: take it
      // A folder is no lock, however new: judged as one, it was "another Hearth (process <this one>)".
      if (info.folder) throw folderInTheWay(lock);
      const holder = parseHolder(info.text);
      const idleMs = clock.now() - info.mtimeMs;
      // Written whole in a shape this version does not read (a newer Hearth's): held while its holder refreshes it, as another machine's.
      if (!holder && otherShape(info.text) && idleMs < LOCK_STALE_MS) return { holder: { pid: me.pid, host: me.host, otherVersion: true, idleMs } };
      if (holder ? holderAlive(holder, idleMs) && !reused(holder, info) : await justMade(lock)) return { holder: holder ? withIdle(holder, idleMs) : unnamed };
      if (attempt > 0) return { holder: holder ?? unnamed };
      options.beforeTakeover?.(lock);
      // Left by a process that is gone. Busy: another download is taking it over now, and about to hold the part.
      const busy = takeOverStaleLock(lock, info, options.duringTakeover);
      if (busy) return { holder: busy.by ?? unnamed };
    }
  }
}

/**
 * Called at the steps of taking a stale lock over, with the lock file: "guarded" once this run
 * holds the lock's takeover guard, "moved aside" once the lock is renamed aside. Tests stop a run
 * there (or kill it) to play other runs against it at that very step.
 */
export type TakeoverStep = (step: "guarded" | "moved aside", lock: string) => void;

/** What link(2) answers on a file system without hard links (exFAT, FAT, some FUSE and SMB mounts). */
export const NO_HARD_LINKS: ReadonlySet<string> = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]);

/** A lock file as a run judged it: which file (device, inode), when last refreshed, what it said, and whether a folder is in its place. */
export type SeenLock = SeenPath;

/** The lock file at `path` as it is now (which file first, then what it says), or undefined when there is none. */
export function seeLock(path: string): SeenLock | undefined {
  return seeFile(path, GUARD_FILES);
}

/**
 * Removes the stale lock at `path`, the one judged, `judged`: undefined when it is gone (or
 * was no longer the one judged, and is left in place), GuardBusy when a live run holds its
 * takeover guard — that run is taking it over now. The guard (src/protocol/takeover-guard.ts)
 * lets one run at a time look at the lock again and remove it: of three that judged it at once,
 * two held it without.
 */
export function takeOverStaleLock(path: string, judged: SeenLock, step?: TakeoverStep): GuardBusy | undefined {
  // Moved aside and never removed, someone's folder would vanish from where they left it.
  if (judged.folder) throw folderInTheWay(path);
  const guard = takeGuard(path, judged, GUARD_FILES);
  if ("by" in guard) return guard;
  let gone = false;
  try {
    step?.("guarded", path);
    const now = seeLock(path);
    if (now !== undefined && sameFile(now, judged)) removeStaleLock(path, judged, step);
    gone = true;
  } finally {
    guard.release(gone);
  }
  return undefined;
}

/** A folder at a lock's name (made by hand, or by another program): an EISDIR naming it, as a disk error names what is in the way. */
function folderInTheWay(path: string): Error {
  return Object.assign(new Error(`${path} is a folder, not a lock file: move it away; Hearth leaves it alone`), { code: "EISDIR", path });
}

/** node:fs's file operations, for takeover guards. */
const GUARD_FILES: GuardFiles = {
  create: (path, text) => writeFileSync(path, text, { flag: "wx" }),
  lstat: lstatSync,
  remove: (path) => rmSync(path, { force: true }),
  read: (path) => readFileSync(path, "utf8"),
  host: hostname(),
  digest: (text) => createHash("sha256").update(text).digest("hex"),
};

/**
 * Removes the lock file at `path` if it is still the one judged stale, `judged`, and leaves any
 * other in place (its takeover guard held: see takeOverStaleLock). Its holder may yet be alive
 * (another machine's, asleep past LOCK_STALE_MS): it may refresh the lock, or release it and a
 * new run place one, between the look and the removal. So the lock is renamed aside — atomic,
 * whatever is there now — and deleted when it is the one judged; another run's is put back,
 * linked (without hard links: copied) exclusively, never over a lock made meanwhile. The text is
 * compared as well as the inode: a file system gives a removed file's inode number to the next
 * file made.
 */
function removeStaleLock(path: string, judged: SeenLock, step?: TakeoverStep): void {
  const aside = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.stale`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // released by its holder meanwhile
    throw error;
  }
  try {
    step?.("moved aside", path);
    const moved = seeLock(aside);
    if (moved === undefined || !sameFile(moved, judged)) putBack(aside, path);
  } finally {
    rmSync(aside, { force: true });
  }
}

/** Puts another run's lock, moved aside by mistake, back at `path`; one made there meanwhile is left alone. */
function putBack(aside: string, path: string): void {
  try {
    linkSync(aside, path);
  } catch (error) {
    const code = String((error as NodeJS.ErrnoException).code);
    if (code === "EEXIST") return;
    if (!NO_HARD_LINKS.has(code)) throw error;
    try {
      writeFileSync(path, readFileSync(aside), { flag: "wx" });
    } catch (failed) {
      if ((failed as NodeJS.ErrnoException).code !== "EEXIST") throw failed;
    }
  }
}

/** A live holder as a refusal names it: this process (a lock it holds: reused() said so), or another's, with its idle time. */
function withIdle(holder: PartHolder, idleMs: number): PartHolder {
  if (holder.host !== hostname()) return { ...holder, idleMs };
  return holder.pid === process.pid ? { ...holder, here: true } : holder;
}

/** Refreshes the lock's mtime every LOCK_REFRESH_MS until released; tells `onLost` if another process replaced it. */
function keepFresh(lock: string, token: string, identity: string, clock: Clock, onLost: LockPartOptions["onLost"]): PartLock {
  let timer: unknown;
  let pending: Promise<void> = Promise.resolve();
  let released = false;
  // Gone, or another's: not ours. Unreadable for a moment (a network folder's hiccup): ours until it says otherwise.
  const ours = (): Promise<boolean> => readFile(lock, "utf8").then((text) => text.includes(`"token":"${token}"`), (error: { code?: unknown }) => error.code !== "ENOENT");
  const refresh = async (): Promise<void> => {
    const now = clock.now() / 1000;
    const still = await ours();
    if (released) return;
    if (!still) return onLost?.(await readHolder(lock));
    await utimes(lock, now, now).catch(() => undefined); // a refresh missed (a network folder's hiccup) is made up by the next
    schedule();
  };
  const schedule = (): void => {
    timer = clock.setTimeout(() => (pending = refresh().catch(() => undefined)), LOCK_REFRESH_MS);
  };
  schedule();
  return {
    release: async () => {
      released = true;
      clock.clearTimeout(timer);
      await pending;
      held.delete(identity);
      if (await ours()) await unlink(lock).catch(() => undefined); // not another's that took it over
    },
    refreshed: () => pending,
  };
}

/** The lock files this process holds now (device and inode: one file whatever path names it). */
const held = new Set<string>();

function fileIdentity(info: { dev: number; ino: number }): string {
  return `${info.dev}:${info.ino}`;
}

/**
 * Whether the live process a lock names is not the one that made it: this very process,
 * which does not hold it, or one that started after the lock was made (its mtime: when it
 * was made or last refreshed, never after its maker died).
 */
function reused(holder: PartHolder, lock: { dev: number; ino: number; mtimeMs: number } | undefined): boolean {
  if (holder.host !== hostname() || !lock) return false;
  if (holder.pid === process.pid) return !held.has(fileIdentity(lock));
  return startedAfter(holder.pid, lock.mtimeMs, (path) => readFileSync(path, "utf8"));
}

async function readHolder(lock: string): Promise<PartHolder | undefined> {
  return parseHolder(await readFile(lock, "utf8").catch(() => undefined));
}

function parseHolder(text: string | undefined): PartHolder | undefined {
  try {
    const value = JSON.parse(text ?? "") as Partial<PartHolder>;
    return typeof value.pid === "number" && typeof value.host === "string" ? { pid: value.pid, host: value.host } : undefined;
  } catch {
    return undefined; // empty or torn: its writer died before finishing it
  }
}

/**
 * Whether a lock's text, not one this version reads a holder from, is a JSON object written
 * whole: another version's lock (a newer Hearth that moved or renamed `pid` and `host`), not one
 * torn or still being written. Every version refreshes its lock's mtime every LOCK_REFRESH_MS, so
 * such a lock is held while fresh and taken over once not refreshed for LOCK_STALE_MS; it was
 * taken over once JUST_MADE_MS old, and two downloads wrote the same part. The checkout lock
 * (src/agent/checkout-lock.ts) judges its locks with this too.
 */
export function otherShape(text: string | undefined): boolean {
  try {
    const value: unknown = JSON.parse(text ?? "");
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** A lock with no holder written yet may be one its maker is still writing (within seconds of its creation). */
async function justMade(lock: string): Promise<boolean> {
  const info = await stat(lock).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs < JUST_MADE_MS;
}

/**
 * How far another machine's lock is dated ahead of this machine's clock, in words, where it is by
 * more than a minute (refreshed while that clock was ahead, switched off since, or by a machine
 * whose clock is ahead): it is not taken over by its age until this clock passes that time and
 * LOCK_STALE_MS more — days, for a clock days ahead —, which the refusals say, with the lock to
 * delete. Undefined otherwise.
 */
export function lockAhead(idleMs: number): string | undefined {
  if (idleMs >= -60_000) return undefined;
  const [minutes, hours, days] = [60_000, 3_600_000, 86_400_000].map((unit) => Math.round(-idleMs / unit)) as [number, number, number];
  return days >= 2 ? `${days} days` : hours >= 2 ? `${hours} h` : `${minutes} min`;
}

/**
 * A process on another machine (a shared folder) cannot be checked: it counts as alive while it
 * refreshes the lock. The checkout lock (src/agent/checkout-lock.ts) judges another machine's the same way.
 */
export function holderAlive(holder: PartHolder, idleMs: number): boolean {
  return holder.host !== hostname() ? idleMs < LOCK_STALE_MS : isAlive(holder.pid);
}
