/**
 * The system's processes, read one way for every part of Hearth that must find what something
 * started: the agent's commands by their HEARTH_RUN_ID (tools/process-tree.ts), and a runtime
 * killed with every process it started, by its HEARTH_RUNTIME_OWNER (killProcessTree: the
 * extension's RuntimeStart and the CLI's runtime-connection.ts). On Linux /proc says each
 * process's parent, group, start time and initial environment; elsewhere `ps` gives the
 * parents. protocol/ imports none of Node's modules: the caller hands over the few functions
 * this reads the system with ({@link SystemCalls}: node:fs's and node:child_process's own).
 */
import { isAlive } from "./processes.ts";

/** node:fs's readFileSync and readdirSync, node:child_process's execFile: pass those. */
export interface SystemCalls {
  readonly readFileSync: (path: string, encoding: "latin1") => string;
  readonly readdirSync: (path: string) => string[];
  readonly execFile: (file: string, args: readonly string[], callback: (error: Error | null, stdout: string) => void) => unknown;
}

/**
 * Set in a runtime's environment, a value of its own for each start. The agent's commands
 * inherit it (run_command keeps Hearth's variables), so a command that left the runtime's
 * process tree (a server started with setsid whose parent exited) is still found as this
 * runtime's when the runtime has to be killed.
 */
export const RUNTIME_OWNER_VAR = "HEARTH_RUNTIME_OWNER";

/**
 * How long a stop waits for the runtime's own shutdown before it kills the runtime: the
 * runtime's cleanup (process-guard.ts EXIT_CLEANUP_MS: 4 s to stop a command that ignores
 * SIGTERM, then 2 s to save the runs) and 2 s for the requests' way on a loaded machine.
 * The 3 s it was killed the runtime mid-stop, and such a command ran on with no parent.
 * runtime-stop.test.ts holds it above that cleanup.
 */
export const RUNTIME_STOP_WAIT_MS = 8_000;

/** Fields of one process's /proc/<pid>/stat. */
export interface ProcStat {
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  /** Clock ticks after boot (field 22): with the pid, it names one process. */
  readonly start: string;
}

/** A file's text, or "" where it cannot be read (the process ended, or is not ours to read). */
export function procText(pathName: string, sys: SystemCalls): string {
  try {
    return sys.readFileSync(pathName, "latin1");
  } catch {
    return "";
  }
}

/** Fields of /proc/<pid>/stat; undefined for a process gone. The command name in parentheses may contain anything. */
export function readProcStat(pid: number, sys: SystemCalls): ProcStat | undefined {
  const stat = procText(`/proc/${pid}/stat`, sys);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the name: state, ppid, pgrp, session, … starttime (the 20th after the name).
  return fields.length > 19 ? { state: fields[0]!, ppid: Number(fields[1]), pgrp: Number(fields[2]), start: fields[19]! } : undefined;
}

/** Every live process (not a zombie) by pid, from /proc (Linux). */
export function liveProcesses(sys: SystemCalls): Map<number, ProcStat> {
  return processes(sys, false);
}

/** Every process by pid, from /proc (Linux); zombies too where `zombies`. */
function processes(sys: SystemCalls, zombies: boolean): Map<number, ProcStat> {
  const found = new Map<number, ProcStat>();
  let names: string[] = [];
  try {
    names = sys.readdirSync("/proc");
  } catch {
    // no /proc: nothing to list
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name), sys);
    if (stat && (zombies || stat.state !== "Z")) found.set(Number(name), stat);
  }
  return found;
}

/** `roots` and every process whose parent chain (`parents`: each process's parent) leads to one of them. */
export function withDescendants(roots: Iterable<number>, parents: ReadonlyMap<number, { readonly ppid: number }>): Set<number> {
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of parents) {
    const siblings = children.get(ppid);
    if (siblings) siblings.push(pid);
    else children.set(ppid, [pid]);
  }
  const found = new Set(roots);
  for (const pid of found) for (const child of children.get(pid) ?? []) found.add(child);
  return found;
}

/** Those of `pids` whose environment (as they started) carries `name`=`value`, from /proc (Linux). */
export function carrying(name: string, value: string, pids: Iterable<number>, sys: SystemCalls): number[] {
  const mark = `${name}=${value}\0`;
  return [...pids].filter((pid) => procText(`/proc/${pid}/environ`, sys).includes(mark));
}

/**
 * SIGKILL to a process and every process below it, and to the process groups they lead (the
 * agent's commands each lead one, whose members may have left the tree). The tree is listed
 * before anything is killed: a child orphaned by its parent's death no longer shows whose it
 * was. With `owner` (RUNTIME_OWNER_VAR's value), on Linux, the processes whose environment
 * carries it are taken too, with theirs: a server started with setsid whose parent exited.
 * A command's shell that exited under a stuck runtime is a zombie still leading its group: its
 * group is killed as well. Resolves once they are gone (at most KILL_WAIT_MS).
 */
export async function killProcessTree(pid: number, sys: SystemCalls, owner?: string): Promise<void> {
  if (process.platform === "win32") {
    await new Promise<void>((resolve) => sys.execFile("taskkill", ["/pid", String(pid), "/T", "/F"], () => resolve()));
    return;
  }
  const parents = await parentsOf(sys);
  const owned = owner && process.platform === "linux" ? carrying(RUNTIME_OWNER_VAR, owner, parents.keys(), sys) : [];
  const leaders = withDescendants([pid, ...owned], parents);
  // With the members of the groups they lead (Linux: /proc says each one's group), which the
  // kill of those groups reaches: they are waited for too.
  const tree = [...leaders, ...[...parents].filter(([p, { pgrp }]) => pgrp !== undefined && leaders.has(pgrp) && !leaders.has(p)).map(([p]) => p)];
  // The processes first, then the groups: a group's number is its leader's pid, so a group of a
  // pid listed here (a zombie's too: unreaped, its pid is no other's) was made by that process,
  // this runtime's, however its pid is used since.
  for (const target of [...tree, ...[...leaders].map((p) => -p)]) {
    try {
      process.kill(target, "SIGKILL");
    } catch {
      // already gone, or no group of that number
    }
  }
  // A signal is taken when the process next runs: on a loaded machine a killed server can
  // hold its port a while longer, and the restarted runtime's agent would find it taken.
  const running = (p: number) => (process.platform === "linux" ? (readProcStat(p, sys)?.state ?? "Z") !== "Z" : isAlive(p));
  for (let waited = 0; waited < KILL_WAIT_MS && tree.some(running); waited += KILL_POLL_MS) await new Promise((resolve) => setTimeout(resolve, KILL_POLL_MS));
}

/** How long killProcessTree waits for the processes it killed to be gone, and how often it looks. */
const KILL_WAIT_MS = 2000;
const KILL_POLL_MS = 25;

/**
 * Each process's parent: /proc on Linux, `ps` elsewhere (macOS). Zombies too: a command's shell
 * that exited under a stuck runtime (which reaps nothing) still leads its group, where what it
 * left running is, orphaned and maybe with an environment of its own; while unreaped its pid,
 * and so its group's number, is no other process's.
 */
async function parentsOf(sys: SystemCalls): Promise<Map<number, { ppid: number; pgrp?: number }>> {
  if (process.platform === "linux") return processes(sys, true);
  const out = await new Promise<string>((resolve) => sys.execFile("ps", ["-A", "-o", "pid=,ppid="], (_error, stdout) => resolve(String(stdout ?? ""))));
  const parents = new Map<number, { ppid: number }>();
  for (const line of out.split("\n")) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid && ppid) parents.set(pid, { ppid });
  }
  return parents;
}

