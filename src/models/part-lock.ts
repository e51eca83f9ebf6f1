/**
 * One download of a file at a time, across processes: two VS Code windows share one models
 * folder, each with its own runtime (and `hearth models --download` may run beside them),
 * and two downloads appending to the same `.part` make a corrupt file. `<part>.lock`,
 * created exclusively, names the process holding it; a lock whose process is gone (a crash,
 * a killed runtime) is taken over.
 */
import { open, readFile, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";

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
      try {
        await file.writeFile(JSON.stringify(me));
      } finally {
        await file.close();
      }
      return { release: () => unlink(lock).catch(() => undefined) };
    } catch (error) {
      if ((error as { code?: unknown }).code !== "EEXIST") throw error;
      const holder = await readHolder(lock);
      if (holder ? alive(holder) : await justMade(lock)) return { holder: holder ?? me };
      if (attempt > 0) return { holder: holder ?? me };
      await unlink(lock).catch(() => undefined); // left by a process that is gone: take it over
    }
  }
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
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === "EPERM"; // there, but another user's
  }
}
