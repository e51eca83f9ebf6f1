/**
 * Machine facts from node-llama-cpp: which compute backend it can use and how much VRAM
 * there is. Loading the binaries takes seconds, so the result is cached per process and
 * node-llama-cpp is imported only when first asked (the runtime starts without it).
 */
import { cpus, freemem, totalmem } from "node:os";
import type { SystemInfo } from "../../protocol/status.ts";

let cached: Promise<SystemInfo> | undefined;

export function probeSystem(): Promise<SystemInfo> {
  cached ??= probe().catch((error: unknown) => {
    cached = undefined; // a failed probe may succeed later (e.g. after a driver install)
    throw error;
  });
  return cached;
}

async function probe(): Promise<SystemInfo> {
  const base = {
    platform: process.platform,
    arch: process.arch,
    cpus: cpus().length,
    totalMemoryBytes: totalmem(),
    freeMemoryBytes: freemem(),
  };
  const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
  // build: "never" — a user's machine must never start compiling llama.cpp behind their back.
  const llama = await getLlama({ gpu: "auto", build: "never", logLevel: LlamaLogLevel.error, progressLogs: false });
  const gpu = llama.gpu;
  if (!gpu) return { ...base, gpu: false, gpuNames: [], vramTotalBytes: 0, vramFreeBytes: 0, gpuNote: "no supported GPU found; using the CPU" };
  const [vram, names] = await Promise.all([llama.getVramState(), llama.getGpuDeviceNames()]);
  return { ...base, gpu, gpuNames: names, vramTotalBytes: vram.total, vramFreeBytes: vram.free };
}
