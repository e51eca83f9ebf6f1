/**
 * One start of the runtime process, from its spawn until it answers `initialize`, with a
 * deadline on that answer. A runtime that spawned but never answered — VS Code's Node or the
 * extension's folder on a network drive that hangs, an antivirus scan holding a file, a lock
 * — left the status at "starting" for good, with nothing to click. Loading the model is not
 * part of it: that comes after `initialize`, with its own progress, and may take minutes.
 * No `vscode`, so it is tested with real processes and a hand-moved clock.
 */
import { type ChildProcess, execFile, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { ConnectionError, ConnectionErrors, ErrorCodes } from "vscode-languageserver-protocol/node";
import { RUNTIME_OWNER_VAR, RUNTIME_STOP_WAIT_MS, killProcessTree as killTree } from "../protocol/process-table.ts";
import { NATIVE_TAIL_CHARS, nativeFailureLine, signalCause, stderrDrained } from "../protocol/native-crash.ts";

/** How long a runtime may take from its spawn to its answer to `initialize` (a healthy one: well under a second). */
export const START_DEADLINE_MS = 60_000;

/** The timers the deadline uses: the system's in VS Code, a hand-moved clock in tests. */
export interface StartTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const SYSTEM_TIMERS: StartTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Spawns the runtime as the extension does: VS Code's own Node, pipes (stdout carries LSP, stderr the log), no inherited flags. */
export function forkRuntime(runtimePath: string, env: NodeJS.ProcessEnv, nodePath = process.execPath): ChildProcess {
  return fork(runtimePath, ["--stdio", `--clientProcessId=${process.pid}`], { silent: true, execArgv: [], execPath: nodePath, env });
}

/** What a start tells its owner. */
export interface RuntimeStartEvents {
  /** The deadline passed without an answer; the process tree is being killed. */
  readonly hung: (start: RuntimeStart) => void;
  /** The process ended (once what it wrote to stderr was read) or could not be started at all: how, in words, and the signal that ended it. */
  readonly ended?: (reason: string, signal: NodeJS.Signals | null) => void;
  /**
   * No process could be spawned, and Node's spawn threw at once (E2BIG, ENOMEM): none will
   * end or emit "error", so this is the only word of it. `message` says why, for the user.
   */
  readonly unspawned?: (message: string) => void;
}

export interface RuntimeStartOptions {
  readonly deadlineMs?: number;
  readonly timers?: StartTimers;
  /** The value of RUNTIME_OWNER_VAR in the runtime's environment, which its processes inherit. */
  readonly owner?: string;
}

/**
 * Whether a request failed because the runtime ended before answering it, which vscode-jsonrpc
 * and vscode-languageclient say only in their own words, none of them why: "Pending response
 * rejected since connection got disposed" (sent before the end); "write EPIPE" or "Cannot call
 * write after a stream was destroyed" (sent as it died); "Connection is closed." or "… disposed."
 * (sent once the connection saw the end); "Client is not running" (once the language client
 * did, before the extension heard of the exit). A chat turn showed these as why its run stopped.
 */
export function unansweredByEnd(error: unknown): boolean {
  if (error instanceof ConnectionError) return error.code === ConnectionErrors.Closed || error.code === ConnectionErrors.Disposed;
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === ErrorCodes.PendingResponseRejected || code === ErrorCodes.MessageWriteError || code === ErrorCodes.ConnectionInactive;
}

/** Of a long line (a path in a message) the start says enough. */
const MAX_LINE_CHARS = 240;

/**
 * Watches one spawned runtime until it answered `initialize` (`answered`) or its start
 * failed (`failed`, or its exit). Past the deadline the process and every process it started are killed
 * and `onHung` is called at once — not on its exit, which a process stuck in the kernel on a
 * dead network path may not reach for a long time.
 */
export class RuntimeStart {
  readonly deadlineMs: number;
  /** The runtime's RUNTIME_OWNER_VAR, where it was given one. */
  readonly owner: string | undefined;
  private readonly timers: StartTimers;
  private readonly timer: unknown;
  private phase: "waiting" | "answered" | "failed" | "hung" = "waiting";
  /** Why the start failed, in the runtime's own words (its answer to `initialize`). */
  private failure: string | undefined;
  /** {@link stop} or {@link failed} ended it: a SIGKILL from then on is its own. */
  private stopping = false;

  constructor(readonly child: ChildProcess, events: RuntimeStartEvents, options: RuntimeStartOptions = {}) {
    this.deadlineMs = options.deadlineMs ?? START_DEADLINE_MS;
    this.owner = options.owner;
    this.timers = options.timers ?? SYSTEM_TIMERS;
    this.timer = this.timers.setTimeout(() => this.expire(events.hung), this.deadlineMs);
    // The end of what the process itself writes: a native abort's last words, or the error it died of.
    // Decoded as one text across its pieces: a pipe may cut a character (an accented path) in two.
    let stderr = "";
    const decoder = new TextDecoder();
    child.stderr?.on("data", (chunk: Buffer) => void (stderr = (stderr + decoder.decode(chunk, { stream: true })).slice(-NATIVE_TAIL_CHARS)));
    child.once("exit", (code, signal) => {
      this.failed(); // no-op once it answered
      void stderrDrained(child.stderr).then(() => events.ended?.(this.exitReason(code, signal, stderr), signal));
    });
    // A Node binary that is not there (VS Code updated under a running window): "error", and never "exit".
    child.on("error", (error) => {
      if (child.pid !== undefined) return; // a live process's failed signal or write: its end comes as "exit"
      this.failed();
      events.ended?.(`it could not be started: ${error.message}`, null);
    });
  }

  /**
   * Spawns the runtime (`forkRuntime`) and watches its start. Node's spawn throws at once,
   * rather than emitting "error", for E2BIG (an environment variable over Linux's 128 KiB for
   * one, which the runtime inherits from VS Code) and ENOMEM: with no process nothing ever
   * ended that start, and it stayed "starting" for good. `unspawned` is told why, then the
   * error is thrown on (the language client's start fails with it).
   */
  static fork(runtimePath: string, env: NodeJS.ProcessEnv, events: RuntimeStartEvents, options?: RuntimeStartOptions, nodePath?: string): RuntimeStart {
    const owner = randomUUID();
    let child: ChildProcess;
    try {
      child = forkRuntime(runtimePath, { ...env, [RUNTIME_OWNER_VAR]: owner }, nodePath);
    } catch (error) {
      events.unspawned?.(unspawnedMessage(error, env));
      throw error;
    }
    return new RuntimeStart(child, events, { ...options, owner });
  }

  /**
   * Ends this start's runtime for good (Restart Runtime, another folder, the window closing):
   * `shutdown` (the language client's stop: LSP shutdown and exit, in which the runtime stops
   * the agent's commands) is given `waitMs`. A runtime still running then (stuck, or its stop
   * slower than that) is killed with every process it started: SIGKILL to it alone left a
   * command it was still stopping — a dev server, a test run, each in a process group of its
   * own — running with no parent.
   */
  async stop(shutdown: (timeoutMs: number) => Promise<void>, waitMs = RUNTIME_STOP_WAIT_MS): Promise<void> {
    this.stopping = true;
    await shutdown(waitMs).catch(() => undefined);
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined) await killProcessTree(this.child.pid, this.owner);
  }

  /** Whether the deadline passed without an answer (the process was killed for it). */
  get hung(): boolean {
    return this.phase === "hung";
  }

  /** The runtime answered `initialize`: the deadline is off. */
  answered(): void {
    this.settle("answered");
  }

  /**
   * The start failed (`error`: what the client's start rejected with, when there is one): the
   * deadline is off, and this start's process is killed if it still runs (its exit then goes
   * to the restart policy). This start's, not whichever runtime is current by then: a Restart
   * while it was starting has already spawned the next one.
   */
  failed(error?: unknown): void {
    const code = (error as { code?: unknown } | undefined)?.code;
    if (this.phase === "waiting" && error instanceof Error && typeof code === "number" && code !== ErrorCodes.PendingResponseRejected) this.failure = error.message;
    this.settle("failed");
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    // Also after it answered (its first status failed, a Restart cut the start short): no OOM kill.
    this.stopping = true;
    this.child.kill("SIGKILL");
  }

  /**
   * How the process ended, for the user: the signal or exit code and, when there are any,
   * words for why — native code's last line, or for a runtime that never answered, the error
   * Node printed (a broken install's "Cannot find module …") or its answer to `initialize`.
   */
  exitReason(code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
    const native = nativeFailureLine(stderr);
    if (!native && this.phase === "failed" && this.failure) return `its start failed: ${clip(this.failure)}`;
    // SIGKILL's words only for a runtime nobody here killed: a start that failed or hung, and a stop, kill it so.
    const signalWhy = signalCause(signal, this.phase === "answered" && !this.stopping);
    const why = native ?? signalWhy ?? (this.phase === "answered" ? undefined : startErrorLine(stderr));
    return `${signal ? `killed by ${signal}` : `exit code ${code}`}${why ? `: ${why}` : ""}`;
  }

  private settle(phase: "answered" | "failed"): void {
    if (this.phase !== "waiting") return;
    this.phase = phase;
    this.timers.clearTimeout(this.timer);
  }

  private expire(onHung: (start: RuntimeStart) => void): void {
    if (this.phase !== "waiting") return;
    this.phase = "hung";
    if (this.child.pid !== undefined) void killProcessTree(this.child.pid, this.owner);
    onHung(this);
  }
}

