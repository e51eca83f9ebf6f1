/**
 * What a Linux control group (a container's `docker run --memory=8g --cpus=2`, a Kubernetes
 * pod's limits, a devcontainer's, a systemd slice's) lets this process use, where it is less
 * than the machine has. node:os reports the host's memory and CPUs inside a container, and
 * llama.cpp counts the host's cores: a model "fits" that the container's limit kills, and 32
 * threads share 2 CPUs' time quota, each stalled at every step while the others wait out the
 * throttle. Read from the files the kernel lays out under /sys/fs/cgroup (v2: cpu.max,
 * memory.max and memory.high; v1: cpu.cfs_quota_us, memory.limit_in_bytes), for the process's own group and
 * every group above it (a limit set higher up holds too), so it does not depend on which
 * libuv the Node (or VS Code's Electron) has. The files are read by the caller's
 * {@link CgroupFiles} (protocol/ imports no Node module): {@link SYSTEM_CGROUP} with node:fs.
 */

/** Where a container's memory limit is set, for the words that say to raise it. */
export const MEMORY_LIMIT_WHERE = "docker run --memory, runArgs in devcontainer.json, a Kubernetes pod's resources.limits.memory";

/** Where the kernel mounts the cgroup file systems, and where a process's groups are named. */
export const SYSTEM_CGROUP = { root: "/sys/fs/cgroup", self: "/proc/self/cgroup" } as const;

/** The limits found; a field is absent where nothing limits it. */
export interface CgroupLimits {
  /** CPUs' worth of time the quota allows (cpu.max "200000 100000" is 2), at least 1. */
  readonly cpus?: number;
  /** The lowest memory limit over the process's group and those above it. */
  readonly memoryBytes?: number;
  /** What that limit leaves now: the limit less the group's use, its reclaimable file cache not counted. */
  readonly memoryAvailableBytes?: number;
  /**
   * What the limit leaves for new allocations (a model's context): the limit less the group's use
   * that is not file cache. All of the file cache counts as room, active pages too: a model file
   * read before (the same model loaded again) stays cached as active pages, which the kernel gives
   * back under the limit, and a model's own mapped weights are counted by whoever loads it.
   */
  readonly memoryRoomBytes?: number;
}

/** How the limits are read: a file's text or undefined (tests lay the kernel's files out under a folder of their own). */
export interface CgroupFiles {
  /** Where the cgroup file systems are mounted: /sys/fs/cgroup. */
  readonly root: string;
  readonly read: (path: string) => string | undefined;
}

/** v1's "no limit" is the largest page-aligned number (9223372036854771712); anything this large limits nothing. */
const NO_LIMIT = 2 ** 62;

/** The limits on this process, `selfCgroup` being /proc/self/cgroup's text (undefined: none, as on macOS and Windows). */
export function cgroupLimits(files: CgroupFiles, selfCgroup: string | undefined): CgroupLimits {
  if (!selfCgroup) return {};
  const groups = selfCgroup.split("\n").flatMap((line) => {
    const match = /^\d+:([^:]*):(\/.*)$/.exec(line.trim());
    return match ? [{ controllers: match[1]!.split(","), path: match[2]! }] : [];
  });
  const v2 = groups.find((g) => g.controllers.length === 1 && g.controllers[0] === "");
  const v1 = (controller: string) => groups.find((g) => g.controllers.includes(controller));
  // v2 alone is mounted at the root; a hybrid system mounts it at root/unified and the v1 controllers beside it.
  const v2Root = files.read(`${files.root}/cgroup.controllers`) !== undefined ? files.root : `${files.root}/unified`;
  const memoryV1 = v1("memory");
  const cpuV1 = v1("cpu");
  const memory = memoryV1
    ? lowest(levels(`${files.root}/memory`, memoryV1.path, files), (dir) => memoryAt(files, dir, V1_MEMORY))
    : v2 ? lowest(levels(v2Root, v2.path, files), (dir) => memoryAt(files, dir, V2_MEMORY)) : undefined;
  const cpuDirs = cpuV1 ? [`${files.root}/cpu,cpuacct`, `${files.root}/cpu`].flatMap((base) => levels(base, cpuV1.path, files)) : v2 ? levels(v2Root, v2.path, files) : [];
  const quotas = cpuDirs.flatMap((dir) => {
    const quota = cpuV1 ? cpuQuota(files.read(`${dir}/cpu.cfs_quota_us`), files.read(`${dir}/cpu.cfs_period_us`)) : cpuMax(files.read(`${dir}/cpu.max`));
    return quota === undefined ? [] : [quota];
  });
  return {
    ...(quotas.length ? { cpus: Math.max(1, Math.floor(Math.min(...quotas))) } : {}),
    ...(memory ? { memoryBytes: memory.limit, memoryAvailableBytes: memory.available, memoryRoomBytes: memory.room } : {}),
  };
}

