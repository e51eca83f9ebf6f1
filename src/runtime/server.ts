/**
 * Maps LSP and Hearth requests onto a `RuntimeSession`. Every handler is wrapped so an
 * exception is logged with its stack and answered as a `ResponseError`, never swallowed.
 */
import {
  type CancellationToken,
  type Connection,
  ErrorCodes,
  type InitializeResult,
  LSPErrorCodes,
  ResponseError,
} from "vscode-languageserver/node";
import { probeSystem } from "../models/llama-cpp/system-probe.ts";
import {
  type DidChangeHearthConfiguration,
  HearthErrorCode,
  type InitializationOptions,
  ReindexRequest,
  StatusChangedNotification,
  StatusRequest,
  SystemInfoRequest,
} from "../protocol/lsp-ext.ts";
import { VERSION } from "../protocol/version.ts";
import { log } from "./log.ts";
import { exitWithParent } from "./process-guard.ts";
import { RuntimeSession } from "./session.ts";

export function startServer(connection: Connection): void {
  let session: RuntimeSession | undefined;
  const requireSession = () => {
    if (!session) throw new ResponseError(ErrorCodes.ServerNotInitialized, "the runtime has not been initialized");
    return session;
  };
  const cleanup = async () => session?.dispose();
  const parentWatch = exitWithParent(cleanup);

  connection.onInitialize((params): InitializeResult => {
    const options = (params.initializationOptions ?? {}) as Partial<InitializationOptions>;
    if (typeof params.processId === "number") parentWatch.watchClient(params.processId);
    session = new RuntimeSession(options.settings, (status) => void connection.sendNotification(StatusChangedNotification, status));
    void session.refresh();
    log("info", `Hearth runtime ${VERSION} initialized (pid ${process.pid}, node ${process.version})`);
    return { capabilities: {}, serverInfo: { name: "hearth-runtime", version: VERSION } };
  });

  connection.onDidChangeConfiguration(
    guard("didChangeConfiguration", (params: DidChangeHearthConfiguration) => {
      void requireSession().updateSettings(params.settings?.hearth ?? {});
    }),
  );

  connection.onRequest(StatusRequest, guard("status", () => requireSession().settledStatus()));

  connection.onRequest(
    SystemInfoRequest,
    guard("system/info", (token: CancellationToken) => cancellable(probeSystem(), token)),
  );

  connection.onRequest(
    ReindexRequest,
    guard("index/reindex", () => {
      throw new ResponseError(HearthErrorCode.NotAvailable, "The repository indexer is not part of this Hearth build yet.");
    }),
  );

  connection.onShutdown(async () => {
    log("info", "shutdown requested");
    await cleanup();
  });
  // `exit`, a closed stdin and a dead `processId` make vscode-languageserver itself exit.
}

/** Logs and converts anything a handler throws into a ResponseError for the client. */
function guard<A extends unknown[], R>(name: string, handler: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    try {
      const result = handler(...args);
      if (result instanceof Promise) return result.catch((error: unknown) => Promise.reject(toResponseError(name, error))) as R;
      return result;
    } catch (error) {
      throw toResponseError(name, error);
    }
  };
}

function toResponseError(name: string, error: unknown): ResponseError<void> {
  if (error instanceof ResponseError) return error;
  log("error", `request ${name} failed`, error);
  const message = error instanceof Error ? error.message : String(error);
  return new ResponseError(HearthErrorCode.Internal, `${name}: ${message}`);
}

/** Rejects with RequestCancelled as soon as the client cancels, whatever `work` is doing. */
function cancellable<T>(work: Promise<T>, token: CancellationToken): Promise<T> {
  if (token.isCancellationRequested) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const sub = token.onCancellationRequested(() => reject(cancelled()));
    work.then(resolve, reject).finally(() => sub.dispose());
  });
}

function cancelled(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, "request cancelled");
}
