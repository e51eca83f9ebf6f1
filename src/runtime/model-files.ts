/**
 * Model management requests on top of src/models: the catalog (presets, downloaded files,
 * a recommendation for this machine), downloads into the models folder, deletion. Kept
 * out of session.ts, which owns the loaded model.
 */
import { basename, relative, resolve } from "node:path";
import { unlink } from "node:fs/promises";
import { isOutside } from "../indexer/index.ts";
import { BackendError, downloadablePresets, downloadFile, type DownloadProgress, findPreset, findQuantization, holderWords, isWebAddress, listDownloaded, lockPart, MOVED_ASIDE, PRESETS, probeSystem, recommendCompletionModel, recommendModel, systemProcessMemory } from "../models/index.ts";
import type { ModelCatalog, ModelDownloadParams, ModelDownloadResult, ModelUse } from "../protocol/models.ts";
import { printableAscii } from "../protocol/printable-ascii.ts";
import { formatSize } from "../protocol/units.ts";

/** The runtime's loaded models, as deleting a model file needs them (RuntimeSession). */
export interface HeldModels {
  /** The files loaded or loading, by resolved path, and what for. */
  heldModelFiles(): ReadonlyMap<string, readonly ModelUse[]>;
  /** Unloads what is loaded from `path`; what it unloaded. */
  releaseModelFile(path: string): Promise<readonly ModelUse[]>;
  /** Checks the settings again and loads what they name (after a delete: another model, or a state that says the file is gone). */
  refresh(): Promise<void>;
}

export async function modelCatalog(modelsFolder: string, models?: HeldModels): Promise<ModelCatalog> {
  const held = models?.heldModelFiles();
  const downloaded = listModels(modelsFolder).map((d) => { // first: a folder that cannot be read is said before the seconds the probe takes
    const uses = held?.get(resolve(d.path));
    return uses?.length ? { ...d, loadedFor: uses } : d;
  });
  const system = await probeSystem().catch(() => undefined);
  const memory = { vramBytes: system?.vramTotalBytes ?? 0, ramBytes: system?.totalMemoryBytes ?? systemProcessMemory().totalBytes };
  const recommendation = recommendModel(memory);
  const completion = recommendCompletionModel(memory, recommendation);
  const completionRecommendation = { id: completion.model.id, name: completion.model.name, quantization: completion.model.quantization, reason: completion.reason };
  return { presets: PRESETS, downloaded, recommendation, completionRecommendation, modelsFolder };
}

export async function downloadPreset(
  modelsFolder: string,
  params: ModelDownloadParams,
  signal: AbortSignal,
  onProgress: (progress: DownloadProgress) => void,
): Promise<ModelDownloadResult & { readonly startedOver?: string }> {
  const preset = findPreset(params.preset);
  if (!preset) throw new BackendError(`unknown model preset "${params.preset}" (known: ${downloadablePresets().map((p) => p.id).join(", ")})`);
  const quant = findQuantization(preset, params.quantization);
  if (!quant) throw new BackendError(`${preset.name} has no quantization "${params.quantization}" (choose ${preset.quantizations.map((q) => q.id).join(", ")})`);
  return downloadFile({ url: mirrored(quant.url), folder: modelsFolder, file: quant.file, signal, onProgress, magic: "GGUF" });
}

/** `HF_ENDPOINT` (Hugging Face's own convention) points downloads at a mirror. */
function mirrored(url: string): string {
  const endpoint = process.env.HF_ENDPOINT?.replace(/\/+$/, "");
  if (!endpoint) return url;
  // fetch refuses an address with a sign-in in it (https://alice:pw@mirror) and puts it whole in its error:
  // taken for a dropped connection, it was tried six times, then shown with the password ("… run it again to resume").
  const signIn = withoutSignIn(endpoint);
  if (signIn !== undefined) {
    throw new BackendError(`HF_ENDPOINT holds a user name or password (${signIn}), which Hearth does not send to a mirror: set it to the mirror's address without them, or unset it to download from Hugging Face. Nothing was downloaded.`);
  }
  if (!isWebAddress(endpoint)) {
    // Mirrors' own instructions often name only the host (hf-mirror.com).
    const shown = printableAscii(endpoint, 100);
    const like = /^[\w.-]+(:\d+)?(\/|$)/.test(endpoint) ? ` (as https://${shown})` : "";
    throw new BackendError(`HF_ENDPOINT is "${shown}", which is not a web address: set it to the mirror's address with http:// or https://${like}, or unset it to download from Hugging Face. Nothing was downloaded.`);
  }
  return url.replace(/^https:\/\/huggingface\.co/, endpoint);
}

