/**
 * This process's cgroup limits (protocol/cgroup-limits.ts) read with node:fs, and the CPU threads
 * for generation chosen from them (see automaticThreads).
 */
import { readFileSync } from "node:fs";
import { availableParallelism, freemem, totalmem } from "node:os";
import { type CgroupLimits, cgroupLimits, processMemory, type ProcessMemory, SYSTEM_CGROUP } from "../protocol/cgroup-limits.ts";

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** The limits on this process now (nothing off Linux). */
export function systemCgroupLimits(): CgroupLimits {
  return process.platform === "linux" ? cgroupLimits({ root: SYSTEM_CGROUP.root, read: readOrUndefined }, readOrUndefined(SYSTEM_CGROUP.self)) : {};
}

/** This process's memory now: the machine's, or its cgroup's limit where that is less. */
export function systemProcessMemory(): ProcessMemory {
  return processMemory(systemCgroupLimits(), { total: totalmem(), free: freemem() });
}

/**
 * The CPU threads for generation where hearth.threads is 0 (automatic), when this process may
 * run on fewer CPUs than the machine's cores (`mathCores`, llama.cpp's count, which node-llama-cpp
 * picks from): the CPU quota's count, or the CPUs its affinity allows (taskset, docker
 * --cpuset-cpus: os.availableParallelism), whichever is less. Undefined where nothing limits it
 * below the cores: node-llama-cpp's own choice stands.
 */
export function automaticThreads(mathCores: number, limits: CgroupLimits = systemCgroupLimits(), affinity = availableParallelism()): number | undefined {
  const allowed = allowedCpus(limits, affinity);
  return allowed < mathCores ? allowed : undefined;
}

/** The CPUs this process may run on: the CPU quota's count or its affinity's (os.availableParallelism), the lower; at least 1. */
export function allowedCpus(limits: CgroupLimits, affinity: number): number {
  return Math.max(1, Math.min(limits.cpus ?? Infinity, affinity));
}

/**
 * The RAM node-llama-cpp may plan a model and its automatic context size with (Llama.setRamCap),
 * where a cgroup memory limit is below the machine's memory; undefined elsewhere (no cap: its own
 * count stands). On Linux node-llama-cpp counts all of the machine's memory but the unevictable
 * as free, so in a 4 GiB container on a 64 GiB host it sized the context for the host, and the
 * container's out-of-memory killer ended the runtime while the context was made. The cap is what
 * the limit leaves for new allocations now (memoryRoomBytes: the processes beside Hearth in the
 * container, an editor's server among them, are counted) plus what `markedBytes` this
 * node-llama-cpp instance already counts as its own (Llama.getLlamaMemoryUsage().cpuRam), which
 * it takes off the cap itself. Less a margin for its estimates: node-llama-cpp pads the machine's
 * free memory (getLlama's ramPadding, on Linux a quarter of the total up to 1 GiB, figured from the
 * HOST's total) but not a cap, and its estimate alone filled a 1 GiB container to the kill. The
 * same margin over the limit: a quarter of it, up to 1 GiB.
 */
export function containerRamCap(limits: CgroupLimits, machineBytes: number, markedBytes: number): number | undefined {
  const limit = limits.memoryBytes;
  if (limit === undefined || limit >= machineBytes) return undefined;
  const margin = Math.floor(Math.min(limit * 0.25, 1024 ** 3));
  return Math.max(0, Math.min(limit, (limits.memoryRoomBytes ?? limit) + markedBytes) - margin);
}
