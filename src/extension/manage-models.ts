/**
 * The pure half of Manage Downloaded Models (no `vscode`, unit-tested): what it says when a
 * step fails — which step, which model, the reason in words, and the buttons that lead on;
 * every step's failure ends in one of these messages, never a raw rejection or nothing —
 * and what deleting a model the runtime has loaded does (the catalog says which it has).
 */
import type { DownloadedModel } from "../protocol/models.ts";

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
 * What deleting `model` does to the models Hearth runs, from what the runtime says it has
 * loaded from that file (`loadedFor`); undefined: nothing. The runtime unloads it itself.
 */
export function unloadNote(model: DownloadedModel): string | undefined {
  const uses = model.loadedFor ?? [];
  const what = uses.includes("chat") ? (uses.includes("completions") ? "for chat and inline completions" : "for chat") : uses.includes("completions") ? "for inline completions" : undefined;
  return what && `Hearth has this model loaded ${what}: deleting it unloads it first.`;
}
