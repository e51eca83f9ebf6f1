/**
 * The GPU check (issue 16): for each backend node-llama-cpp can start here (CUDA, Vulkan,
 * CPU; each tried with `build: "never"`, a failure recorded, never fatal), measures the
 * generated models and runs the runtime path, under one overall time budget. Writes
 * results.json and results.md into --out. Bundled by test/gpu/prepare.sh into
 * `app/out/gpu-check.mjs` and started by test/gpu/run.sh; see test/gpu/README.md.
 *
 *   node app/out/gpu-check.mjs --out DIR --app DIR --native DIR [--budget S] [--threads N]
 *     [--backends cuda,vulkan,cpu] [--generate N] [--models tiny-qwen35,tiny-qwen35moe,wide-qwen35moe]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { getLlama, type Llama, LlamaLogLevel } from "node-llama-cpp";
import { CUDA_BUILDS, cudaBuildBlocker, queryNvidiaSmi } from "../../src/models/cuda-compat.ts";
import { useInstalledNativePackages } from "../../src/models/native-packages.ts";
import { type BackendName, measureModel, type ModelResult } from "./measure.ts";
import { type CheckModel, measuredModels, scriptedAgentModel } from "./models.ts";
import { renderMarkdown } from "./report.ts";
import { runtimePath, type RuntimePathResult } from "./runtime-path.ts";

export interface BackendResult {
  readonly backend: BackendName;
  /** node-llama-cpp's own name for what loaded (llama.gpu), or false for the CPU. */
  readonly loaded?: string | false;
  readonly devices?: readonly string[];
  readonly vramTotalBytes?: number;
  readonly error?: string;
  readonly models: readonly ModelResult[];
  readonly skipped: readonly string[];
  readonly runtime?: RuntimePathResult;
}

export interface CheckReport {
  readonly startedAt: string;
  readonly host: { readonly node: string; readonly cpus: number; readonly llamaVersion: string };
  readonly budgetSeconds: number;
  readonly elapsedSeconds: number;
  readonly models: readonly Omit<CheckModel, "path">[];
  readonly backends: readonly BackendResult[];
  readonly notes: readonly string[];
}

const { values: args } = parseArgs({
  options: {
    out: { type: "string" }, app: { type: "string" }, native: { type: "string" }, budget: { type: "string", default: "450" },
    threads: { type: "string", default: "0" }, backends: { type: "string", default: "cuda,vulkan,cpu" }, generate: { type: "string", default: "128" },
    "llama-version": { type: "string" }, models: { type: "string" },
  },
});
if (!args.out || !args.app || !args.native || !args["llama-version"]) {
  console.error("gpu-check: --out, --app, --native and --llama-version are required; run it through test/gpu/run.sh");
  process.exit(2);
}
const started = performance.now();
const deadline = started + Number(args.budget) * 1000;
const threads = Number(args.threads);
const log = (line: string) => console.error(`[gpu-check ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`);
const secondsLeft = () => Math.round((deadline - performance.now()) / 1000);

/** node-llama-cpp finds CUDA and Vulkan in the native folder, as Hearth's runtime does. */
useInstalledNativePackages(resolve(args.native), args["llama-version"]);

const PACKAGES: Partial<Record<BackendName, string>> = { cuda: "@node-llama-cpp/linux-x64-cuda", vulkan: "@node-llama-cpp/linux-x64-vulkan" };

async function startBackend(backend: BackendName): Promise<Llama> {
  const pkg = PACKAGES[backend];
  if (pkg && !existsSync(join(resolve(args.native!), `${pkg}@${args["llama-version"]}`, "package.json"))) {
    throw new Error(`${pkg} is not in the bundle${backend === "cuda" ? ": make it with test/gpu/prepare.sh --cuda" : ""}`);
  }
  // node-llama-cpp tests each binary in a child process and says only NoBinaryFoundError:
  // its warnings say why (a missing library, no device).
  const warnings: string[] = [];
  try {
    const llama = await getLlama({
      gpu: backend === "cpu" ? false : backend, build: "never", progressLogs: false, skipDownload: true,
      logLevel: LlamaLogLevel.warn, logger: (_level, message) => void warnings.push(message.trim()),
    });
    if (backend !== "cpu" && llama.gpu !== backend) throw new Error(`asked for ${backend}, node-llama-cpp started ${llama.gpu || "the CPU"}`);
    return llama;
  } catch (error) {
    const why = warnings.filter(Boolean).slice(-3).join(" / ");
    throw new Error(`${(error as Error).message.split("\n")[0]}${why ? ` (${why.slice(0, 400)})` : ""}`, { cause: error });
  }
}

