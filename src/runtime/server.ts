/**
 * Maps LSP and Hearth requests onto a `RuntimeSession`. Every handler is wrapped so an
 * exception is logged with its stack and answered as a `ResponseError`, never swallowed.
 */
import {
  type CancellationToken,
  type Connection,
  ErrorCodes,
  type InitializeResult,
  ResponseError,
} from "vscode-languageserver/node";
import { DownloadError } from "../models/download.ts";
import { installCuda, nativeFolderIn } from "../models/cuda.ts";
import { bundledLlamaVersion, cudaFacts, probeSystem } from "../models/llama-cpp/system-probe.ts";
import { useInstalledNativePackages } from "../models/native-packages.ts";
import {
  ChatEventNotification,
  ChatSendRequest,
  CudaInstallRequest,
  type DidChangeHearthConfiguration,
  HearthErrorCode,
  type InitializationOptions,
  ModelCatalogRequest,
  ModelDeleteRequest,
  ModelDownloadRequest,
  ModelLoadRequest,
  ReindexRequest,
  StatusChangedNotification,
  StatusRequest,
  SystemInfoRequest,
} from "../protocol/lsp-ext.ts";
import { VERSION } from "../protocol/version.ts";
import { type CompletionWiring, wireCompletions } from "./completion-wiring.ts";
import { INDEX_CAPABILITIES, wireWorkspaceIndex, workspaceRoot } from "./index-wiring.ts";
import { log } from "./log.ts";
import { abortSignal, cancellable, cancelled, guard } from "./rpc.ts";
import { exitWithParent } from "./process-guard.ts";
import { type AgentWiring, wireAgent } from "./agent-wiring.ts";
import { ChatEventCoalescer } from "./chat-events.ts";
import { LoadProgress } from "./load-progress.ts";
import { wireLm } from "./lm-wiring.ts";
import { deleteModelFile, describeDownload, downloadPreset, modelCatalog } from "./model-files.ts";
import { OpenDocuments } from "./open-documents.ts";
import { modelsFolderIn, RuntimeSession } from "./session.ts";
import type { WorkspaceIndex } from "./workspace-index.ts";

/** Longest wait for the client's first status request before indexing starts anyway. */
const INDEX_START_DELAY_MS = 2000;

