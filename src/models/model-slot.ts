/**
 * One model slot: the one place where settings become a loaded model, for chat and the
 * agent (the runtime's main slot), inline completions (the completion slot) and the CLI.
 *
 *   configure(settings) → resolve (which model: server URL, then `modelPath`, then the
 *   preset) → validate (a URL that is a URL, a `modelPath` that is an absolute, non-empty
 *   file, a preset that is downloaded; no loading) → load (the backend for the source) →
 *   state (`ModelState`, reported through `onState`).
 *
 * A generation counter orders the steps: a newer `configure` supersedes an older one at
 * every await, and a backend it replaces — loaded or still loading — is disposed. The same
 * model with the same load settings (`backendKey`) is kept, not reloaded.
 *
 * Settings changes in a burst (Select Model writes three settings, one notification each)
 * are batched: with `settleMs`, a change waits that long for the next one, and the burst
 * costs one reload. Anything that needs the model (`ready`, `load`, `settled`) does not
 * wait: it applies the latest settings at once. Time comes from an injectable `Clock`.
 */
import { readlink, stat } from "node:fs/promises";
import { homedir, userInfo } from "node:os";
import { dirname, isAbsolute, join, resolve as resolvePath } from "node:path";
import { homeFolderOf } from "../protocol/home-folder.ts";
import { serverUrlProblem, withScheme } from "../protocol/server-url.ts";
import type { Settings } from "../protocol/settings.ts";
import type { ModelSource, ModelState } from "../protocol/status.ts";
import { BackendError, type ModelBackend } from "./backend.ts";
import { type BackendEnvironment, createBackend } from "./factory.ts";
import { type Clock, systemClock } from "./http-limits.ts";
import { findDownloadedPreset, PRESETS } from "./presets.ts";
import { splitModel } from "./split-model.ts";
import { urlCredentialsError, withoutCredentials } from "./openai-wire.ts";

export interface ModelSlotOptions {
  /** Which model the settings name for this slot; undefined: none. Default: the main model. */
  readonly resolve?: (settings: Settings) => ModelSource | undefined;
  /** Overrides for the load settings (the completion model: a small context). */
  readonly loadSettings?: Partial<Pick<Settings, "contextSize">>;
  readonly env?: BackendEnvironment;
  /** Every state change (the runtime's status, the progress bar). */
  readonly onState?: (state: ModelState) => void;
  readonly log?: (level: "info" | "warn", message: string) => void;
  /** In log lines: "model", "completion model". */
  readonly label?: string;
  /** How long a settings change waits for the next one before the model is reloaded (0: no wait). */
  readonly settleMs?: number;
  readonly clock?: Clock;
  /** Aborts a load in progress (the CLI's Ctrl+C). */
  readonly signal?: AbortSignal;
}

/** Server URL wins, then a GGUF (or scripted `.json`) `modelPath`, then the preset. */
export function resolveModelSource(settings: Settings): ModelSource {
  if (settings.serverUrl) return { kind: "server", url: settings.serverUrl };
  if (settings.modelPath) return { kind: "file", modelPath: settings.modelPath };
  return { kind: "preset", preset: settings.modelPreset };
}

/**
 * A file source whose path starts with `~/` (or is `~`) in the user's home folder: a path
 * typed into settings by hand, which no shell expanded. `~user/` is left as it is.
 */
function withHomeExpanded(source: ModelSource | undefined): ModelSource | undefined {
  return source?.kind === "file" ? { kind: "file", modelPath: expandHome(source.modelPath) } : source;
}

/**
 * homeFolderOf, not os.homedir() alone: with HOME empty `~/m.gguf` was /m.gguf. Where this user has no
 * home at all the path is left as typed, refused as not absolute.
 */
function expandHome(path: string): string {
  if (path !== "~" && !/^~[\\/]/.test(path)) return path;
  try {
    return join(homeFolderOf({ homedir, userInfo, isAbsolute }), path.slice(1));
  } catch {
    return path;
  }
}

/**
 * The completion slot's model: `completionModelPath`, unless it names the main model's own
 * file (a second copy costs its memory again, and on a GPU takes VRAM the main model
 * needs); then none, and completions use the main model as when none is set.
 */
export function completionModelSource(settings: Settings): ModelSource | undefined {
  const path = settings.completionModelPath;
  if (!path) return undefined;
  const main = resolveModelSource(settings);
  if (main.kind === "file" && resolvePath(expandHome(main.modelPath)) === resolvePath(expandHome(path))) return undefined;
  return { kind: "file", modelPath: path };
}

/** The settings that decide which model runs and how (for a server, its URL alone): a change to any of them reloads. */
export function backendKey(source: ModelSource, settings: Settings): string {
  // A server loads its model its own way: these settings changed reconnected it for nothing,
  // and ended the agent's run on it ("the model was changed or reloaded").
  if (source.kind === "server") return JSON.stringify({ source });
  const { contextSize, gpuLayers, kvCacheType, threads } = settings;
  return JSON.stringify({ source, contextSize, gpuLayers, kvCacheType, threads });
}

