/**
 * The request plumbing every wiring file shares: `guard` (log and convert what a handler
 * throws into a ResponseError, never swallow it), cancellation as an AbortSignal or a race,
 * and the RequestCancelled error.
 */
import { type CancellationToken, LSPErrorCodes, ResponseError } from "vscode-languageserver/node";
import { BackendError, DownloadError } from "../models/index.ts";
import { HearthErrorCode } from "../protocol/lsp-ext.ts";
import { log } from "./log.ts";

/** Logs and converts anything a handler throws into a ResponseError for the client. */
export function guard<A extends unknown[], R>(name: string, handler: (...args: A) => R): (...args: A) => R {
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

export function toResponseError(name: string, error: unknown): ResponseError<void> {
  if (error instanceof ResponseError) return error;
  // A model that cannot run is the user's to fix, not a runtime failure: no stack in the log.
  if (error instanceof BackendError) return new ResponseError(HearthErrorCode.ModelUnavailable, error.message);
  if (error instanceof DownloadError) return new ResponseError(error.offline ? HearthErrorCode.Offline : HearthErrorCode.Internal, error.message);
  if (error instanceof Error && error.name === "AbortError") return cancelled();
  log("error", `request ${name} failed`, error);
  const message = error instanceof Error ? error.message : String(error);
  return new ResponseError(HearthErrorCode.Internal, `${name}: ${message}`);
}

/** Rejects with RequestCancelled as soon as the client cancels, whatever `work` is doing. */
export function cancellable<T>(work: Promise<T>, token: CancellationToken): Promise<T> {
  if (token.isCancellationRequested) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const sub = token.onCancellationRequested(() => reject(cancelled()));
    work.then(resolve, reject).finally(() => sub.dispose());
  });
}

/** An AbortSignal that fires when the client sends `$/cancelRequest`. */
export function abortSignal(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

export function cancelled(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, "request cancelled");
}
