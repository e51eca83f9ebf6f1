/**
 * Maps LSP and Hearth requests onto `RuntimeServices` (runtime-services.ts). Every handler
 * is wrapped by `guard` so an exception is logged with its stack and answered as a
 * `ResponseError`, never swallowed.
 */
import type { CancellationToken, Connection } from "vscode-languageserver/node";
import { probeSystem } from "../models/index.ts";
import {
  ChatSendRequest,
  CudaInstallRequest,
  type DidChangeHearthConfiguration,
  ModelCatalogRequest,
  ModelDeleteRequest,
  ModelDownloadRequest,
  ModelLoadRequest,
  ReindexRequest,
  StatusRequest,
  SystemInfoRequest,
  WorkspaceTrustedNotification,
} from "../protocol/lsp-ext.ts";
import { log } from "./log.ts";
import { deleteModelFile, modelCatalog } from "./model-files.ts";
import { exitWithParent, shutdownAndExit } from "./process-guard.ts";
import { cancellable, guard } from "./rpc.ts";
import { RuntimeServices } from "./runtime-services.ts";

/** Longest wait for the client's first status request before indexing starts anyway. */
const INDEX_START_DELAY_MS = 2000;

/** What main.ts tells the server of its connection. */
export interface ServerHandle {
  /** The client's end of the connection closed (its process ended): the runtime cleans up and exits. */
  clientGone(): void;
}

export function startServer(connection: Connection): ServerHandle {
  const runtime = new RuntimeServices(connection);
  let shutdownAsked = false;
  const parentWatch = exitWithParent(() => runtime.dispose());
  connection.onInitialize((params) => {
    if (typeof params.processId === "number") parentWatch.watchClient(params.processId);
    return runtime.initialize(params);
  });
  connection.onInitialized(() => void setTimeout(() => runtime.startIndex(), INDEX_START_DELAY_MS).unref());
  connection.onDidChangeConfiguration(guard("didChangeConfiguration", (params: DidChangeHearthConfiguration) => runtime.updateSettings(params)));
  connection.onNotification(WorkspaceTrustedNotification, guard("workspace/trusted", () => runtime.trustWorkspace()));
  connection.onRequest(StatusRequest, guard("status", () => runtime.status()));
  connection.onRequest(SystemInfoRequest, guard("system/info", (token: CancellationToken) => cancellable(probeSystem(), token)));
  connection.onRequest(ChatSendRequest, guard("chat/send", (params, token: CancellationToken) => runtime.chat(params, token)));
  connection.onRequest(ModelCatalogRequest, guard("model/catalog", () => modelCatalog(runtime.modelsFolder(), runtime.requireSession())));
  connection.onRequest(ModelDeleteRequest, guard("model/delete", (params) => deleteModelFile(runtime.modelsFolder(), params.path, runtime.requireSession())));
  connection.onRequest(ModelDownloadRequest, guard("model/download", (params, token: CancellationToken) => runtime.download(params, token)));
  connection.onRequest(CudaInstallRequest, guard("model/installCuda", (params, token: CancellationToken) => runtime.installCuda(params, token)));
  connection.onRequest(ModelLoadRequest, guard("model/load", (params) => runtime.requireSession().loadModel(params?.reload === true)));
  connection.onRequest(ReindexRequest, guard("index/reindex", (params) => runtime.reindex(params)));
  connection.onShutdown(async () => {
    shutdownAsked = true;
    log("info", "shutdown requested");
    await runtime.dispose();
  });
  // `exit` and a dead `processId` make vscode-languageserver itself exit (the parent watch above
  // usually comes first); a closed stdin is ours, with the library's exit code.
  return { clientGone: () => void shutdownAndExit("the client closed the connection", () => runtime.dispose(), shutdownAsked ? 0 : 1) };
}
