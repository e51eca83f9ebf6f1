/**
 * The processes one command started, and stopping them. A command runs as the leader of its
 * own process group, but a descendant can leave the group (`setsid`, a daemonizing server)
 * and its parent can exit, so neither the group nor the parent chain finds it. Every
 * command therefore gets a marker in its environment, which descendants inherit; on Linux
 * /proc shows each process's initial environment, so a scan finds them (the technique
 * Jenkins uses for build processes). Elsewhere only the process group is reached.
 */
import { readFileSync, readdirSync } from "node:fs";

/** The environment variable carrying a command's marker. */
export const RUN_MARKER_VAR = "HEARTH_RUN_ID";

/** A running process that belongs to a command. */
export interface RunProcess {
  readonly pid: number;
  /** Its command line, shortened, for messages. */
  readonly command: string;
}

/** Where one command's processes are: its process group and its environment marker. */
export interface RunIdentity {
  readonly pgid: number;
  readonly marker: string;
}

/**
 * The live processes of a command: members of its process group and processes carrying its
 * marker. Zombies are left out (they are dead, just not reaped yet).
 */
export function listRunProcesses(run: RunIdentity): RunProcess[] {
  if (process.platform !== "linux") return groupAlive(run.pgid) ? [{ pid: run.pgid, command: "(process group)" }] : [];
  const needle = `${RUN_MARKER_VAR}=${run.marker}\0`;
  const found: RunProcess[] = [];
  for (const name of safeReaddir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name));
    if (!stat || stat.state === "Z") continue;
    if (stat.pgrp === run.pgid || readOr(`/proc/${name}/environ`).includes(needle)) found.push({ pid: Number(name), command: commandLine(Number(name)) });
  }
  return found;
}

/**
 * Stops a command's processes: SIGTERM to the group and every marked process, SIGKILL to
 * whatever is left after `graceMs`. Resolves with the processes still alive at the end
 * (normally none; a process in uninterruptible sleep can outlive SIGKILL for a while).
 */
export async function stopRun(run: RunIdentity, graceMs: number): Promise<RunProcess[]> {
  signalRun(run, "SIGTERM");
  if (await waitUntilGone(run, graceMs)) return [];
  signalRun(run, "SIGKILL");
  await waitUntilGone(run, SIGKILL_WAIT_MS);
  return listRunProcesses(run);
}

/** How long to wait for SIGKILL to take effect before reporting survivors. */
const SIGKILL_WAIT_MS = 2000;
/** How often to look whether the processes are gone: cheap (one /proc scan), and short next to the grace. */
const POLL_MS = 25;

function signalRun(run: RunIdentity, signal: NodeJS.Signals): void {
  tryKill(-run.pgid, signal);
  // Listed after the group signal so that processes forked meanwhile are included.
  for (const { pid } of listRunProcesses(run)) tryKill(pid, signal);
}

async function waitUntilGone(run: RunIdentity, ms: number): Promise<boolean> {
  for (let waited = 0; ; waited += POLL_MS) {
    if (listRunProcesses(run).length === 0) return true;
    if (waited >= ms) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function tryKill(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false; // already gone, or not ours to signal
  }
}

function groupAlive(pgid: number): boolean {
  return tryKill(-pgid, 0);
}

/** State and process group from /proc/<pid>/stat; the command name in parentheses may contain anything. */
function readProcStat(pid: number): { state: string; pgrp: number } | undefined {
  const stat = readOr(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the name: state, ppid, pgrp, …
  return fields.length > 2 ? { state: fields[0]!, pgrp: Number(fields[2]) } : undefined;
}

function commandLine(pid: number): string {
  const line = readOr(`/proc/${pid}/cmdline`).split("\0").join(" ").trim();
  return line.length > 80 ? `${line.slice(0, 77)}…` : line;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return ""; // the process ended, or is not ours to read
  }
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
