/**
 * Choosing and downloading a model: the preset/quantization pick with sizes and the
 * recommendation for this machine (from the runtime's catalog), the download in a
 * notification with bytes / speed / ETA and a Cancel button (an interrupted download
 * resumes next time), and a clear way out when offline.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import * as vscode from "vscode";
import { ResponseError } from "vscode-languageclient/node";
import { CudaInstallRequest, HearthErrorCode, ModelCatalogRequest, ModelDeleteRequest, ModelDownloadRequest } from "../protocol/lsp-ext.ts";
import type { DownloadedModel, ModelCatalog, ModelDownloadResult, PresetInfo, PresetQuantization } from "../protocol/models.ts";
import { formatSize } from "../protocol/units.ts";
import { readSettings, updateSetting } from "./config.ts";
import { type DownloadedItem, downloadedItem, type ManageStep, manageFailure, unloadNote } from "./manage-models.ts";
import { afterDownload, alreadyDownloading, DownloadSlot, downloadWarning, type ModelChoice, recommendedRow } from "./model-picks.ts";
import type { RuntimeClient } from "./runtime-client.ts";
import { showFailure } from "./failure-notice.ts";
import { requestFailure, requestNotice } from "./request-failure.ts";

/** A download in progress (undefined when it ends), for the chat view's model panel. */
export interface DownloadProgress {
  readonly preset: string;
  readonly fraction: number;
  readonly detail: string;
}
const downloadChanged = new vscode.EventEmitter<DownloadProgress | undefined>();
export const onDidChangeDownload = downloadChanged.event;

interface QuantPick extends vscode.QuickPickItem {
  readonly preset: PresetInfo;
  readonly quant: PresetQuantization;
}

const downloads = new DownloadSlot();

/** Asks which preset/quantization to download, then downloads it. Resolves when done or cancelled. */
export async function downloadModelInteractively(runtime: RuntimeClient, alternatives: () => Promise<void>): Promise<void> {
  if (downloads.busy) return void vscode.window.showInformationMessage(alreadyDownloading(downloads.busy));
  const catalog = await runtime.request(ModelCatalogRequest);
  const pick = await vscode.window.showQuickPick(quantizationPicks(catalog), {
    title: "Hearth: Download Model",
    placeHolder: catalog.recommendation.reason,
    matchOnDetail: true,
  });
  if (!pick || !("quant" in pick)) return; // nothing, or a separator
  const name = `${pick.preset.name} ${pick.quant.id}`;
  const warning = downloadWarning(catalog.recommendation, name, pick.quant);
  if (warning && (await vscode.window.showWarningMessage(warning, { modal: true }, "Download Anyway")) !== "Download Anyway") return;
  const before = modelChoice();
  const slot = await downloads.run(name, () => downloadWithProgress(runtime, pick, alternatives));
  if ("refused" in slot) return void vscode.window.showInformationMessage(alreadyDownloading(slot.refused));
  const result = slot.result;
  if (!result) return;
  const verified = result.verified === "size" ? " The server announced no SHA-256 for it, so only its size was checked." : "";
  // A model or server chosen during the download is the user's latest word: kept, the download offered.
  const kept = afterDownload(name, pick.preset.id, before, modelChoice());
  if (kept) {
    const use = `Use ${name}`;
    void vscode.window
      .showInformationMessage(kept + verified, use)
      .then((answer) => (answer === use ? selectPreset(pick.preset.id) : undefined))
      .then(undefined, showSelectFailure);
    return;
  }
  await selectPreset(pick.preset.id);
  void vscode.window.showInformationMessage(`Hearth: ${pick.preset.name} (${pick.quant.id}) is downloaded and selected.${verified}`);
}

/** The settings that decide the model now. */
function modelChoice(): ModelChoice {
  const { modelPreset, modelPath, serverUrl } = readSettings();
  return { modelPreset, modelPath, serverUrl };
}

/**
 * Use <model> on the notice after a download, answered once the command has returned: its failed
 * settings write is said as the command's own catch says it (showRequestFailure), not left an
 * unhandled rejection; none where VS Code has said it (requestNotice).
 */
function showSelectFailure(error: unknown): void {
  const failure = requestNotice(error);
  if (failure) void showFailure(`Hearth: ${failure.message}`, failure.actions);
}

async function selectPreset(preset: string): Promise<void> {
  await updateSetting("modelPreset", preset as never);
  await updateSetting("modelPath", "");
  await updateSetting("serverUrl", "");
}

