/**
 * What one client's runtime holds once `initialize` has run: the session (settings and
 * model), the workspace index, completions, the agent and VS Code's chat. server.ts maps
 * requests onto these methods; each one is the body of one request.
 */
import { chmodSync, statSync } from "node:fs";
import { type CancellationToken, type Connection, ErrorCodes, type InitializeParams, type InitializeResult, ResponseError } from "vscode-languageserver/node";
import { bundledLlamaVersion, nativeFolderIn, useInstalledNativePackages } from "../models/index.ts";
import {
  type ChatSendParams,
  type ChatSendResult,
  ChatEventNotification,
  type DidChangeHearthConfiguration,
  HearthErrorCode,
  type InitializationOptions,
  StatusChangedNotification,
} from "../protocol/lsp-ext.ts";
import type { CudaInstallParams, CudaInstallResult, ModelDownloadParams, ModelDownloadResult } from "../protocol/models.ts";
import { keepPrivateSync } from "../protocol/make-folders.ts";
import type { RuntimeStatus } from "../protocol/status.ts";
import { VERSION } from "../protocol/version.ts";
import { type AgentWiring, wireAgent } from "./agent-wiring.ts";
import { ChatEventCoalescer } from "./chat-events.ts";
import { type CompletionWiring, wireCompletions } from "./completion-wiring.ts";
import { INDEX_CAPABILITIES, wireWorkspaceIndex, workspaceRoot } from "./index-wiring.ts";
import { wireLm } from "./lm-wiring.ts";
import { LoadProgress } from "./load-progress.ts";
import { log } from "./log.ts";
import { downloadWithProgress, installCudaWithProgress } from "./model-requests.ts";
import { OpenDocuments } from "./open-documents.ts";
import { cancelled, ShutdownGate } from "./rpc.ts";
import { modelsFolderIn, RuntimeSession } from "./session.ts";
import type { WorkspaceIndex } from "./workspace-index.ts";

export class RuntimeServices {
  private session: RuntimeSession | undefined;
  private index: WorkspaceIndex | undefined;
  private completions: CompletionWiring | undefined;
  private agent: AgentWiring | undefined;
  private globalStoragePath: string | undefined;
  private indexStarted = false;
  /** Replies for VS Code's chat and `hearth/chat/send`: ended before the model is let go. */
  private readonly replies = new ShutdownGate();

  constructor(private readonly connection: Connection) {}

  /** `initialize`: the session from the client's settings, then every area wired to it. */
  initialize(params: InitializeParams): InitializeResult {
    const options = (params.initializationOptions ?? {}) as Partial<InitializationOptions>;
    // Before anything loads node-llama-cpp: CUDA packages installed on first use are found there.
    if (options.globalStoragePath) useInstalledNativePackages(nativeFolderIn(options.globalStoragePath), bundledLlamaVersion());
    this.globalStoragePath = options.globalStoragePath;
    // This folder's storage (conversations, checkpoint stores, the index of private code) an older Hearth made 0755: this user's alone again (new folders in it are made 0700).
    if (options.storagePath) keepPrivateSync(options.storagePath, { statSync, chmodSync, uid: process.getuid?.() });
    const root = workspaceRoot(params);
    const session = this.startSession(options, root, params.capabilities.window?.workDoneProgress === true);
    this.session = session;
    this.wireAreas(session, root, options);
    log("info", `Hearth runtime ${VERSION} initialized (pid ${process.pid}, node ${process.version})`);
    return { capabilities: INDEX_CAPABILITIES, serverInfo: { name: "hearth-runtime", version: VERSION } };
  }

  private startSession(options: Partial<InitializationOptions>, root: string | undefined, workDoneProgress: boolean): RuntimeSession {
    const progress = workDoneProgress ? new LoadProgress(this.connection) : undefined;
    const modelsFolder = modelsFolderIn(options.globalStoragePath);
    const session = new RuntimeSession(
      options.settings,
      (status) => {
        void this.connection.sendNotification(StatusChangedNotification, status);
        progress?.update(status.model);
      },
      {
        ...(modelsFolder ? { modelsFolder } : {}),
        ...(root ? { workspaceFolder: root } : {}),
        // Only the key its client gives it for this server: never one from the runtime's own environment.
        ...(options.serverApiKey ? { apiKey: options.serverApiKey } : {}),
      },
    );
    void session.refresh();
    return session;
  }

