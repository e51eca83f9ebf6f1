/**
 * The model downloads the client asks for, shown as LSP work-done progress: a preset into
 * the models folder (`hearth/model/download`) and the CUDA build of llama.cpp
 * (`hearth/model/installCuda`). The downloads themselves are src/models.
 */
import { type CancellationToken, type Connection, type ProgressToken, ResponseError } from "vscode-languageserver/node";
import { bundledLlamaVersion, cudaFacts, DownloadError, type DownloadProgress, installCuda, nativeFolderIn, probeSystem } from "../models/index.ts";
import { HearthErrorCode } from "../protocol/lsp-ext.ts";
import { type CudaInstallParams, type CudaInstallResult, describeVerification, type ModelDownloadParams, type ModelDownloadResult } from "../protocol/models.ts";
import { log } from "./log.ts";
import { describeDownload, downloadPreset } from "./model-files.ts";
import { abortSignal, cancelled } from "./rpc.ts";

/** A progress bar for a download, if the client gave a token for one. */
function progressBar(connection: Connection, workDoneToken: ProgressToken | undefined, title: string) {
  const progress = workDoneToken === undefined ? undefined : connection.window.attachWorkDoneProgress(workDoneToken);
  progress?.begin(title, 0, "starting", true);
  return {
    // While checking the part left before, the bar stays where it starts and the message moves.
    report: (p: DownloadProgress, prefix = "") => progress?.report(p.phase === "downloading" && p.totalBytes ? Math.floor((p.receivedBytes / p.totalBytes) * 100) : 0, `${prefix}${describeDownload(p)}`),
    done: () => progress?.done(),
  };
}

/** Downloads a preset into `modelsFolder`; a cancelled request rejects with RequestCancelled. */
export async function downloadWithProgress(connection: Connection, modelsFolder: string, params: ModelDownloadParams, token: CancellationToken): Promise<ModelDownloadResult> {
  const progress = progressBar(connection, params.workDoneToken, `Downloading ${params.preset}`);
  try {
    const result = await downloadPreset(modelsFolder, params, abortSignal(token), (p) => progress.report(p));
    log("info", `model download ${result.path}: ${describeVerification(result)}${result.sha256 ? ` (${result.sha256})` : ""}${result.startedOver ? `; started over: ${result.startedOver}` : ""}`);
    return result;
  } catch (error) {
    if (token.isCancellationRequested) throw cancelled();
    if (error instanceof DownloadError && error.offline) throw new ResponseError(HearthErrorCode.Offline, error.message);
    throw error;
  } finally {
    progress.done();
  }
}

/** Installs the CUDA packages for this platform under `globalStoragePath`. */
export async function installCudaWithProgress(connection: Connection, globalStoragePath: string | undefined, params: CudaInstallParams, token: CancellationToken): Promise<CudaInstallResult> {
  if (!globalStoragePath) throw new ResponseError(HearthErrorCode.NotAvailable, "This client gave the runtime no storage folder for native packages: install CUDA with the Hearth extension or hearth models --cuda");
  const system = await probeSystem();
  const facts = await cudaFacts(system.gpu, system.gpuNames);
  if (!facts.packages) throw new ResponseError(HearthErrorCode.NotAvailable, `node-llama-cpp has no CUDA build for ${process.platform}-${process.arch}; Hearth keeps using ${system.gpu || "the CPU"}`);
  const progress = progressBar(connection, params.workDoneToken, "Downloading CUDA acceleration");
  try {
    return await installCuda({
      packages: facts.packages,
      version: bundledLlamaVersion(),
      nativeFolder: nativeFolderIn(globalStoragePath),
      withExt: params.withExt ?? facts.mainInstalled, // the main build is there and did not load: the fallback build
      signal: abortSignal(token),
      onProgress: (name, p) => progress.report(p, `${name.split("/")[1]}: `),
    });
  } catch (error) {
    if (token.isCancellationRequested) throw cancelled();
    throw error;
  } finally {
    progress.done();
  }
}
