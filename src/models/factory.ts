/**
 * Picks the backend for a model source: a server URL gets the remote backend, a `.json`
 * path the scripted one, any other path (or a downloaded preset) the embedded one.
 */
import { readFileSync } from "node:fs";
import { modelLoadAdvice, openFilesLimit } from "../protocol/open-files.ts";
import type { Settings } from "../protocol/settings.ts";
import type { ModelSource } from "../protocol/status.ts";
import {
  BackendError,
  type BackendInfo,
  type BackendState,
  type ChatRequest,
  type FimRequest,
  type FimResult,
  type LoadOptions,
  type ModelBackend,
} from "./backend.ts";
import type { ChatMessage, ChatStreamEvent, ToolDefinition } from "./types.ts";
import type { EmbeddedOptions } from "./llama-cpp/embedded-backend.ts";
import { findDownloadedPreset } from "./presets.ts";
import { RemoteBackend } from "./remote.ts";
import { isScriptPath, ScriptedBackend } from "./scripted.ts";

export interface BackendEnvironment {
  /** Folder of downloaded presets; without it presets cannot be used. */
  readonly modelsFolder?: string;
  /** API key for a remote server (from VS Code's secret storage or the environment). */
  readonly apiKey?: string;
  /**
   * The server origin (`http://gpu-box:8080`) the key was given for: a server URL of any
   * other origin gets no key, so a changed URL can never collect it. Without one the key
   * goes to whichever server is used (the CLI: the user's own `--server`).
   */
  readonly apiKeyOrigin?: string;
}

/** A URL's origin ("http://gpu-box:8080"), or undefined for no URL or one that is not http(s). */
export function serverOrigin(url: string): string | undefined {
  try {
    const parsed = new URL(url.trim());
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The key for this server URL: none when it was given for another origin. */
function keyFor(url: string, env: BackendEnvironment): string | undefined {
  if (!env.apiKey) return undefined;
  if (env.apiKeyOrigin === undefined) return env.apiKey;
  return serverOrigin(url) === env.apiKeyOrigin ? env.apiKey : undefined;
}

export function createBackend(source: ModelSource, settings: Settings, env: BackendEnvironment = {}): ModelBackend {
  switch (source.kind) {
    case "server": {
      const apiKey = keyFor(source.url, env);
      return new RemoteBackend({ baseUrl: source.url, ...(apiKey ? { apiKey } : {}) });
    }
    case "file":
      return isScriptPath(source.modelPath) ? new ScriptedBackend(source.modelPath) : embedded(source.modelPath, settings);
    case "preset": {
      const file = env.modelsFolder ? findDownloadedPreset(env.modelsFolder, source.preset) : undefined;
      if (!file) throw new BackendError(`the ${source.preset} model is not downloaded`, "downloadModel");
      return embedded(file, settings);
    }
  }
}

function embedded(modelPath: string, settings: Settings): ModelBackend {
  return new LazyEmbeddedBackend({
    modelPath,
    contextSize: settings.contextSize,
    gpuLayers: settings.gpuLayers,
    kvCacheType: settings.kvCacheType,
    threads: settings.threads,
  });
}

/**
 * The embedded backend, with node-llama-cpp imported on first use. Importing it costs about
 * a second (native binaries), which the runtime must not pay before it answers its first
 * status, nor the CLI for `--help`. The bundles are built with code splitting, so this
 * dynamic import is a separate chunk.
 */
class LazyEmbeddedBackend implements ModelBackend {
  readonly kind = "embedded";
  private real: Promise<ModelBackend> | undefined;
  private resolved: ModelBackend | undefined;

  constructor(private readonly options: EmbeddedOptions) {}

  state(): BackendState {
    return this.resolved?.state() ?? { kind: "unloaded" };
  }

  async load(options?: LoadOptions): Promise<BackendInfo> {
    return (await this.backend()).load(options);
  }

  async *chat(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    yield* (await this.backend()).chat(request);
  }

  async complete(request: FimRequest): Promise<FimResult> {
    return (await this.backend()).complete(request);
  }

  async tokenize(text: string, signal?: AbortSignal): Promise<readonly number[]> {
    return (await this.backend()).tokenize(text, signal);
  }

  async countTokens(messages: readonly ChatMessage[], tools?: readonly ToolDefinition[], signal?: AbortSignal): Promise<number> {
    return (await this.backend()).countTokens(messages, tools, signal);
  }

  async dispose(): Promise<void> {
    if (this.real) await (await this.real).dispose();
  }

  private backend(): Promise<ModelBackend> {
    // Read before the import: once it has filled the table, /proc/self/limits cannot be opened either.
    const openFiles = this.real ? undefined : openFilesLimit((path) => readFileSync(path, "utf8"));
    this.real ??= import("./llama-cpp/embedded-backend.ts").then(
      ({ EmbeddedBackend }) => (this.resolved = new EmbeddedBackend(this.options)),
      (error: unknown) => {
        this.real = undefined; // tried again by the next load
        // node-llama-cpp's own modules not opened under a low limit of open files: "Cannot find package '…/ipull/index.js'".
        const limit = modelLoadAdvice(error, openFiles);
        throw limit ? new BackendError(`the model failed to load: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}: ${limit}`, undefined, { cause: error }) : error;
      },
    );
    return this.real;
  }
}
