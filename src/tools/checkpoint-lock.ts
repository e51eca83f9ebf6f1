/**
 * Who may run git in a shadow repository, and recovery of the locks a killed process leaves.
 *
 * git guards the index and each ref with a `*.lock` file created exclusively and renamed
 * into place when the command ends. A runtime killed mid-checkpoint (its git child with it)
 * leaves them behind, and every later git call fails with "index.lock: File exists" —
 * across restarts, since Hearth's storage persists. git writes no owner into its lock files,
 * so Hearth keeps one beside them: `hearth.owner` (JSON `{ pid, child? }`), created
 * exclusively by the process about to run git there and removed when it is done.
 *
 * - In one process, calls are queued per repository (two stores on one folder, two
 *   conversations running at once), so git never races itself over index.lock.
 * - Only Hearth runs git in a shadow repository and every Hearth process takes the owner
 *   file first, so while we hold it any git lock file is stale — except one held by the git
 *   child of an owner that died while that child ran (an orphan finishes its work and
 *   removes its own lock): the owner file records that child's pid, and we wait for it.
 * - An owner file is stale when its pid is dead; when it is our own pid (the queue says we
 *   do not hold it: a restarted container reuses pids); or when it has not been touched for
 *   10 minutes (the pid was reused by an unrelated process; a holder rewrites the file at
 *   each git call) — unless, where the system says when a process started (Linux), that
 *   process started before the file was written: then it is the holder, asleep with the
 *   machine or the clock moved on. Otherwise another window is checkpointing: we wait, then
 *   give up with a clear error rather than steal it.
 * - A stale owner file is removed only while holding its takeover guard (see `takeOver`):
 *   of several processes that judge it stale at once, exactly one holds the repository.
 * - Stale git locks are removed the first time this process uses a repository (a previous
 *   runtime may have died there, older versions wrote no owner file) and whenever we take
 *   over a dead owner.
 */
