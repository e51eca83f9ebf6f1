/**
 * One agent at a time in a checkout: `hearth fix` in a terminal, the chat or Fix This Issue
 * of a VS Code window (the runtime) or `hearth chat`. Two agents in one folder each wrote
 * over the other's edits, took the other's edits into their own patch and checkpoints, and
 * restored files under each other. The lock is a file in Hearth's state folder named after
 * the real path of the checkout's top (its folder holding .git, whichever of its folders a run was given), holding the owner's pid, when it took the lock and what it is;
 * a lock whose process is gone (kill -9, out of memory, a reboot) is taken over, so a crash
 * never blocks the next run; runs that take one stale lock over at the same moment take turns
 * through that lock's takeover guard (`takeOverStaleLock`, src/models/part-lock.ts), so one of
 * them holds it and the rest are refused, naming it. The runtime and `hearth fix` meet in the default state folder
 * ({@link hearthStateDir}), whatever `hearth fix --state-dir` says: the lock belongs to the checkout.
 *
 * Pids are reused: a container gives each run the same few pids, and after a reboot or a
 * long while another process has the dead run's pid. A lock naming this very process is
 * stale (a run that holds it is past this point; runs of one process share one lock through
 * {@link SharedCheckoutLock}), and so, where the system says when a process started (Linux),
 * is one whose process started after the lock was taken. A refusal names the lock file, for
 * the cases no check sees.
 *
 * A lock taken on another machine (a home folder on NFS shared by two, a container with its
 * own hostname that died) names a pid this one cannot check: as the download lock does
 * (src/models/part-lock.ts), its holder refreshes the lock's mtime every LOCK_REFRESH_MS, and
 * another machine's lock is held only while fresh — one not refreshed for LOCK_STALE_MS is
 * taken over.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, isAbsolute, join, relative } from "node:path";
import { type Clock, holderAlive, LOCK_REFRESH_MS, LOCK_STALE_MS, lockAhead, NO_HARD_LINKS, otherShape, seeLock, systemClock, takeOverStaleLock } from "../models/index.ts";
import { isOutside } from "../indexer/scan.ts";
import { PRIVATE_FOLDER, keepPrivateSync, makeFoldersSync } from "../protocol/make-folders.ts";
import { startedAfter } from "../protocol/processes.ts";
import { JUST_MADE_MS } from "../protocol/takeover-guard.ts";
import { homeFolder } from "./home-folder.ts";

/** What holds a lock: `hearth fix`, or a runtime's agent (a VS Code window, `hearth chat`). */
export type LockHolderKind = "hearth fix" | "runtime";

interface LockOwner {
  readonly pid: number;
  /** The machine it runs on; absent in locks older versions wrote (this machine's, then). */
  readonly host?: string;
  readonly started: string;
  /** Absent in locks older versions wrote: only `hearth fix` took one then. */
  readonly by?: LockHolderKind;
  /** A kind of holder a newer Hearth wrote that this version does not know (its `by`, cut short): said as such, never as `hearth fix`. */
  readonly newerKind?: string;
  /** Tells this holder's lock from another's of the same pid and millisecond (see `release`). */
  readonly token?: string;
}

export interface LockCheckoutOptions {
  /** The refresh timer and the time a lock's freshness is judged by (default: the system's). */
  readonly clock?: Clock;
  /** link(2) (default: linkSync); tests make it fail as a file system without hard links does. */
  readonly link?: (existing: string, target: string) => void;
  /** Called with the lock file once it is judged stale, before it is removed: tests put another run's takeover there. */
  readonly beforeTakeover?: (file: string) => void;
  /** Called at the steps of a takeover (see TakeoverStep): tests stop a run there. */
  readonly duringTakeover?: (step: "guarded" | "moved aside", file: string) => void;
}

/** Another agent holds the checkout. */
export class CheckoutBusyError extends Error {}

/**
 * The folder of locks cannot hold one: another user's, a read-only disk, a file where it should
 * be, a full disk. Its message names the folder and what to do; `code` is the system's (the
 * runtime moves its lock to the window's storage on these).
 */
export class LockFolderError extends Error {
  readonly why: string;

  constructor(
    readonly dir: string,
    readonly code: string,
  ) {
    const [why, advice] = FOLDER_TROUBLE[code] ?? ["it cannot be written", "make it writable for this user"];
    super(`the checkout's lock cannot be kept in ${dir} (${code}: ${why}): ${advice}`);
    this.why = why;
  }
}

