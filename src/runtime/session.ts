/**
 * The runtime's state for one client: settings, the model slots (src/models/model-slot.ts:
 * the main model for chat, the agent and VS Code's chat; the optional completion model),
 * index state. It owns no protocol details; `server.ts` maps requests onto it and forwards
 * `onChange` as `hearth/status/changed`.
 *
 * A configured model is loaded at once (and reloaded when a setting that affects it
 * changes), so the status bar shows real progress right after the user picks a file. A
 * burst of settings changes (Select Model writes three settings) reloads once.
 */
import { join, resolve } from "node:path";
import { promptOf } from "../agent/condense.ts";
import { BackendError, type BackendEnvironment, type Clock, collectTurn, completionModelSource, type ModelBackend, ModelSlot, serverOrigin, stopRunaway } from "../models/index.ts";
import type { ChatSendParams, ChatSendResult } from "../protocol/lsp-ext.ts";
import type { ChatStreamEvent } from "../protocol/chat.ts";
import type { ModelUse } from "../protocol/models.ts";
import { type Settings, sanitizeSettings } from "../protocol/settings.ts";
import type { IndexState, ModelState, RuntimeStatus } from "../protocol/status.ts";
import { VERSION } from "../protocol/version.ts";
import { log } from "./log.ts";

/** Context of the completion model: completions need a few thousand tokens, not 262k. */
const COMPLETION_CONTEXT = 8192;

/**
 * How long a settings change waits for the next one before the model reloads: VS Code
 * sends one notification per written setting, a few milliseconds apart.
 */
export const SETTINGS_SETTLE_MS = 250;

export interface SessionPaths {
  /** Folder for downloaded models. */
  readonly modelsFolder?: string;
  /** The workspace folder the agent works in (the runtime's root); none: no folder is open. */
  readonly workspaceFolder?: string;
  /**
   * API key for the remote server configured when the session starts; it is sent to that
   * server's origin only, never to a server URL that a later settings change names.
   */
  readonly apiKey?: string;
  /** The timers that batch settings changes (tests move a fake one by hand). */
  readonly clock?: Clock;
}

export class RuntimeSession {
  private settings: Settings;
  private settingsProblems: string[];
  /** Why the completion model named by hearth.completionModelPath is not used (its slot's error); undefined: nothing to say. */
  private completionProblem: string | undefined;
  private index: IndexState = { kind: "idle", detail: "waiting for the workspace" };
  private readonly startedAt = Date.now();
  private readonly model: ModelSlot;
  private readonly completionModel: ModelSlot;

  constructor(
    rawSettings: unknown,
    private readonly onChange: (status: RuntimeStatus) => void,
    private readonly paths: SessionPaths = {},
  ) {
    ({ settings: this.settings, problems: this.settingsProblems } = sanitizeSettings(rawSettings));
    const env = backendEnvironment(paths, this.settings.serverUrl);
    const common = { env, log: (level: "info" | "warn", message: string) => log(level, message), settleMs: SETTINGS_SETTLE_MS, ...(paths.clock ? { clock: paths.clock } : {}) };
    this.model = new ModelSlot({ ...common, onState: () => this.onChange(this.status()) });
    this.completionModel = new ModelSlot({
      ...common,
      label: "completion model",
      resolve: completionModelSource,
      onState: (state) => this.completionState(state),
      loadSettings: { contextSize: COMPLETION_CONTEXT },
    });
    this.model.set(this.settings);
    this.completionModel.set(this.settings);
  }

  /** Folder for downloaded models, if the client gave one. */
  modelsFolder(): string | undefined {
    return this.paths.modelsFolder;
  }

  /** Re-checks the model sources and starts loading them; call after construction and after a download. */
  async refresh(): Promise<void> {
    void this.completionModel.refresh();
    await this.model.refresh();
  }

  /** The model files the slots have loaded (or are loading), and what for. */
  heldModelFiles(): Map<string, ModelUse[]> {
    const held = new Map<string, ModelUse[]>();
    for (const [use, slot] of this.slots()) {
      const file = slot.heldFile();
      if (file) held.set(resolve(file), [...(held.get(resolve(file)) ?? []), use]);
    }
    return held;
  }

  /**
   * Unloads the models loaded from `path` (its file is about to be deleted: a loaded model
   * would keep its memory, and on Linux and macOS its disk space, and on Windows the delete
   * would fail); `refresh` afterwards checks the settings again. Resolves with what it unloaded.
   */
  async releaseModelFile(path: string): Promise<ModelUse[]> {
    const released: ModelUse[] = [];
    for (const [use, slot] of this.slots()) if (await slot.release(path)) released.push(use);
    return released;
  }

  private slots(): [ModelUse, ModelSlot][] {
    return [["chat", this.model], ["completions", this.completionModel]];
  }

  /** The status once the latest settings have been checked. */
  async settledStatus(): Promise<RuntimeStatus> {
    await this.model.settled();
    return this.status();
  }

  /** Loads the configured model now (or again); resolves with the resulting state. */
  loadModel(reload: boolean): Promise<ModelState> {
    return this.model.load(reload);
  }

  /**
   * The loaded model for anything in the runtime that needs one (chat, the agent loop,
   * completions): waits for a load in progress; a BackendError says why there is none.
   */
  async readyBackend(): Promise<ModelBackend> {
    return explainUnload(await this.model.ready());
  }

  /** The completion model when one is configured and loaded; undefined: use the main model. */
  completionBackend(): Promise<ModelBackend | undefined> {
    return this.completionModel.ready().catch(() => undefined);
  }