  private wireAreas(session: RuntimeSession, root: string | undefined, options: Partial<InitializationOptions>): void {
    const connection = this.connection;
    const documents = new OpenDocuments();
    // An untrusted folder's `.git/config` may name programs for git to run: no history read there.
    const history = options.workspaceTrusted !== false;
    const index = wireWorkspaceIndex(connection, root, options.storagePath, (state) => session.setIndexState(state), documents, history);
    this.index = index;
    this.completions = wireCompletions(connection, session, documents, root, () => index);
    const editorEdits = options.editorEdits === true;
    this.agent = wireAgent({ connection, session, root, storagePath: options.storagePath, documents, editorEdits, index: () => index?.queries });
    wireLm({ connection, session, shutdown: this.replies });
  }

  requireSession(): RuntimeSession {
    if (!this.session) throw new ResponseError(ErrorCodes.ServerNotInitialized, "The runtime has not been initialized yet: wait for it to start");
    return this.session;
  }

  /**
   * The first build (from the cache: on an unchanged tree only metadata is re-read) starts
   * once the client has its first status, or after a moment: starting the index threads
   * loads tree-sitter on every core, which must not delay the editor's first answer.
   */
  startIndex(): void {
    if (this.indexStarted) return;
    this.indexStarted = true;
    void this.index?.build().catch(() => undefined);
  }

  /** `hearth/workspace/trusted`: the index reads the git history from now on. */
  trustWorkspace(): void {
    this.index?.trust();
  }

  /** `workspace/didChangeConfiguration`: the session checks and (re)loads in the background. */
  updateSettings(params: DidChangeHearthConfiguration): void {
    void this.requireSession().updateSettings(params.settings?.hearth ?? {});
  }

  /** `hearth/status`: once the latest settings are checked; the index starts after the first one. */
  async status(): Promise<RuntimeStatus> {
    const status = await this.requireSession().settledStatus();
    setImmediate(() => this.startIndex());
    return status;
  }

  /** `hearth/chat/send`: one assistant turn, streamed as `hearth/chat/event`. */
  async chat(params: ChatSendParams, token: CancellationToken): Promise<ChatSendResult> {
    const session = this.requireSession();
    return this.replies.request(token, async (signal) => {
      const events = new ChatEventCoalescer((event) => void this.connection.sendNotification(ChatEventNotification, { runId: params.runId, event }));
      const result = await session.chat(params, signal, (event) => events.push(event)).finally(() => events.flush());
      if (token.isCancellationRequested) throw cancelled();
      return result;
    });
  }

  modelsFolder(): string {
    const folder = this.requireSession().modelsFolder();
    if (!folder) throw new ResponseError(HearthErrorCode.NotAvailable, "This client gave the runtime no storage folder for models: download with the Hearth extension or hearth models");
    return folder;
  }

  /** `hearth/model/download`; a preset that was missing may be usable afterwards. */
  async download(params: ModelDownloadParams, token: CancellationToken): Promise<ModelDownloadResult> {
    const result = await downloadWithProgress(this.connection, this.modelsFolder(), params, token);
    await this.requireSession().refresh();
    return result;
  }

  installCuda(params: CudaInstallParams, token: CancellationToken): Promise<CudaInstallResult> {
    return installCudaWithProgress(this.connection, this.globalStoragePath, params, token);
  }

  /** `hearth/index/reindex`. */
  async reindex(params: { readonly force?: boolean } | undefined): Promise<{ files: number }> {
    if (!this.index) throw new ResponseError(HearthErrorCode.NotAvailable, `The workspace cannot be indexed: ${describeIndexState(this.requireSession())}.`);
    const report = await this.index.build(params?.force === true);
    return { files: report.files };
  }

  /**
   * The replies under way are answered (`runtimeStopping`) and the runs end (stopped, their
   * commands too) before the model is let go: let go at the same moment, a reply it was
   * writing ended as if a model setting had changed ("send the message again").
   */
  async dispose(): Promise<void> {
    this.replies.close();
    await this.agent?.dispose();
    await Promise.all([this.session?.dispose(), this.index?.dispose(), this.completions?.dispose()]);
  }
}

function describeIndexState(session: RuntimeSession): string {
  const state = session.status().index;
  return state.kind === "idle" ? state.detail : state.kind;
}
