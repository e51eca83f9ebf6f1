/**
 * What Select Model says beside each entry. Pure (no `vscode`), so it is unit tested:
 * only the model that is actually loaded is "loaded"; the one the settings select but that
 * is not loaded (not downloaded, loading, failed, runtime down) is "selected, not loaded".
 * Also Download Model's rules: one download at a time (`DownloadSlot`), and a question before
 * a download on a machine nothing fits (`downloadWarning`), and its star only beside a
 * recommendation that fits (`recommendedRow`).
 */
import { basename } from "node:path";
import type { ModelRecommendation, PresetQuantization } from "../protocol/models.ts";
import { formatSize } from "../protocol/units.ts";
import type { RuntimeConnection } from "../protocol/webview.ts";
import { shownServer } from "./server-key.ts";

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

/**
 * What a finished download does with the model settings: undefined — select the downloaded
 * preset — when they are as they were when it began (or select it already); else the notice
 * that it is downloaded and the choice the user made meanwhile is kept. A download takes many
 * minutes, and selecting it at its end overwrote a server URL typed or a model chosen in them.
 */
export function afterDownload(name: string, preset: string, before: ModelChoice, now: ModelChoice): string | undefined {
  if (sameChoice(before, now) || selected({ kind: "preset", preset }, now)) return undefined;
  return `Hearth: ${name} is downloaded; the ${choiceName(now)} you chose while it downloaded is kept. To use ${name} instead, click Use ${name}.`;
}

function sameChoice(a: ModelChoice, b: ModelChoice): boolean {
  return a.modelPreset === b.modelPreset && a.modelPath === b.modelPath && a.serverUrl === b.serverUrl;
}

/**
 * Whether Select Model asks the runtime to check the model again (model/load): the model that
 * failed chosen again. That changes no setting, so VS Code tells the runtime nothing, and the
 * error stayed though the file was whole since (its download finished, a split model's last part
 * arrived); the runtime loads it when its files changed, else says the same error again.
 */
export function checkAgain(before: ModelChoice, now: ModelChoice, runtime: RuntimeConnection): boolean {
  return sameChoice(before, now) && runtime.kind === "running" && runtime.status.model.kind === "error";
}

/** The model the settings select, in words: "server gpu-box:8080", "model file mine.gguf", "preset qwen3.6-27b". */
function choiceName(choice: ModelChoice): string {
  if (choice.serverUrl !== "") return `server ${shownServer(choice.serverUrl).host ?? shownServer(choice.serverUrl).written}`;
  if (choice.modelPath !== "") return `model file ${basename(choice.modelPath)}`;
  return `preset ${choice.modelPreset}`;
}

/**
 * The model download in progress in this window, one at a time: a second download of the
 * same file would append to the same `.part` as the first (a corrupt file, or one failing
 * its SHA-256 once both end), and the view shows one download's progress.
 */
export class DownloadSlot {
  private running: string | undefined;

  /** The name of the download in progress ("Qwen3.6-35B-A3B Q4_K_M"), if one runs. */
  get busy(): string | undefined {
    return this.running;
  }

  /** Runs `download` when no other runs (its result), else refuses without starting it (the one running). */
  async run<T>(name: string, download: () => Promise<T>): Promise<{ result: T } | { refused: string }> {
    if (this.running !== undefined) return { refused: this.running };
    this.running = name;
    try {
      return { result: await download() };
    } finally {
      this.running = undefined;
    }
  }
}

/** What Download Model says while another download runs. */
export function alreadyDownloading(name: string): string {
  return `Hearth is already downloading ${name}. Wait for it to finish, or cancel it in its notification, then download another.`;
}

/**
 * Whether Download Model stars this row as the machine's recommendation: only where it fits.
 * Where nothing fits, the catalog's recommendation is the smallest choice marked not fitting,
 * and the picker starred it with "Recommended: No model Hearth offers fits this machine…" under
 * it — a 19.7 GiB download offered as the pick on a machine it would not load on.
 */
export function recommendedRow(recommendation: ModelRecommendation, preset: string, quantization: string): boolean {
  return recommendation.fits && recommendation.preset === preset && recommendation.quantization === quantization;
}

/**
 * The question to ask before downloading `name` on a machine the runtime found nothing fits
 * (the view offers no download there), or undefined where its recommendation fits.
 */
export function downloadWarning(recommendation: ModelRecommendation, name: string, quant: PresetQuantization): string | undefined {
  if (recommendation.fits) return undefined;
  return `${recommendation.reason.replace(/\.$/, "")}. ${name} needs about ${formatSize(quant.memoryBytes)}, so it will likely not load here. Download it (${formatSize(quant.sizeBytes)}) anyway?`;
}

/**
 * Select Model's entry for the workspace's server URL the user has not agreed to: the server
 * named as the consent question names it (shownServer): the host the code would go to, the
 * URL as written with its hidden characters escaped, a word on a name beyond a–z.
 */
export function workspaceServerEntry(serverUrl: string): { readonly label: string; readonly description: string; readonly detail: string } {
  const { host, written, note } = shownServer(serverUrl);
  const where = "Its settings name it; your code and chats would be sent there";
  return {
    label: "$(organization) Use this workspace's server",
    description: host ? `${host} (${written})` : written,
    detail: note ? `${where}. ${note[0]!.toUpperCase()}${note.slice(1)}` : where,
  };
}
