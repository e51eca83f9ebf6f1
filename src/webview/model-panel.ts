/**
 * The runtime's and the model's state: a compact line in the header when all is well,
 * cards with the next step when something needs the user (no model, loading, a download,
 * an error, a runtime that restarts or failed), and a line with the index and the compute.
 */
import type { CommandName } from "../protocol/contributions.ts";
import type { FixAction, IndexState, ModelState, SystemInfo } from "../protocol/status.ts";
import { backendName, computeKind, describeModel, describeSource } from "../protocol/status.ts";
import { NO_FOLDER_REASON, sentence } from "../protocol/readiness.ts";
import { formatSize } from "../protocol/units.ts";
import type { ToWebview } from "../protocol/webview.ts";
import { type Child, button, h, icon, plural, spinner } from "./dom.ts";
import type { Post } from "./host.ts";

export type StateMessage = Extract<ToWebview, { type: "state" }>;

/** Used when the extension does not say which model it recommends. */
const DEFAULT_DOWNLOAD_NAME = "Qwen3.6-35B-A3B";

const FIX_BUTTON: Record<FixAction, { label: string; command: CommandName }> = {
  selectModel: { label: "Select Model…", command: "selectModel" },
  downloadModel: { label: "Download Model…", command: "downloadModel" },
  // There is no command for the settings; choosing the model again is the way out there too.
  openSettings: { label: "Select Model…", command: "selectModel" },
  showLog: { label: "Show Log", command: "showLog" },
  restartRuntime: { label: "Restart Runtime", command: "restartRuntime" },
  downloadCuda: { label: "Download CUDA Acceleration", command: "downloadCuda" },
};

function commandButton(post: Post, label: string, command: CommandName, primary = false, title?: string): HTMLButtonElement {
  return button(label, () => post({ type: "runCommand", command }), { kind: primary ? "primary" : "secondary", attrs: { "data-command": command, title } });
}

/** A span whose text may be ellipsized at narrow widths: the whole text stays in its tooltip. */
function clipped(attrs: Record<string, string | number | undefined>, text: string): HTMLElement {
  return h("span", { ...attrs, class: `${attrs.class ?? ""} clip`.trim(), title: attrs.title ?? text }, text);
}

function card(kind: string, ...children: Child[]): HTMLElement {
  return h("section", { class: `card status-card ${kind}` }, ...children);
}

function percent(fraction: number): string {
  return `${Math.round(Math.max(0, Math.min(1, fraction)) * 100)}%`;
}

/** The header's one-line summary; carries data-state (runtime) and data-model (when ready). */
export function statusLine(msg: StateMessage | undefined): HTMLElement {
  const runtime = msg?.runtime;
  if (!runtime) return h("div", { class: "status-line", "data-state": "connecting" }, spinner(), h("span", {}, "Connecting…"));
  switch (runtime.kind) {
    case "starting":
      return h("div", { class: "status-line", "data-state": "starting" }, spinner(), clipped({}, "Starting Hearth…"));
    case "restarting":
      return h("div", { class: "status-line warning", "data-state": "restarting" }, h("span", { class: "dot warn" }), clipped({}, "Runtime restarting…"));
    case "failed":
      return h("div", { class: "status-line error", "data-state": "failed" }, h("span", { class: "dot bad" }), clipped({}, "Runtime stopped"));
    case "running": {
      const model = runtime.status.model;
      const line = h("div", { class: "status-line", "data-state": "ready", "data-pid": runtime.status.pid, title: `Hearth ${runtime.status.version} · runtime pid ${runtime.status.pid}` });
      if (model.kind === "ready") line.append(h("span", { class: "dot ok" }), clipped({ class: "model-name", "data-model": "ready" }, describeModel(model)));
      else if (model.kind === "loading") line.append(spinner(), clipped({}, `Loading model… ${percent(model.progress)}`));
      else if (model.kind === "configured") line.append(h("span", { class: "dot idle" }), clipped({ "data-model": "configured" }, describeModel(model)));
      else if (model.kind === "error") line.append(h("span", { class: "dot bad" }), clipped({}, "Model error"));
      else line.append(h("span", { class: "dot idle" }), clipped({}, "No model"));
      return line;
    }
  }
}

/** Which state the page is in, as far as a screen reader is told of it (its changes only, not each percent). */
export function statusKind(msg: StateMessage | undefined): string {
  const runtime = msg?.runtime;
  return !runtime ? "connecting" : runtime.kind === "running" ? `model-${runtime.status.model.kind}` : runtime.kind;
}

/**
 * What a screen reader is told when the state changes to `msg`'s. Errors and a failed
 * runtime are left out: they are said as alerts (`statusAlert`).
 */
