/**
 * The processes one command started, and stopping them. A command runs as the leader of its
 * own process group, but a descendant can leave the group (`setsid`, a daemonizing server)
 * and its parent can exit, so neither the group nor the parent chain finds it. Every
 * command therefore gets a marker in its environment, which descendants inherit; on Linux
 * /proc shows each process's initial environment, so a scan finds them (the technique
 * Jenkins uses for build processes). A descendant can leave both — a test's server spawned
 * detached with an environment of its own — so the children of every process found are
 * the command's too, as long as their parent is alive to show the link; a stop remembers
 * what it found, so a child orphaned by the group's death is still signalled. A child that
 * left both and whose parent then exited (a server that started a detached helper with an
 * empty environment, then exited itself) has no link left at the stop: a long-lived run
 * (an MCP server) therefore keeps `RunSightings`, its processes as seen while it ran, and
 * the stop reaches those still running (the same pid and start time). Elsewhere only the
 * process group is reached.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { type ProcStat, type SystemCalls, carrying, liveProcesses as liveIn, procText, readProcStat as statIn, withDescendants } from "../protocol/process-table.ts";

/** Node's own calls, for protocol/process-table.ts (the one reader of /proc). */
export const NODE_CALLS: SystemCalls = { readFileSync, readdirSync, execFile };

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
  /** Undefined for a command that ended whose group number may be another program's by now (`stopLeftBehind`). */
  readonly pgid?: number;
  readonly marker: string;
}

/**
 * The live processes of a command: members of its process group, processes carrying its
 * marker, and the descendants of those. Zombies are left out (they are dead, just not
 * reaped yet).
 */
export function listRunProcesses(run: RunIdentity): RunProcess[] {
  return findRunProcesses(run).map(({ pid, command }) => ({ pid, command }));
}

/** A process found, with its start time: a pid seen earlier is the same process only if that matches. */
interface FoundProcess extends RunProcess {
  readonly start: string;
}

function findRunProcesses(run: RunIdentity): FoundProcess[] {
  if (process.platform !== "linux") return run.pgid !== undefined && groupAlive(run.pgid) ? [{ pid: run.pgid, command: "(process group)", start: "" }] : [];
  const live = liveProcesses();
  const marked = new Set(carrying(RUN_MARKER_VAR, run.marker, live.keys(), NODE_CALLS));
  const members = [...live].filter(([pid, stat]) => (run.pgid !== undefined && stat.pgrp === run.pgid) || marked.has(pid)).map(([pid]) => pid);
  const found = withDescendants(members, live);
  return [...found].map((pid) => ({ pid, command: commandLine(pid), start: live.get(pid)!.start }));
}

/**
 * A run's processes as seen while it ran: its leader and the descendants of every process
 * seen. `look` reads the `children` files of the processes already seen (0.2 ms for one
 * node server; a scan of every /proc stat file took 6 ms for 113 processes, and grows with
 * the machine), or scans /proc where the kernel has no such files. A process seen once is
 * the run's for as long as it runs (the same pid and start time), whatever it does to its
 * session, group or environment. The leader's pid is looked at by the first look only (made
 * as it starts): once it has ended, its pid may be another program's. At most MAX_SIGHTED
 * processes are kept, those seen first: past that a look reads no more, and a stop reaches
 * the others only through the group, the marker and their parents.
 */
export class RunSightings {
  private readonly seen = new Map<number, FoundProcess>();
  private looked = false;

  constructor(private readonly run: RunIdentity) {}

  /** Records the run's processes now; forgets those that ended. Only on Linux (elsewhere it does nothing). */
  look(): void {
    if (process.platform !== "linux") return;
    for (const [pid, p] of this.seen) if (readProcStat(pid)?.start !== p.start) this.seen.delete(pid);
    const roots = this.looked ? [...this.seen.values()] : this.run.pgid !== undefined ? [{ pid: this.run.pgid }] : [];
    this.looked = true;
    for (const [pid, stat] of childrenFound(roots, MAX_SIGHTED)) {
      if (this.seen.size === MAX_SIGHTED) break;
      if (!this.seen.has(pid)) this.seen.set(pid, { pid, command: commandLine(pid), start: stat.start });
    }
  }

  /** The processes seen, as last looked (some may have ended since). */
  get processes(): readonly FoundProcess[] {
    return [...this.seen.values()];
  }
}

/**
 * Processes a RunSightings keeps, and reads per look, at most: an MCP server is a handful
 * (npx, a shell, node); one that starts thousands would otherwise have every one of them
 * read each second on the runtime's one thread.
 */
const MAX_SIGHTED = 100;

/** A process to start from: its pid, and its start time where it was seen before (a pid since reused is not it). */
interface Root {
  readonly pid: number;
  readonly start?: string;
}

/** `roots` still running and their live descendants, at most `max`, with their stat: through the `children` files, or a /proc scan without them. */
function childrenFound(roots: readonly Root[], max: number): Map<number, ProcStat> {
  const found = new Map<number, ProcStat>();
  const queue: Root[] = [...roots];
  for (const root of queue) {
    if (found.size === max) break;
    const pid = root.pid;
    const stat = readProcStat(pid);
    if (!isRoot(root, stat) || stat.state === "Z" || found.has(pid)) continue;
    found.set(pid, stat);
    const children = childrenOf(pid);
    if (!children) {
      const live = liveProcesses();
      const running = roots.filter((root) => isRoot(root, live.get(root.pid))).map((root) => root.pid);
      return new Map([...withDescendants(running, live)].filter((p) => live.has(p)).slice(0, max).map((p) => [p, live.get(p)!]));
    }
    for (const child of children) queue.push({ pid: child });
  }
  return found;
}

