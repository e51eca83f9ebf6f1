/**
 * Whether node-llama-cpp's prebuilt CUDA build can run its kernels on this GPU with this
 * driver — asked before the build is loaded, because when it cannot, llama.cpp aborts the
 * whole process at the first decode ("CUDA error: the provided PTX was compiled with an
 * unsupported toolchain", measured on an H200 with driver 580 / CUDA 13.0), after the model
 * has loaded and reported itself on CUDA.
 *
 * A CUDA binary holds machine code (SASS) for some GPU generations and PTX for the others;
 * the driver compiles PTX at load, and only when it is at least as new as the toolkit that
 * made it. So a GPU without SASS in the build needs a driver for the build's CUDA version.
 * The facts come from `nvidia-smi` (comes with the driver; absent → nothing is known and
 * nothing is blocked) and from the build, measured per node-llama-cpp version.
 */
import { execFile } from "node:child_process";

/** What is in one prebuilt `libggml-cuda.so`. */
export interface CudaBuildFacts {
  /** The CUDA toolkit that compiled it ("Cuda compilation tools, release 13.1" in the binary). */
  readonly toolkit: string;
  /** GPU generations with machine code: "8.6" runs on 8.6 and later 8.x, "12.0a" only on 12.0. */
  readonly sass: readonly string[];
}

/**
 * `@node-llama-cpp/linux-x64-cuda` per node-llama-cpp version, read from the binary
 * (test/unit/models/cuda-compat.test.ts checks the installed one against this table).
 */
export const CUDA_BUILDS: Readonly<Record<string, CudaBuildFacts>> = {
  "3.22.1": { toolkit: "13.1", sass: ["8.6", "8.9", "12.0a", "12.1a"] },
};

/** One GPU as `nvidia-smi` reports it. */
export interface NvidiaGpu {
  readonly name: string;
  /** "9.0" */
  readonly computeCapability: string;
}

export interface NvidiaFacts {
  readonly driverVersion: string;
  /** The newest CUDA the driver supports ("CUDA Version: 13.0" in nvidia-smi's header). */
  readonly driverCuda: string;
  readonly gpus: readonly NvidiaGpu[];
}

/**
 * Reads `nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv,noheader`
 * and the header of plain `nvidia-smi`; undefined when either says nothing usable. A version
 * written with a decimal comma ("9,0", "CUDA Version: 13,0": a locale's numbers, which
 * queryNvidiaSmi asks nvidia-smi not to use) reads as with a point: cut at every comma, "9,0"
 * was two cells and the GPU was dropped, so a driver too old for the build went unsaid.
 */
export function parseNvidiaSmi(query: string, header: string): NvidiaFacts | undefined {
  const cuda = /CUDA Version:\s*(\d+)[.,](\d+)\b/.exec(header);
  const driverCuda = cuda && `${cuda[1]}.${cuda[2]}`;
  // NAME, MAJOR.MINOR, DRIVER: the name is the shortest start before a version cell.
  const rows = query.split(/\r?\n/).flatMap((line) => {
    const cells = /^\s*(.+?)\s*,\s*(\d+)[.,](\d+)\s*,\s*([^,\s]+)\s*$/.exec(line);
    return cells ? [{ name: cells[1]!, computeCapability: `${cells[2]}.${cells[3]}`, driver: cells[4]! }] : [];
  });
  if (!driverCuda || rows.length === 0) return undefined;
  return { driverVersion: rows[0]!.driver, driverCuda, gpus: rows.map(({ name, computeCapability }) => ({ name, computeCapability })) };
}

/** Whether `build` has machine code that runs on a GPU of compute capability `cc`. */
export function hasMachineCode(build: CudaBuildFacts, cc: string): boolean {
  const [major, minor] = cc.split(".").map(Number) as [number, number];
  return build.sass.some((target) => {
    const specific = target.endsWith("a");
    const [m, n] = target.replace(/a$/, "").split(".").map(Number) as [number, number];
    return specific ? m === major && n === minor : m === major && n <= minor;
  });
}

function versionAtLeast(have: string, want: string): boolean {
  const [a = 0, b = 0] = have.split(".").map(Number);
  const [c = 0, d = 0] = want.split(".").map(Number);
  return a !== c ? a > c : b >= d;
}

/**
 * Why `build` cannot run on these GPUs with this driver (a sentence that says what to do),
 * or undefined when it can — or when nothing is known.
 */
export function cudaBuildBlocker(build: CudaBuildFacts | undefined, nvidia: NvidiaFacts | undefined): string | undefined {
  if (!build || !nvidia) return undefined;
  if (versionAtLeast(nvidia.driverCuda, build.toolkit)) return undefined;
  const stuck = nvidia.gpus.find((gpu) => !hasMachineCode(build, gpu.computeCapability));
  if (!stuck) return undefined;
  return `CUDA cannot run on the ${stuck.name} (compute ${stuck.computeCapability}) with NVIDIA driver ${nvidia.driverVersion}: ` +
    `Hearth's CUDA build needs a driver for CUDA ${build.toolkit} or newer (this one supports CUDA ${nvidia.driverCuda}). Update the NVIDIA driver; until then the model runs without CUDA.`;
}

/** `file args`'s stdout; in the C locale, so that its numbers are written as parseNvidiaSmi reads them, whatever the user's. */
function run(file: string, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 15_000, windowsHide: true, env: { ...process.env, LC_ALL: "C" } }, (error, stdout) => resolve(error ? undefined : stdout));
  });
}

/** The driver and GPUs from `nvidia-smi` on PATH; undefined without it or when it fails. */
export async function queryNvidiaSmi(command = "nvidia-smi"): Promise<NvidiaFacts | undefined> {
  const query = await run(command, ["--query-gpu=name,compute_cap,driver_version", "--format=csv,noheader"]);
  if (query === undefined) return undefined;
  const header = await run(command, []);
  return header === undefined ? undefined : parseNvidiaSmi(query, header);
}
