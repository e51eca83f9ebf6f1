/**
 * The stdio transport of an MCP server Hearth starts: newline-delimited JSON-RPC over the
 * process's stdin/stdout. Hearth's own instead of the SDK's StdioClientTransport because
 * a server must not outlive Hearth: `npx some-server` is a tree of processes, and the
 * SDK's transport signals only the first one. Here the server leads its own process group
 * and carries a `HEARTH_RUN_ID` marker (process-tree.ts), and closing stops the whole tree.
 * A helper can leave the group and the marker (`setsid`, an empty environment) and then
 * lose its parent (the server exits): on Linux the server's processes are therefore looked
 * at while it runs — at each answer to a request of Hearth's and every second between —
 * and the stop reaches every one seen that still runs (RunSightings).
 * So does the server's own exit: what it left running is stopped then, and with it any
 * hold on its stdout (a helper started with inherited stdio would otherwise keep the
 * pipes open, the transport "running" and a call in flight waiting for its time limit).
 * A server that closes its stdout while running is stopped too: it cannot answer any more.
 * A server that floods Hearth with messages answering nothing it asked is stopped too
 * (unanswered.ts).
 * Its environment is exactly what the caller gives (no defaults merged in), and the last
 * lines of its stderr are kept for error messages.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { RUN_MARKER_VAR, RunSightings, stopRun } from "../process-tree.ts";
import { type Received, UnansweredCount } from "./unanswered.ts";

export interface ProcessTransportOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The server's whole environment. */
  readonly env: NodeJS.ProcessEnv;
  /** Grace between SIGTERM and SIGKILL when closing (default 2 s). */
  readonly graceMs?: number;
  /** The clock the flood window is measured with (default Date.now). */
  readonly now?: () => number;
}

/** A message from the server over the read buffer's 10 MB: dropped unread. */
export class MessageTooLargeError extends Error {}

/** Characters of stderr kept for messages. */
const STDERR_TAIL = 2000;
/**
 * How often the server's processes are looked at between answers: one scan of /proc's stat
 * files. A helper whose parent starts it and exits between two looks (a double fork) is
 * not seen; the answers' looks catch one started by a call before it answers.
 */
const LOOK_MS = 1000;

export class ProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly buffer = new ReadBuffer();
  private readonly marker = `mcp-${randomUUID()}`;
  private stderr = "";
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private markExited!: () => void;
  /** The server closed its stdout while still running (and was stopped for it). */
  outputClosed = false;
  /** The server's messages that answered nothing Hearth asked: past the limit, it is stopped. */
  readonly unanswered: UnansweredCount;
  /** Stopping what the server left running, begun when its first process exited. */
  private leftovers: Promise<unknown> | undefined;
  private sightings: RunSightings | undefined;
  private looking: NodeJS.Timeout | undefined;

  constructor(private readonly options: ProcessTransportOptions) {
    this.exited = new Promise((resolve) => (this.markExited = resolve));
    this.unanswered = new UnansweredCount(options.now);
  }

  /** The process id once started (the leader of its process group). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How the process ended, once it has. */
  get exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exit;
  }

  /** The end of what the server wrote to stderr (its own error messages). */
  get stderrTail(): string {
    return this.stderr.trim();
  }

  start(): Promise<void> {
    if (this.child) throw new Error("ProcessTransport already started");
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.command, [...this.options.args], {
        cwd: this.options.cwd,
        env: { ...this.options.env, [RUN_MARKER_VAR]: this.marker },
        stdio: ["pipe", "pipe", "pipe"],
        // Its own process group, so that closing reaches every process it started.
        detached: process.platform !== "win32",
        windowsHide: true,
      });
      this.child = child;
      child.once("error", (error) => {
        this.exit ??= { code: null, signal: null };
        this.markExited();
        reject(error);
        this.onerror?.(error);
      });
      child.once("spawn", () => {
        this.watchProcesses(child.pid!);
        resolve();
      });
      // The server is gone; its pipes close (and "close" reports it) once what it left is gone too.
      child.once("exit", () => {
        clearInterval(this.looking);
        this.leftovers ??= this.stopProcesses();
      });
      child.once("close", (code, signal) => {
        this.exit = { code, signal };
        this.markExited();
        this.onclose?.();
      });
      child.stdout.on("data", (chunk: Buffer) => this.receive(chunk));
      // A server that closes its stdout and goes on running can never answer again: it is
      // stopped, so the calls in flight end now instead of at their time limit.
      child.stdout.once("end", () => {
        // Not when Hearth is stopping it already (close(), or its first process exited).
        if (this.exit || this.leftovers || child.exitCode !== null || child.signalCode !== null) return;
        this.outputClosed = true;
        this.leftovers ??= this.stopProcesses();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        this.stderr = (this.stderr + chunk.toString("utf8")).slice(-STDERR_TAIL);
      });
      // A server that exits while a message is being written: the close event reports it.
      child.stdin.on("error", () => undefined);
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || this.exit) return Promise.reject(new Error("the MCP server is not running"));
    this.unanswered.sent(message);
    return new Promise((resolve, reject) => {
      stdin.write(serializeMessage(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Ends stdin, then stops every process of the server (SIGTERM, SIGKILL after the grace). */
  async close(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    clearInterval(this.looking);
    if (!this.exit) child.stdin.end();
    await (this.leftovers ??= this.stopProcesses());
    await this.exited;
  }

  private stopProcesses(): Promise<unknown> {
    return this.child?.pid ? stopRun({ pgid: this.child.pid, marker: this.marker }, this.options.graceMs ?? 2000, this.sightings) : Promise.resolve();
  }

  /** Looks at the server's processes now and every LOOK_MS while it runs (Linux only: elsewhere only the group is reached). */
  private watchProcesses(pid: number): void {
    if (process.platform !== "linux") return;
    this.sightings = new RunSightings({ pgid: pid, marker: this.marker });
    this.sightings.look();
    this.looking = setInterval(() => this.sightings!.look(), LOOK_MS).unref();
  }

  /**
   * Signals the server's processes at once, synchronously (for `process.on("exit")`,
   * where nothing asynchronous runs any more).
   */
  killNow(): void {
    const pid = this.child?.pid;
    if (!pid || this.exit) return;
    try {
      process.kill(process.platform === "win32" ? pid : -pid, "SIGKILL");
    } catch {
      // already gone
    }
  }

  /** Counts a message from the server (undefined: not JSON-RPC); past the limit the server is stopped and "flood" says read no more. */
  private counted(message: JSONRPCMessage | undefined): Received {
    const received = this.unanswered.received(message);
    if (received === "flood") this.leftovers ??= this.stopProcesses();
    return received;
  }

  private receive(chunk: Buffer): void {
    if (this.unanswered.flooded) return;
    try {
      this.buffer.append(chunk);
    } catch (error) {
      this.onerror?.(new MessageTooLargeError((error as Error).message)); // one message over 10 MB: dropped, said so
      return;
    }
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.buffer.readMessage();
      } catch (error) {
        // A line that is not JSON-RPC (a server printing to stdout) is reported and skipped.
        if (this.counted(undefined) === "flood") return;
        this.onerror?.(error as Error);
        continue;
      }
      if (!message) return;
      // Before the answer is handed on: what the call started is seen while its parent runs.
      const received = this.counted(message);
      if (received === "flood") return;
      if (received === "answer") this.sightings?.look();
      this.onmessage?.(message);
    }
  }
}
