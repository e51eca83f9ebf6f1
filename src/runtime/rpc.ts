/**
 * The request plumbing every wiring file shares: `guard` (log and convert what a handler
 * throws into a ResponseError, never swallow it), cancellation as an AbortSignal or a race,
 * the RequestCancelled error, and the requests that end before the runtime lets its model go
 * (`ShutdownGate`).
 */
import { type CancellationToken, CancellationTokenSource, LSPErrorCodes, ResponseError } from "vscode-languageserver/node";
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

/**
 * A server→client request that ends when `signal` does: the request is cancelled and this
 * rejects with `stopped()` at once. vscode-jsonrpc still waits for the answer of a cancelled
 * request, which a client that is gone (the window closed, reloaded or crashed) never sends:
 * a run waiting on it never ended, nor the runtime's shutdown, and the run's turn was lost.
 */
export async function untilStopped<T>(signal: AbortSignal, send: (token: CancellationToken) => Promise<T>, stopped: () => unknown): Promise<T> {
  if (signal.aborted) throw stopped();
  const source = new CancellationTokenSource();
  let onAbort = () => {};
  const ended = new Promise<never>((_, reject) => {
    onAbort = () => {
      source.cancel();
      reject(stopped());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([send(source.token), ended]);
  } finally {
    signal.removeEventListener("abort", onAbort);
    source.dispose();
  }
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

/**
 * The requests that end with the runtime, before it lets the model go: `close` aborts each
 * one's signal and answers it at once. Let go under a reply still running, the model ended it
 * as if a model setting had changed ("send the message again"), or the exit came first and
 * the client heard nothing. Not waited for: a request may be waiting on a model load, which
 * takes minutes and ends only with the model.
 */
export class ShutdownGate {
  private readonly controller = new AbortController();

  /**
   * Runs one request's `work` with a signal that aborts at `token`'s cancel or the shutdown.
   * At the shutdown it is answered `runtimeStopping` at once, unless the client cancelled it
   * first; what the work makes of the abort afterwards is dropped (a reply cut short is no answer).
   */
  request<T>(token: CancellationToken, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const shutdown = this.controller.signal;
    if (shutdown.aborted) return Promise.reject(runtimeStopping());
    const running = work(AbortSignal.any([abortSignal(token), shutdown]));
    return new Promise<T>((resolve, reject) => {
      const stop = () => {
        if (token.isCancellationRequested) return;
        running.catch(() => undefined);
        reject(runtimeStopping());
      };
      shutdown.addEventListener("abort", stop, { once: true });
      running.then(resolve, reject).finally(() => shutdown.removeEventListener("abort", stop));
    });
  }

  /** The shutdown: every request under way is answered now. */
  close(): void {
    this.controller.abort();
  }
}

/** The answer to a reply the runtime's shutdown cut off (Restart Runtime, another folder, the window closing). */
export function runtimeStopping(): ResponseError<void> {
  return new ResponseError(
    HearthErrorCode.NotAvailable,
    "Hearth's runtime stopped (Restart Runtime, another folder chosen, or the window closing) while this reply was running, so the reply stopped: send the request again once Hearth has started.",
  );
}
