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
      if (held && held.pid !== process.pid && running(held.pid) && !startedAfter(held.pid, held.started)) {
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

/** Slack for the start time read from /proc (whole seconds of boot time, clock adjustments). */
const START_SLACK_MS = 2_000;

/**
 * Whether process `pid` started after `started` (an ISO time): then it is not the run that
 * took the lock but a later process given its pid. False where that cannot be read.
 */
function startedAfter(pid: number, started: string): boolean {
  const lockedAt = Date.parse(started);
  const startMs = processStart(pid);
  return Number.isFinite(lockedAt) && startMs !== undefined && startMs > lockedAt + START_SLACK_MS;
}

/** When a process started (ms since the epoch), on Linux; undefined elsewhere or when unreadable. */
function processStart(pid: number): number | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // After "pid (comm) ", field 22 (starttime, in clock ticks since boot) is the 20th; comm may hold spaces and ")".
    const ticks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
    // USER_HZ is 100 on every Linux architecture Node runs on.
    return Number.isFinite(ticks) && Number.isFinite(bootSeconds) && bootSeconds > 0 ? bootSeconds * 1000 + ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
