/**
 * What the runtime reports about itself. Plain data, so the extension, the webview and the
 * CLI all render the same facts.
 */

/** Where the model comes from, in the order the runtime picks: server URL, GGUF path, preset. */
export type ModelSource =
  | { readonly kind: "server"; readonly url: string }
  | { readonly kind: "file"; readonly modelPath: string }
  | { readonly kind: "preset"; readonly preset: string };

/** A next step the UI can offer next to a problem (a button in the view, a click on the status bar). */
export type FixAction = "selectModel" | "downloadModel" | "openSettings" | "showLog" | "restartRuntime" | "downloadCuda";

/** Which llama.cpp build runs the model. */
export type ComputeKind = "cuda" | "vulkan" | "metal" | "cpu";

/** What the loaded model runs on, as node-llama-cpp reports it after loading. */
export interface ComputeBackend {
  readonly kind: ComputeKind;
  /** Layers offloaded to the GPU (0 on the CPU). */
  readonly gpuLayers: number;
  /** Layers the model has (its blocks plus the output layer, as node-llama-cpp counts them). */
  readonly totalLayers: number;
  /** VRAM in use on the GPU after loading (0 on the CPU). */
  readonly vramUsedBytes: number;
  /** Why not something faster, when there is a reason ("CUDA not installed", "no GPU found"). */
  readonly note?: string;
  /** The step that would make it faster ("downloadCuda"). */
  readonly fix?: FixAction;
}

const BACKEND_NAMES: Record<ComputeKind, string> = { cuda: "CUDA", vulkan: "Vulkan", metal: "Metal", cpu: "CPU" };

/**
 * One line: "CUDA · 41/41 layers on GPU · 21.3 GiB VRAM", "CPU — no GPU found · 0/41
 * layers on GPU", "Vulkan — CUDA not installed: Download · 41/41 layers on GPU · 3.1 GiB VRAM".
 */
export function describeBackend(backend: ComputeBackend): string {
  const parts = [`${BACKEND_NAMES[backend.kind]}${backend.note ? ` — ${backend.note}${backend.fix === "downloadCuda" ? ": Download" : ""}` : ""}`];
  if (backend.totalLayers > 0) parts.push(`${backend.gpuLayers}/${backend.totalLayers} layers on GPU`);
  if (backend.kind !== "cpu") parts.push(`${(backend.vramUsedBytes / 1024 ** 3).toFixed(1)} GiB VRAM`);
  return parts.join(" · ");
}

/** "CUDA", "Vulkan", "Metal", "CPU". */
export function backendName(kind: ComputeKind): string {
  return BACKEND_NAMES[kind];
}

/** The backend's display name for a node-llama-cpp `gpu` value ("cuda", "vulkan", "metal", false). */
export function computeKind(gpu: string | false): ComputeKind {
  return gpu === "cuda" || gpu === "vulkan" || gpu === "metal" ? gpu : "cpu";
}

export type ModelState =
  /** Nothing usable is configured: the view offers download / choose file / server URL. */
  | { readonly kind: "none"; readonly detail: string }
  /** Configured, not loaded (loading happens on first use or explicitly). */
  | { readonly kind: "configured"; readonly source: ModelSource; readonly detail: string }
  | { readonly kind: "loading"; readonly source: ModelSource; readonly progress: number }
  | {
      readonly kind: "ready";
      readonly source: ModelSource;
      readonly name: string;
      /** Context size actually allocated (never silently smaller than shown). */
      readonly contextSize: number;
      /** "cuda", "vulkan", "metal", or false for CPU. */
      readonly gpu: string | false;
      /** Layers on the GPU, VRAM, and why not faster (embedded models only). */
      readonly backend?: ComputeBackend;
      /** How prompts are written for it, and why (embedded models only): "Hearth's Qwen3.5 renderer: …". */
      readonly promptFormat?: string;
    }
  | { readonly kind: "error"; readonly source: ModelSource; readonly message: string; readonly fix?: FixAction };

