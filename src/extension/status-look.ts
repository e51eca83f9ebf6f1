/**
 * What the status bar item shows for each runtime state: text, tooltip, click, colour.
 * Pure (no `vscode`), so it is unit tested.
 */
import { COMMANDS } from "../protocol/contributions.ts";
import { type FixAction, type RuntimeStatus, describeBackend, describeModel } from "../protocol/status.ts";
import { type CompletionStatus, formatSeconds } from "../protocol/completions.ts";
import { runBlocker } from "../protocol/readiness.ts";
import type { RuntimeConnection } from "../protocol/webview.ts";

const FIX_COMMANDS: Record<FixAction, string> = {
  selectModel: COMMANDS.selectModel.id,
  downloadModel: COMMANDS.downloadModel.id,
  openSettings: "workbench.action.openSettings",
  showLog: COMMANDS.showLog.id,
  restartRuntime: COMMANDS.restartRuntime.id,
  downloadCuda: COMMANDS.downloadCuda.id,
};

export interface Look {
  readonly text: string;
  readonly tooltip: string;
  readonly command: string;
  readonly background?: "warning" | "error";
}

/** What else the status bar shows besides the runtime's state: a model download, a running reply. */
export interface Activity {
  readonly download?: { readonly preset: string; readonly fraction: number };
  readonly running?: boolean;
}

/**
 * Maps a runtime state to how the item looks and what a click does. A check mark only
 * when a model is loaded: every other state says in words what is going on.
 */
export function lookFor(state: RuntimeConnection, activity: Activity = {}): Look {
  switch (state.kind) {
    case "starting":
      return { text: "$(sync~spin) Hearth", tooltip: "Hearth: starting the runtime…", command: COMMANDS.showLog.id };
    case "restarting":
      return {
        text: "$(sync~spin) Hearth: restarting",
        tooltip: `Hearth: the runtime stopped (${state.reason}); restarting, attempt ${state.attempt}. Click for the log.`,
        command: COMMANDS.showLog.id,
        background: "warning",
      };
    case "failed":
      return { text: "$(error) Hearth", tooltip: `${state.message} Click to restart.`, command: COMMANDS.restartRuntime.id, background: "error" };
    case "running":
      return lookForActivity(state.status, activity) ?? lookForRunning(state.status);
  }
}

function lookForActivity(status: RuntimeStatus, activity: Activity): Look | undefined {
  if (activity.download) {
    const pct = `${Math.round(Math.max(0, Math.min(1, activity.download.fraction)) * 100)}%`;
    return { text: `$(cloud-download) Hearth: downloading ${pct}`, tooltip: `Downloading ${activity.download.preset}: ${pct}\n${describeModel(status.model)}`, command: COMMANDS.showLog.id };
  }
  if (activity.running && (status.model.kind === "ready" || status.model.kind === "loading" || status.model.kind === "configured")) {
    return { text: "$(loading~spin) Hearth: working", tooltip: `Hearth is working on a reply (follow it in the chat).\n${describeModel(status.model)}`, command: COMMANDS.showLog.id };
  }
  return undefined;
}

function lookForRunning(status: RuntimeStatus): Look {
  const model = status.model;
  const tooltip = `Hearth ${status.version} — runtime ready (pid ${status.pid})\n${describeModel(model)}`;
  switch (model.kind) {
    case "loading":
      return { text: `$(sync~spin) Hearth: loading ${Math.round(model.progress * 100)}%`, tooltip, command: COMMANDS.showLog.id };
    case "error":
      return { text: "$(error) Hearth: model error", tooltip: `${tooltip}\nClick to fix.`, command: FIX_COMMANDS[model.fix ?? "showLog"], background: "error" };
    case "none":
      return { text: "$(circle-slash) Hearth: no model", tooltip: `${tooltip}\nClick to download a model, choose a GGUF file or connect to a server.`, command: COMMANDS.selectModel.id };
    case "configured":
      return model.source.kind === "server"
        ? { text: "$(globe) Hearth: server", tooltip: `${tooltip}\nHearth connects to the server when you first send a message.`, command: COMMANDS.showLog.id }
        : { text: "$(circle-outline) Hearth: not loaded", tooltip: `${tooltip}\nThe model is not loaded yet.`, command: COMMANDS.showLog.id };
    case "ready": {
      const backend = model.backend;
      const detail = backend ? `${tooltip}\nBackend: ${describeBackend(backend)}` : tooltip;
      if (backend?.fix) return { text: "$(check) Hearth $(zap)", tooltip: `${detail}\nClick to ${backend.fix === "downloadCuda" ? "download CUDA acceleration" : "fix"}.`, command: FIX_COMMANDS[backend.fix] };
      return { text: "$(check) Hearth", tooltip: detail, command: COMMANDS.showLog.id };
    }
  }
}

/** What the inline-completions item needs to know to look right. */
export interface CompletionsState {
  readonly runtime: RuntimeConnection;
  /** `hearth.inlineCompletionsEnabled` for the active editor's language. */
  readonly enabled: boolean;
  /** Milliseconds of snooze left (0: not snoozed). */
  readonly snoozedMs: number;
  /** Counts and latency, for the tooltip. */
  readonly summary: string;
  /**
   * Why the active file is never completed, undefined when it is: by its name (a secrets
   * file, `hearth.inlineCompletionsExclude`: `bySetting`, which a `!` pattern can change), or
   * as the runtime found it another name of a secrets file (a link to `.env`: no setting
   * changes that).
   */
  readonly excludedHere?: { readonly reason: string; readonly bySetting: boolean };
  /** The runtime's `hearth/completions/status`: why completions show nothing (a busy server, a failing one). */
  readonly status?: CompletionStatus;
  /**
   * VS Code's own `editor.inlineSuggest.enabled` is off for the active editor (this language):
   * VS Code asks no provider as the user types, Hearth's or another extension's.
   */
  readonly editorSuggestionsOff?: string;
}

