/**
 * What the system says about another process, for the locks Hearth keeps across processes
 * (checkpoints, a checkout's `hearth fix`, a model download, the index cache's temporary
 * files) and the runtime's watch on its parent. No imports (protocol/ stays free of Node's
 * modules): the caller hands over how to read a file.
 */

/** Reads a text file whole (readFileSync with "utf8"); throws when it cannot. */
export type ReadText = (path: string) => string;

/** Whether a process exists (EPERM: it does, under another user); never for 0 or a negative pid, which name process groups. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Slack for a start time read from /proc (whole seconds of boot time, clock adjustments). */
export const START_SLACK_MS = 2_000;

/**
 * Whether process `pid` started after `since` (ms since the epoch), past START_SLACK_MS: then
 * it is not the process that took a lock then but a later one given its pid. False where the
 * start cannot be read (not Linux, the process gone).
 */
export function startedAfter(pid: number, since: number, read: ReadText): boolean {
  const started = processStart(pid, read);
  return Number.isFinite(since) && started !== undefined && started > since + START_SLACK_MS;
}

/** When a process started (ms since the epoch), on Linux; undefined elsewhere or when unreadable. */
export function processStart(pid: number, read: ReadText): number | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    const stat = read(`/proc/${pid}/stat`);
    // After "pid (comm) ", field 22 (starttime, in clock ticks since boot) is the 20th; comm may hold spaces and ")".
    const ticks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    const bootSeconds = Number(/^btime (\d+)$/m.exec(read("/proc/stat"))?.[1]);
    // USER_HZ is 100 on every Linux architecture Node runs on.
    return Number.isFinite(ticks) && Number.isFinite(bootSeconds) && bootSeconds > 0 ? bootSeconds * 1000 + ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}
