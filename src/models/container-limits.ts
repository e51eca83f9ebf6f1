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
  const allowed = Math.max(1, Math.min(limits.cpus ?? Infinity, affinity));
  return allowed < mathCores ? allowed : undefined;
}
