/**
 * What the runtime reports about itself. Plain data, so the extension, the webview and the
 * CLI all render the same facts.
 */

/** Where the model comes from, in the order the runtime picks: server URL, GGUF path, preset. */
export type ModelSource =
  | { readonly kind: "server"; readonly url: string }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "preset"; readonly preset: string };

/** A next step the UI can offer next to a problem (a button in the view, a click on the status bar). */
export type FixAction = "selectModel" | "downloadModel" | "openSettings" | "showLog" | "restartRuntime";

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
    }
  | { readonly kind: "error"; readonly source: ModelSource; readonly message: string; readonly fix?: FixAction };

export type IndexState =
  | { readonly kind: "idle"; readonly detail: string }
  | { readonly kind: "indexing"; readonly done: number; readonly total: number }
  | { readonly kind: "ready"; readonly files: number; readonly symbols: number }
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
  /** Problems found in the settings the runtime received (bad values fell back to defaults). */
  readonly settingsProblems: readonly string[];
}

/** Facts about the machine, for model recommendations and `hearth status`. */
export interface SystemInfo {
  readonly platform: string;
  readonly arch: string;
  readonly cpus: number;
  readonly totalMemoryBytes: number;
  readonly freeMemoryBytes: number;
  /** Compute backend node-llama-cpp picked: "cuda" | "vulkan" | "metal" | false (CPU). */
  readonly gpu: string | false;
  readonly gpuNames: readonly string[];
  readonly vramTotalBytes: number;
  readonly vramFreeBytes: number;
  /** Why no GPU is used, when none is. */
  readonly gpuNote?: string;
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
      return `${model.name}, ${model.contextSize.toLocaleString("en-US")} tokens of context, ${model.gpu ? model.gpu.toUpperCase() : "CPU"}`;
    case "error":
      return `Model error: ${model.message}`;
  }
}

export function describeSource(source: ModelSource): string {
  switch (source.kind) {
    case "server":
      return `server ${source.url}`;
    case "file":
      return source.path.split(/[\\/]/).pop() ?? source.path;
    case "preset":
      return `preset ${source.preset}`;
  }
}
