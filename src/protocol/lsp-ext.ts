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
 */
import { NotificationType, RequestType, RequestType0 } from "vscode-languageserver-protocol";
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

// ---- runtime → client ------------------------------------------------------------------

/** Sent by the runtime whenever any field of its status changes (model, index, settings). */
export const StatusChangedNotification = new NotificationType<RuntimeStatus>("hearth/status/changed");

// ---- initialization --------------------------------------------------------------------

/** What the client puts in `initialize`'s `initializationOptions`. */
export interface InitializationOptions {
  /** Raw settings; the runtime sanitizes them. */
  readonly settings: Partial<Settings>;
  /** Folder where the runtime may keep caches (VS Code's workspace or global storage). */
  readonly storagePath?: string;
  /** Folder for downloaded models (VS Code's global storage). */
  readonly globalStoragePath?: string;
}

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
} as const;
