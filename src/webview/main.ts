/**
 * The chat view's page. Renders the runtime and model state the extension posts, with
 * buttons for the next step. Builds DOM nodes (no innerHTML) so no state string can
 * inject markup. Imports only `protocol/`.
 */
import type { CommandName } from "../protocol/contributions.ts";
import type { IndexState, ModelState, RuntimeStatus, SystemInfo } from "../protocol/status.ts";
import { describeModel, describeSource } from "../protocol/status.ts";
import type { FromWebview, RuntimeConnection, ToWebview } from "../protocol/webview.ts";

declare function acquireVsCodeApi(): { postMessage(message: FromWebview): void; setState(state: unknown): void; getState(): unknown };

const vscode = acquireVsCodeApi();
const app = document.getElementById("app")!;

type Child = Node | string | undefined | false;

function h(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const child of children) if (child) el.append(child);
  return el;
}

function button(label: string, command: CommandName, primary = false): HTMLElement {
  const el = h("button", { type: "button", class: primary ? "primary" : "secondary", "data-command": command }, label);
  el.addEventListener("click", () => vscode.postMessage({ type: "runCommand", command }));
  return el;
}

function section(title: string, ...children: Child[]): HTMLElement {
  return h("section", { class: "card" }, h("h2", {}, title), ...children);
}

function computeLine(system: SystemInfo | undefined): HTMLElement {
  if (!system) return h("p", { class: "muted", "data-compute": "probing" }, "Compute: checking for a GPU…");
  const GiB = 1024 ** 3;
  const text = system.gpu
    ? `Compute: ${system.gpu.toUpperCase()} — ${system.gpuNames.join(", ") || "GPU"}, ${(system.vramTotalBytes / GiB).toFixed(0)} GiB VRAM`
    : `Compute: CPU, ${system.cpus} cores, ${(system.totalMemoryBytes / GiB).toFixed(0)} GiB RAM (${system.gpuNote ?? "no GPU"})`;
  return h("p", { class: "muted", "data-compute": system.gpu || "cpu" }, text);
}

function runtimeSection(runtime: RuntimeConnection, system?: SystemInfo): HTMLElement {
  switch (runtime.kind) {
    case "starting":
      return section("Runtime", h("p", { class: "state", "data-state": "starting" }, "Starting…"));
    case "restarting":
      return section(
        "Runtime",
        h("p", { class: "state warning", "data-state": "restarting" }, `Stopped (${runtime.reason}). Restarting in ${runtime.inSeconds}s — attempt ${runtime.attempt}.`),
        h("div", { class: "actions" }, button("Show Log", "showLog")),
      );
    case "failed":
      return section(
        "Runtime",
        h("p", { class: "state error", "data-state": "failed" }, runtime.message),
        h("div", { class: "actions" }, button("Restart Runtime", "restartRuntime", true), button("Show Log", "showLog")),
      );
    case "running":
      return section(
        "Runtime",
        h("p", { class: "state ok", "data-state": "ready" }, "Ready"),
        h("p", { class: "muted", "data-pid": String(runtime.status.pid) }, `Hearth ${runtime.status.version} · pid ${runtime.status.pid}`),
        computeLine(system),
        ...runtime.status.settingsProblems.map((p) => h("p", { class: "warning" }, p)),
      );
  }
}

function modelSection(model: ModelState): HTMLElement {
  switch (model.kind) {
    case "none":
      return section(
        "Model",
        h("p", { "data-model": "none" }, "No model yet. Hearth runs Qwen3.5 on your own machine: download it, pick a GGUF file you have, or point Hearth at a server."),
        h("div", { class: "actions" }, button("Download Qwen3.5-35B-A3B", "downloadModel", true), button("Choose GGUF File…", "selectModel"), button("Use Server URL…", "selectModel")),
      );
    case "error":
      return section(
        "Model",
        h("p", { class: "error", "data-model": "error" }, model.message),
        h("div", { class: "actions" }, button("Select Model…", "selectModel", true), button("Show Log", "showLog")),
      );
    case "loading":
      return section(
        "Model",
        h("p", { "data-model": "loading" }, `Loading ${describeSource(model.source)}…`),
        h("progress", { max: "1", value: String(model.progress) }),
      );
    case "configured":
    case "ready":
      return section("Model", h("p", { "data-model": model.kind }, describeModel(model)), h("div", { class: "actions" }, button("Select Model…", "selectModel")));
  }
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}

function indexSection(index: IndexState): HTMLElement {
  const text =
    index.kind === "idle" ? index.detail
    : index.kind === "indexing" ? `Indexing ${index.done} / ${index.total} files…`
    : index.kind === "ready" ? `${plural(index.files, "file")}, ${plural(index.symbols, "symbol")}`
    : index.message;
  return section("Repository index", h("p", { class: "muted" }, text));
}

function render(message: ToWebview): void {
  if (message.type !== "state") return;
  const status: RuntimeStatus | undefined = message.runtime.kind === "running" ? message.runtime.status : undefined;
  const parts: Child[] = [
    h("header", {}, h("h1", {}, "Hearth"), h("p", { class: "muted" }, "Local agentic coding. The chat arrives in the next version.")),
    runtimeSection(message.runtime, message.system),
    status ? modelSection(status.model) : false,
    status ? indexSection(status.index) : false,
    h("p", { class: "muted small" }, `Inline completions: ${message.inlineCompletions ? "on" : "off"}`),
  ];
  app.replaceChildren(...parts.filter((p): p is Node => p instanceof Node));
  vscode.setState(message); // lets the page redraw at once when it is shown again
}

window.addEventListener("message", (event: MessageEvent<ToWebview>) => {
  if (event.data?.type === "state") render(event.data);
});
const saved = vscode.getState() as ToWebview | undefined;
if (saved?.type === "state") render(saved);
vscode.postMessage({ type: "ready" });