export function statusSentence(msg: StateMessage | undefined): string | undefined {
  const runtime = msg?.runtime;
  if (runtime?.kind === "restarting") return `Hearth's runtime stopped (${runtime.reason}). Restarting in ${runtime.inSeconds}s.`;
  if (runtime?.kind !== "running") return undefined;
  const model = runtime.status.model;
  if (model.kind === "loading") return "Loading the model…";
  if (model.kind === "ready") return `Model ready: ${describeModel(model)}.`;
  return undefined;
}

/**
 * The error a screen reader is told at once (a model that failed to load, a runtime that
 * stopped). Their cards are no alerts: an alert is said whenever it is inserted, and the page
 * renders its cards anew each time the view is shown; the page says this when it changes.
 */
export function statusAlert(msg: StateMessage | undefined): string | undefined {
  const runtime = msg?.runtime;
  if (runtime?.kind === "failed") return sentence(runtime.message);
  if (runtime?.kind === "running" && runtime.status.model.kind === "error") return sentence(runtime.status.model.message);
  return undefined;
}

function downloadLabel(msg: StateMessage): string {
  const r = msg.recommended;
  if (!r) return `Download ${DEFAULT_DOWNLOAD_NAME}`;
  return `Download ${r.name} (${formatSize(r.sizeBytes)})`;
}

/**
 * No model: the three ways to get one, as buttons (download the model recommended for this
 * machine, with its size and why; a GGUF file on disk; a server). When nothing Hearth offers
 * fits the machine there is no Download button: the reason, the server as the main way, and
 * every model still one click away (Other Models…).
 */
export function noModelCard(msg: StateMessage, post: Post): HTMLElement {
  const r = msg.recommended;
  const fits = r?.fits !== false;
  const download = msg.download || !fits ? undefined : commandButton(post, downloadLabel(msg), "downloadModel", true, r?.reason);
  return card(
    "model-none",
    h("h2", {}, "Choose a model"),
    h("p", { "data-model": "none" }, "No model yet. Hearth runs Qwen on your own machine: download it, pick a GGUF file you have, or point Hearth at a server."),
    h(
      "div",
      { class: "actions" },
      download,
      commandButton(post, "Choose GGUF File…", "chooseModelFile"),
      commandButton(post, "Use Server URL…", "useServerUrl", !fits),
      fits ? undefined : commandButton(post, "Other Models…", "selectModel"),
    ),
    r?.reason ? h("p", { class: `muted small${fits ? "" : " warning-text"}`, "data-recommendation": fits ? "fits" : "none-fits" }, `${sentence(r.reason)}.`) : undefined,
  );
}

function modelCard(model: ModelState, post: Post): HTMLElement | undefined {
  switch (model.kind) {
    case "none":
      return undefined; // the chat places noModelCard itself (inline in the empty chat)
    case "loading":
      return card(
        "model-loading",
        h("p", { "data-model": "loading" }, `Loading ${describeSource(model.source)}…`),
        h("div", { class: "progress-row" }, h("progress", { max: 1, value: model.progress, "aria-label": "Loading the model" }), h("span", { class: "muted" }, percent(model.progress))),
      );
    case "error": {
      const fix = FIX_BUTTON[model.fix ?? "selectModel"];
      return card(
        "model-error",
        h("h2", {}, "Model problem"),
        h("p", { class: "error", "data-model": "error" }, sentence(model.message)),
        h("div", { class: "actions" }, commandButton(post, fix.label, fix.command, true), fix.command === "showLog" ? undefined : commandButton(post, "Show Log", "showLog")),
      );
    }
    case "configured":
    case "ready":
      return undefined;
  }
}

/**
 * "CUDA not installed" on an NVIDIA GPU: the reason and the download button, from the
 * loaded model's backend or, before a model loads, from the machine probe.
 */
function cudaCard(msg: StateMessage, model: ModelState, post: Post): HTMLElement | undefined {
  const backend = model.kind === "ready" ? model.backend : undefined;
  const reason = backend?.fix === "downloadCuda" ? backend.note : model.kind === "ready" ? undefined : msg.system?.cudaOffer?.reason;
  if (!reason) return undefined;
  return card(
    "cuda-offer",
    h("p", { "data-cuda": "offer" }, `${backendName(backend?.kind ?? computeKind(msg.system?.gpu ?? false))} — ${reason}. CUDA runs the model faster on this NVIDIA GPU (a one-time download of about 190 MB).`),
    h("div", { class: "actions" }, commandButton(post, FIX_BUTTON.downloadCuda.label, "downloadCuda", true)),
  );
}

function downloadCard(download: NonNullable<StateMessage["download"]>): HTMLElement {
  return card(
    "download",
    h("p", { "data-download": download.preset }, `Downloading ${download.preset}… ${percent(download.fraction)}`),
    h("progress", { max: 1, value: download.fraction, "aria-label": `Downloading ${download.preset}` }),
    download.detail ? h("p", { class: "muted small" }, download.detail) : undefined,
  );
}