/** Why a folder of locks cannot be written, and what to do, by the system's code. */
const FOLDER_TROUBLE: Readonly<Record<string, readonly [string, string]>> = {
  EACCES: ["this user may not write there", "make it writable for this user (chown or chmod it), or set XDG_STATE_HOME to a folder this user can write"],
  EPERM: ["this user may not write there", "make it writable for this user (chown or chmod it, or chattr -i), or set XDG_STATE_HOME to a folder this user can write"],
  EROFS: ["the file system is read-only", "set XDG_STATE_HOME to a folder on a writable disk"],
  ENOTDIR: ["not a folder", "it, or a folder above it, is a file, not a folder: move that file away"],
  EEXIST: ["not a folder", "it is a file, not a folder: move that file away"],
  ENOSPC: ["the disk is full", "free some space on it"],
  EDQUOT: ["this user's disk quota is used up", "free some space on it"],
  EISDIR: ["a folder is where the lock file goes", "move that folder away; Hearth leaves it alone"],
};

/** Runs `make` (making the folder, writing in it), its failures for want of a writable folder as a LockFolderError. */
function inFolder<T>(dir: string, make: () => T): T {
  try {
    return make();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && code in FOLDER_TROUBLE) throw new LockFolderError(dir, code);
    throw error;
  }
}

/**
 * Hearth's state folder when none is given: `$XDG_STATE_HOME/hearth`, else `~/.local/state/hearth`.
 * An empty or relative XDG_STATE_HOME is ignored, as the XDG spec says: taken as it was, it put
 * the state (and `hearth fix`'s checkpoints and trajectory) in a `hearth/` folder of wherever Hearth ran.
 */
export function hearthStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homeFolder(), ".local", "state"), "hearth");
}

/**
 * The state folder holds hearth fix's checkpoint stores (copies of the user's files) and its
 * trajectories: the folders Hearth makes for it are 0700 (PRIVATE_FOLDER), and the default one an
 * older Hearth left 0755 is made so when next used. A --state-dir the user made is theirs to keep.
 */
function keepStatePrivate(stateDir: string, locks: string): void {
  const calls = { statSync, chmodSync, uid: process.getuid?.() };
  keepPrivateSync(locks, calls);
  let own: string | undefined;
  try {
    own = hearthStateDir();
  } catch {
    own = undefined; // no home folder: the state folder was given
  }
  if (own === stateDir) keepPrivateSync(stateDir, calls);
}

/**
 * Takes the lock for `repo` in `stateDir`; `release()` removes it (call it in a finally) while
 * it is still this holder's: a lock another run took over (it judged this one stale) is
 * left to that run, or a third run could start beside it.
 */
export function lockCheckout(stateDir: string, repo: string, by: LockHolderKind = "hearth fix", options: LockCheckoutOptions = {}): { release(): void } {
  const clock = options.clock ?? systemClock;
  const dir = join(stateDir, "locks");
  inFolder(dir, () => makeFoldersSync(dir, { mkdirSync: (path, options) => mkdirSync(path, { ...options, mode: PRIVATE_FOLDER }), lstatSync, dirname }));
  keepStatePrivate(stateDir, dir);
  const real = checkoutTopOf(realpathSync(repo));
  const file = join(dir, `${createHash("sha256").update(real).digest("hex").slice(0, 16)}.lock`);
  const owner: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString(), by, token: randomBytes(8).toString("hex") };
  const written = JSON.stringify(owner);
  // Written whole, then linked into place: a reader never sees a lock without its owner.
  const draft = `${file}.${process.pid}.tmp`;
  inFolder(dir, () => writeFileSync(draft, written));
  try {
    const busy = `another Hearth run is taking the lock on ${real} at this moment: try again in a few seconds; if none runs there, delete ${file}`;
    for (let attempt = 0; ; attempt++) {
      try {
        place(draft, file, written, options.link ?? linkSync);
        return keepFresh(file, written, clock);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      // Another run placed its lock after this one removed a stale one, or released and took
      // it again, each time: a run beside this one, not a folder that cannot be written.
      if (attempt >= MAX_PLACE_ATTEMPTS) throw new CheckoutBusyError(busy);
      // Only the very lock judged here may be removed below.
      const seen = seeLock(file);
      if (seen === undefined) continue; // released since link(2) found it
      const held = parseOwner(seen.text);
      const idleMs = clock.now() - seen.mtimeMs;
      if (held && stillHeld(held, idleMs)) throw new CheckoutBusyError(refusal(held, idleMs, by, real, file));
      // Written whole in a shape this version does not read (a newer Hearth's, its fields moved or renamed): held while its holder refreshes it, as another machine's.
      if (!held && otherShape(seen.text) && idleMs < LOCK_STALE_MS) throw new CheckoutBusyError(otherShapeRefusal(idleMs, real, file));
      // Created exclusively but not written yet (no hard links there): its taker is writing it.
      if (!held && idleMs < JUST_MADE_MS) throw new CheckoutBusyError(busy);
      options.beforeTakeover?.(file);
      // Busy: another run holds this lock's takeover guard, taking it over now; the next try sees its lock.
      inFolder(file, () => takeOverStaleLock(file, seen, options.duringTakeover));
    }
  } finally {
    rmSync(draft, { force: true });
  }
}

