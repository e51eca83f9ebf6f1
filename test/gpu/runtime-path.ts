/**
 * The runtime path on one backend, as a user runs it: `hearth status --load --json` (which
 * backend the runtime really loaded), one `hearth chat` turn, and one agent step (the
 * runtime's hearth/agent/run with a scripted GGUF that writes a read_file call; the real
 * tool runs; the run is cancelled at the first tool result).
 *
 * The backend is chosen the way a user's install chooses it: the VSIX carries the CPU
 * binaries, and CUDA or Vulkan are found through Hearth's native-package folder
 * (`$HEARTH_HOME/native`, src/models/native-packages.ts), which holds only the package of
 * the backend under test.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CancellationTokenSource } from "vscode-languageserver-protocol";
import { spawnRuntime } from "../../src/cli/runtime-connection.ts";
import { AgentApproveRequest, AgentEventNotification, AgentRunRequest, type AgentWireEvent } from "../../src/protocol/agent.ts";
import type { BackendName } from "./measure.ts";

export interface RuntimePathOptions {
  readonly backend: BackendName;
  /** The unpacked VSIX: out/cli.mjs, out/runtime.mjs, node_modules. */
  readonly app: string;
  /** Folder holding `@node-llama-cpp/<name>@<version>/` for cuda and vulkan. */
  readonly nativePackages: string;
  readonly llamaVersion: string;
  readonly chatModel: string;
  readonly agentModel: string;
  /** A folder for HEARTH_HOME, workspaces and logs; the caller removes it. */
  readonly work: string;
  readonly threads: number;
  /** Milliseconds each step may take before it is stopped. */
  readonly stepTimeoutMs: number;
}

export interface StepResult {
  readonly ok: boolean;
  readonly ms: number;
  readonly detail: string;
}

export interface RuntimePathResult {
  readonly backend: BackendName;
  /** What `hearth status --load --json` says the runtime loaded. */
  readonly status: StepResult;
  readonly chat: StepResult;
  readonly agentStep: StepResult;
}

const PACKAGE_OF: Record<BackendName, string | undefined> = {
  cuda: "@node-llama-cpp/linux-x64-cuda",
  vulkan: "@node-llama-cpp/linux-x64-vulkan",
  cpu: undefined,
};

/** HEARTH_HOME with only this backend's binary package in its native folder. */
function hearthHome(options: RuntimePathOptions): string {
  const home = join(options.work, `home-${options.backend}`);
  const pkg = PACKAGE_OF[options.backend];
  mkdirSync(join(home, "native", "@node-llama-cpp"), { recursive: true });
  if (pkg) symlinkSync(join(options.nativePackages, `${pkg}@${options.llamaVersion}`), join(home, "native", `${pkg}@${options.llamaVersion}`), "dir");
  return home;
}

function cli(options: RuntimePathOptions, home: string, args: string[]): { status: number | null; stdout: string; stderr: string; ms: number } {
  const started = performance.now();
  const run = spawnSync(process.execPath, [join(options.app, "out", "cli.mjs"), ...args], {
    encoding: "utf8", timeout: options.stepTimeoutMs, cwd: options.work, env: { ...process.env, HEARTH_HOME: home },
  });
  return { status: run.status, stdout: run.stdout ?? "", stderr: (run.stderr ?? "") + (run.error ? `\n${run.error.message}` : ""), ms: Math.round(performance.now() - started) };
}

const lastLine = (text: string) => text.trim().split("\n").at(-1) ?? "";

function statusStep(options: RuntimePathOptions, home: string): StepResult {
  const run = cli(options, home, ["status", "--model", options.chatModel, "--load", "--json", "--threads", String(options.threads)]);
  if (run.status !== 0) return { ok: false, ms: run.ms, detail: `exit ${run.status}: ${lastLine(run.stderr)}` };
  const model = (JSON.parse(run.stdout) as { status: { model: { kind: string; gpu?: unknown; backend?: Record<string, unknown> } } }).status.model;
  return { ok: model.kind === "ready", ms: run.ms, detail: JSON.stringify({ kind: model.kind, gpu: model.gpu, backend: model.backend }) };
}

