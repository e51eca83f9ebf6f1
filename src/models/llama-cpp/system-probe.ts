/**
 * Machine facts from node-llama-cpp: which compute backend it can use, how much VRAM
 * there is, and whether an NVIDIA GPU is running without CUDA. Loading the binaries takes
 * seconds, so the result is cached per process and node-llama-cpp is imported only when
 * first asked (the runtime starts without it).
 */
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, freemem, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import type { Llama, LlamaModel } from "node-llama-cpp";
import { modelLoadAdvice, openFilesLimit } from "../../protocol/open-files.ts";
import { type ComputeBackend, computeKind, type SystemInfo } from "../../protocol/status.ts";
import { type CudaFacts, computeAdvice, cudaPackagesFor, hasNvidiaGpu } from "../cuda.ts";
import { allowedCpus, systemCgroupLimits } from "../container-limits.ts";
import { processMemory } from "../../protocol/cgroup-limits.ts";
import { CUDA_BUILDS, cudaBuildBlocker, queryNvidiaSmi } from "../cuda-compat.ts";

let cached: Promise<SystemInfo> | undefined;

export function probeSystem(): Promise<SystemInfo> {
  cached ??= probe().catch((error: unknown) => {
    cached = undefined; // a failed probe may succeed later (e.g. after a driver install)
    throw error;
  });
  return cached;
}

async function probe(): Promise<SystemInfo> {
  // In a container, its CPU and memory limits and what they leave (node:os says the host's).
  const limits = systemCgroupLimits();
  const memory = processMemory(limits, { total: totalmem(), free: freemem() });
  const machineCpus = cpus().length;
  const allowed = allowedCpus(limits, availableParallelism());
  const base = {
    platform: process.platform,
    arch: process.arch,
    cpus: machineCpus,
    ...(allowed < machineCpus ? { cpusAllowed: allowed } : {}),
    totalMemoryBytes: memory.totalBytes,
    freeMemoryBytes: memory.freeBytes,
    ...(memory.limited ? { memoryLimited: true as const } : {}),
  };
  let llama: Llama;
  // Read before node-llama-cpp is: once it has filled the table, /proc/self/limits cannot be opened either.
  const openFiles = openFilesLimit((path) => readFileSync(path, "utf8"));
  try {
    const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
    // build: "never" — a user's machine must never start compiling llama.cpp behind their back.
    llama = await getLlama({ gpu: await gpuOption("auto"), build: "never", logLevel: LlamaLogLevel.error, progressLogs: false });
  } catch (error) {
    // A low limit of open files reads as "NoBinaryFoundError" or a missing package: named, with how to raise it.
    const limit = modelLoadAdvice(error, openFiles);
    throw limit ? new Error(`${error instanceof Error ? error.message : String(error)}: ${limit}`, { cause: error }) : error;
  }
  const names = llama.gpu ? await llama.getGpuDeviceNames() : [];
  const facts = await cudaFacts(llama.gpu, names);
  const advice = computeAdvice(facts);
  const offer = advice.fix === "downloadCuda" && facts.packages
    ? { cudaOffer: { packages: advice.withExt ? [facts.packages.main, facts.packages.ext] : [facts.packages.main], version: bundledLlamaVersion(), reason: advice.note ?? "" } }
    : {};
  const note = advice.note ? { gpuNote: advice.note } : {};
  if (!llama.gpu) return { ...base, gpu: false, gpuNames: [], vramTotalBytes: 0, vramFreeBytes: 0, ...note, ...offer };
  const vram = await llama.getVramState();
  return { ...base, gpu: llama.gpu, gpuNames: names, vramTotalBytes: vram.total, vramFreeBytes: vram.free, ...note, ...offer };
}

let blocker: Promise<string | undefined> | undefined;

/**
 * Why node-llama-cpp's CUDA build must not be loaded on this machine (cuda-compat.ts: it
 * would abort the process at the first decode), or undefined. Asks `nvidia-smi` once per process.
 */
export function cudaBlocker(): Promise<string | undefined> {
  blocker ??= cudaPackagesFor(process.platform, process.arch)
    ? queryNvidiaSmi().then((nvidia) => cudaBuildBlocker(CUDA_BUILDS[bundledLlamaVersion()], nvidia))
    : Promise.resolve(undefined);
  return blocker;
}

/** node-llama-cpp's `gpu` option for a choice: "auto" leaves CUDA out where it cannot run. */
export async function gpuOption(gpu: "auto" | false): Promise<"auto" | false | { type: "auto"; exclude: ["cuda"] }> {
  return gpu === "auto" && (await cudaBlocker()) ? { type: "auto", exclude: ["cuda"] } : gpu;
}

/** The version of node-llama-cpp this process loads: its binary packages must match it exactly. */
export function bundledLlamaVersion(): string {
  // <package>/dist/index.js → <package>/package.json
  const manifest = fileURLToPath(new URL("../package.json", import.meta.resolve("node-llama-cpp")));
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

/**
 * Whether node-llama-cpp would find a binary package: the same import it does (through
 * the resolve hook of `native-packages.ts` when registered), with the same version check.
 */
export async function binaryPackageInstalled(name: string, version = bundledLlamaVersion()): Promise<boolean> {
  const specifier = name; // a variable: the bundler must leave this import to run time
  try {
    const module = (await import(specifier)) as { getBinsDir?: () => { packageVersion?: string } };
    return module.getBinsDir?.().packageVersion === version;
  } catch {
    return false;
  }
}

/** CUDA facts for the build that loaded (`gpu`) and the GPUs it sees. */
export async function cudaFacts(gpu: string | false, deviceNames: readonly string[], gpuDisabled = false): Promise<CudaFacts> {
  const packages = cudaPackagesFor(process.platform, process.arch);
  const [mainInstalled, extInstalled] = packages ? await Promise.all([binaryPackageInstalled(packages.main), binaryPackageInstalled(packages.ext)]) : [false, false];
  const cudaBlocked = await cudaBlocker();
  return { gpu, nvidia: hasNvidiaGpu(deviceNames), ...(packages ? { packages } : {}), mainInstalled, extInstalled, gpuDisabled, ...(cudaBlocked ? { cudaBlocked } : {}) };
}

/** What a loaded model runs on: backend, layers on the GPU, VRAM in use, and why not faster. */
export async function computeBackend(llama: Llama, model: LlamaModel, gpuDisabled: boolean): Promise<ComputeBackend> {
  const names = llama.gpu ? await llama.getGpuDeviceNames() : [];
  const advice = computeAdvice(await cudaFacts(llama.gpu, names, gpuDisabled));
  const vramUsedBytes = llama.gpu ? (await llama.getVramState()).used : 0;
  return {
    kind: computeKind(llama.gpu),
    gpuLayers: model.gpuLayers,
    totalLayers: model.fileInsights.totalLayers,
    vramUsedBytes,
    ...(advice.note ? { note: advice.note } : {}),
    ...(advice.fix ? { fix: advice.fix } : {}),
  };
}