export class ModelSlot {
  private settings: Settings | undefined;
  private current: ModelState = { kind: "none", detail: "checking settings" };
  private generation = 0;
  private pending: Promise<void> = Promise.resolve();
  private timer: unknown;
  private backend: ModelBackend | undefined;
  private key: string | undefined;
  private loading: Promise<void> | undefined;
  /** The file the backend is loaded (or loading) from; undefined for a server. */
  private file: string | undefined;
  /** The model's files as the last check found them (`fileIdentity`). */
  private checkedFiles = "";
  /** When `filesChanged` last looked at them (the clock's time). */
  private filesLookedAt = -Infinity;

  constructor(private readonly options: ModelSlotOptions = {}) {}

  /** The settings to use, without checking them yet (the next `refresh`, `settled` or `ready` does). */
  set(settings: Settings): void {
    this.settings = settings;
  }

  /** New settings: checked after `settleMs` without another change (at once without `settleMs`). */
  configure(settings: Settings): void {
    this.settings = settings;
    if (!this.options.settleMs) {
      void this.refresh();
      return;
    }
    const clock = this.options.clock ?? systemClock;
    if (this.timer !== undefined) clock.clearTimeout(this.timer);
    this.timer = clock.setTimeout(() => void this.refresh(), this.options.settleMs);
  }

  /** Checks the latest settings now and starts loading what they name. */
  refresh(): Promise<void> {
    this.cancelTimer();
    this.pending = this.check();
    return this.pending;
  }

  /** Resolves once the latest settings are checked (a waiting change is applied now). */
  async settled(): Promise<void> {
    if (this.timer !== undefined || this.generation === 0) await this.refresh();
    await this.pending;
  }

  state(): ModelState {
    return this.current;
  }

  /** Loads the configured model now (or again); resolves with the resulting state. */
  async load(reload: boolean): Promise<ModelState> {
    if (reload) await this.unload();
    await this.refresh();
    await this.loading;
    return this.current;
  }

  /** The loaded model: waits for a load in progress; a BackendError says why there is none. */
  async ready(): Promise<ModelBackend> {
    await this.settled();
    // No model at the last check: the preset may be downloaded since without a setting changing
    // (by another window or `hearth models`, into the shared models folder); a stat or two tells.
    if (this.current.kind === "none" && this.presetArrived()) await this.refresh();
    // A file that failed may be whole now at the same path (a download finished, a split model's
    // last part arrived): no setting changes, and choosing the same file again changes none.
    else if (this.current.kind === "error" && (await this.filesChanged())) await this.refresh();
    await this.loading;
    const model = this.current;
    if (model.kind === "ready" && this.backend) return this.backend;
    if (model.kind === "error") throw new BackendError(model.message, model.fix);
    throw new BackendError(model.kind === "none" ? `no model: ${model.detail}` : "the model is not loaded", "selectModel");
  }

  /** The model file this slot has loaded or is loading; undefined: none (or a server). */
  heldFile(): string | undefined {
    return this.backend ? this.file : undefined;
  }

  /**
   * Lets go of the model when it is loaded (or loading) from `path`, whose file is about to be
   * deleted; true when it did. The slot then has no model until the next `refresh`.
   */
  async release(path: string): Promise<boolean> {
    const held = this.heldFile();
    if (held === undefined || resolvePath(held) !== resolvePath(path)) return false;
    this.cancelTimer();
    this.generation++; // a check under way would load it again
    await this.unload();
    this.options.log?.("info", `unloaded the ${this.options.label ?? "model"} (${path}): it is being deleted`);
    this.setState({ kind: "none", detail: "its model file was deleted" });
    return true;
  }

  async dispose(): Promise<void> {
    this.cancelTimer();
    this.generation++;
    await this.unload();
  }

  private async check(): Promise<void> {
    const generation = ++this.generation;
    const settings = this.settings;
    if (!settings) return;
    const source = withHomeExpanded((this.options.resolve ?? resolveModelSource)(settings));
    const model = source ? await checkModelSource(source, this.downloadedPresets()) : NO_MODEL;
    const file = source && (await fileIdentity(modelFileOf(source, this.options.env)));
    if (generation !== this.generation) return; // a newer settings change already won
    this.checkedFiles = file ?? "";
    const loadSettings = { ...settings, ...this.options.loadSettings };
    const key = source && `${backendKey(source, loadSettings)}${file}`;
    if (model.kind === "configured" && key === this.key && this.backend) return; // same model, keep it
    await this.unload();
    this.setState(model);
    if (model.kind === "configured" && source && key) this.loading = this.startLoad(source, key, loadSettings);
  }

