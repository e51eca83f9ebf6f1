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
 */
import { readFileSync } from "node:fs";
import { open, readFile, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { isAlive, startedAfter } from "../protocol/processes.ts";

/** Who holds a part's lock. */
export interface PartHolder {
  readonly pid: number;
  readonly host: string;
}

/**
 * Takes the lock of `part`: resolves with its release, or with the holder when another
 * live process has it. Errors creating the lock (a read-only folder) are thrown as they are.
 */
export async function lockPart(part: string): Promise<{ release: () => Promise<void> } | { holder: PartHolder }> {
  const lock = `${part}.lock`;
  const me: PartHolder = { pid: process.pid, host: hostname() };
  for (let attempt = 0; ; attempt++) {
    try {
      const file = await open(lock, "wx");
      let identity: string;
      try {
        await file.writeFile(JSON.stringify(me));
        identity = fileIdentity(await file.stat());
      } finally {
        await file.close();
      }
      held.add(identity);
      return { release: () => (held.delete(identity), unlink(lock).catch(() => undefined)) };
    } catch (error) {
      if ((error as { code?: unknown }).code !== "EEXIST") throw error;
      const holder = await readHolder(lock);
      const info = await stat(lock).catch(() => undefined);
      if (holder ? alive(holder) && !reused(holder, info) : await justMade(lock)) return { holder: holder ?? me };
      if (attempt > 0) return { holder: holder ?? me };
      await unlink(lock).catch(() => undefined); // left by a process that is gone: take it over
    }
  }
}

/** The lock files this process holds now (device and inode: one file whatever path names it). */
const held = new Set<string>();

function fileIdentity(info: { dev: number; ino: number }): string {
  return `${info.dev}:${info.ino}`;
}

/**
 * Whether the live process a lock names is not the one that made it: this very process,
 * which does not hold it, or one that started after the lock was made (its mtime: it is
 * written once, as it is made).
 */
function reused(holder: PartHolder, lock: { dev: number; ino: number; mtimeMs: number } | undefined): boolean {
  if (holder.host !== hostname() || !lock) return false;
  if (holder.pid === process.pid) return !held.has(fileIdentity(lock));
  return startedAfter(holder.pid, lock.mtimeMs, (path) => readFileSync(path, "utf8"));
}

async function readHolder(lock: string): Promise<PartHolder | undefined> {
  try {
    const value = JSON.parse(await readFile(lock, "utf8")) as Partial<PartHolder>;
    return typeof value.pid === "number" && typeof value.host === "string" ? { pid: value.pid, host: value.host } : undefined;
  } catch {
    return undefined; // empty or torn: its writer died before finishing it
  }
}

/** A lock with no holder written yet may be one its maker is still writing (within seconds of its creation). */
async function justMade(lock: string): Promise<boolean> {
  const info = await stat(lock).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs < 10_000;
}

/** A process on another machine (a shared folder) cannot be checked: it counts as alive. */
function alive(holder: PartHolder): boolean {
  return holder.host !== hostname() || isAlive(holder.pid);
}
