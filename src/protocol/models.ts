/**
 * Model management data the runtime reports to the extension and the CLI: presets with
 * their quantizations, downloaded files, and a recommendation for this machine.
 */
import type { ProgressToken } from "vscode-languageserver-protocol";

/** One downloadable GGUF of a preset. */
export interface PresetQuantization {
  /** "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0". */
  readonly id: string;
  /** File name in the models folder and on Hugging Face. */
  readonly file: string;
  readonly url: string;
  /** Size in bytes as listed (a download is verified against the server's own size). */
  readonly sizeBytes: number;
  /** true when `sizeBytes` is an estimate (not checked against the listing). */
  readonly sizeEstimated?: boolean;
  /** Memory needed to run it with a useful context (weights + KV + buffers), in bytes. */
  readonly memoryBytes: number;
}

export interface PresetInfo {
  /** Matches the `hearth.modelPreset` setting ("qwen3.6-35b-a3b", "qwen3.6-27b", "qwen3.5-35b-a3b", "qwen3.5-27b"). */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** GGUF architecture ("qwen35moe", "qwen35"). */
  readonly architecture: string;
  /** The quantization to offer first. */
  readonly defaultQuantization: string;
  readonly quantizations: readonly PresetQuantization[];
}

/** A model file in the models folder. */
export interface DownloadedModel {
  readonly path: string;
  readonly sizeBytes: number;
  /** The preset and quantization it belongs to, when it is one of ours. */
  readonly preset?: string;
  readonly quantization?: string;
  /** false for an interrupted download (it resumes), and for what a download moved aside. */
  readonly complete: boolean;
  /**
   * A file a model download found at the model's name and moved aside, listed so that it can
   * be deleted (it may take gigabytes): `<file>.not-a-model` did not begin as a GGUF (a page
   * saved in its place) or is one with no tensors (a vocabulary-only file), `<file>.incomplete`
   * is a GGUF shorter than its header says.
   */
  readonly movedAside?: "not-a-model" | "incomplete";
  /**
   * What the runtime has this file loaded (or loading) for: chat and the agent, inline
   * completions. Deleting it unloads that model first.
   */
  readonly loadedFor?: readonly ModelUse[];
}

/** A model slot of the runtime: "chat" (chat, the agent, VS Code's chat), "completions" (the completion model). */
export type ModelUse = "chat" | "completions";

/** What to run on this machine, and why. */
export interface ModelRecommendation {
  readonly preset: string;
  readonly quantization: string;
  /** One sentence for the UI ("fits in 24 GiB of VRAM with room for 64k tokens of context"). */
  readonly reason: string;
  /** false when even the smallest choice does not fit (the reason says so). */
  readonly fits: boolean;
}

export interface ModelCatalog {
  readonly presets: readonly PresetInfo[];
  readonly downloaded: readonly DownloadedModel[];
  readonly recommendation: ModelRecommendation;
  /** A smaller model for inline completions (`hearth.completionModelPath`) for this machine. */
  readonly completionRecommendation?: {
    /** The id `hearth/model/download` takes ("qwen3.5-0.8b"). */
    readonly id: string;
    readonly name: string;
    readonly quantization: PresetQuantization;
    readonly reason: string;
  };
  /** Where downloads go (VS Code's global storage `models/`). */
  readonly modelsFolder: string;
}

export interface ModelDownloadParams {
  readonly preset: string;
  /** Default: the preset's default quantization. */
  readonly quantization?: string;
  /** LSP work-done token for `$/progress` (created by the client). */
  readonly workDoneToken?: ProgressToken;
}

export interface ModelDownloadResult {
  readonly path: string;
  readonly sizeBytes: number;
  /** Bytes that were already on disk from an interrupted attempt. */
  readonly resumedFromBytes: number;
  /**
   * How the file was checked: "sha256", against the SHA-256 the server announced (Hugging
   * Face does); "size", only its size (the server announced no SHA-256); "existing", it was
   * already downloaded, so nothing was fetched or checked.
   */
  readonly verified: "sha256" | "size" | "existing";
  /** The SHA-256 that matched (with `verified: "sha256"`). */
  readonly sha256?: string;
}

/** How a download was checked, in words (the CLI's output, the runtime's log). */
export function describeVerification(result: Pick<ModelDownloadResult, "verified">): string {
  if (result.verified === "sha256") return "SHA-256 verified against the server's";
  if (result.verified === "size") return "verified by size only: the server announced no SHA-256";
  return "already downloaded";
}

/** `hearth/model/installCuda`: download the CUDA build of llama.cpp for this machine. */
export interface CudaInstallParams {
  /** Also the `-cuda-ext` companion (the fallback build for drivers the main one does not load with). Default: only when needed. */
  readonly withExt?: boolean;
  /** LSP work-done token for `$/progress`. */
  readonly workDoneToken?: ProgressToken;
}

export interface CudaInstallResult {
  /** Package names with their version, installed now or before. */
  readonly packages: readonly string[];
  /** `<global storage>/native`. */
  readonly folder: string;
  /** false when everything was already installed. */
  readonly downloaded: boolean;
}