async function runtimeStep(backend: BackendName, models: readonly CheckModel[], agentModel: string, work: string): Promise<RuntimePathResult> {
  const runtime = await runtimePath({
    backend, app: resolve(args.app!), nativePackages: resolve(args.native!), llamaVersion: args["llama-version"]!,
    chatModel: models[0]!.path, agentModel, work, threads, stepTimeoutMs: Math.min(120_000, secondsLeft() * 1000),
  });
  log(`${backend} runtime: status ${runtime.status.ok ? "ok" : "FAILED"} ${runtime.status.detail}; chat ${runtime.chat.ok ? "ok" : "FAILED"} ${runtime.chat.detail}; agent step ${runtime.agentStep.ok ? "ok" : "FAILED"} ${runtime.agentStep.detail}`);
  return runtime;
}

async function checkBackend(backend: BackendName, models: readonly CheckModel[], agentModel: string, work: string): Promise<BackendResult> {
  // Where Hearth leaves the CUDA build out (it would abort at the first decode), so does the
  // measurement; the runtime path still runs, to show what users get instead.
  const blocked = backend === "cuda" ? cudaBuildBlocker(CUDA_BUILDS[args["llama-version"]!], await queryNvidiaSmi()) : undefined;
  if (blocked) {
    log(`cuda: left out: ${blocked}`);
    return { backend, error: `left out by Hearth: ${blocked}`, models: [], skipped: [], runtime: await runtimeStep(backend, models, agentModel, work) };
  }
  let llama: Llama;
  try {
    llama = await startBackend(backend);
  } catch (error) {
    const message = (error as Error).message.split("\n").slice(0, 3).join(" ");
    log(`${backend}: not available: ${message}`);
    return { backend, error: message, models: [], skipped: [] };
  }
  const devices = llama.gpu === false ? [] : await llama.getGpuDeviceNames();
  const vramTotalBytes = llama.gpu === false ? 0 : (await llama.getVramState()).total;
  log(`${backend}: started (${llama.gpu || "CPU"}${devices.length ? `, ${devices.join(", ")}` : ""})`);
  // The runtime path first (its own processes; this one keeps its backend open meanwhile):
  // it proves the packaging, and costs seconds next to the wide model.
  let runtime: RuntimePathResult | undefined;
  const skipped: string[] = [];
  if (secondsLeft() > 30) {
    runtime = await runtimeStep(backend, models, agentModel, work);
  } else {
    skipped.push(`runtime path: over the time budget (${secondsLeft()} s left)`);
  }
  const results: ModelResult[] = [];
  for (const model of models) {
    if (secondsLeft() < 20) {
      skipped.push(`${model.id}: over the time budget (${secondsLeft()} s left)`);
      continue;
    }
    try {
      const result = await measureModel(llama, model, { backend, deadline, threads, generateTokens: Number(args.generate) });
      log(`${backend} ${model.id}: load ${result.loadMs} ms, 2k ${JSON.stringify(result.prompt2k)}, gen ${JSON.stringify(result.generation)}`);
      results.push(result);
    } catch (error) {
      const message = (error as Error).message.split("\n")[0]!;
      log(`${backend} ${model.id}: failed: ${message}`);
      skipped.push(`${model.id}: failed: ${message}`);
    }
  }
  await llama.dispose();
  return { backend, loaded: llama.gpu, devices, vramTotalBytes, models: results, skipped, ...(runtime ? { runtime } : {}) };
}

async function main(): Promise<void> {
  const out = resolve(args.out!);
  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "hearth-gpu-check-"));
  try {
    log("generating the models");
    const models = await measuredModels(args.models?.split(","));
    const agentModel = await scriptedAgentModel();
    for (const m of models) log(`${m.id}: generated in ${m.generateMs} ms`);
    const backends: BackendResult[] = [];
    for (const backend of args.backends!.split(",") as BackendName[]) backends.push(await checkBackend(backend, models, agentModel, work));
    const report: CheckReport = {
      startedAt: new Date().toISOString(),
      host: { node: process.version, cpus: (await import("node:os")).availableParallelism(), llamaVersion: args["llama-version"]! },
      budgetSeconds: Number(args.budget),
      elapsedSeconds: Math.round((performance.now() - started) / 1000),
      models: models.map(({ path: _path, ...rest }) => rest),
      backends,
      notes: [
        `threads: ${threads || "node-llama-cpp's default"}; generation: ${args.generate} tokens greedy after the 2k prompt; flash attention on; f16 weights and KV cache`,
        "tokens/s = node-llama-cpp's TokenMeter count / wall-clock time of the awaited call; VRAM = llama.getVramState().used",
      ],
    };
    writeFileSync(join(out, "results.json"), JSON.stringify(report, null, 2) + "\n");
    writeFileSync(join(out, "results.md"), renderMarkdown(report));
    log(`wrote ${join(out, "results.json")} and results.md`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
