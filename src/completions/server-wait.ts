/**
 * Whether completions reach the model, and how long to wait before trying a busy one again.
 * A llama-server whose only slot is taken by a chat answers 503 (or queues the request past
 * the time limit) for as long as the chat runs: every completion came back empty, silently.
 * The status (`CompletionStatus`) tells the editor why; the backoff keeps keystrokes from
 * piling requests on the busy server, and one request tries again a bounded number of times,
 * so its completion shows by itself once the server frees. Time comes from a `Clock`, so tests
 * move it by hand.
 */
import type { Clock } from "../models/index.ts";
import type { CompletionStatus } from "../protocol/completions.ts";
import { wait } from "../protocol/wait.ts";

/** First wait before a busy server is tried again; it doubles with each busy answer in a row, up to MAX_BACKOFF_MS. */
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8000;
/**
 * Tries of one request while the server stays busy: about 40 s of backoff, the length of a
 * typical chat reply holding the slot. Then the request answers nothing (the status still
 * says why) and the next keystroke starts again, after the backoff.
 */
export const MAX_TRIES = 8;

/**
 * How often a one-slot server's `/slots` is read while its slot is taken: a read costs the
 * server nothing next to a completion queued behind the chat, and the completion shows within
 * this long after the chat ends.
 */
export const SLOT_READ_MS = 1000;

export class ServerWait {
  private status: CompletionStatus = { state: "ready" };
  private busyInARow = 0;
  private retryAt = 0;

  constructor(private readonly clock: Clock, private readonly onStatus?: (status: CompletionStatus) => void) {}

  current(): CompletionStatus {
    return this.status;
  }

  /** The model answered. */
  ready(): void {
    this.busyInARow = 0;
    this.retryAt = 0;
    this.set({ state: "ready" });
  }

  /** A failure that waiting does not mend (a body that is not JSON): said, not retried. */
  failing(reason: string): void {
    this.busyInARow = 0;
    this.retryAt = 0;
    this.set({ state: "failing", reason });
  }

  /** A model too slow for the time limit, on this machine or on a server with a slot free: said, not retried (another try takes the CPU as long again). */
  slow(reason: string, limitMs: number, server: boolean): void {
    this.busyInARow = 0;
    this.retryAt = 0;
    this.set({ state: "slow", reason, limitMs, ...(server ? { server: true as const } : {}) });
  }

  /** The server is busy or gave no answer in time: the next try waits for the backoff. */
  busy(reason: string): void {
    this.backOff();
    this.set({ state: "waiting", reason });
  }

  /** The last try of a request found the server busy too: nothing tries again before the next request, which waits for the backoff. */
  gaveUp(reason: string, oneSlot = false): void {
    this.backOff();
    this.set({ state: "busy", reason, ...(oneSlot ? { oneSlot: true as const } : {}) });
  }

  /**
   * The server's only slot is taken (`llama-server -np 1`, most often by the chat): the engine
   * reads its `/slots` every SLOT_READ_MS instead of the backoff, and tries once it frees.
   */
  oneSlotTaken(reason: string): void {
    this.busyInARow = 0;
    this.retryAt = 0;
    this.set({ state: "waiting", reason, oneSlot: true });
  }

  /** Whether the last try found the server's only slot taken: the next request reads `/slots` before it sends anything. */
  waitsForSlot(): boolean {
    return this.status.state !== "ready" && this.status.state !== "slow" && this.status.oneSlot === true;
  }

  private backOff(): void {
    this.busyInARow++;
    this.retryAt = this.clock.now() + Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (this.busyInARow - 1));
  }

  /**
   * Resolves true once the backoff has passed (at once when there is none), false when `signal`
   * fires first. Never longer than the longest backoff: the system clock is the wall clock, and
   * one set back (an NTP step, a resumed laptop) would otherwise hold completions for the jump.
   */
  untilNextTry(signal: AbortSignal): Promise<boolean> {
    return wait(Math.min(MAX_BACKOFF_MS, this.retryAt - this.clock.now()), signal, this.clock);
  }

  private set(status: CompletionStatus): void {
    if (JSON.stringify(status) === JSON.stringify(this.status)) return;
    this.status = status;
    this.onStatus?.(status);
  }
}

/** A signal that fires with `signal` or after `ms` on `clock`; `timedOut` says which, `close` clears the timer. */
export function timeLimit(clock: Clock, ms: number, signal: AbortSignal): { signal: AbortSignal; timedOut: () => boolean; close: () => void } {
  const timer = new AbortController();
  let fired = false;
  const handle = clock.setTimeout(() => {
    fired = true;
    timer.abort(new Error(`no answer within ${ms} ms`));
  }, ms);
  return { signal: AbortSignal.any([signal, timer.signal]), timedOut: () => fired && !signal.aborted, close: () => clock.clearTimeout(handle) };
}
