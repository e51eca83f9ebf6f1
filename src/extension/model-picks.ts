/**
 * What Select Model says beside each entry. Pure (no `vscode`), so it is unit tested:
 * only the model that is actually loaded is "loaded"; the one the settings select but that
 * is not loaded (not downloaded, loading, failed, runtime down) is "selected, not loaded".
 */
import type { RuntimeConnection } from "../protocol/webview.ts";

/** The settings that decide which model the runtime uses (server URL, then GGUF path, then preset). */
export interface ModelChoice {
  readonly modelPreset: string;
  readonly modelPath: string;
  readonly serverUrl: string;
}

/** One entry of the picker: a preset, "Choose a GGUF file…" or "Use a server URL…". */
export type PickEntry = { readonly kind: "preset"; readonly preset: string } | { readonly kind: "file" } | { readonly kind: "server" };

function selected(entry: PickEntry, choice: ModelChoice): boolean {
  if (entry.kind === "server") return choice.serverUrl !== "";
  if (entry.kind === "file") return choice.serverUrl === "" && choice.modelPath !== "";
  return choice.serverUrl === "" && choice.modelPath === "" && choice.modelPreset === entry.preset;
}

/** "loaded", "selected, not loaded", or undefined for an entry the settings do not select. */
export function modelPickState(entry: PickEntry, choice: ModelChoice, runtime: RuntimeConnection): "loaded" | "selected, not loaded" | undefined {
  if (!selected(entry, choice)) return undefined;
  const model = runtime.kind === "running" ? runtime.status.model : undefined;
  return model?.kind === "ready" && model.source.kind === entry.kind ? "loaded" : "selected, not loaded";
}