/** Whether `stat` is of the process `root` names (the same start time where one was seen). */
function isRoot(root: Root, stat: ProcStat | undefined): stat is ProcStat {
  return stat !== undefined && (root.start === undefined || stat.start === root.start);
}

/** The children of every thread of `pid` (a child belongs to the thread that forked it); undefined without the kernel's `children` files. */
function childrenOf(pid: number): number[] | undefined {
  const children: number[] = [];
  for (const task of safeReaddir(`/proc/${pid}/task`)) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${task}/children`, "latin1");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT" && existsSync(`/proc/${pid}/task/${task}`)) return undefined;
      continue; // the thread ended
    }
    for (const child of text.split(" ")) if (child) children.push(Number(child));
  }
  return children;
}

function liveProcesses(): Map<number, ProcStat> {
  return liveIn(NODE_CALLS);
}

/**
 * Stops a command's processes: SIGTERM to the group and every process found, SIGKILL to
 * whatever is left after `graceMs`. Resolves with the processes still alive at the end
 * (normally none; a process in uninterruptible sleep can outlive SIGKILL for a while).
 * `sightings`' processes are signalled too, those still the same process (pid and start time).
 */
export async function stopRun(run: RunIdentity, graceMs: number, sightings?: Pick<RunSightings, "processes">): Promise<RunProcess[]> {
  const known = new Map<number, FoundProcess>();
  for (const p of sightings?.processes ?? []) known.set(p.pid, p);
  signalRun(run, "SIGTERM", known);
  if (await waitUntilGone(run, known, graceMs)) return [];
  signalRun(run, "SIGKILL", known);
  await waitUntilGone(run, known, SIGKILL_WAIT_MS);
  return stillThere(run, known).map(({ pid, command }) => ({ pid, command }));
}

/** How long to wait for SIGKILL to take effect before reporting survivors. */
export const SIGKILL_WAIT_MS = 2000;
/** How often to look whether the processes are gone: cheap (one /proc scan), and short next to the grace. */
const POLL_MS = 25;

function signalRun(run: RunIdentity, signal: NodeJS.Signals, known: Map<number, FoundProcess>): void {
  // Listed before the group signal, while a child that left the group still has its parent,
  // and after it, so that processes forked meanwhile are included.
  remember(known, findRunProcesses(run));
  if (run.pgid !== undefined) tryKill(-run.pgid, signal);
  for (const { pid } of stillThere(run, known)) tryKill(pid, signal);
}

/** What a command left running when it ended (its processes then, with their start times), for `stopLeftBehind`. */
export interface LeftBehind {
  readonly run: RunIdentity;
  readonly processes: readonly FoundProcess[];
}

/** The command's processes now (pid, command, start time), kept to be stopped later by `stopLeftBehind`. */
export function leftBehind(run: RunIdentity): LeftBehind {
  return { run, processes: findRunProcesses(run) };
}

/**
 * Stops, later, what a command left running when it ended (the run that started it was
 * stopped): the processes found then that are still the same (pid and start time), what
 * carries its marker, and their descendants. Its process group is signalled, and its members
 * looked for, only while one of those processes is still in it: once a group's last member
 * has ended, its number can become another program's job's, which a signal to it would reach.
 */
export function stopLeftBehind(left: LeftBehind, graceMs: number): Promise<RunProcess[]> {
  const pgid = left.run.pgid;
  const ours = left.processes.some((p) => {
    const stat = readProcStat(p.pid);
    return stat !== undefined && stat.state !== "Z" && stat.start === p.start && stat.pgrp === pgid;
  });
  return stopRun(ours ? left.run : { marker: left.run.marker }, graceMs, left);
}

/** What a command left running that still runs: those found at its end that are the same process still, and what carries its marker, with their descendants. */
export function stillRunning(left: LeftBehind): RunProcess[] {
  const known = new Map<number, FoundProcess>(left.processes.map((p) => [p.pid, p]));
  return stillThere({ marker: left.run.marker }, known).map(({ pid, command }) => ({ pid, command }));
}

/** Processes of the command now, and those found earlier that still run (the same process: same start time). */
function stillThere(run: RunIdentity, known: Map<number, FoundProcess>): FoundProcess[] {
  const now = findRunProcesses(run);
  if (process.platform !== "linux") return now;
  remember(known, now);
  return [...known.values()].filter((p) => {
    const stat = readProcStat(p.pid);
    return stat !== undefined && stat.state !== "Z" && stat.start === p.start;
  });
}

function remember(known: Map<number, FoundProcess>, found: readonly FoundProcess[]): void {
  for (const p of found) known.set(p.pid, p);
}

async function waitUntilGone(run: RunIdentity, known: Map<number, FoundProcess>, ms: number): Promise<boolean> {
  for (let waited = 0; ; waited += POLL_MS) {
    if (stillThere(run, known).length === 0) return true;
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

function readProcStat(pid: number): ProcStat | undefined {
  return statIn(pid, NODE_CALLS);
}

function commandLine(pid: number): string {
  const line = procText(`/proc/${pid}/cmdline`, NODE_CALLS).split("\0").join(" ").trim();
  return line.length > 80 ? `${line.slice(0, 77)}…` : line;
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