/**
 * The folders of the group at `path` and of every group above it, under the mount `base`, that
 * exist. Inside a container without its own cgroup namespace /proc/self/cgroup names the host's
 * path (/docker/<id>) while the mount shows the container's own group at its top: the base itself.
 */
function levels(base: string, path: string, files: CgroupFiles): string[] {
  const parts = path.split("/").filter(Boolean);
  const dirs: string[] = [];
  for (let n = parts.length; n >= 0; n--) {
    const dir = [base, ...parts.slice(0, n)].join("/");
    if (files.read(`${dir}/cgroup.procs`) !== undefined) dirs.push(dir);
  }
  return dirs;
}

interface MemoryAt {
  readonly limit: number;
  readonly available: number;
  readonly room: number;
}

function lowest(dirs: readonly string[], at: (dir: string) => MemoryAt | undefined): MemoryAt | undefined {
  let found: MemoryAt | undefined;
  for (const dir of dirs) {
    const here = at(dir);
    if (!here) continue;
    found = found ? { limit: Math.min(found.limit, here.limit), available: Math.min(found.available, here.available), room: Math.min(found.room, here.room) } : here;
  }
  return found;
}

/** Each version's file names and memory.stat keys (v1's total_* count the groups below too, as v2's do). */
interface MemoryFiles {
  readonly limit: string;
  /**
   * v2's memory.high: above it the kernel throttles the group and takes its pages back (a model's
   * mapped weights among them: read again from disk at every token) though it kills nothing;
   * systemd's MemoryHigh=, Kubernetes' memory QoS (0.9 of the pod's limit). A limit as memory.max is.
   */
  readonly high?: string;
  readonly usage: string;
  readonly inactiveFile: string;
  /** All of the page cache, and the part of it that is shared memory (tmpfs, /dev/shm), which cannot be given back. */
  readonly file: string;
  readonly shmem: string;
}
const V1_MEMORY: MemoryFiles = { limit: "memory.limit_in_bytes", usage: "memory.usage_in_bytes", inactiveFile: "total_inactive_file", file: "total_cache", shmem: "total_shmem" };
const V2_MEMORY: MemoryFiles = { limit: "memory.max", high: "memory.high", usage: "memory.current", inactiveFile: "inactive_file", file: "file", shmem: "shmem" };

function memoryAt(files: CgroupFiles, dir: string, names: MemoryFiles): MemoryAt | undefined {
  const limits = [names.limit, names.high].flatMap((name) => {
    const bytes = name ? Number(files.read(`${dir}/${name}`)?.trim()) : NaN;
    return Number.isFinite(bytes) && bytes > 0 && bytes < NO_LIMIT ? [bytes] : []; // "max", absent
  });
  if (!limits.length) return undefined;
  const limit = Math.min(...limits);
  const read = Number(files.read(`${dir}/${names.usage}`)?.trim());
  const used = Number.isFinite(read) ? read : 0;
  const stat = files.read(`${dir}/memory.stat`) ?? "";
  const key = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(stat)?.[1] ?? 0);
  const inUse = Math.max(0, used - key(names.inactiveFile));
  const allocated = Math.max(0, used - key(names.file) + key(names.shmem));
  return { limit, available: Math.max(0, limit - inUse), room: Math.max(0, limit - allocated) };
}

/** v2's cpu.max: "max 100000" (none) or "200000 100000" (2 CPUs). */
function cpuMax(text: string | undefined): number | undefined {
  const [quota, period] = (text ?? "").trim().split(/\s+/);
  return cpuQuota(quota, period);
}

/** v1's cfs_quota_us (-1: none) over cfs_period_us. */
function cpuQuota(quota: string | undefined, period: string | undefined): number | undefined {
  const q = Number(quota?.trim());
  const p = Number(period?.trim());
  return Number.isFinite(q) && Number.isFinite(p) && q > 0 && p > 0 ? q / p : undefined;
}

/** This process's memory: the machine's, or its cgroup's limit where that is less. */
export interface ProcessMemory {
  readonly totalBytes: number;
  /** What can be handed out now: os.freemem (MemAvailable on Linux), or what the limit leaves where that is less. */
  readonly freeBytes: number;
  /** Set where a cgroup limit is the total (a container's memory limit): say so, not "this machine's". */
  readonly limited?: true;
}

/** `machine`: os.totalmem and os.freemem. */
export function processMemory(limits: CgroupLimits, machine: { readonly total: number; readonly free: number }): ProcessMemory {
  if (limits.memoryBytes === undefined || limits.memoryBytes >= machine.total) return { totalBytes: machine.total, freeBytes: machine.free };
  return { totalBytes: limits.memoryBytes, freeBytes: Math.min(machine.free, limits.memoryAvailableBytes ?? limits.memoryBytes), limited: true };
}