  /**
   * The model's files are not as the last check found them (a stat of each: a split model's up to
   * 64 parts). At most one look a second: each request while the load has failed asks, a
   * completion at each keystroke among them, and the files may be on a slow or network disk.
   */
  private async filesChanged(): Promise<boolean> {
    const now = (this.options.clock ?? systemClock).now();
    // A clock set back (a wall clock corrected after a suspend) counts as the second gone by, not as an hour to wait.
    if (now >= this.filesLookedAt && now - this.filesLookedAt < FILES_LOOK_MS) return false;
    this.filesLookedAt = now;
    const source = this.settings && withHomeExpanded((this.options.resolve ?? resolveModelSource)(this.settings));
    return source?.kind === "file" && (await fileIdentity(source.modelPath)) !== this.checkedFiles;
  }

  /** The preset the settings name, not downloaded at the last check, is there now. */
  private presetArrived(): boolean {
    const folder = this.options.env?.modelsFolder;
    const source = this.settings && (this.options.resolve ?? resolveModelSource)(this.settings);
    return folder !== undefined && source?.kind === "preset" && findDownloadedPreset(folder, source.preset) !== undefined;
  }

  private downloadedPresets(): Set<string> {
    const folder = this.options.env?.modelsFolder;
    return new Set(folder ? PRESETS.filter((p) => findDownloadedPreset(folder, p.id)).map((p) => p.id) : []);
  }

  private async startLoad(source: ModelSource, key: string, settings: Settings): Promise<void> {
    let backend: ModelBackend;
    try {
      backend = createBackend(source, settings, this.options.env);
    } catch (error) {
      this.setState(errorState(source, error));
      return;
    }
    this.backend = backend;
    this.key = key;
    this.file = modelFileOf(source, this.options.env);
    await this.loadBackend(backend, source);
  }

  private async loadBackend(backend: ModelBackend, source: ModelSource): Promise<void> {
    const label = this.options.label ?? "model";
    let shown = -1;
    const onProgress = (progress: number) => {
      // One state per whole percent: enough for a progress bar, not a flood.
      const percent = Math.floor(progress * 100);
      if (percent === shown || this.backend !== backend) return;
      shown = percent;
      this.setState({ kind: "loading", source, progress });
    };
    const started = Date.now();
    try {
      const info = await backend.load({ onProgress, ...(this.options.signal ? { signal: this.options.signal } : {}) });
      if (this.backend !== backend) return; // replaced by a newer configuration
      this.options.log?.("info", `${label} ${info.name} ready in ${Date.now() - started} ms: ${info.contextSize} tokens of context, ${info.gpu || "CPU"}${info.promptFormat ? `; prompt format: ${info.promptFormat.reason}` : ""}`);
      this.setState({ kind: "ready", source, name: info.name, contextSize: info.contextSize, gpu: info.gpu, ...(info.compute ? { backend: info.compute } : {}), ...(info.promptFormat ? { promptFormat: info.promptFormat.reason } : {}) });
    } catch (error) {
      if (this.backend !== backend) return;
      this.options.log?.("warn", `${label} failed to load: ${error instanceof Error ? error.message : String(error)}`);
      this.setState(errorState(source, error));
    }
  }

