/**
 * Limits on one HTTP request to a model server, so that no server — overloaded, broken or
 * hostile — can hang a request or eat the machine: a time for the answer to start, an idle
 * time between pieces of real data, an overall deadline, and a bound on the size of a body
 * read whole. Time comes from an injectable `Clock`, so tests drive it without waiting; by
 * default the monotonic one (`steadyClock`): with `Date.now()` a laptop's sleep (Linux, macOS:
 * the timers stop, the system clock goes on) made the first keep-alive or timer after waking
 * fail a live stream as "sent no data for 60 s", and a clock set back a day mid-stream left a
 * server that then stalled unnoticed for that day.
 */
import { formatLimit } from "../protocol/units.ts";
import { BackendError } from "./backend.ts";

/** The timers the limits use; `systemClock` in production, a hand-moved clock in tests. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * `systemClock`'s timers, time read from the monotonic clock (`performance.now()`), which the
 * timers run on: for measuring a wait. `systemClock` stays for what is compared with wall time
 * (file times, an HTTP date).
 */
export const steadyClock: Clock = { ...systemClock, now: () => performance.now() };

/** The limits of one request, in milliseconds. */
export interface RequestLimitSettings {
  /** Default `steadyClock`. */
  readonly clock?: Clock | undefined;
  /** `http://host:port`, for messages. */
  readonly origin: string;
  /** Until the response headers arrive. */
  readonly responseMs: number;
  /** Between pieces of real data once the response started. */
  readonly idleMs: number;
  /** For the whole request, streamed body included; none (a model download may take hours) when left out. */
  readonly deadlineMs?: number;
}

/**
 * An AbortSignal for `fetch` that fires on the caller's signal or when a limit passes;
 * `failure` then says which limit, as a BackendError worded for the user.
 */
export class RequestLimits {
  private readonly controller = new AbortController();
  private readonly clock: Clock;
  private readonly started: number;
  private lastData: number;
  private streaming = false;
  private readonly timers: unknown[] = [];
  private readonly onParentAbort = (): void => this.controller.abort(this.parent?.reason);
  /** Removes the listeners `endWhen` added. */
  private readonly unfollow: Array<() => void> = [];
  failure: BackendError | undefined;
  readonly signal = this.controller.signal;

  constructor(private readonly parent: AbortSignal | undefined, private readonly settings: RequestLimitSettings) {
    this.clock = settings.clock ?? steadyClock;
    this.started = this.lastData = this.clock.now();
    parent?.addEventListener("abort", this.onParentAbort, { once: true });
    if (parent?.aborted) this.onParentAbort();
    if (settings.deadlineMs !== undefined) this.schedule(settings.deadlineMs, () => this.check());
    this.schedule(settings.responseMs, () => this.streaming || this.expire(this.message("response")));
  }

  /** The response started: from now on the idle limit applies. */
  responseStarted(): void {
    this.streaming = true;
    this.lastData = this.clock.now();
    this.watchIdle(this.settings.idleMs);
  }

  /** Real data arrived (not a keep-alive): the idle time starts again. */
  data(): void {
    this.lastData = this.clock.now();
    this.check();
  }

  /** Throws (and aborts the request) if a limit has passed; for lines that are not data. */
  check(): void {
    const now = this.clock.now();
    if (this.settings.deadlineMs !== undefined && now - this.started >= this.settings.deadlineMs) this.expire(this.message("deadline"));
    else if (this.streaming && now - this.lastData >= this.settings.idleMs) this.expire(this.message("idle"));
    if (this.failure) throw this.failure;
  }

  /**
   * Ends the request when `signal` aborts, failing it with `failure()`: a reason that is not the
   * caller's Stop (a backend let go while a server was silent on it).
   */
  endWhen(signal: AbortSignal, failure: () => BackendError): void {
    const onAbort = (): void => this.expire(failure());
    signal.addEventListener("abort", onAbort, { once: true });
    this.unfollow.push(() => signal.removeEventListener("abort", onAbort));
    if (signal.aborted) onAbort();
  }

  /** Ends the request (a no-op once the body was read) and stops the timers. */
  close(): void {
    for (const timer of this.timers) this.clock.clearTimeout(timer);
    this.timers.length = 0;
    this.parent?.removeEventListener("abort", this.onParentAbort);
    for (const remove of this.unfollow.splice(0)) remove();
    if (!this.controller.signal.aborted) this.controller.abort(new Error("request finished"));
  }

  /** The error to throw for `error` from fetch or the body: the limit that fired, else `error`. */
  explain(error: unknown): unknown {
    return this.failure ?? error;
  }

