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
 *   each git call). Otherwise another window is checkpointing: we wait, then give up with
 *   a clear error rather than steal it.
 * - Stale git locks are removed the first time this process uses a repository (a previous
 *   runtime may have died there, older versions wrote no owner file) and whenever we take
 *   over a dead owner.
 */
import { randomBytes } from "node:crypto";
import { link, readFile, readdir, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { isAlive } from "../protocol/processes.ts";

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

/** Exclusive use of one shadow repository across this process and other Hearth processes. */
export class RepoLock {
  private readonly ownerPath: string;

  constructor(
    /** The shadow git directory (a real path: one queue per repository). */
    readonly gitDir: string,
    private readonly waitMs = DEFAULT_LOCK_WAIT_MS,
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
    const deadline = Date.now() + this.waitMs;
    let recover = !recovered.has(this.gitDir);
    while (!(await this.tryCreate())) {
      const owner = await this.readOwner();
      if (owner === undefined) continue; // released meanwhile
      if (await isStale(owner, this.ownerPath)) {
        if (await this.takeOver(owner, deadline)) recover = true;
        continue;
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `Checkpoints are in use by another Hearth process (pid ${owner.pid}) for this folder; ` +
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

  /** The owner, or undefined when the file is gone. Unreadable content counts as a dead owner. */
  private async readOwner(): Promise<Owner | undefined> {
    let text: string;
    try {
      text = await readFile(this.ownerPath, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
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

  /**
   * Moves a stale owner file aside (a rename: of two processes taking over at once, one
   * wins) and waits for the git child it was running. False when someone else got there first.
   */
  private async takeOver(owner: Owner, deadline: number): Promise<boolean> {
    const aside = `${this.ownerPath}.stale.${process.pid}.${randomBytes(4).toString("hex")}`;
    try {
      await rename(this.ownerPath, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
    if (!sameOwner(await readFile(aside, "utf8").catch(() => ""), owner)) {
      // Another process took over and a live owner moved in between our read and the rename: put it back.
      await link(aside, this.ownerPath).catch(() => undefined);
      await unlink(aside).catch(() => undefined);
      return false;
    }
    await unlink(aside).catch(() => undefined);
    // An orphaned git finishes and removes its own lock; past the deadline its pid was reused.
    while (owner.child !== undefined && isAlive(owner.child) && Date.now() < deadline) await delay(POLL_MS);
    return true;
  }

  private async release(): Promise<void> {
    const owner = await this.readOwner().catch(() => undefined);
    // Only our own file: after 10 idle minutes inside one call another process may own it now.
    if (owner?.pid === process.pid) await rm(this.ownerPath, { force: true });
  }
}

function sameOwner(text: string, owner: Owner): boolean {
  if (text === "") return owner.pid === UNKNOWN_PID;
  try {
    const parsed = JSON.parse(text) as Partial<Owner>;
    return parsed.pid === owner.pid && parsed.child === owner.child;
  } catch {
    return owner.pid === 0;
  }
}

async function isStale(owner: Owner, path: string): Promise<boolean> {
  if (owner.pid !== UNKNOWN_PID && (owner.pid === process.pid || !isAlive(owner.pid))) return true;
  const info = await stat(path).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs > STALE_OWNER_MS;
}


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