import { createHash, randomBytes } from "node:crypto";
import { lstatSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { link, lstat, readFile, readdir, rename, rm, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { isAlive, processStart, START_SLACK_MS } from "../protocol/processes.ts";
import { type GuardFiles, sameFile, takeGuard } from "../protocol/takeover-guard.ts";

const OWNER = "hearth.owner";
/** An owner file untouched this long is stale whatever its pid says (see above). */
const STALE_OWNER_MS = 10 * 60_000;
/** How long a call waits for another live Hearth process before giving up. */
export const DEFAULT_LOCK_WAIT_MS = 60_000;
const POLL_MS = 50;
/** An owner file read while still empty. */
const UNKNOWN_PID = -1;

interface Owner {
  readonly pid: number;
  /** The git process the owner was running, if any. */
  readonly child?: number;
}

/** The tail of each repository's queue in this process, by git dir. */
const queues = new Map<string, Promise<unknown>>();
/** Repositories this process has already cleared of stale git locks. */
const recovered = new Set<string>();

/** Where tests stop a process taking a stale owner file over, to play other processes against it at that very step. */
export interface TakeoverHooks {
  /** Called with the owner file once it is judged stale, before it is taken over. */
  readonly beforeTakeover?: (file: string) => void;
  /** Called at the steps of the takeover: "guarded" once it holds the takeover guard, "moved aside" once the file is renamed aside. */
  readonly duringTakeover?: (step: "guarded" | "moved aside", file: string) => void;
}

/** Exclusive use of one shadow repository across this process and other Hearth processes. */
export class RepoLock {
  private readonly ownerPath: string;

  constructor(
    /** The shadow git directory (a real path: one queue per repository). */
    readonly gitDir: string,
    private readonly waitMs = DEFAULT_LOCK_WAIT_MS,
    private readonly hooks: TakeoverHooks = {},
  ) {
    this.ownerPath = join(gitDir, OWNER);
  }

  /** Runs `fn` after every earlier call in this process, holding the repository throughout. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = queues.get(this.gitDir) ?? Promise.resolve();
    const result = previous.then(() => this.holding(fn));
    const tail = result.catch(() => undefined);
    queues.set(this.gitDir, tail);
    void tail.then(() => {
      if (queues.get(this.gitDir) === tail) queues.delete(this.gitDir);
    });
    return result;
  }

  /** Records the git process now running (call inside `run`), for whoever finds us dead. */
  async child(pid: number | undefined): Promise<void> {
    const owner: Owner = pid === undefined ? { pid: process.pid } : { pid: process.pid, child: pid };
    // Replaced by a rename: a process polling the file never reads it half-written.
    const temp = `${this.ownerPath}.${process.pid}.next`;
    await writeFile(temp, JSON.stringify(owner));
    await rename(temp, this.ownerPath);
  }

  private async holding<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      await this.release();
    }
  }

  private async acquire(): Promise<void> {
    // The wait is on the monotonic clock: a system clock set back a day during it waited a day.
    const deadline = performance.now() + this.waitMs;
    let recover = !recovered.has(this.gitDir);
    while (!(await this.tryCreate())) {
      const seen = await this.readOwner();
      if (seen === undefined) continue; // released meanwhile
      const stale = isStale(seen);
      if (stale) {
        this.hooks.beforeTakeover?.(this.ownerPath);
        const taken = await this.takeOver(seen, deadline);
        if (taken === "taken") recover = true;
        if (taken !== "busy") continue;
      }
      if (performance.now() >= deadline) {
        throw new Error(
          stale
            ? `Checkpoints for this folder are being taken over by another Hearth process from one that is gone (pid ${seen.owner.pid}); ` +
                `try again in a few seconds, or if no other Hearth window is open, delete ${this.ownerPath}.`
            : `Checkpoints are in use by another Hearth process (pid ${seen.owner.pid}) for this folder; ` +
                `wait for its run to finish, or if no other Hearth window is open, delete ${this.ownerPath}.`,
        );
      }
      await delay(POLL_MS);
    }
    if (recover) {
      await removeGitLocks(this.gitDir);
      recovered.add(this.gitDir);
    }
  }

  /** Creates the owner file with its content in one step (a reader never sees it empty). */
  private async tryCreate(): Promise<boolean> {
    const temp = `${this.ownerPath}.${process.pid}.${randomBytes(4).toString("hex")}`;
    await writeFile(temp, JSON.stringify({ pid: process.pid } satisfies Owner));
    try {
      await link(temp, this.ownerPath);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST") return false;
      if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS") throw error;
      // A file system without hard links: exclusive create (empty for an instant, see readOwner).
      return writeFile(this.ownerPath, JSON.stringify({ pid: process.pid } satisfies Owner), { flag: "wx" }).then(
        () => true,
        (e: NodeJS.ErrnoException) => (e.code === "EEXIST" ? false : Promise.reject(e)),
      );
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  /** The owner file as it is now, or undefined when it is gone. Unreadable content counts as a dead owner. */
  private async readOwner(): Promise<SeenOwner | undefined> {
    return seeOwner(this.ownerPath);
  }

  /**
   * Takes a stale owner file away, holding that very file's takeover guard while it looks at it
   * again and removes it, then waits for the git child it was running. "changed": it is no longer
   * the one judged (another process took over), left in place; "busy": a live process holds its
   * guard, taking it over now.
   *
   * Without the guard, of three processes that judged one stale owner file at once, two held the
   * repository: the first removed it and made its own; the second, from what it judged, moved that
   * new one aside to look at it; while it was aside a third found no owner file and made its own;
   * the second could not put the first's back. The guard (`hearth.owner.<hash of the file
   * judged>.takeover.<n>`, src/protocol/takeover-guard.ts) lets one process at a time look and
   * remove; a guard whose taker died holding it is passed by, so a killed taker never blocks the
   * repository.
   */
  private async takeOver(seen: SeenOwner, deadline: number): Promise<"taken" | "changed" | "busy"> {
    const guard = takeGuard(this.ownerPath, seen, GUARD_FILES);
    if ("by" in guard) return "busy";
    let removed: boolean | undefined;
    try {
      this.hooks.duringTakeover?.("guarded", this.ownerPath);
      removed = await this.removeIfSame(seen);
    } finally {
      guard.release(removed !== undefined);
    }
    if (!removed) return "changed";
    // An orphaned git finishes and removes its own lock; past the deadline its pid was reused.
    while (seen.owner.child !== undefined && isAlive(seen.owner.child) && performance.now() < deadline) await delay(POLL_MS);
    return "taken";
  }

  /**
   * Removes the owner file when it is still the one judged. Renamed aside first (atomic, whatever
   * is there now) and compared: its owner may have been alive after all (10 idle minutes inside one
   * call) and rewritten it; another's is put back.
   */
  private async removeIfSame(seen: SeenOwner): Promise<boolean> {
    const now = await this.readOwner();
    if (now === undefined || !sameFile(now, seen)) return false;
    const aside = `${this.ownerPath}.stale.${process.pid}.${randomBytes(4).toString("hex")}`;
    try {
      await rename(this.ownerPath, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
    this.hooks.duringTakeover?.("moved aside", this.ownerPath);
    const moved = await seeOwner(aside).catch(() => undefined);
    if (moved === undefined || !sameFile(moved, seen)) await link(aside, this.ownerPath).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    return moved !== undefined && sameFile(moved, seen);
  }

  private async release(): Promise<void> {
    const seen = await this.readOwner().catch(() => undefined);
    // Only our own file: after 10 idle minutes inside one call another process may own it now.
    if (seen?.owner.pid === process.pid) await rm(this.ownerPath, { force: true });
  }
}

/** An owner file as a process judged it: which file, when last touched, what it said, and whose. */
interface SeenOwner {
  readonly owner: Owner;
  readonly dev: number;
  readonly ino: number;
  readonly mtimeMs: number;
  readonly text: string;
}

/** The owner file at `path` as it is now, or undefined when there is none. */
async function seeOwner(path: string): Promise<SeenOwner | undefined> {
  try {
    const info = await lstat(path);
    const text = await readFile(path, "utf8");
    return { owner: parseOwner(text), dev: info.dev, ino: info.ino, mtimeMs: info.mtimeMs, text };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function parseOwner(text: string): Owner {
  // Empty: being created without hard links (or its creator died then): stale only by age.
  if (text === "") return { pid: UNKNOWN_PID };
  try {
    const parsed = JSON.parse(text) as Partial<Owner>;
    if (typeof parsed.pid === "number") return { pid: parsed.pid, ...(typeof parsed.child === "number" ? { child: parsed.child } : {}) };
  } catch {
    // fall through: written by something else, no live owner to respect
  }
  return { pid: 0 };
}

function isStale(seen: SeenOwner): boolean {
  const { pid } = seen.owner;
  if (pid !== UNKNOWN_PID && (pid === process.pid || !isAlive(pid))) return true;
  if (Date.now() - seen.mtimeMs <= STALE_OWNER_MS) return false;
  // Old by the clock, but where the system says when a process started (Linux), a live one that
  // started before the file was last written is its owner, not a later process given its pid:
  // asleep with the machine (a lid closed mid-checkpoint) or the clock moved on. Taken over, it
  // went on with its own git calls beside the taker's.
  const started = pid > 0 ? processStart(pid, (path) => readFileSync(path, "utf8")) : undefined;
  return started === undefined || started > seen.mtimeMs + START_SLACK_MS;
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
 * Removes every git lock file of a shadow repository: index.lock, HEAD.lock, config.lock,
 * packed-refs.lock, refs/**.lock, and the locks of Hearth's own temporary indexes.
 * objects/ is left out (large, and nothing there blocks a checkpoint).
 */
export async function removeGitLocks(gitDir: string): Promise<string[]> {
  const removed: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && !(dir === gitDir && entry.name === "objects")) await walk(path);
      else if (entry.isFile() && entry.name.endsWith(".lock")) {
        await rm(path, { force: true });
        removed.push(path);
      }
    }
  };
  await walk(gitDir);
  return removed;
}