/** `endpoint` as a message may show it, without the user name and password it holds; undefined when it holds none. */
function withoutSignIn(endpoint: string): string | undefined {
  const written = endpoint.includes("://") ? endpoint : `https://${endpoint}`;
  if (!URL.canParse(written)) {
    const stripped = written.replace(/\/\/[^/?#@]*@/, "//");
    return stripped === written ? undefined : printableAscii(stripped, 100);
  }
  const url = new URL(written);
  if (!url.username && !url.password) return undefined;
  url.username = url.password = "";
  return printableAscii(url.href.replace(/\/$/, ""), 100);
}

/** The models in the folder; one that cannot be read (not a folder, no permission) fails in words. */
function listModels(modelsFolder: string): ReturnType<typeof listDownloaded> {
  try {
    return listDownloaded(modelsFolder);
  } catch (error) {
    throw new BackendError(
      `Cannot read Hearth's models folder ${modelsFolder} (${codeOf(error)}). Make it a folder Hearth can read and write (or move what is in its place), then try again`,
      "showLog",
    );
  }
}

/**
 * Deletes a file from the models folder (and nothing outside it); a failure says why and what
 * to do. A model loaded from it is unloaded first (`models`), and the settings checked again
 * after: no restart is needed to free the file.
 */
export async function deleteModelFile(modelsFolder: string, path: string, models?: HeldModels): Promise<void> {
  const rel = relative(resolve(modelsFolder), resolve(path));
  if (!rel || isOutside(rel) || !(/\.gguf(\.part)?$/.test(rel) || MOVED_ASIDE.test(rel))) {
    throw new BackendError(`only model files inside ${modelsFolder} can be deleted here`);
  }
  // A part a download is appending to now: deleted, the download would write on into the
  // unlinked file (its space not freed) and then start again from byte 0. Taken, the lock
  // also keeps a download from starting on it while it goes.
  const lock = path.endsWith(".part") ? await lockPart(path).catch(() => undefined) : undefined;
  if (lock && "holder" in lock) {
    throw new BackendError(`${basename(path)} is being downloaded now (by ${holderWords(lock.holder)}): cancel that download first, then delete it. Nothing was deleted.`);
  }
  try {
    await deleteUnlocked(path, modelsFolder, models);
  } finally {
    await lock?.release();
  }
}

async function deleteUnlocked(path: string, modelsFolder: string, models: HeldModels | undefined): Promise<void> {
  const released = await models?.releaseModelFile(path);
  try {
    await unlink(path);
  } catch (error) {
    if (released?.length) await models?.refresh(); // still there: load it again
    const code = codeOf(error);
    const name = basename(path);
    if (code === "ENOENT") throw new BackendError(`${name} is not in ${modelsFolder} any more: it was deleted or moved outside Hearth. Nothing was deleted; open Manage Downloaded Models again for the current list.`);
    const why = code === "EBUSY" || code === "EPERM" || code === "EACCES"
      ? "it is in use (a model Hearth or another program has loaded: choose another model first) or the folder does not allow it"
      : code === "EROFS" ? "the disk is read-only" : "it could not be removed";
    throw new BackendError(`Cannot delete ${name} (${code}): ${why}. Delete it yourself from ${modelsFolder}, or fix the cause and try again.`);
  }
  // What the part's download was started from (models/part-origin.ts), useless without it.
  if (path.endsWith(".part")) await unlink(`${path}.json`).catch(() => undefined);
  if (released?.length) await models?.refresh();
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : error instanceof Error ? error.message : String(error);
}

/** "1.2 GiB of 19.7 GiB, 35.1 MiB/s, 9 min left" (then " — why it started over", when it did; or "checking the part downloaded before: …") for progress bars and the CLI (sizes as everywhere: formatSize). */
export function describeDownload(p: DownloadProgress): string {
  const gib = formatSize;
  const speed = `${(p.bytesPerSecond / 1024 ** 2).toFixed(1)} MiB/s`;
  const eta = p.etaSeconds === undefined ? "" : `, ${p.etaSeconds >= 90 ? `${Math.round(p.etaSeconds / 60)} min` : `${Math.round(p.etaSeconds)} s`} left`;
  if (p.phase === "checking") return `checking the part downloaded before: ${gib(p.receivedBytes)} of ${gib(p.totalBytes ?? p.receivedBytes)}, ${speed}${eta}`;
  return `${gib(p.receivedBytes)}${p.totalBytes ? ` of ${gib(p.totalBytes)}` : ""}, ${speed}${eta}${p.note ? ` — ${p.note}` : ""}`;
}