/**
 * The top of the checkout `folder` is in — the nearest folder up from it holding `.git` (a
 * folder, or a worktree's or submodule's file), as git finds it — without running git (the
 * runtime runs none in an untrusted folder); `folder` itself outside any checkout. hearth fix
 * works at the checkout's top and a window may be opened on one of its packages: each locked
 * its own folder, so both edited the same files at once.
 *
 * The search stops below the home folder: a home kept in git (`git init ~`, for dotfiles) is no
 * project's top, and hearth fix works in a folder under it as a project of its own
 * (src/cli/checkout-root.ts); taken as the top, it made every such folder share one lock, so
 * a window on ~/notes was refused while hearth fix worked in ~/scratch.
 */
export function checkoutTopOf(folder: string): string {
  const home = realHome();
  for (let dir = folder; ; dir = dirname(dir)) {
    if (dir !== folder && home !== undefined && !isOutside(relative(dir, home))) return folder;
    if (existsSync(join(dir, ".git"))) return dir;
    if (dirname(dir) === dir) return folder;
  }
}

/**
 * The home folder's real path; undefined where it has none (a user without one, a home that is
 * gone). homeFolder, not os.homedir(): an empty HOME's real path is the folder Hearth runs in.
 */
function realHome(): string | undefined {
  try {
    return realpathSync(homeFolder());
  } catch {
    return undefined;
  }
}

/** Tries at placing the lock, each after finding one gone or stale, before this run counts as beside another. */
const MAX_PLACE_ATTEMPTS = 3;

/** Puts the lock at `file` (EEXIST when there is one): the draft linked into place, or where links fail, the file created exclusively. */
function place(draft: string, file: string, written: string, link: (existing: string, target: string) => void): void {
  try {
    link(draft, file);
  } catch (error) {
    if (!NO_HARD_LINKS.has(String((error as NodeJS.ErrnoException).code))) throw error;
    try {
      writeFileSync(file, written, { flag: "wx" });
    } catch (failed) {
      // Made but not written (a full disk): no empty lock left to hold others off.
      if ((failed as NodeJS.ErrnoException).code !== "EEXIST") rmSync(file, { force: true });
      throw failed;
    }
  }
}

/** Whether a lock's holder still runs: another machine's while it refreshes the lock; this machine's while its pid is the one that took it. */
function stillHeld(held: LockOwner, idleMs: number): boolean {
  const host = held.host ?? hostname();
  if (!holderAlive({ pid: held.pid, host }, idleMs)) return false;
  if (host !== hostname()) return true;
  return held.pid !== process.pid && !startedAfter(held.pid, Date.parse(held.started), (path) => readFileSync(path, "utf8"));
}

/** Refreshes the lock's mtime every LOCK_REFRESH_MS while it is this holder's; `release()` stops that and removes it. */
function keepFresh(file: string, written: string, clock: Clock): { release(): void } {
  let timer: unknown;
  const touch = (): void => {
    const now = clock.now() / 1000;
    utimesSync(file, now, now);
  };
  const schedule = (): void => {
    timer = clock.setTimeout(() => {
      if (!isOurs(file, written)) return; // taken over (this process was suspended past LOCK_STALE_MS): theirs now
      try {
        touch();
      } catch {
        // a refresh missed (a network folder's hiccup) is made up by the next
      }
      schedule();
    }, LOCK_REFRESH_MS);
    // A holder that never releases (a test, a crash on the way out) must not keep the process alive.
    (timer as { unref?: () => void } | undefined)?.unref?.();
  };
  try {
    touch(); // its time by the clock freshness is judged by
  } catch {
    // Moved aside for a moment by a slower run's takeover (takeOverStaleLock puts it back), or a
    // network folder's hiccup: the lock is placed, and the next refresh sets its time.
  }
  schedule();
  return {
    release: () => {
      clock.clearTimeout(timer);
      releaseIfOurs(file, written);
    },
  };
}

