/**
 * The runtime's state for one client: settings, the model backend and its state, index
 * state. It owns no protocol details; `server.ts` maps requests onto it and forwards
 * `onChange` as `hearth/status/changed`.
 *
 * A configured model is loaded at once (and reloaded when a setting that affects it
 * changes), so the status bar shows real progress right after the user picks a file.
 */
import { join } from "node:path";
import { BackendError, collectTurn, type ModelBackend } from "../models/backend.ts";
import { type BackendEnvironment, backendKey, createBackend, serverOrigin } from "../models/factory.ts";
import { findDownloadedPreset, PRESETS } from "../models/presets.ts";
import { checkModelSource, resolveModelSource } from "../models/source.ts";
import type { ChatSendParams, ChatSendResult } from "../protocol/lsp-ext.ts";
import type { ChatStreamEvent } from "../protocol/chat.ts";
import { type Settings, sanitizeSettings } from "../protocol/settings.ts";
import type { IndexState, ModelSource, ModelState, RuntimeStatus } from "../protocol/status.ts";
import { VERSION } from "../protocol/version.ts";
import { log } from "./log.ts";

export interface SessionPaths {
  /** Folder for downloaded models. */
  readonly modelsFolder?: string;
  /**
   * API key for the remote server configured when the session starts; it is sent to that
   * server's origin only, never to a server URL that a later settings change names.
   */
  readonly apiKey?: string;
}

export class RuntimeSession {
  private settings: Settings;
  private settingsProblems: string[];
  private model: ModelState = { kind: "none", detail: "checking settings" };
  private index: IndexState = { kind: "idle", detail: "waiting for the workspace" };
  private readonly startedAt = Date.now();
  private generation = 0;
  private pending: Promise<void> = Promise.resolve();
  private backend: ModelBackend | undefined;
  private backendKey: string | undefined;
  private loading: Promise<void> | undefined;
  private readonly backendEnv: BackendEnvironment;

  constructor(
    rawSettings: unknown,
    private readonly onChange: (status: RuntimeStatus) => void,
    private readonly paths: SessionPaths = {},
  ) {
    ({ settings: this.settings, problems: this.settingsProblems } = sanitizeSettings(rawSettings));
    this.backendEnv = backendEnvironment(paths, this.settings.serverUrl);
  }

  /** Folder for downloaded models, if the client gave one. */
  modelsFolder(): string | undefined {
    return this.paths.modelsFolder;
  }

  /** Re-checks the model source and starts loading it; call after construction and each settings change. */
  refresh(): Promise<void> {
    this.pending = this.check();
    return this.pending;
  }

  /** The status once the latest settings have been checked. */
  async settledStatus(): Promise<RuntimeStatus> {
    await this.pending;
    return this.status();
  }

  private async check(): Promise<void> {
    const generation = ++this.generation;
    const source = resolveModelSource(this.settings);
    const model = await checkModelSource(source, this.downloadedPresets());
    if (generation !== this.generation) return; // a newer settings change already won
    const key = backendKey(source, this.settings);
    if (model.kind === "configured" && key === this.backendKey && this.backend) return; // same model, keep it
    await this.unload();
    this.setModel(model);
    if (model.kind === "configured") this.loading = this.load(source, key);
  }

  private downloadedPresets(): Set<string> {
    const folder = this.paths.modelsFolder;
    return new Set(folder ? PRESETS.filter((p) => findDownloadedPreset(folder, p.id)).map((p) => p.id) : []);
  }

  private async load(source: ModelSource, key: string): Promise<void> {
    let backend: ModelBackend;
    try {
      backend = createBackend(source, this.settings, this.backendEnv);
    } catch (error) {
      this.setModel(errorState(source, error));
      return;
    }
    this.backend = backend;
    this.backendKey = key;
    let shown = -1;
    const onProgress = (progress: number) => {
      // One status message per whole percent: enough for a progress bar, not a flood.
      const percent = Math.floor(progress * 100);
      if (percent === shown || this.backend !== backend) return;
      shown = percent;
      this.setModel({ kind: "loading", source, progress });
    };
    const started = Date.now();
    try {
      const info = await backend.load({ onProgress });
      if (this.backend !== backend) return; // replaced by a newer configuration
      log("info", `model ${info.name} ready in ${Date.now() - started} ms: ${info.contextSize} tokens of context, ${info.gpu || "CPU"}${info.promptFormat ? `; prompt format: ${info.promptFormat.reason}` : ""}`);
      this.setModel({ kind: "ready", source, name: info.name, contextSize: info.contextSize, gpu: info.gpu, ...(info.compute ? { backend: info.compute } : {}) });
    } catch (error) {
      if (this.backend !== backend) return;
      log("warn", `model failed to load: ${error instanceof Error ? error.message : String(error)}`);
      this.setModel(errorState(source, error));
    }
  }