  /** Runs one assistant turn, passing each stream event to `onEvent`. */
  async chat(params: ChatSendParams, signal: AbortSignal, onEvent: (event: ChatStreamEvent) => void): Promise<ChatSendResult> {
    const backend = await this.readyBackend();
    // No agent loop around this turn: a reply that falls into a loop is stopped here (models/runaway.ts).
    const turn = await collectTurn(
      stopRunaway({
        // A conversation continued from an export keeps the turns a full context dropped; the model reads a note in their place, as in the agent's own runs.
        messages: promptOf(params.messages),
        signal,
        ...(params.tools ? { tools: params.tools } : {}),
        ...(params.thinking === undefined ? {} : { thinking: params.thinking }),
        ...(params.maxTokens === undefined ? {} : { maxTokens: params.maxTokens }),
        ...(params.temperature === undefined ? {} : { temperature: params.temperature }),
      }, (request) => backend.chat(request)),
      onEvent,
    );
    return turn.usage ? { message: turn.message, stopReason: turn.stopReason, usage: turn.usage } : { message: turn.message, stopReason: turn.stopReason };
  }

  /** New settings from the client: used at once; the models reload once the burst has settled. */
  async updateSettings(raw: unknown): Promise<void> {
    const { settings, problems } = sanitizeSettings(raw);
    for (const problem of problems) log("warn", problem);
    const said = JSON.stringify(problems) !== JSON.stringify(this.settingsProblems);
    this.settings = settings;
    this.settingsProblems = problems;
    this.model.configure(settings);
    this.completionModel.configure(settings);
    // A change that keeps the model as it is (threads "8" where 0 applied already, a fixed
    // inlineCompletionsExclude) sends no model state: its problems go out on their own, or the
    // view showed none of them, or the old ones for good.
    if (said) this.onChange(this.status());
  }

  currentSettings(): Settings {
    return this.settings;
  }

  status(): RuntimeStatus {
    return {
      version: VERSION,
      pid: process.pid,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      model: this.model.state(),
      index: this.index,
      folder: this.paths.workspaceFolder ?? null,
      settingsProblems: [...this.settingsProblems, ...(this.completionProblem ? [this.completionProblem] : [])],
    };
  }

  /**
   * The completion slot's state, said only where it cannot be used: completions then fall back
   * to the main model (`completionBackend`), so a path typed wrong (relative, a missing file,
   * not a GGUF) went without a word. Its loading progress is not sent: the status has no place for it.
   */
  private completionState(state: ModelState): void {
    const problem = state.kind === "error" ? `hearth.completionModelPath: ${state.message}; inline completions use the main model instead` : undefined;
    if (problem === this.completionProblem) return;
    this.completionProblem = problem;
    this.onChange(this.status());
  }

  /** The workspace index reports here; the status carries it to the UI. */
  setIndexState(state: IndexState): void {
    this.index = state;
    this.onChange(this.status());
  }

  async dispose(): Promise<void> {
    await Promise.all([this.model.dispose(), this.completionModel.dispose()]);
  }
}

/**
 * A backend whose failures say so once the slot unloaded it (a setting that reloads the model
 * changed, or a reload was asked for, while a reply ran): node-llama-cpp's own words are
 * "Object is disposed", which the agent would show as the reason its run stopped. A backend
 * let go is used no more: a server's backend still answers once disposed, so a run went on
 * sending its conversation to the server hearth.serverUrl had just been changed from, and a
 * reply it was streaming went on to the end.
 */
function explainUnload(backend: ModelBackend): ModelBackend {
  const unloaded = (cause?: unknown): BackendError =>
    new BackendError("The model was changed or reloaded (a Hearth model setting changed, a reload was asked for, or its file was deleted) while this reply was running, so the reply stopped: send the message again.", undefined, cause === undefined ? undefined : { cause });
  const explain = (error: unknown): unknown => (backend.state().kind === "disposed" && !(error instanceof Error && error.name === "AbortError") ? unloaded(error) : error);
  const rethrow = (error: unknown): never => {
    throw explain(error);
  };
  const live = async <T>(use: () => Promise<T>): Promise<T> => {
    if (backend.state().kind === "disposed") throw unloaded();
    return use().catch(rethrow);
  };
  return {
    kind: backend.kind,
    state: () => backend.state(),
    load: (options) => backend.load(options),
    chat: (request) => liveStream(backend, () => backend.chat(request), explain, unloaded),
    complete: (request) => live(() => backend.complete(request)),
    tokenize: (text, signal) => live(() => backend.tokenize(text, signal)),
    countTokens: (messages, tools, signal) => live(() => backend.countTokens(messages, tools, signal)),
    dispose: () => backend.dispose(),
  };
}

/** The backend's stream while it is not disposed: started only then, and stopped (its connection closed) at the first event after. */
async function* liveStream<T>(backend: ModelBackend, start: () => AsyncIterable<T>, explain: (error: unknown) => unknown, unloaded: () => Error): AsyncIterable<T> {
  if (backend.state().kind === "disposed") throw unloaded();
  let letGo = false;
  try {
    for await (const event of start()) {
      letGo = backend.state().kind === "disposed";
      if (letGo) break;
      yield event;
    }
  } catch (error) {
    throw explain(error);
  }
  if (letGo) throw unloaded();
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

/** Default models folder under a client's global storage. */
export function modelsFolderIn(globalStoragePath: string | undefined): string | undefined {
  return globalStoragePath ? join(globalStoragePath, "models") : undefined;
}
