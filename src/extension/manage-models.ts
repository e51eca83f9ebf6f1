/**
 * The pure half of Manage Downloaded Models (no `vscode`, unit-tested): what it says when a
 * step fails — which step, which model, the reason in words, and the buttons that lead on;
 * every step's failure ends in one of these messages, never a raw rejection or nothing —
 * and what deleting a model the runtime has loaded does (the catalog says which it has).
 */
import type { DownloadedModel } from "../protocol/models.ts";
import { formatSize } from "../protocol/units.ts";
import { requestFailure } from "./request-failure.ts";

/** The step that failed, and what it was about. */
export type ManageStep =
  | { readonly kind: "list" }
  | { readonly kind: "delete"; readonly label: string; readonly folder: string }
  | { readonly kind: "use"; readonly label: string };

/** A button on the message; model-ui.ts runs it. */
export type ManageAction = "Restart Runtime" | "Show Log" | "Reveal in Folder" | "Open User Settings";

export interface ManageFailure {
  readonly message: string;
  readonly actions: readonly ManageAction[];
}

/** What a step that failed says (a settings.json VS Code cannot write too: its own notice of that comes only sometimes). */
export function manageFailure(step: ManageStep, error: unknown): ManageFailure | undefined {
  const reason = reasonOf(error);
  switch (step.kind) {
    case "list":
      // A stopped runtime offers Restart Runtime (requestFailure), as its reason says to.
      return { message: `Hearth could not list the downloaded models: ${reason}`, actions: requestFailure(error).actions as ManageAction[] };
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

/** What a file of the list can be: used (a model), resumed (a part), deleted (all of them). */
export type DownloadedAction = "Use This Model" | "Resume Download" | "Delete…";

/** One row of the list of downloaded models, and what can be done with it. */
export interface DownloadedItem {
  readonly label: string;
  readonly description: string;
  readonly detail: string;
  readonly actions: readonly DownloadedAction[];
}

const ASIDE_WORDS = { "not-a-model": "not a model", incomplete: "an incomplete model" } as const;

/**
 * How `model` reads in the list: its preset's name (`names`: preset id → name) or its file
 * name, its size and what it is. What a download moved aside (a page saved as the model, a
 * model cut short) is neither used nor resumed, only deleted: listed so its gigabytes can be.
 */
export function downloadedItem(model: DownloadedModel, names: ReadonlyMap<string, string>): DownloadedItem {
  const label = model.preset ? `${names.get(model.preset) ?? model.preset} ${model.quantization ?? ""}`.trim() : model.path.split(/[\\/]/).pop()!;
  const what = model.movedAside
    ? `${ASIDE_WORDS[model.movedAside]}: a download found it at the model's name and moved it aside`
    : model.complete ? undefined : "interrupted download";
  const actions: DownloadedAction[] = model.movedAside ? ["Delete…"] : [model.complete ? "Use This Model" : "Resume Download", "Delete…"];
  return { label, description: [formatSize(model.sizeBytes), what].filter(Boolean).join(" · "), detail: model.path, actions };
}
