/**
 * Spawns a Hearth runtime over stdio and speaks LSP to it, outside VS Code: the CLI, the
 * integration tests and the benchmarks use this. (The extension uses
 * vscode-languageclient instead.)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { freemem, totalmem } from "node:os";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type ClientCapabilities,
  type InitializeParams,
  type InitializeResult,
  type ProtocolConnection,
  StreamMessageWriter,
  createProtocolConnection,
} from "vscode-languageserver-protocol/node";
import {
  ExitNotification,
  InitializeRequest,
  InitializedNotification,
  LogMessageNotification,
  MessageType,
  ResponseError,
  ShutdownRequest,
} from "vscode-languageserver-protocol";
import { systemCgroupLimits } from "../models/index.ts";
import type { InitializationOptions } from "../protocol/lsp-ext.ts";
import { PRIVATE_FILE, PRIVATE_FOLDER, keepPrivateSync } from "../protocol/make-folders.ts";
import { machineMemory, memoryAdvice } from "../protocol/memory-advice.ts";
import { handOverNodeOptions } from "../protocol/node-options.ts";
import { NATIVE_TAIL_CHARS, nativeFailureLine, signalCause, stderrDrained } from "../protocol/native-crash.ts";
import { RUNTIME_OWNER_VAR, RUNTIME_STOP_WAIT_MS, killProcessTree } from "../protocol/process-table.ts";
import { programSearchEnv } from "../protocol/program-search.ts";
import { runtimeOutput } from "../protocol/stdout-frames.ts";
import { NODE_CALLS } from "../tools/process-tree.ts";
import { terminalText, terminalTextStream } from "./terminal-text.ts";

export interface RuntimeProcess {
  readonly connection: ProtocolConnection;
  readonly child: ChildProcess;
  /** The value of RUNTIME_OWNER_VAR in its environment (its own, for this spawn), which the processes it starts inherit. */
  readonly owner: string;
  readonly initializeResult: InitializeResult;
  /** The runtime's log so far (its last {@link LOG_KEPT_CHARS}): its `window/logMessage` lines and anything on stderr. */
  log(): string;
  /** Resolves with the exit code / signal once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Resolves once the process has ended and that was dealt with: how, when nobody asked it to
   * (its log saved by then, where there was one to save), or undefined after {@link close}.
   */
  readonly ended: Promise<RuntimeCrash | undefined>;
  /**
   * shutdown + exit (in which the runtime stops the agent's commands and saves the runs), given
   * `graceMs`; a runtime still there then is killed with every process it started
   * (killProcessTree): SIGKILL to it alone left a command it was still stopping — one that
   * ignores SIGTERM takes 4 s — running with no parent.
   */
  close(graceMs?: number): Promise<void>;
  /**
   * `work` (typically a request), or a {@link RuntimeStoppedError} as soon as the process
   * ends without {@link close}: a request in flight to a dead runtime never settles, and
   * the caller would wait on nothing. `doing` finishes the sentence ("while answering").
   */
  whileRunning<T>(work: Promise<T>, doing: string): Promise<T>;
}

/** How the runtime process ended when nobody asked it to. */
export interface RuntimeCrash {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Where its log was saved, if it could be. */
  readonly logPath?: string;
  /** The line native code left on stderr about why (`GGML_ASSERT(…) failed`), if any. */
  readonly reason?: string;
}

/** The runtime process ended on its own (a crash, a kill, out of memory). */
export class RuntimeStoppedError extends Error {
  /** `after`: a sentence more, what to do (the memory a model's load needs: memoryAdvice). */
  constructor(readonly crash: RuntimeCrash, doing: string, after?: string) {
    const how = `${crash.signal ? `signal ${crash.signal}` : `exit code ${crash.code}`}${crash.reason ? `: ${crash.reason}` : ""}`;
    const log = crash.logPath ? `; see the log at ${crash.logPath}` : "; run with --verbose to see its log";
    super(`The Hearth runtime stopped unexpectedly (${how}) ${doing}${log}${after ? `. ${after}` : ""}`);
  }
}