export type IndexState =
  | { readonly kind: "idle"; readonly detail: string }
  | { readonly kind: "indexing"; readonly done: number; readonly total: number }
  | {
      readonly kind: "ready";
      readonly files: number;
      readonly symbols: number;
      /** Why the git history is not used for ranking, when it is not ("the folder is not trusted", a treeless partial clone's missing trees). */
      readonly historyOff?: string;
      /** Why not every file is indexed, when the scan stopped at the file limit. */
      readonly stopped?: string;
      /** Files skipped for a reason the user did not choose (too large, binary, unreadable…), counted by reason, when any were. */
      readonly leftOut?: string;
      /**
       * Set once the runtime's own check of the disk found files changed that no file-watcher
       * event named (the index was stale until then), with what to do; kept for the session.
       */
      readonly missedEvents?: string;
    }
  | { readonly kind: "error"; readonly message: string };

export interface RuntimeStatus {
  /** Hearth version of the runtime bundle. */
  readonly version: string;
  /** Process id of the runtime (the extension shows it in the log; tests kill it). */
  readonly pid: number;
  /** Seconds since the runtime started. */
  readonly uptimeSeconds: number;
  readonly model: ModelState;
  readonly index: IndexState;
  /** The folder the agent works in and the index covers (absolute path); null when no folder is open. */
  readonly folder: string | null;
  /** Problems found in the settings the runtime received (bad values fell back to defaults). */
  readonly settingsProblems: readonly string[];
}

/** Facts about the machine, for model recommendations and `hearth status`. */
export interface SystemInfo {
  readonly platform: string;
  readonly arch: string;
  readonly cpus: number;
  /**
   * Where this process may run on fewer CPUs than `cpus` (a container's CPU quota, docker --cpus;
   * a CPU affinity, taskset or --cpuset-cpus): that many, the threads hearth.threads 0 runs.
   */
  readonly cpusAllowed?: number;
  /** The machine's memory, or a container's memory limit where that is less (then `memoryLimited`). */
  readonly totalMemoryBytes: number;
  readonly freeMemoryBytes: number;
  /** Set where the memory figures are a cgroup's memory limit (a container's `--memory`), not the machine's. */
  readonly memoryLimited?: true;
  /** Compute backend node-llama-cpp picked: "cuda" | "vulkan" | "metal" | false (CPU). */
  readonly gpu: string | false;
  readonly gpuNames: readonly string[];
  readonly vramTotalBytes: number;
  readonly vramFreeBytes: number;
  /** Why no GPU is used, or why not the fastest one ("CUDA not installed"). */
  readonly gpuNote?: string;
  /** Present when an NVIDIA GPU runs without CUDA and the CUDA build can be downloaded. */
  readonly cudaOffer?: CudaOffer;
}

/** The CUDA build this machine could download (`hearth/model/installCuda`). */
export interface CudaOffer {
  /** npm packages, e.g. ["@node-llama-cpp/linux-x64-cuda"]; the version is the bundled node-llama-cpp's. */
  readonly packages: readonly string[];
  readonly version: string;
  /** Why it is offered, for the UI ("CUDA not installed"). */
  readonly reason: string;
}

/** One line a person can read, for the status bar tooltip and the CLI. */
export function describeModel(model: ModelState): string {
  switch (model.kind) {
    case "none":
      return `No model: ${model.detail}`;
    case "configured":
      return `${describeSource(model.source)} (${model.detail})`;
    case "loading":
      return `Loading ${describeSource(model.source)}: ${Math.round(model.progress * 100)}%`;
    case "ready":
      return `${model.name}, ${model.contextSize.toLocaleString("en-US")} tokens of context, ${model.backend ? describeBackend(model.backend) : model.gpu ? model.gpu.toUpperCase() : "CPU"}`;
    case "error":
      return `Model error: ${model.message}`;
  }
}

export function describeSource(source: ModelSource): string {
  switch (source.kind) {
    case "server":
      return `server ${source.url}`;
    case "file":
      return source.modelPath.split(/[\\/]/).pop() ?? source.modelPath;
    case "preset":
      return `preset ${source.preset}`;
  }
}
