/**
 * run_command: a shell command in the workspace with a time limit. The command runs in its
 * own process group so a timeout or a cancel kills everything it started (test runners
 * fork); output is kept head and tail with a marker in the middle, because the first
 * lines (what ran) and the last lines (the failure summary) are what the model needs.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { MAX_COMMAND_OUTPUT_CHARS } from "./limits.ts";
import { type Tool, ToolError, optionalInt, optionalString, stringArg } from "./tool.ts";

const DEFAULT_TIMEOUT_S = 120;
const KILL_GRACE_MS = 2000;

/** How a command ended. */
export interface CommandOutcome {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly output: string;
  readonly omittedChars: number;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  readonly durationMs: number;
}

export const runCommandTool: Tool = {
  effect: "command",
  definition: {
    name: "run_command",
    description: "Run a shell command (e.g. the tests) in the workspace and return its exit code and output (stdout and stderr together; long output is cut in the middle). Non-interactive: stdin is closed.",
    parameters: {
      type: "object",
      properties: {
        command: { type: "string", description: "The command line, run with sh -c." },
        cwd: { type: "string", description: "Folder to run in, relative to the workspace root (default: the root)." },
        timeout_seconds: { type: "integer", description: `Time limit (default ${DEFAULT_TIMEOUT_S}, at most 1800).` },
      },
      required: ["command"],
    },
  },
  async execute(input, ctx) {
    const command = stringArg(input, "command");
    const cwd = await ctx.workspace.resolve(optionalString(input, "cwd") ?? ".");
    if ((await ctx.workspace.stat(cwd))?.type !== "directory") throw new ToolError("not-found", `cwd "${cwd}" is not a folder`);
    const timeoutS = optionalInt(input, "timeout_seconds", 1, 1800) ?? DEFAULT_TIMEOUT_S;
    const outcome = await runShell(command, join(ctx.workspace.root, cwd), timeoutS * 1000, ctx.signal);
    const omitted = outcome.omittedChars > 0 ? ` (${outcome.omittedChars} characters cut from the middle)` : "";
    if (outcome.cancelled) throw new ToolError("cancelled", `the command was cancelled; its processes were stopped. Output so far:\n${outcome.output}`, outcome);
    if (outcome.timedOut) throw new ToolError("timeout", `the command ran past ${timeoutS} s and was stopped. Output so far${omitted}:\n${outcome.output}`, outcome);
    const status = outcome.exitCode === null ? `killed by ${outcome.signal}` : `exit code ${outcome.exitCode}`;
    return { text: `$ ${command}\n[${status}, ${(outcome.durationMs / 1000).toFixed(1)} s${omitted}]\n${outcome.output}`, data: outcome };
  },
};

/**
 * The environment commands run with: Hearth's own, non-interactive (CI=1, a dumb terminal),
 * without node:test's NODE_TEST_CONTEXT — when Hearth itself runs under a test runner, a
 * project's `node --test` would otherwise silently run nothing.
 */
function commandEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: "1", TERM: "dumb" };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/** Runs `sh -c command` in its own process group; kills the group on timeout or abort. */
export function runShell(command: string, cwd: string, timeoutMs: number, signal: AbortSignal, maxChars = MAX_COMMAND_OUTPUT_CHARS): Promise<CommandOutcome> {
  const started = Date.now();
  const buffer = new HeadTail(maxChars);
  const child = spawn("sh", ["-c", command], { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"], env: commandEnv() });
  child.stdout.on("data", (d: Buffer) => buffer.push(d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => buffer.push(d.toString("utf8")));
  let timedOut = false;
  let cancelled = false;
  const stop = (): void => killGroup(child.pid);
  const timer = setTimeout(() => ((timedOut = true), stop()), timeoutMs);
  const onAbort = (): void => ((cancelled = true), stop());
  signal.addEventListener("abort", onAbort, { once: true });
  if (signal.aborted) onAbort();
  return new Promise((resolve) => {
    const finish = (exitCode: number | null, sig: string | null): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve({ exitCode, signal: sig, output: buffer.text(), omittedChars: buffer.omitted, timedOut, cancelled, durationMs: Date.now() - started });
    };
    child.on("error", (error) => {
      buffer.push(`\n${error.message}`);
      finish(null, null);
    });
    child.on("close", (code, sig) => finish(code, sig));
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  const kill = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // Already gone.
    }
  };
  kill("SIGTERM");
  setTimeout(() => kill("SIGKILL"), KILL_GRACE_MS).unref();
}

/** Keeps the first and last `max / 2` characters of a stream. */
class HeadTail {
  private head = "";
  private tail = "";
  omitted = 0;

  constructor(private readonly max: number) {}

  push(chunk: string): void {
    const half = Math.floor(this.max / 2);
    if (this.head.length < half) {
      const take = chunk.slice(0, half - this.head.length);
      this.head += take;
      chunk = chunk.slice(take.length);
    }
    if (chunk === "") return;
    this.tail += chunk;
    if (this.tail.length > half) {
      this.omitted += this.tail.length - half;
      this.tail = this.tail.slice(this.tail.length - half);
    }
  }

  text(): string {
    return this.omitted > 0 ? `${this.head}\n[… ${this.omitted} characters omitted …]\n${this.tail}` : this.head + this.tail;
  }
}