  private setState(state: ModelState): void {
    this.current = state;
    this.options.onState?.(state);
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    (this.options.clock ?? systemClock).clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async unload(): Promise<void> {
    const backend = this.backend;
    this.backend = undefined;
    this.key = undefined;
    this.file = undefined;
    this.loading = undefined;
    await backend?.dispose().catch((error: unknown) => this.options.log?.("warn", `unloading the ${this.options.label ?? "model"} failed: ${String(error)}`));
  }
}

/** The file `createBackend` loads for `source` (a preset: its downloaded quantization); undefined for a server. */
function modelFileOf(source: ModelSource, env: BackendEnvironment | undefined): string | undefined {
  if (source.kind === "file") return source.modelPath;
  if (source.kind === "preset" && env?.modelsFolder) return findDownloadedPreset(env.modelsFolder, source.preset);
  return undefined;
}

/**
 * Which file is at `path` now (device, inode, size, modification time), part of the slot's
 * key: a model re-downloaded, replaced by hand or fixed after its load failed, at the same
 * path, is loaded again at the next settings check instead of the old model (or its error)
 * being kept.
 */
async function fileIdentity(path: string | undefined): Promise<string> {
  const ids = await Promise.all(modelFiles(path).map(async (file) => {
    const info = await stat(file).catch(() => undefined);
    return info ? ` ${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}` : " -";
  }));
  return ids[0] === " -" ? "" : ids.join("");
}

/** A split model's first part (`name-00001-of-00003.gguf`, as node-llama-cpp names them) and, up to 64, its other parts. */
function modelFiles(path: string | undefined): string[] {
  if (path === undefined) return [];
  const split = splitModel(path);
  if (split?.part !== 1) return [path];
  return [path, ...Array.from({ length: Math.min(split.parts, 64) - 1 }, (_, i) => split.partPath(i + 2))];
}

/** How long after a look at a failed model's files (`filesChanged`) the next may be. */
const FILES_LOOK_MS = 1000;

const NO_MODEL: ModelState = { kind: "none", detail: "no model is configured for this" };

function errorState(source: ModelSource, error: unknown): ModelState {
  // Download Model… fetches Hearth's presets: a file the user chose came from elsewhere.
  if (error instanceof BackendError && error.fix === "downloadModel" && source.kind === "file") {
    return { kind: "error", source, message: `${error.message}. Finish or repeat its download where it came from, or choose another model`, fix: "selectModel" };
  }
  if (error instanceof BackendError) return { kind: "error", source, message: error.message, ...(error.fix ? { fix: error.fix } : {}) };
  return { kind: "error", source, message: error instanceof Error ? error.message : String(error), fix: "showLog" };
}

/**
 * The state before any load: a missing or unreadable file and a malformed URL are errors
 * with a fix; a preset that was never downloaded is "none" so the UI offers the choices.
 */
export async function checkModelSource(source: ModelSource, downloadedPresets: ReadonlySet<string>): Promise<ModelState> {
  switch (source.kind) {
    case "server":
      return checkServerUrl(source);
    case "file":
      try {
        if (!isAbsolute(source.modelPath)) throw new BackendError(`model path must be absolute: ${source.modelPath}${variableNote(source.modelPath)}`, "selectModel");
        await checkModelFile(source.modelPath);
        return { kind: "configured", source, detail: "not loaded yet" };
      } catch (error) {
        return errorState(source, error);
      }
    case "preset":
      return downloadedPresets.has(source.preset)
        ? { kind: "configured", source, detail: "downloaded, not loaded" }
        : { kind: "none", detail: "download the recommended model, choose a GGUF file, or use a server URL" };
  }
}

function checkServerUrl(source: Extract<ModelSource, { kind: "server" }>): ModelState {
  const problem = serverUrlProblem(source.url);
  if (!problem) return { kind: "configured", source, detail: "remote server, connects on first use" };
  // Without a scheme ("alice:pw@localhost:8080") the password is found as in a URL, never shown.
  const shown = withoutCredentials(withScheme(source.url));
  if (shown.credentials) {
    const { message, fix } = urlCredentialsError();
    return { kind: "error", source: { kind: "server", url: withoutQuery(shown.url) }, message, ...(fix ? { fix } : {}) };
  }
  const url = withoutQuery(source.url);
  return { kind: "error", source: { kind: "server", url }, message: `"${url}" is not a server URL: ${problem}`, fix: "openSettings" };
}

/** A server URL as a refusal shows it (and the status, as the state's source): its query or fragment (?key=… may be a key) as "?…" / "#…". */
function withoutQuery(url: string): string {
  const cut = url.search(/[?#]/);
  return cut < 0 ? url : `${url.slice(0, cut)}${url[cut]}…`;
}

/**
 * A path written with a variable (`${workspaceFolder}/models/q.gguf`, `${userHome}/…`): VS Code
 * fills in none in settings, so it reached the slot as written and was refused as relative,
 * though it reads as a whole path to whoever wrote it.
 */
function variableNote(path: string): string {
  return /\$\{[^}]*\}/.test(path) ? " (Hearth fills in no ${…} variables, only a leading ~/ as your home folder: give the whole path)" : "";
}

/**
 * The rules a model file's path must meet — a file, not empty, readable — in one place:
 * the slot checks them before loading, the GGUF validator (llama-cpp/validate.ts) before
 * reading. Resolves with the file's size; throws a BackendError that says what to do.
 */
export async function checkModelFile(modelPath: string): Promise<number> {
  try {
    const info = await stat(modelPath);
    if (!info.isFile()) throw new BackendError(`not a file: ${modelPath}`, "selectModel");
    if (info.size === 0) throw new BackendError(`the model file is empty (0 bytes): ${modelPath}`, "selectModel");
    return info.size;
  } catch (error) {
    if (error instanceof BackendError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const target = code === "ENOENT" ? await readlink(modelPath).catch(() => undefined) : undefined;
    const why = target !== undefined
      ? `the model file is a link to ${resolvePath(dirname(modelPath), target)}, which is not there (a disk not mounted, a file moved or deleted)`
      : code === "ENOENT" ? "model file not found"
      : code === "ELOOP" ? "the model file is a link that leads back to itself (a loop of links)"
      : code === "EACCES" ? "permission denied reading the model file" : `cannot read the model file (${code})`;
    throw new BackendError(`${why}: ${modelPath}`, "selectModel");
  }
}