  /** Loads the configured model now (or again); resolves with the resulting state. */
  async loadModel(reload: boolean): Promise<ModelState> {
    if (reload) await this.unload();
    await this.refresh();
    await this.loading;
    return this.model;
  }

  /**
   * The loaded model for anything in the runtime that needs one (chat, the agent loop,
   * completions): waits for a load in progress; a BackendError says why there is none.
   */
  async readyBackend(): Promise<ModelBackend> {
    await this.pending;
    await this.loading;
    const model = this.model;
    if (model.kind === "ready" && this.backend) return this.backend;
    if (model.kind === "error") throw new BackendError(model.message, model.fix);
    throw new BackendError(model.kind === "none" ? `no model: ${model.detail}` : "the model is not loaded", "selectModel");
  }

  /** Runs one assistant turn, passing each stream event to `onEvent`. */
  async chat(params: ChatSendParams, signal: AbortSignal, onEvent: (event: ChatStreamEvent) => void): Promise<ChatSendResult> {
    const backend = await this.readyBackend();
    const turn = await collectTurn(
      backend.chat({
        messages: params.messages,
        signal,
        ...(params.tools ? { tools: params.tools } : {}),
        ...(params.thinking === undefined ? {} : { thinking: params.thinking }),
        ...(params.maxTokens === undefined ? {} : { maxTokens: params.maxTokens }),
        ...(params.temperature === undefined ? {} : { temperature: params.temperature }),
      }),
      onEvent,
    );
    return turn.usage ? { message: turn.message, stopReason: turn.stopReason, usage: turn.usage } : { message: turn.message, stopReason: turn.stopReason };
  }

  async updateSettings(raw: unknown): Promise<void> {
    const { settings, problems } = sanitizeSettings(raw);
    for (const problem of problems) log("warn", problem);
    this.settings = settings;
    this.settingsProblems = problems;
    await this.refresh();
  }

  currentSettings(): Settings {
    return this.settings;
  }

  status(): RuntimeStatus {
    return {
      version: VERSION,
      pid: process.pid,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      model: this.model,
      index: this.index,
      settingsProblems: this.settingsProblems,
    };
  }

  private setModel(model: ModelState): void {
    this.model = model;
    this.onChange(this.status());
  }

  private async unload(): Promise<void> {
    const backend = this.backend;
    this.backend = undefined;
    this.backendKey = undefined;
    this.loading = undefined;
    await backend?.dispose().catch((error: unknown) => log("warn", "unloading the model failed", error));
  }

  /** The workspace index reports here; the status carries it to the UI. */
  setIndexState(state: IndexState): void {
    this.index = state;
    this.onChange(this.status());
  }

  async dispose(): Promise<void> {
    this.generation++;
    await this.unload();
  }
}

/**
 * The key is bound to the server configured at start (the client looked it up for that
 * origin); with no server then, there is nobody it was meant for and it is dropped.
 */
function backendEnvironment(paths: SessionPaths, serverUrl: string): BackendEnvironment {
  const origin = serverOrigin(serverUrl);
  return {
    ...(paths.modelsFolder ? { modelsFolder: paths.modelsFolder } : {}),
    ...(paths.apiKey && origin ? { apiKey: paths.apiKey, apiKeyOrigin: origin } : {}),
  };
}

function errorState(source: ModelSource, error: unknown): ModelState {
  if (error instanceof BackendError) return { kind: "error", source, message: error.message, ...(error.fix ? { fix: error.fix } : {}) };
  return { kind: "error", source, message: error instanceof Error ? error.message : String(error), fix: "showLog" };
}

/** Default models folder under a client's global storage. */
export function modelsFolderIn(globalStoragePath: string | undefined): string | undefined {
  return globalStoragePath ? join(globalStoragePath, "models") : undefined;
}
