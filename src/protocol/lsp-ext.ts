/**
 * Hearth's custom LSP messages, each typed once here. Both processes import this file:
 * the extension (vscode-languageclient) and the runtime (vscode-languageserver). Methods
 * are named `hearth/<area>/<verb>`; where LSP has a method (progress, cancellation,
 * inline completions, applyEdit, configuration) we use LSP's.
 *
 * Long-running work follows one sequence:
 *   1. the client sends a request (e.g. a chat run) and keeps its id;
 *   2. the server streams progress as notifications carrying a run id, or LSP's
 *      `$/progress` with a work-done token for progress bars;
 *   3. the request resolves with the final result at the end;
 *   4. the client cancels with LSP's `$/cancelRequest`; the server stops the work and the
 *      request rejects with `RequestCancelled` (-32800).
 *
 * A chat turn, concretely:
 *   client → `hearth/chat/send` {runId, messages, tools}      (request id 7)
 *   runtime → `hearth/chat/event` {runId, event: thinking|text|toolCall|toolCallError}  (n times)
 *   runtime → `hearth/chat/event` {runId, event: done}
 *   runtime → response to 7: {message, stopReason, usage}
 * or, cancelled: client → `$/cancelRequest` {id: 7}; runtime → `hearth/chat/event` done
 * (stopReason "aborted"), then the error response RequestCancelled to 7.
 *
 * Model loading reports progress twice: `hearth/status/changed` with `model.kind ===
 * "loading"` (the status bar), and, when the client supports it, LSP work-done progress
 * (`window/workDoneProgress/create` from the runtime, then `$/progress` begin / report /
 * end with a percentage). Downloads use the same `$/progress` sequence with the token
 * the client passes as `workDoneToken` in `hearth/model/download`.
 */
import { NotificationType, NotificationType0, RequestType, RequestType0 } from "vscode-languageserver-protocol";
import type { AssistantMessage, ChatMessage, ChatStreamEvent, StopReason, TokenUsage, ToolDefinition } from "./chat.ts";
import type { CudaInstallParams, CudaInstallResult, ModelCatalog, ModelDownloadParams, ModelDownloadResult } from "./models.ts";
import type { Settings } from "./settings.ts";
import type { RuntimeStatus, SystemInfo } from "./status.ts";

// ---- client (extension, CLI) → runtime -------------------------------------------------

/** Sent by the client at any time; answers the runtime's current status at once. */
export const StatusRequest = new RequestType0<RuntimeStatus, void>("hearth/status");

/**
 * Sent by the client when it needs machine facts (model recommendations, `hearth status`).
 * Probing the GPU loads node-llama-cpp's binaries: seconds the first time, cached after.
 * Cancellable.
 */
export const SystemInfoRequest = new RequestType0<SystemInfo, void>("hearth/system/info");

/**
 * Sent by the client when the user runs "Hearth: Reindex Workspace". Resolves when the
 * index is rebuilt; rejects with `HearthErrorCode.NotAvailable` while the runtime has no
 * indexer for the workspace.
 */
export const ReindexRequest = new RequestType<{ readonly force: boolean }, { readonly files: number }, void>(
  "hearth/index/reindex",
);

/**
 * Sent by the client to run one assistant turn on the configured model (loading it first
 * if needed). Streams `hearth/chat/event` notifications with the same `runId`, resolves
 * with the whole turn. Never runs tools: a turn that calls tools ends with stopReason
 * "toolCalls". Cancel with `$/cancelRequest`. Rejects with `HearthErrorCode.ModelUnavailable`
 * when no model is configured or it failed to load (the message says why).
 */
export const ChatSendRequest = new RequestType<ChatSendParams, ChatSendResult, void>("hearth/chat/send");

export interface ChatSendParams {
  /** Chosen by the client; echoed in every `hearth/chat/event`. */
  readonly runId: string;
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolDefinition[];
  /** Let the model think first (default true). */
  readonly thinking?: boolean;
  readonly maxTokens?: number;
  readonly temperature?: number;
}

export interface ChatSendResult {
  readonly message: AssistantMessage;
  readonly stopReason: StopReason;
  readonly usage?: TokenUsage;
}

/**
 * Sent by the client to load (or reload) the configured model now instead of on first
 * use. Resolves with the resulting model state (ready or error); progress as described
 * at the top of this file.
 */
export const ModelLoadRequest = new RequestType<{ readonly reload?: boolean }, RuntimeStatus["model"], void>("hearth/model/load");

/**
 * Sent by the client for the model chooser and `hearth models`: presets with their
 * quantizations and sizes, what was downloaded, and what this machine can run.
 */
export const ModelCatalogRequest = new RequestType0<ModelCatalog, void>("hearth/model/catalog");

/**
 * Sent by the client when the user picks a preset to download. Resumable: a partial file
 * from an earlier attempt is continued. Progress goes to `$/progress` with the client's
 * `workDoneToken` (message: bytes, speed, ETA). Cancel with `$/cancelRequest` (the partial
 * file stays, to resume). Rejects with `HearthErrorCode.Offline` when the host cannot be
 * reached, with a message listing the alternatives.
 */
