/**
 * One `hearth fix` at a time in a checkout. Two runs in the same folder each took the
 * other's edits into their patch (each diffs the whole folder against its own start) and
 * shared one checkpoint repository. The lock is a file in the state folder named after the
 * checkout's real path, holding the owner's pid; a lock whose process is gone (kill -9,
 * out of memory, a reboot) is taken over, so a crash never blocks the next run. (Runs with
 * different --state-dir folders do not see each other's locks.)
 *
 * Pids are reused: a container gives each run the same few pids, and after a reboot or a
 * long while another process has the dead run's pid. A lock naming this very process is
 * stale (a run that holds it is past this point), and so, where the system says when a
 * process started (Linux), is one whose process started after the lock was taken. A
 * refusal names the lock file, for the cases no check sees.
 */
import { createHash } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAlive, startedAfter } from "../protocol/processes.ts";

interface LockOwner {
  readonly pid: number;
  readonly started: string;
}

/** Another run holds the checkout. */
export class CheckoutBusyError extends Error {}

/** Takes the lock for `repo` in `stateDir`; `release()` removes it (call it in a finally). */
export function lockCheckout(stateDir: string, repo: string): { release(): void } {
  const dir = join(stateDir, "locks");
  mkdirSync(dir, { recursive: true });
  const real = realpathSync(repo);
  const file = join(dir, `${createHash("sha256").update(real).digest("hex").slice(0, 16)}.lock`);
  const owner: LockOwner = { pid: process.pid, started: new Date().toISOString() };
  // Written whole, then linked into place: a reader never sees a lock without its owner.
  const draft = `${file}.${process.pid}.tmp`;
  writeFileSync(draft, JSON.stringify(owner));
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(draft, file);
        return { release: () => rmSync(file, { force: true }) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw error;
      }
      const held = readOwner(file);
      if (held && held.pid !== process.pid && isAlive(held.pid) && !startedAfter(held.pid, Date.parse(held.started), (path) => readFileSync(path, "utf8"))) {
        throw new CheckoutBusyError(
          `another hearth fix (pid ${held.pid}, started ${held.started}) is working in ${real}: wait for it to end, or fix in another checkout (git worktree add); if no hearth fix runs there, delete ${file}`,
        );
      }
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(draft, { force: true });
  }
}

/** The lock's owner, if the file says. */
function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, "utf8")) as Partial<LockOwner>;
    return typeof owner.pid === "number" ? { pid: owner.pid, started: String(owner.started) } : undefined;
  } catch {
    return undefined;
  }
}