function chatStep(options: RuntimePathOptions, home: string): StepResult {
  const run = cli(options, home, ["chat", "--model", options.chatModel, "--no-think", "--no-rules", "--max-tokens", "16", "--threads", String(options.threads), "--context", "4096", "Say hello."]);
  // The CLI ends with "[stopReason, N prompt tokens, M generated]" on stderr.
  const summary = /\[(\w+), (\d+) prompt tokens, (\d+) generated\]/.exec(run.stderr);
  const ok = run.status === 0 && summary !== null && Number(summary[3]) > 0;
  return { ok, ms: run.ms, detail: summary ? summary[0] : `exit ${run.status}: ${lastLine(run.stderr)}` };
}

/** One agent step through the runtime: the scripted model's read_file call runs the real tool. */
async function agentStep(options: RuntimePathOptions, home: string): Promise<StepResult> {
  const root = join(options.work, `workspace-${options.backend}`);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, "calc.py"), "def add(a, b):\n    return a - b\n");
  const storage = join(options.work, `storage-${options.backend}`);
  mkdirSync(storage, { recursive: true });
  const started = performance.now();
  const runtime = await spawnRuntime({
    runtimePath: join(options.app, "out", "runtime.mjs"),
    rootPath: root,
    env: { ...process.env, HEARTH_HOME: home },
    initializationOptions: {
      settings: { modelPath: options.agentModel, approvalPolicy: "ask", threads: options.threads, contextSize: 8192 },
      storagePath: storage,
      globalStoragePath: home,
    },
  });
  try {
    const cancel = new CancellationTokenSource();
    const events: AgentWireEvent[] = [];
    const firstResult = new Promise<AgentWireEvent>((resolve) => {
      runtime.connection.onNotification(AgentEventNotification, ({ event }) => {
        events.push(event);
        if (event.type === "toolEnd") resolve(event);
      });
    });
    runtime.connection.onRequest(AgentApproveRequest, () => ({ approved: false }));
    const run = runtime.connection.sendRequest(AgentRunRequest, { runId: "gpu-check", conversationId: "gpu-check", text: "What does add() do?", mode: "chat" }, cancel.token);
    const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), options.stepTimeoutMs).unref());
    const first = await runtime.whileRunning(Promise.race([firstResult, run.then(() => "ended" as const), timeout]), "while running the agent step");
    cancel.cancel();
    await run.catch(() => undefined);
    const ms = Math.round(performance.now() - started);
    if (typeof first === "string") return { ok: false, ms, detail: `no tool result (${first}); events: ${events.map((e) => e.type).join(",")}` };
    const call = events.find((e) => e.type === "toolStart");
    const name = call?.type === "toolStart" ? `${call.call.name} ${JSON.stringify(call.call.arguments)}` : "?";
    const ok = first.type === "toolEnd" && first.ok && /def add/.test(first.preview);
    return { ok, ms, detail: first.type === "toolEnd" ? `${name} → ${first.ok ? "ok" : "error"}: ${JSON.stringify(first.preview.slice(0, 40))}` : first.type };
  } finally {
    await runtime.close(2000);
  }
}

/** Runs the three steps; a failing step is recorded, never thrown. */
export async function runtimePath(options: RuntimePathOptions): Promise<RuntimePathResult> {
  const home = hearthHome(options);
  const guard = async (step: () => StepResult | Promise<StepResult>): Promise<StepResult> => {
    try {
      return await step();
    } catch (error) {
      return { ok: false, ms: 0, detail: `failed: ${(error as Error).message.split("\n")[0]}` };
    }
  };
  return {
    backend: options.backend,
    status: await guard(() => statusStep(options, home)),
    chat: await guard(() => chatStep(options, home)),
    agentStep: await guard(() => agentStep(options, home)),
  };
}