/**
 * The inline-completions item: its state in words ("Completions: off — no model"), since
 * an icon alone says nothing to someone who has not learnt it. With no model a click
 * chooses one; otherwise it opens the snooze / on-off menu.
 */
export function completionsLook(state: CompletionsState): Look {
  const blocker = runBlocker(state.runtime, "notice");
  if (blocker) {
    const why = blocker.needsModel ? "no model" : "runtime not running";
    return {
      text: `$(circle-slash) Completions: off — ${why}`,
      tooltip: `Hearth inline completions need a model and a running runtime. ${blocker.reason}${blocker.needsModel ? "\nClick to choose a model." : ""}`,
      command: blocker.needsModel ? COMMANDS.selectModel.id : COMMANDS.showLog.id,
    };
  }
  const menu = COMMANDS.snoozeInlineCompletions.id;
  if (state.snoozedMs > 0) {
    return { text: `$(clock) Completions: snoozed ${Math.ceil(state.snoozedMs / 60_000)}m`, tooltip: `Hearth inline completions: snoozed. ${state.summary}\nClick to resume or turn off.`, command: menu };
  }
  if (state.enabled && state.editorSuggestionsOff !== undefined) {
    return {
      text: "$(circle-slash) Completions: off in the editor",
      tooltip: `Hearth inline completions: on, but VS Code shows no inline suggestions as you type here: editor.inlineSuggest.enabled is off for ${state.editorSuggestionsOff} files (VS Code's setting, for every extension's suggestions). Trigger Inline Suggestion (Alt+\\) still asks Hearth for one. ${state.summary}\nClick to snooze or turn off.`,
      command: menu,
    };
  }
  if (state.enabled && state.excludedHere) {
    return {
      text: "$(circle-slash) Completions: off in this file",
      tooltip: `Hearth inline completions: on, but not in this file: ${state.excludedHere.reason}. ${state.excludedHere.bySetting ? "hearth.inlineCompletionsExclude changes which files." : "Another name of a secrets file is never completed, whatever hearth.inlineCompletionsExclude says."} ${state.summary}\nClick to snooze or turn off.`,
      command: menu,
    };
  }
  if (state.enabled && state.status && state.status.state !== "ready") return troubleLook(state.status, state.summary, menu);
  const word = state.enabled ? "on" : "off";
  return {
    text: `${state.enabled ? "$(sparkle)" : "$(circle-slash)"} Completions: ${word}`,
    tooltip: `Hearth inline completions: ${word}. ${state.summary}\nClick to ${state.enabled ? "snooze or turn off" : "turn on"}.`,
    command: menu,
  };
}

/** Completions on, but the model does not answer: waiting for a busy server, given up on it, too slow, or failing. */
function troubleLook(status: Exclude<CompletionStatus, { state: "ready" }>, summary: string, command: string): Look {
  if ((status.state === "waiting" || status.state === "busy") && status.oneSlot) {
    const comeBack = status.state === "waiting" ? "They come back on their own when it ends" : "The next keystroke waits for the slot and asks once it is free";
    return {
      text: "$(watch) Completions: waiting for the chat (one slot)",
      tooltip: `Hearth inline completions: waiting for the chat — ${status.reason}. Nothing is sent while it runs. ${comeBack}. To complete while chatting, start llama-server with -np 2 (a slot for each; they share -c, so raise it to keep the chat's context). ${summary}\nClick to snooze or turn off.`,
      command,
      background: "warning",
    };
  }
  if (status.state === "busy") {
    return {
      text: "$(watch) Completions: server busy",
      tooltip: `Hearth inline completions: every try of the last request found the server busy — ${status.reason}. The next keystroke asks again. ${summary}\nClick to snooze or turn off.`,
      command,
      background: "warning",
    };
  }
  if (status.state === "slow") {
    const smaller = status.server ? "A smaller model on the server, or a small completion model on this machine (hearth.completionModelPath)," : "A smaller completion model (hearth.completionModelPath)";
    return {
      text: `$(watch) Completions: model too slow ${status.server ? "on the server" : "on this machine"} (> ${formatSeconds(status.limitMs)})`,
      tooltip: `Hearth inline completions: ${status.reason}, so none shows. ${smaller} answers sooner. The next answer clears this. ${summary}\nClick to snooze or turn off.`,
      command,
      background: "warning",
    };
  }
  if (status.state === "waiting") {
    return {
      text: "$(watch) Completions: waiting — server busy",
      tooltip: `Hearth inline completions: waiting — ${status.reason}. They come back on their own when it answers. ${summary}\nClick to snooze or turn off.`,
      command,
      background: "warning",
    };
  }
  return {
    text: "$(warning) Completions: failing",
    tooltip: `Hearth inline completions: the last request failed — ${status.reason}. The next answer clears this. ${summary}\nClick to snooze or turn off.`,
    command,
    background: "warning",
  };
}