/** The last line of `stderr` with an error Node printed as it died (`Error: Cannot find module …`, `SyntaxError: …`), clipped. */
function startErrorLine(stderr: string): string | undefined {
  const lines = stderr.slice(-NATIVE_TAIL_CHARS).split(/\r?\n/).map((line) => line.trim());
  const line = lines.findLast((l) => /^([A-Z]\w*)?Error\b.*:/.test(l));
  return line === undefined ? undefined : clip(line);
}

function clip(line: string): string {
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
}

/** Linux's limit on one argument or one environment string (MAX_ARG_STRLEN, the NUL included). */
const MAX_ENV_STRING_BYTES = 128 * 1024;

/** What the user reads when the runtime's process could not be spawned at all: why, and what to do. */
function unspawnedMessage(error: unknown, env: NodeJS.ProcessEnv): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const head = `Hearth's runtime could not be started (spawn ${code ?? clip(String(error))})`;
  if (code !== "E2BIG") return `${head}: ${clip(String((error as Error | undefined)?.message ?? error))}. Show Log says more; Restart Runtime tries again.`;
  const vars = Object.entries(env).map(([name, value]) => ({ name, bytes: Buffer.byteLength(`${name}=${value ?? ""}`) + 1 }));
  const largest = vars.reduce((a, b) => (b.bytes > a.bytes ? b : a), { name: "", bytes: 0 });
  const why =
    largest.bytes >= MAX_ENV_STRING_BYTES
      ? `the environment variable ${largest.name}, which the runtime inherits from VS Code, is ${largest.bytes.toLocaleString("en-US")} bytes, over the system's 128 KiB for one variable`
      : `the environment the runtime inherits from VS Code is ${vars.reduce((sum, v) => sum + v.bytes, 0).toLocaleString("en-US")} bytes, more than the system takes`;
  return `${head}: ${why}. Unset or shorten it where VS Code is started (a shell profile, a launcher), start VS Code again, then Restart Runtime.`;
}

/** What the user reads when a start passed its deadline: what hung, what it may be, what to do. */
export function hungStartMessage(start: RuntimeStart, runtimePath: string, nodePath = process.execPath): string {
  return (
    `Hearth's runtime did not answer within ${Math.round(start.deadlineMs / 1000)} s of starting and was stopped ` +
    `(pid ${start.child.pid ?? "unknown"}: ${nodePath} ${runtimePath}). Something it reads while starting may be hanging: ` +
    "a network drive, an antivirus scan, a file another program holds locked. Show Log says what it did last; Restart Runtime tries again."
  );
}

/** killProcessTree (protocol/process-table.ts) with Node's own calls. */
export function killProcessTree(pid: number, owner?: string): Promise<void> {
  return killTree(pid, { readFileSync, readdirSync, execFile }, owner);
}