  private watchIdle(ms: number): void {
    // One timer, re-armed lazily: data lines only move `lastData`, so a fast stream costs no timer churn.
    this.schedule(ms, () => {
      const silent = this.clock.now() - this.lastData;
      if (silent < this.settings.idleMs) return this.watchIdle(this.settings.idleMs - silent);
      // Judged a loop turn later, once what already came is read: after Ctrl-Z and fg past the
      // limit, this timer came due before the data that waited in the socket all along was read,
      // and a server that never stopped sending was said to have sent nothing.
      this.schedule(0, () => {
        if (this.clock.now() - this.lastData >= this.settings.idleMs) this.expire(this.message("idle"));
        else this.watchIdle(this.settings.idleMs - (this.clock.now() - this.lastData));
      });
    });
  }

  private schedule(ms: number, run: () => void): void {
    this.timers.push(this.clock.setTimeout(() => {
      try {
        run();
      } catch {
        // check() throws after expiring; from a timer only the abort matters.
      }
    }, ms));
  }

  private expire(failure: BackendError): void {
    if (this.failure || this.controller.signal.aborted) return;
    this.failure = failure;
    this.controller.abort(failure);
  }

  private message(kind: "response" | "idle" | "deadline"): BackendError {
    const { origin, responseMs, idleMs, deadlineMs } = this.settings;
    switch (kind) {
      case "response":
        return new BackendError(`The server at ${origin} did not answer within ${formatDuration(responseMs)}; it may be busy or still loading its model. Try again, or check the server`, "openSettings");
      case "idle":
        return new BackendError(`The server at ${origin} sent no data for ${formatDuration(idleMs)}; check that it is running and not overloaded, then try again`, "openSettings");
      case "deadline":
        return new BackendError(`The stream from the server at ${origin} exceeded the deadline of ${formatDuration(deadlineMs ?? 0)}; ask for a shorter answer or check the server`);
    }
  }
}

/** Why a body was not read: it was larger than the limit. */
export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
  constructor(readonly limitBytes: number) {
    super(`the body is larger than ${formatLimit(limitBytes)}`);
  }
}

/**
 * Reads a body as text in the charset its `Content-Type` names, at most `maxBytes`: past that
 * it stops reading, closes the connection and throws BodyTooLargeError — or, with
 * `truncate`, returns what it has.
 */
export async function readBodyText(response: Response, maxBytes: number, limits: RequestLimits, truncate = false): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      limits.data();
      size += read.value.length;
      if (size > maxBytes) {
        if (!truncate) throw new BodyTooLargeError(maxBytes);
        chunks.push(read.value.subarray(0, read.value.length - (size - maxBytes)));
        break;
      }
      chunks.push(read.value);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  // Latin-1 read as UTF-8 would turn every accented letter into U+FFFD; a name no decoder knows is read as UTF-8.
  return new TextDecoder(namedCharset(response.headers.get("content-type")).encoding ?? "utf-8").decode(Buffer.concat(chunks));
}

/**
 * The charset a `Content-Type` names (`named`; UTF-8 when it names none) and the TextDecoder
 * encoding that reads it, left out when no decoder knows the name.
 */
export function namedCharset(contentType: string | null): { readonly encoding?: string; readonly named: string } {
  const named = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? "")?.[1] ?? "utf-8";
  try {
    return { encoding: new TextDecoder(named).encoding, named };
  } catch {
    return { named };
  }
}

const HOUR_MS = 60 * 60_000;

/**
 * An address (`address`, relative to `base`) as an error message may show it: without a user
 * name or password, query or fragment, which may carry a key or a signed token (a CDN's
 * `?X-Amz-Signature=…`), their place marked `?…` or `#…`; at most 200 characters, quoted when
 * it is no URL. `hide` hides more in the text (an API key in the path).
 */
export function shownAddress(address: string, base: string, hide: (text: string) => string = (text) => text): string {
  try {
    const target = new URL(address, base);
    const rest = target.search ? "?…" : target.hash ? "#…" : "";
    target.username = target.password = target.search = target.hash = "";
    return hide(target.href + rest).slice(0, 200);
  } catch {
    const [path = "", rest] = address.split(/(?=[?#])/, 2);
    return JSON.stringify(hide(`${path}${rest ? `${rest[0]}…` : ""}`).slice(0, 200));
  }
}

/** `43200000` → "12 h", `600000` → "10 min", `60000` → "60 s", `250` → "250 ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms >= 2 * HOUR_MS && ms % HOUR_MS === 0) return `${ms / HOUR_MS} h`;
  if (ms >= 120_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