function quantizationPicks(catalog: ModelCatalog): (QuantPick | vscode.QuickPickItem)[] {
  const items: (QuantPick | vscode.QuickPickItem)[] = [];
  for (const preset of catalog.presets) {
    items.push({ label: preset.name, kind: vscode.QuickPickItemKind.Separator });
    for (const quant of preset.quantizations) {
      const recommended = recommendedRow(catalog.recommendation, preset.id, quant.id);
      const downloaded = catalog.downloaded.find((d) => d.preset === preset.id && d.quantization === quant.id);
      const state = downloaded ? (downloaded.complete ? "downloaded" : `partly downloaded (${gib(downloaded.sizeBytes)}), resumes`) : undefined;
      items.push({
        label: `${recommended ? "$(star-full) " : ""}${preset.name} ${quant.id}`,
        description: [`${gib(quant.sizeBytes)} download`, `needs ~${gib(quant.memoryBytes)}`, state].filter(Boolean).join(" · "),
        detail: recommended ? `Recommended: ${catalog.recommendation.reason}` : preset.description,
        preset,
        quant,
      } satisfies QuantPick);
    }
  }
  return items;
}

async function downloadWithProgress(runtime: RuntimeClient, pick: QuantPick, alternatives: () => Promise<void>): Promise<ModelDownloadResult | undefined> {
  const token = `hearth-download-${randomUUID()}`;
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Downloading ${pick.preset.name} ${pick.quant.id}`, cancellable: true },
      async (progress, cancel) => {
        let last = 0;
        const name = `${pick.preset.name} ${pick.quant.id}`;
        downloadChanged.fire({ preset: name, fraction: 0, detail: "starting" });
        const sub = runtime.onWorkDoneProgress(token, (value) => {
          if (value.kind === "end") return;
          const pct = value.percentage ?? last;
          progress.report({ message: value.message, increment: Math.max(0, pct - last) });
          downloadChanged.fire({ preset: name, fraction: pct / 100, detail: value.message ?? "" });
          last = pct;
        });
        try {
          const result = await runtime.request(ModelDownloadRequest, { preset: pick.preset.id, quantization: pick.quant.id, workDoneToken: token }, cancel);
          return result;
        } finally {
          sub.dispose();
          downloadChanged.fire(undefined);
        }
      },
    );
  } catch (error) {
    if (error instanceof ResponseError && error.code === -32800) {
      void vscode.window.showInformationMessage("Hearth: download cancelled. The part already downloaded is kept; downloading again resumes it.");
      return undefined;
    }
    const offline = error instanceof ResponseError && error.code === HearthErrorCode.Offline;
    const message = error instanceof Error ? error.message : String(error);
    const choice = await vscode.window.showErrorMessage(
      offline ? `Hearth: cannot reach the download server. ${message}` : `Hearth: the download failed: ${message}`,
      "Choose a GGUF File or Server…",
    );
    if (choice) await alternatives();
    return undefined;
  }
}

/** Sizes in GiB, as everywhere in Hearth (the view, `hearth models`, the status bar). */
function gib(bytes: number): string {
  return formatSize(bytes);
}

/**
 * Lists the models in Hearth's models folder (size, preset, interrupted downloads) and
 * lets the user use or delete one. Deleting asks first and never touches files elsewhere.
 * Every step that fails ends in a message saying which, why and what to do (manage-models.ts).
 */
export async function manageDownloadedModels(runtime: RuntimeClient): Promise<void> {
  let step: ManageStep = { kind: "list" };
  let folder: string | undefined;
  try {
    const catalog = await runtime.request(ModelCatalogRequest);
    folder = catalog.modelsFolder;
    const model = await pickDownloadedModel(catalog);
    if (!model) return;
    const action = await vscode.window.showQuickPick(model.actions, { title: model.label });
    if (action === "Delete…") {
      step = { kind: "delete", label: model.label, folder: catalog.modelsFolder };
      await deleteDownloadedModel(runtime, model.label, model.model);
    } else if (action === "Resume Download") {
      await vscode.commands.executeCommand("hearth.downloadModel");
    } else if (action === "Use This Model") {
      step = { kind: "use", label: model.label };
      await useDownloadedModel(model.label, model.model);
    }
  } catch (error) {
    const failure = manageFailure(step, error);
    if (!failure) return;
    const pick = await vscode.window.showErrorMessage(failure.message, ...failure.actions);
    if (pick === "Show Log") await vscode.commands.executeCommand("hearth.showLog");
    if (pick === "Restart Runtime") await vscode.commands.executeCommand("hearth.restartRuntime");
    if (pick === "Reveal in Folder" && folder) await vscode.commands.executeCommand("revealFileInOS", vscode.Uri.file(folder));
    if (pick === "Open User Settings") await vscode.commands.executeCommand("workbench.action.openSettingsJson");
  }
}

/** The quick pick of downloaded models (undefined: none chosen; with none downloaded, it offers Download Model). */
async function pickDownloadedModel(catalog: ModelCatalog): Promise<(DownloadedItem & { model: DownloadedModel }) | undefined> {
  if (catalog.downloaded.length === 0) {
    const pick = await vscode.window.showInformationMessage(`Hearth has no downloaded models (folder: ${catalog.modelsFolder}).`, "Download Model…");
    if (pick) await vscode.commands.executeCommand("hearth.downloadModel");
    return undefined;
  }
  const names = new Map(catalog.presets.map((p) => [p.id, p.name]));
  return vscode.window.showQuickPick(
    catalog.downloaded.map((d) => ({ ...downloadedItem(d, names), model: d })),
    { title: "Hearth: Downloaded Models", placeHolder: `In ${catalog.modelsFolder}` },
  );
}

/**
 * Deletes after asking. A model the runtime has loaded from the file (the catalog says which)
 * is unloaded by the runtime itself before the delete: no restart.
 */
async function deleteDownloadedModel(runtime: RuntimeClient, label: string, model: DownloadedModel): Promise<void> {
  const note = unloadNote(model);
  const detail = note ? `${model.path}\n\n${note}` : model.path;
  const sure = await vscode.window.showWarningMessage(`Delete ${label} (${gib(model.sizeBytes)})?`, { modal: true, detail }, "Delete");
  if (sure !== "Delete") return;
  await runtime.request(ModelDeleteRequest, { path: model.path });
  void vscode.window.showInformationMessage(`Hearth: deleted ${label}.${note ? " It was unloaded first." : ""}`);
}

async function useDownloadedModel(label: string, model: DownloadedModel): Promise<void> {
  if (!existsSync(model.path)) {
    const pick = await vscode.window.showWarningMessage(`Hearth: ${label} is not there any more (${model.path}): it was deleted or moved outside Hearth. Download it again, or choose another model.`, "Download Model…");
    if (pick) await vscode.commands.executeCommand("hearth.downloadModel");
    return;
  }
  if (model.preset) {
    await updateSetting("modelPreset", model.preset as never);
    await updateSetting("modelPath", "");
  } else {
    await updateSetting("modelPath", model.path);
  }
  await updateSetting("serverUrl", "");
}

/**
 * "Download CUDA Acceleration": installs the CUDA build of llama.cpp (a notification with
 * progress and Cancel; an interrupted download resumes next time), then restarts the
 * runtime so the model loads on CUDA. Offline or failing, it says so: Vulkan keeps working.
 */
export async function downloadCudaInteractively(runtime: RuntimeClient): Promise<void> {
  const token = `hearth-cuda-${randomUUID()}`;
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "Downloading CUDA acceleration", cancellable: true },
      async (progress, cancel) => {
        let last = 0;
        const sub = runtime.onWorkDoneProgress(token, (value) => {
          if (value.kind === "end") return;
          const pct = value.percentage ?? last;
          progress.report({ message: value.message, increment: Math.max(0, pct - last) });
          downloadChanged.fire({ preset: "CUDA acceleration", fraction: pct / 100, detail: value.message ?? "" });
          last = pct;
        });
        try {
          return await runtime.request(CudaInstallRequest, { workDoneToken: token }, cancel);
        } finally {
          sub.dispose();
          downloadChanged.fire(undefined);
        }
      },
    );
    void vscode.window.showInformationMessage(`Hearth: CUDA acceleration ${result.downloaded ? "is installed" : "was already installed"}; restarting the runtime to use it.`);
    await runtime.restart();
  } catch (error) {
    if (error instanceof ResponseError && error.code === -32800) {
      void vscode.window.showInformationMessage("Hearth: CUDA download cancelled; Hearth keeps using Vulkan. Downloading again resumes it.");
      return;
    }
    const { message, actions } = requestFailure(error);
    void showFailure(`Hearth: CUDA acceleration was not installed: ${message}`, actions, { error: true });
  }
}