export function startServer(connection: Connection): void {
  let session: RuntimeSession | undefined;
  let index: WorkspaceIndex | undefined;
  let completions: CompletionWiring | undefined;
  let agent: AgentWiring | undefined;
  let globalStoragePath: string | undefined;
  const requireSession = () => {
    if (!session) throw new ResponseError(ErrorCodes.ServerNotInitialized, "The runtime has not been initialized yet: wait for it to start");
    return session;
  };
  const cleanup = async () => {
    await Promise.all([session?.dispose(), index?.dispose(), completions?.dispose(), agent?.dispose()]);
  };
  const parentWatch = exitWithParent(cleanup);

  connection.onInitialize((params): InitializeResult => {
    const options = (params.initializationOptions ?? {}) as Partial<InitializationOptions>;
    if (typeof params.processId === "number") parentWatch.watchClient(params.processId);
    const progress = params.capabilities.window?.workDoneProgress ? new LoadProgress(connection) : undefined;
    const modelsFolder = modelsFolderIn(options.globalStoragePath);
    // Before anything loads node-llama-cpp: CUDA packages installed on first use are found there.
    if (options.globalStoragePath) useInstalledNativePackages(nativeFolderIn(options.globalStoragePath), bundledLlamaVersion());
    globalStoragePath = options.globalStoragePath;
    session = new RuntimeSession(
      options.settings,
      (status) => {
        void connection.sendNotification(StatusChangedNotification, status);
        progress?.update(status.model);
      },
      {
        ...(modelsFolder ? { modelsFolder } : {}),
        // Only the key its client gives it for this server: never one from the runtime's own environment.
        ...(options.serverApiKey ? { apiKey: options.serverApiKey } : {}),
      },
    );
    void session.refresh();
    const current = session;
    const root = workspaceRoot(params);
    const documents = new OpenDocuments();
    index = wireWorkspaceIndex(connection, root, options.storagePath, (state) => current.setIndexState(state), documents);
    const workspaceIndex = index;
    completions = wireCompletions(connection, current, documents, root, () => workspaceIndex);
    agent = wireAgent({
      connection,
      session: current,
      root,
      storagePath: options.storagePath,
      documents,
      editorEdits: options.editorEdits === true,
      index: () => workspaceIndex?.queries,
    });
    wireLm({ connection, session: current });
    log("info", `Hearth runtime ${VERSION} initialized (pid ${process.pid}, node ${process.version})`);
    return { capabilities: INDEX_CAPABILITIES, serverInfo: { name: "hearth-runtime", version: VERSION } };
  });
  // The first build (from the cache: on an unchanged tree only metadata is re-read) starts
  // once the client has its first status, or after a moment: starting the index threads
  // loads tree-sitter on every core, which must not delay the editor's first answer.
  let indexStarted = false;
  const startIndex = () => {
    if (indexStarted) return;
    indexStarted = true;
    void index?.build().catch(() => undefined);
  };
  connection.onInitialized(() => void setTimeout(startIndex, INDEX_START_DELAY_MS).unref());

  connection.onDidChangeConfiguration(
    guard("didChangeConfiguration", (params: DidChangeHearthConfiguration) => {
      void requireSession().updateSettings(params.settings?.hearth ?? {});
    }),
  );

  connection.onRequest(
    StatusRequest,
    guard("status", async () => {
      const status = await requireSession().settledStatus();
      setImmediate(startIndex);
      return status;
    }),
  );

  connection.onRequest(
    SystemInfoRequest,
    guard("system/info", (token: CancellationToken) => cancellable(probeSystem(), token)),
  );

  connection.onRequest(
    ChatSendRequest,
    guard("chat/send", async (params, token: CancellationToken) => {
      const signal = abortSignal(token);
      const events = new ChatEventCoalescer((event) => void connection.sendNotification(ChatEventNotification, { runId: params.runId, event }));
      const result = await requireSession().chat(params, signal, (event) => events.push(event)).finally(() => events.flush());
      if (token.isCancellationRequested) throw cancelled();
      return result;
    }),
  );

  const modelsFolder = () => {
    const folder = requireSession().modelsFolder();
    if (!folder) throw new ResponseError(HearthErrorCode.NotAvailable, "This client gave the runtime no storage folder for models: download with the Hearth extension or hearth models");
    return folder;
  };
  connection.onRequest(ModelCatalogRequest, guard("model/catalog", () => modelCatalog(modelsFolder())));
  connection.onRequest(ModelDeleteRequest, guard("model/delete", (params) => deleteModelFile(modelsFolder(), params.path)));
  connection.onRequest(
    ModelDownloadRequest,
    guard("model/download", async (params, token: CancellationToken) => {
      const progress = params.workDoneToken === undefined ? undefined : connection.window.attachWorkDoneProgress(params.workDoneToken);
      progress?.begin(`Downloading ${params.preset}`, 0, "starting", true);
      try {
        const result = await downloadPreset(modelsFolder(), params, abortSignal(token), (p) =>
          progress?.report(p.totalBytes ? Math.floor((p.receivedBytes / p.totalBytes) * 100) : 0, describeDownload(p)),
        );
        await requireSession().refresh(); // a preset that was missing may be usable now
        return result;
      } catch (error) {
        if (token.isCancellationRequested) throw cancelled();
        if (error instanceof DownloadError && error.offline) throw new ResponseError(HearthErrorCode.Offline, error.message);
        throw error;
      } finally {
        progress?.done();
      }
    }),
  );

  connection.onRequest(
    CudaInstallRequest,
    guard("model/installCuda", async (params, token: CancellationToken) => {
      if (!globalStoragePath) throw new ResponseError(HearthErrorCode.NotAvailable, "This client gave the runtime no storage folder for native packages: install CUDA with the Hearth extension or hearth models --cuda");
      const system = await probeSystem();
      const facts = await cudaFacts(system.gpu, system.gpuNames);
      if (!facts.packages) throw new ResponseError(HearthErrorCode.NotAvailable, `node-llama-cpp has no CUDA build for ${process.platform}-${process.arch}; Hearth keeps using ${system.gpu || "the CPU"}`);
      const progress = params.workDoneToken === undefined ? undefined : connection.window.attachWorkDoneProgress(params.workDoneToken);
      progress?.begin("Downloading CUDA acceleration", 0, "starting", true);
      try {
        return await installCuda({
          packages: facts.packages,
          version: bundledLlamaVersion(),
          nativeFolder: nativeFolderIn(globalStoragePath),
          withExt: params.withExt ?? facts.mainInstalled, // the main build is there and did not load: the fallback build
          signal: abortSignal(token),
          onProgress: (name, p) => progress?.report(p.totalBytes ? Math.floor((p.receivedBytes / p.totalBytes) * 100) : 0, `${name.split("/")[1]}: ${describeDownload(p)}`),
        });
      } catch (error) {
        if (token.isCancellationRequested) throw cancelled();
        throw error;
      } finally {
        progress?.done();
      }
    }),
  );

  connection.onRequest(ModelLoadRequest, guard("model/load", (params) => requireSession().loadModel(params?.reload === true)));

  connection.onRequest(
    ReindexRequest,
    guard("index/reindex", async (params) => {
      if (!index) throw new ResponseError(HearthErrorCode.NotAvailable, `The workspace cannot be indexed: ${describeIndexState(requireSession())}.`);
      const report = await index.build(params?.force === true);
      return { files: report.files };
    }),
  );

  connection.onShutdown(async () => {
    log("info", "shutdown requested");
    await cleanup();
  });
  // `exit`, a closed stdin and a dead `processId` make vscode-languageserver itself exit.
}

function describeIndexState(session: RuntimeSession): string {
  const state = session.status().index;
  return state.kind === "idle" ? state.detail : state.kind;
}
