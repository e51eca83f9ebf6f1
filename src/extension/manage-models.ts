/**
 * The pure half of Manage Downloaded Models (no `vscode`, unit-tested): what it says when a
 * step fails — which step, which model, the reason in words, and the buttons that lead on;
 * every step's failure ends in one of these messages, never a raw rejection or nothing —
 * and whether a model about to be deleted is the one the runtime has loaded.
 */
import type { DownloadedModel } from "../protocol/models.ts";
import type { RuntimeConnection } from "../protocol/webview.ts";

/** The step that failed, and what it was about. */
export type ManageStep =
  | { readonly kind: "list" }
  | { readonly kind: "delete"; readonly label: string; readonly folder: string }
  | { readonly kind: "use"; readonly label: string };

/** A button on the message; model-ui.ts runs it. */
export type ManageAction = "Show Log" | "Reveal in Folder" | "Open User Settings";

export interface ManageFailure {
  readonly message: string;
  readonly actions: readonly ManageAction[];
}

export function manageFailure(step: ManageStep, error: unknown): ManageFailure {
  const reason = reasonOf(error);
  switch (step.kind) {
    case "list":
      return { message: `Hearth could not list the downloaded models: ${reason}`, actions: ["Show Log"] };
    case "delete":
      return { message: `Hearth did not delete ${step.label}: ${reason}`, actions: ["Reveal in Folder", "Show Log"] };
    case "use":
      return {
        message: `Hearth could not select ${step.label}: ${reason} Check your user settings (settings.json) for errors, then choose the model again.`,
        actions: ["Open User Settings"],
      };
  }
}

/** The error's message as a sentence: without the runtime's "hearth/model/delete: " request prefix, ending in a full stop. */
function reasonOf(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error)).replace(/^(hearth\/)?model\/\w+: /, "").trim() || "an unknown error";
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/**
 * Whether `model` may be the model the runtime has loaded: its file, or a file of the
 * loaded preset (the runtime picks among a preset's downloaded quantizations).
 */
export function mayBeLoaded(model: DownloadedModel, runtime: RuntimeConnection): boolean {
  if (!model.complete || runtime.kind !== "running") return false;
  const state = runtime.status.model;
  if (state.kind !== "ready" && state.kind !== "loading") return false;
  if (state.source.kind === "file") return state.source.modelPath === model.path;
  return state.source.kind === "preset" && state.source.preset === model.preset;
}