/**
 * A runtime killed from outside (the out-of-memory killer, most often) while it loaded the model
 * `modelPath` with `contextSize`: the same error, with what to choose by — the file's size
 * against the memory free now, the context size (protocol/memory-advice.ts). Others as they are.
 */
export function loadDeath(error: unknown, modelPath: string | undefined, contextSize: number): unknown {
  if (!(error instanceof RuntimeStoppedError) || error.crash.signal !== "SIGKILL" || error.crash.reason !== signalCause("SIGKILL", true)) return error;
  const words = { choose: "choose a smaller model or quantization (--model FILE)", context: "--context", then: "then run it again" };
  return new RuntimeStoppedError(error.crash, "while loading the model", memoryAdvice(machineMemory(modelPath, contextSize, { platform: process.platform, fileSize: (path) => statSync(path).size, freemem, totalmem, cgroupLimits: systemCgroupLimits }), words));
}

export interface SpawnRuntimeOptions {
  /** Path of the built runtime (`out/runtime.mjs`). */
  readonly runtimePath: string;
  readonly initializationOptions: InitializationOptions;
  readonly rootPath?: string;
  /** Node binary to run it with (default: this process's). */
  readonly nodePath?: string;
  /** Copy the runtime's log to our stderr as it arrives. */
  readonly echoLog?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** What the client supports (default none), e.g. `{window: {workDoneProgress: true}}`. */
  readonly capabilities?: ClientCapabilities;
  /** Where to save the runtime's log, one file per crash, when it stops unexpectedly (default: not saved). */
  readonly crashLogDir?: string;
  /**
   * Ctrl-C, SIGTERM: once aborted, {@link RuntimeProcess.whileRunning} rejects at once with
   * the signal's reason. A model load cannot be cancelled, and waiting it out ignored the
   * signal: `hearth chat` stopped by a CI timeout went on to answer in full and exit 0.
   */
  readonly signal?: AbortSignal;
}

