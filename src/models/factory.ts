/**
 * Picks the backend for a model source: a server URL gets the remote backend, a `.json`
 * path the scripted one, any other path (or a downloaded preset) the embedded one.
 */
import type { Settings } from "../protocol/settings.ts";
import type { ModelSource } from "../protocol/status.ts";
import { BackendError, type ModelBackend } from "./backend.ts";
import { EmbeddedBackend } from "./llama-cpp/embedded-backend.ts";
import { findDownloadedPreset } from "./presets.ts";
import { RemoteBackend } from "./remote.ts";
import { isScriptPath, ScriptedBackend } from "./scripted.ts";

export interface BackendEnvironment {
  /** Folder of downloaded presets; without it presets cannot be used. */
  readonly modelsFolder?: string;
  /** API key for a remote server (from VS Code's secret storage or the environment). */
  readonly apiKey?: string;
}

/** The settings that decide which model runs and how: a change to any of them reloads. */
export function backendKey(source: ModelSource, settings: Settings): string {
  const { contextSize, gpuLayers, kvCacheType, threads } = settings;
  return JSON.stringify({ source, contextSize, gpuLayers, kvCacheType, threads });
}

export function createBackend(source: ModelSource, settings: Settings, env: BackendEnvironment = {}): ModelBackend {
  switch (source.kind) {
    case "server":
      return new RemoteBackend({ baseUrl: source.url, ...(env.apiKey ? { apiKey: env.apiKey } : {}) });
    case "file":
      return isScriptPath(source.path) ? new ScriptedBackend(source.path) : embedded(source.path, settings);
    case "preset": {
      const file = env.modelsFolder ? findDownloadedPreset(env.modelsFolder, source.preset) : undefined;
      if (!file) throw new BackendError(`the ${source.preset} model is not downloaded`, "downloadModel");
      return embedded(file, settings);
    }
  }
}

function embedded(modelPath: string, settings: Settings): ModelBackend {
  return new EmbeddedBackend({
    modelPath,
    contextSize: settings.contextSize,
    gpuLayers: settings.gpuLayers,
    kvCacheType: settings.kvCacheType,
    threads: settings.threads,
  });
}