/** Cards for whatever needs the user's attention (none when the model is ready). */
export function statusCards(msg: StateMessage | undefined, post: Post): HTMLElement[] {
  if (!msg) return [];
  const cards: (HTMLElement | undefined)[] = [];
  const runtime = msg.runtime;
  if (runtime.kind === "restarting") {
    cards.push(
      card(
        "runtime-restarting",
        h("p", { class: "warning-text" }, `Hearth's runtime stopped (${runtime.reason}). Restarting in ${runtime.inSeconds}s — attempt ${runtime.attempt}.`),
        h("div", { class: "actions" }, commandButton(post, "Show Log", "showLog")),
      ),
    );
  } else if (runtime.kind === "failed") {
    cards.push(
      card(
        "runtime-failed",
        h("p", { class: "error" }, sentence(runtime.message)),
        h("div", { class: "actions" }, commandButton(post, "Restart Runtime", "restartRuntime", true), commandButton(post, "Show Log", "showLog")),
      ),
    );
  } else if (runtime.kind === "running") {
    if (msg.download) cards.push(downloadCard(msg.download));
    cards.push(modelCard(runtime.status.model, post));
    if (!msg.download) cards.push(cudaCard(msg, runtime.status.model, post));
    if (runtime.status.folder === null) cards.push(noFolderCard(post));
    if (runtime.status.settingsProblems.length) {
      cards.push(card("settings-problems", ...runtime.status.settingsProblems.map((p) => h("p", { class: "warning-text" }, icon("warning"), " ", sentence(p)))));
    }
  }
  return cards.filter((c): c is HTMLElement => c !== undefined);
}

/** No folder open: the agent has nothing to work on (completions still work); the way out. */
function noFolderCard(post: Post): HTMLElement {
  return card(
    "no-folder",
    h("p", { "data-folder": "none" }, NO_FOLDER_REASON),
    h("div", { class: "actions" }, commandButton(post, "Open Folder…", "chooseFolder", true)),
  );
}

/** In a window of several folders: which one Hearth works in, and Change… (Hearth: Choose Folder…). */
export function folderLine(msg: StateMessage | undefined, post: Post): HTMLElement | undefined {
  if (!msg?.folder) return undefined;
  const text = `Working in ${msg.folder}`;
  return h(
    "div",
    { class: "meta-line folder-line" },
    h("span", { class: "clip", "data-folder": msg.folder, title: `${text}: the agent's files, the index and checkpoints are this folder's` }, text),
    button("Change…", () => post({ type: "runCommand", command: "chooseFolder" }), { kind: "link", attrs: { "data-command": "chooseFolder" } }),
  );
}

export function computeText(system: SystemInfo | undefined): string {
  if (!system) return "Compute: checking for a GPU…";
  const GiB = 1024 ** 3;
  return system.gpu
    ? `Compute: ${system.gpu.toUpperCase()} — ${system.gpuNames.join(", ") || "GPU"}, ${(system.vramTotalBytes / GiB).toFixed(0)} GiB VRAM${system.gpuNote ? ` (${system.gpuNote})` : ""}`
    : `Compute: CPU, ${system.cpusAllowed === undefined ? system.cpus : `${system.cpusAllowed} of ${system.cpus}`} cores, ${(system.totalMemoryBytes / GiB).toFixed(0)} GiB RAM${system.memoryLimited ? " (a container's limit)" : ""} (${system.gpuNote ?? "no GPU"})`;
}

export function indexText(index: IndexState): string {
  switch (index.kind) {
    case "idle":
      return sentence(index.detail);
    case "indexing":
      return `Indexing ${index.done} / ${index.total} files…`;
    case "ready":
      return `${plural(index.files, "file")}, ${plural(index.symbols, "symbol")}${index.stopped ? ` · ${index.stopped}` : ""}${index.leftOut ? ` · ${index.leftOut}` : ""}${index.missedEvents ? ` · ${index.missedEvents}` : ""}${index.historyOff ? ` · git history off: ${index.historyOff}` : ""}`;
    case "error":
      return index.message;
  }
}

/** Index and compute, small, under the header (one line; the full text in the tooltip). */
export function metaLine(msg: StateMessage | undefined): HTMLElement | undefined {
  if (msg?.runtime.kind !== "running") return undefined;
  const index = msg.runtime.status.index;
  const compute = computeText(msg.system);
  return h(
    "div",
    { class: "meta-line" },
    h("span", { class: `meta-index clip${index.kind === "error" ? " error" : ""}`, "data-index": index.kind, title: `Repository index: ${indexText(index)}` }, index.kind === "indexing" ? spinner() : undefined, indexText(index)),
    h("span", { class: "meta-compute", "data-compute": msg.system ? msg.system.gpu || "cpu" : "probing", title: compute }, compute),
  );
}
