/**
 * One cancellable wait on a clock that tests move by hand, shared by inline completions (the
 * debounce and a busy server's backoff, src/completions/), the model download's pause
 * between tries (src/models/download.ts) and the scripted backend's pause between chunks
 * (src/models/scripted.ts). Here because protocol/ is the one folder both may
 * import, and it stays free of Node's modules: the timers are the global ones.
 */

/** The timers a wait uses: the global ones by default; `Clock` of src/models (http-limits.ts) is one. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The global timers (a test gives its own clock instead). */
export const globalTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolves true after `ms` on `timers`, or false as soon as `signal` fires (its timer cleared). */
export function wait(ms: number, signal: AbortSignal | undefined, timers: Timers = globalTimers): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      timers.clearTimeout(timer);
      resolve(false);
    };
    const timer = timers.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * `promise`'s value, or undefined as soon as `signal` fires; the promise itself is not stopped
 * (it is shared, or cannot be: a model still loading for a completion, MCP servers' tool lists,
 * VS Code's secret storage behind a locked keyring). The abort listener is removed once either settles.
 */
export function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const aborted = () => resolve(undefined);
    signal.addEventListener("abort", aborted, { once: true });
    promise.then(
      (value) => (signal.removeEventListener("abort", aborted), resolve(value)),
      (error: unknown) => (signal.removeEventListener("abort", aborted), reject(error)),
    );
  });
}

/**
 * `promise`'s outcome; but once `signal` fires (the user's Stop), a rejection with `late()` if it
 * has not settled `graceMs` later. The chat's Stop sends the runtime a cancel and waits for the
 * run's answer: a runtime stopped (SIGSTOP) or stuck in native code never gave it, and Stop did
 * nothing. Before the signal there is no limit (a run may take hours). The promise runs on.
 */
export function answerAfterStop<T>(promise: Promise<T>, signal: AbortSignal, graceMs: number, late: () => Error, timers: Timers = globalTimers): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: unknown;
    const stopped = () => (timer = timers.setTimeout(() => reject(late()), graceMs));
    const settled = () => {
      signal.removeEventListener("abort", stopped);
      if (timer !== undefined) timers.clearTimeout(timer);
    };
    if (signal.aborted) stopped();
    else signal.addEventListener("abort", stopped, { once: true });
    promise.then(
      (value) => (settled(), resolve(value)),
      (error: unknown) => (settled(), reject(error)),
    );
  });
}