/** Whether the lock file still holds what this holder wrote; a file that cannot be read counts as not. */
function isOurs(file: string, written: string): boolean {
  try {
    return readFileSync(file, "utf8") === written;
  } catch {
    return false;
  }
}

/** Removes the lock file when it still holds what this holder wrote. */
function releaseIfOurs(file: string, written: string): void {
  if (isOurs(file, written)) rmSync(file, { force: true });
}

/** Why `by` may not start in `real`: who holds it, what to do, and the file to delete if nobody does. */
function refusal(held: LockOwner, idleMs: number, by: LockHolderKind, real: string, file: string): string {
  const elsewhere = held.host !== undefined && held.host !== hostname() ? held.host : undefined;
  const since = `pid ${held.pid}${elsewhere ? ` on ${elsewhere}` : ""}, started ${held.started}`;
  const ahead = elsewhere ? lockAhead(idleMs) : undefined;
  const fresh = !elsewhere ? ""
    : ahead ? ` (its lock's time is ${ahead} ahead of this machine's clock — one of the two clocks is wrong —, so it is not taken over by its age until this clock passes it)`
    : ` (${elsewhere} refreshed its lock ${Math.round(idleMs / 1000)} s ago; it is taken over once it has not been refreshed for ${LOCK_STALE_MS / 60_000} minutes)`;
  const where = elsewhere ? `on ${elsewhere} any more` : "there";
  if (held.newerKind !== undefined) {
    return `another Hearth run (a ${JSON.stringify(held.newerKind)} run, which a newer version of Hearth makes; ${since}) is working in ${real}: wait for it to end${fresh}, or work in another checkout (git worktree add); if no Hearth runs ${where}, delete ${file}`;
  }
  if ((held.by ?? "hearth fix") === "hearth fix") {
    const who = by === "hearth fix" ? "another hearth fix" : "hearth fix";
    return `${who} (${since}) is working in ${real}: wait for it to end${fresh}, or fix in another checkout (git worktree add); if no hearth fix runs ${where}, delete ${file}`;
  }
  const who = by === "runtime" ? "Hearth's agent in another window" : "Hearth's agent in a VS Code window";
  return `${who} (a chat or Fix This Issue run, or hearth chat; ${since}) is working in ${real}: wait for its run to end or stop it there${fresh}, or work in another checkout (git worktree add); if no Hearth agent runs ${where}, delete ${file}`;
}

/** Why a run may not start beside a lock another version of Hearth wrote in a shape this one does not read. */
function otherShapeRefusal(idleMs: number, real: string, file: string): string {
  return `another Hearth run is working in ${real}: its lock was written by another version of Hearth (a newer one), in a form this version does not read; it was refreshed ${Math.max(0, Math.round(idleMs / 1000))} s ago and is taken over once it has not been refreshed for ${LOCK_STALE_MS / 60_000} minutes. Wait for that run to end, or work in another checkout (git worktree add); if no Hearth runs there, delete ${file}`;
}

/** The lock's owner, if its text says. */
function parseOwner(text: string | undefined): LockOwner | undefined {
  try {
    const owner = JSON.parse(text ?? "") as Partial<Omit<LockOwner, "by">> & { by?: unknown };
    if (typeof owner.pid !== "number") return undefined;
    const by = owner.by === "runtime" || owner.by === "hearth fix" ? owner.by : undefined;
    const newer = !by && typeof owner.by === "string" ? owner.by.replace(/[^\x20-\x7e]/g, "").slice(0, 40) : "";
    return { pid: owner.pid, started: String(owner.started), ...(typeof owner.host === "string" ? { host: owner.host } : {}), ...(by ? { by } : newer ? { newerKind: newer } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * The checkout's lock for the runs of one process (a runtime runs several conversations at
 * once): taken by the first run, released when the last one ends.
 */
export class SharedCheckoutLock {
  private held: { release(): void } | undefined;
  private users = 0;

  constructor(
    private readonly stateDir: string,
    private readonly repo: string,
    private readonly by: LockHolderKind,
    private readonly options: LockCheckoutOptions = {},
  ) {}

  /** Holds the lock until the returned function is called; throws CheckoutBusyError when another process holds it. */
  acquire(): () => void {
    if (this.users === 0) this.held = lockCheckout(this.stateDir, this.repo, this.by, this.options);
    this.users++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.users > 0) return;
      this.held?.release();
      this.held = undefined;
    };
  }
}
