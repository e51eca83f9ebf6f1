/**
 * CUDA on first use: which `@node-llama-cpp/*-cuda` packages a platform has, why a model
 * runs on something slower than CUDA (and whether downloading CUDA would help), and the
 * install of those packages through `native-packages.ts`. No node-llama-cpp here: the
 * facts about the loaded binaries come from `llama-cpp/system-probe.ts`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { FixAction } from "../protocol/status.ts";
import type { CudaInstallResult } from "../protocol/models.ts";
import type { DownloadProgress } from "./download.ts";
import { installNativePackage } from "./native-packages.ts";

/** The main CUDA package and its `-ext` companion (a fallback build for drivers the main one does not load with). */
export interface CudaPackages {
  readonly main: string;
  readonly ext: string;
}

/** node-llama-cpp publishes CUDA builds for x64 Linux and Windows only. */
export function cudaPackagesFor(platform: string, arch: string): CudaPackages | undefined {
  const prefix = platform === "linux" && arch === "x64" ? "linux-x64" : platform === "win32" && arch === "x64" ? "win-x64" : undefined;
  return prefix ? { main: `@node-llama-cpp/${prefix}-cuda`, ext: `@node-llama-cpp/${prefix}-cuda-ext` } : undefined;
}

/** Whether an NVIDIA GPU is there: a device name says so, or (Linux) the NVIDIA kernel driver is loaded. */
export function hasNvidiaGpu(deviceNames: readonly string[], platform = process.platform, driverFile = "/proc/driver/nvidia/version"): boolean {
  return deviceNames.some((name) => /nvidia|geforce|quadro|tesla/i.test(name)) || (platform === "linux" && existsSync(driverFile));
}

/** What is known about CUDA on this machine. */
export interface CudaFacts {
  /** The llama.cpp build that loaded ("cuda" | "vulkan" | "metal" | false). */
  readonly gpu: string | false;
  readonly nvidia: boolean;
  /** undefined where node-llama-cpp has no CUDA build for the platform. */
  readonly packages?: CudaPackages;
  readonly mainInstalled: boolean;
  readonly extInstalled: boolean;
  /** The GPU is turned off (hearth.gpuLayers = 0, or the backend was asked for the CPU). */
  readonly gpuDisabled?: boolean;
  /** Why the installed CUDA build was left out (cuda-compat.ts: the driver is too old for this GPU). */
  readonly cudaBlocked?: string;
}

/** Why the model is not on CUDA, and whether a download would fix it. */
export interface ComputeAdvice {
  readonly note?: string;
  readonly fix?: FixAction;
  /** The download should include the `-ext` fallback build. */
  readonly withExt?: boolean;
}

export function computeAdvice(facts: CudaFacts): ComputeAdvice {
  if (facts.gpuDisabled) return { note: "GPU turned off" };
  if (facts.gpu === "cuda") return {};
  // Downloading does not help: the driver must be updated.
  if (facts.cudaBlocked) return { note: facts.cudaBlocked };
  if (facts.nvidia && facts.packages) {
    if (!facts.mainInstalled) return { note: "CUDA not installed", fix: "downloadCuda" };
    if (!facts.extInstalled) return { note: "CUDA did not load with this driver", fix: "downloadCuda", withExt: true };
    return { note: "CUDA did not load; update the NVIDIA driver" };
  }
  if (facts.gpu === false) return { note: "no GPU found" };
  return {};
}

export interface CudaInstallOptions {
  readonly packages: CudaPackages;
  /** The bundled node-llama-cpp's version: the only one it loads. */
  readonly version: string;
  readonly nativeFolder: string;
  readonly withExt: boolean;
  readonly registry?: string;
  readonly signal?: AbortSignal;
  /** Progress of the package being downloaded, with its name. */
  readonly onProgress?: (name: string, progress: DownloadProgress) => void;
}

/** Installs the CUDA package (and its `-ext` companion when asked); already installed ones are skipped. */
export async function installCuda(options: CudaInstallOptions): Promise<CudaInstallResult> {
  const names = options.withExt ? [options.packages.main, options.packages.ext] : [options.packages.main];
  let downloaded = false;
  for (const name of names) {
    const installed = await installNativePackage({
      name,
      version: options.version,
      nativeFolder: options.nativeFolder,
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: (p: DownloadProgress) => options.onProgress!(name, p) } : {}),
    });
    downloaded ||= installed.downloaded;
  }
  return { packages: names.map((name) => `${name}@${options.version}`), folder: options.nativeFolder, downloaded };
}

/** `<global storage>/native`, where first-use native packages go. */
export function nativeFolderIn(globalStoragePath: string): string {
  return join(globalStoragePath, "native");
}