export const ModelDownloadRequest = new RequestType<ModelDownloadParams, ModelDownloadResult, void>("hearth/model/download");

/** Sent by the client to delete a downloaded model file (by its path from the catalog). */
export const ModelDeleteRequest = new RequestType<{ readonly path: string }, void, void>("hearth/model/delete");

/**
 * Sent by the client when the user accepts "Download CUDA acceleration" (`SystemInfo.cudaOffer`,
 * or a ready model whose backend's fix is "downloadCuda"). Installs the exact
 * `@node-llama-cpp/<platform>-cuda` version matching the bundled node-llama-cpp into
 * `<global storage>/native`, verified against the registry's integrity hash, with `$/progress`
 * on `workDoneToken`. Cancellable (the partial download resumes next time). The CUDA build
 * is used after the client restarts the runtime. Rejects with `HearthErrorCode.Offline`
 * when the registry cannot be reached.
 */
export const CudaInstallRequest = new RequestType<CudaInstallParams, CudaInstallResult, void>("hearth/model/installCuda");

// ---- runtime → client ------------------------------------------------------------------

/** Sent by the runtime during a `hearth/chat/send` run, once per stream event, `done` last. */
export const ChatEventNotification = new NotificationType<ChatEventParams>("hearth/chat/event");

export interface ChatEventParams {
  readonly runId: string;
  readonly event: ChatStreamEvent;
}

/** Sent by the runtime whenever any field of its status changes (model, index, settings). */
export const StatusChangedNotification = new NotificationType<RuntimeStatus>("hearth/status/changed");

/**
 * Sent by the runtime when an open document went out of sync (a didChange it could not
 * apply: a range past the end, a version not after its copy's, ranges for a document it
 * never saw opened — src/runtime/open-documents.ts), once each time that happens: LSP has no
 * request for a document's text. The client answers with the editor's whole current text
 * and its version (the version its didChange notifications carry), or null when it has no
 * such document open. The runtime takes the answer unless a change newer than it came
 * first, applies later changes on top and drops those the answer holds already; it does not
 * wait for the answer. A client without a handler (an older extension, the CLI, which opens
 * no documents) answers MethodNotFound, as vscode-jsonrpc does for any unknown request: the
 * document then stays out of sync until it is reopened, as before this request existed.
 */
export const DocumentResyncRequest = new RequestType<{ readonly uri: string }, DocumentResyncResult | null, void>("hearth/document/resync");

export interface DocumentResyncResult {
  readonly text: string;
  readonly version: number;
}

// ---- initialization --------------------------------------------------------------------

/** What the client puts in `initialize`'s `initializationOptions`. */
export interface InitializationOptions {
  /** Raw settings; the runtime sanitizes them. */
  readonly settings: Partial<Settings>;
  /** Folder where the runtime may keep caches (VS Code's workspace or global storage). */
  readonly storagePath?: string;
  /** Folder for downloaded models (VS Code's global storage). */
  readonly globalStoragePath?: string;
  /** API key for `hearth.serverUrl` (the extension: from secret storage, for that origin; the CLI: $HEARTH_API_KEY with --server). The runtime never reads a key from its environment. */
  readonly serverApiKey?: string;
  /**
   * The client applies the agent's edits itself (`workspace/applyEdit`) and answers
   * `hearth/workspace/save`; without it the runtime writes to disk (CLI, tests).
   */
  readonly editorEdits?: boolean;
  /**
   * False: VS Code does not trust the folder (Restricted Mode). The runtime then runs no git
   * in it — a repository's own `.git/config` can name programs git runs (a signature
   * check, a fetch in a partial clone) — so the index ranks without the history until
   * WorkspaceTrustedNotification. Absent: trusted (the CLI runs where its user points it).
   */
  readonly workspaceTrusted?: boolean;
}

/** The user trusted the workspace folder (it was started untrusted): the index may read its git history now. */
export const WorkspaceTrustedNotification = new NotificationType0("hearth/workspace/trusted");

/** `workspace/didChangeConfiguration` params the client sends: the whole `hearth` section. */
export interface DidChangeHearthConfiguration {
  readonly settings: { readonly hearth: Partial<Settings> };
}

/** Error codes Hearth's requests reject with (`ResponseError.code`); LSP reserves -32899..-32800. */
export const HearthErrorCode = {
  /** The feature exists in the protocol but this runtime cannot do it yet / here. */
  NotAvailable: -31001,
  /** The request's input was invalid (a message says which part). */
  InvalidInput: -31002,
  /** Something failed inside the runtime; the message says what, the log has the stack. */
  Internal: -31003,
  /** No usable model: none configured, it failed to load, or the server is unreachable. */
  ModelUnavailable: -31004,
  /** A download could not reach its host (no network, DNS, proxy). */
  Offline: -31005,
} as const;