export async function spawnRuntime(options: SpawnRuntimeOptions): Promise<RuntimeProcess> {
  // Its own, never one inherited: hearth run by the agent of another runtime carries that one's.
  const owner = randomUUID();
  const child = spawn(options.nodePath ?? process.execPath, [options.runtimePath, "--stdio"], {
    stdio: ["pipe", "pipe", "pipe"],
    // The key travels in initializationOptions for the named server only; the runtime's
    // commands (run_command, tests) must not find it in their environment. Its git and the
    // agent's commands run in the repository: programs from absolute folders only (program-search.ts).
    // The user's NODE_OPTIONS are their commands', not the runtime's (protocol/node-options.ts).
    env: { ...withoutApiKey(programSearchEnv(handOverNodeOptions(options.env ?? process.env))), [RUNTIME_OWNER_VAR]: owner },
  });
  const stderr = new LogTail();
  // With echoLog the log is copied to our stderr escaped: its lines carry what servers, models and checkouts named (a server's model id).
  const echo = (text: string) => {
    if (text) process.stderr.write(text);
  };
  // What the process itself wrote (native code's last words), apart from the log lines it sent.
  let native = "";
  // Escaped as one text across its pieces: a pipe may cut a CRLF (or a surrogate pair) in two.
  const nativeEcho = terminalTextStream();
  const nativeText = (text: string) => {
    native = (native + text).slice(-NATIVE_TAIL_CHARS);
    stderr.append(text);
    if (options.echoLog) echo(nativeEcho(text));
  };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  // What native code wrote to stdout is no frame of the protocol's: it goes to the log with stderr.
  const connection = createProtocolConnection(runtimeOutput(child.stdout!, child.stderr!, nativeText), new StreamMessageWriter(child.stdin!));
  if (options.echoLog) {
    // At stderr's end, once runtimeOutput (above) has handed on its last line (before `ended` resolves, which waits for it), or its close if it never ends.
    let flushed = false;
    const flush = (): void => {
      if (!flushed) (flushed = true), echo(nativeEcho.end());
    };
    child.stderr!.once("end", flush).once("close", flush);
  }
  const levels: Record<number, string> = { [MessageType.Error]: "error", [MessageType.Warning]: "warn", [MessageType.Info]: "info", [MessageType.Log]: "debug" };
  connection.onNotification(LogMessageNotification.type, ({ type, message }) => {
    const line = `[${levels[type] ?? "log"}] ${message}\n`;
    stderr.append(line);
    if (options.echoLog) echo(terminalText(line));
  });
  connection.listen();
  const spawnError = new Promise<never>((_, reject) => child.on("error", reject));
  const earlyExit = exited.then(({ code, signal }) => {
    throw new Error(`runtime exited during initialize (${signal ?? `code ${code}`})\n${stderr.text()}`);
  });
  const params: InitializeParams = {
    processId: process.pid,
    // Encoded: a '#', '?' or '%' in a folder name would otherwise cut or garble the path the runtime reads.
    rootUri: options.rootPath ? pathToFileURL(options.rootPath).href : null,
    capabilities: options.capabilities ?? {},
    initializationOptions: options.initializationOptions,
  };
  const initializeResult = await Promise.race([connection.sendRequest(InitializeRequest.type, params), spawnError, earlyExit]);
  // Both only matter during initialize; later they would reject with no one listening.
  earlyExit.catch(() => undefined);
  spawnError.catch(() => undefined);
  await connection.sendNotification(InitializedNotification.type, {});
  let closing = false;
  // Undefined when the process ended because close() asked it to.
  const stopped = exited.then(async ({ code, signal }) => {
    // What it wrote last is read (and echoed) before it counts as ended, asked or not.
    await stderrDrained(child.stderr);
    if (closing) return undefined;
    // Ctrl-C signals the terminal's whole process group, the runtime too; a CI timeout or a
    // closed terminal may signal the group as well. A stop the user asked for is no crash: no log.
    const asked = signal === "SIGINT" || signal === "SIGHUP" || options.signal?.aborted === true;
    return recordCrash(code, signal, stderr.text(), child.pid, asked ? undefined : options.crashLogDir, nativeFailureLine(native) ?? signalCause(signal, !asked));
  });
  const crashed = (doing: string) => stopped.then((crash) => (crash ? Promise.reject(new RuntimeStoppedError(crash, doing)) : new Promise<never>(() => undefined)));
  return {
    connection,
    child,
    owner,
    initializeResult,
    log: () => stderr.text(),
    exited,
    ended: stopped,
    whileRunning: async (work, doing) => {
      const stop = options.signal ? aborted(options.signal) : undefined;
      try {
        return await Promise.race([work, crashed(doing), ...(stop ? [stop.promise] : [])]);
      } catch (error) {
        if (options.signal?.aborted) throw error;
        // A request can fail on the closed pipe before the exit event says why (an answer
        // from the runtime is a ResponseError, never that).
        const pipeGone = child.exitCode !== null || child.signalCode !== null || child.stdin?.destroyed === true || child.stdout?.readableEnded === true;
        if (error instanceof ResponseError || error instanceof RuntimeStoppedError || !pipeGone) throw error;
        await crashed(doing);
        throw error;
      } finally {
        stop?.dispose();
      }
    },
    close: async (graceMs = RUNTIME_STOP_WAIT_MS) => {
      closing = true;
      let killed: Promise<void> | undefined;
      const timer = setTimeout(() => (killed = child.pid === undefined ? undefined : killProcessTree(child.pid, NODE_CALLS, owner)), graceMs);
      try {
        if (child.exitCode === null && child.signalCode === null) {
          await Promise.race([connection.sendRequest(ShutdownRequest.type), exited]);
          // It throws, not rejects, once the pipe is closed: a runtime killed after the wait.
          await Promise.resolve().then(() => connection.sendNotification(ExitNotification.type)).catch(() => undefined);
        }
        await exited;
        await killed;
      } finally {
        clearTimeout(timer);
        connection.dispose();
        // A dead child's pipes can outlive it as open handles and keep the caller alive.
        for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
      }
    },
  };
}

/**
 * How much of the runtime's log is kept (its end): native code may write megabytes (a debug log
 * level, a warning per token), and keeping all of it for a long chat grew hearth without bound
 * (40 MB of stderr was 40 M characters held). A crash's last words are at the end.
 */
export const LOG_KEPT_CHARS = 1024 * 1024;

/** The end of a growing text, at most {@link LOG_KEPT_CHARS} of it, saying how much was left out. */
class LogTail {
  private kept = "";
  private dropped = 0;

  append(text: string): void {
    this.kept += text;
    // Cut at twice the limit, not at each piece: each cut copies what is kept.
    if (this.kept.length > 2 * LOG_KEPT_CHARS) this.cut();
  }

  text(): string {
    this.cut();
    return this.dropped ? `[... ${this.dropped} earlier characters of the runtime's log left out]\n${this.kept}` : this.kept;
  }

  private cut(): void {
    let over = this.kept.length - LOG_KEPT_CHARS;
    if (over <= 0) return;
    if (/[\udc00-\udfff]/.test(this.kept[over] ?? "")) over++; // not half an emoji
    this.kept = this.kept.slice(over);
    this.dropped += over;
  }
}

/** Rejects with the signal's reason once it is aborted (at once if it is); dispose removes the listener. */
function aborted(signal: AbortSignal): { promise: Promise<never>; dispose(): void } {
  let onAbort = () => undefined as void;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener("abort", onAbort) };
}

/** Saves the log of a runtime that ended on its own; the crash says where (or nothing, if it could not). */
function recordCrash(code: number | null, signal: NodeJS.Signals | null, log: string, pid: number | undefined, dir: string | undefined, reason: string | undefined): RuntimeCrash {
  const ended = { code, signal, ...(reason ? { reason } : {}) };
  if (!dir) return ended;
  const logPath = join(dir, `runtime-${new Date().toISOString().replace(/[:.]/g, "-")}-${pid ?? "unknown"}.log`);
  try {
    // The log holds the prompts: this user's alone from the first mkdir and open (see PRIVATE_FOLDER), older logs too.
    mkdirSync(dir, { recursive: true, mode: PRIVATE_FOLDER });
    keepPrivateSync(dir, { statSync, chmodSync, uid: process.getuid?.() });
    writeFileSync(logPath, `${log}\nruntime process ended: ${signal ? `signal ${signal}` : `exit code ${code}`}\n`, { mode: PRIVATE_FILE });
    keepNewestCrashLogs(dir, basename(logPath));
    return { ...ended, logPath };
  } catch {
    return ended;
  }
}

/** Crash logs kept: each holds up to LOG_KEPT_CHARS, and a runtime that crashes at every chat (a driver, a model) left one more each time, for good. */
const CRASH_LOGS_KEPT = 20;
/** The name recordCrash gives a crash log: its time (ISO, so names sort by it) and the runtime's pid. */
const CRASH_LOG = /^runtime-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-(?:\d+|unknown)\.log$/;

/**
 * Removes all but the newest CRASH_LOGS_KEPT crash logs in `dir`, `own` (the one just written,
 * which the crash names) always kept: by their names, logs written while the clock was ahead
 * (a wrong RTC set right since) sort after it, and it was removed at once. Nothing else there.
 * Best effort: a log is no reason to fail.
 */
function keepNewestCrashLogs(dir: string, own: string): void {
  try {
    const logs = readdirSync(dir).filter((name) => CRASH_LOG.test(name) && name !== own).sort();
    for (const name of logs.slice(0, -(CRASH_LOGS_KEPT - 1))) rmSync(join(dir, name), { force: true });
  } catch {
    // the log just written is kept and named all the same
  }
}

function withoutApiKey(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { HEARTH_API_KEY: _key, ...rest } = env;
  return rest;
}
