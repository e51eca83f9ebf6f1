/**
 * Watches that the running runtime still answers. Its main thread only wires requests (the model
 * loads and generates on native threads, the index builds in a worker), so it answers a status
 * request in milliseconds. One left unanswered for {@link UNRESPONSIVE_AFTER_MS} means the process
 * is stopped (SIGSTOP, a debugger, a frozen cgroup) or stuck in native code on its main thread:
 * every request and chat turn waited on it for good, Stop included, and nothing ended it the way
 * a crash is ended. The owner is told (once, until it answers again) and offers a restart.
 * It asks only while something waits on the runtime (`busy`): a stuck runtime that nobody waits
 * on keeps no one waiting, and with `hearth.trace.server` "verbose" each question and its answer
 * go to the log — every 10 s for as long as VS Code was open, when it asked all the time.
 * Silence is measured on the monotonic clock (`performance.now()`), and a tick that came late
 * (the lid closed, a VM resumed, the extension host itself stopped) starts the count over: time
 * this process did not run is not the runtime's silence. With `Date.now()` a question asked
 * before a sleep and answered just after it read as an hour unanswered, and Restart Runtime was
 * offered over the user's run; a clock set back a day hid a stuck runtime for that day.
 * No `vscode`, so it is tested with a real runtime stopped by SIGSTOP and a hand-moved clock.
 */

/** How often the runtime is asked. */
export const PING_EVERY_MS = 10_000;
/** How long an unanswered question may wait before the runtime counts as not answering. */
export const UNRESPONSIVE_AFTER_MS = 30_000;

/** The clock liveness uses: the system's in VS Code, a hand-moved one in tests. */
export interface LivenessClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const SYSTEM_CLOCK: LivenessClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface LivenessEvents {
  /** The question asked `silentMs` ago is still unanswered. */
  readonly unresponsive: (silentMs: number) => void;
  /** It answered after {@link LivenessEvents.unresponsive} was said. */
  readonly responsive: () => void;
  /** Whether something waits on the runtime now (a request, a chat run): only then is it asked. */
  readonly busy: () => boolean;
}

export class Liveness {
  private timer: unknown;
  /** When the timer for the next tick was set. */
  private scheduledAt = 0;
  /** When the unanswered question was asked, and whether that was said. */
  private waiting: { since: number; said: boolean; answer: Promise<void> } | undefined;
  private disposed = false;

  /** `ask`: a request the runtime answers at once (hearth/status). A rejection (the connection closed) ends the watch: its exit is the crash handler's. */
  constructor(private readonly ask: () => Promise<unknown>, private readonly events: LivenessEvents, private readonly clock: LivenessClock = SYSTEM_CLOCK) {
    this.schedule();
  }

  /** Resolves once the question under way (if any) was answered or failed; for tests. */
  answered(): Promise<void> {
    return this.waiting?.answer ?? Promise.resolve();
  }

  dispose(): void {
    this.disposed = true;
    this.clock.clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.disposed) return;
    this.scheduledAt = this.clock.now();
    this.timer = this.clock.setTimeout(() => this.tick(), PING_EVERY_MS);
  }

  private tick(): void {
    const waiting = this.waiting;
    const late = this.clock.now() - this.scheduledAt;
    // A tick a whole period late (or one the clock went back on): this process was not running.
    if (waiting && (late < 0 || late >= 2 * PING_EVERY_MS)) waiting.since = this.clock.now();
    if (!waiting) {
      if (this.events.busy()) this.waiting = this.question();
    }
    else if (!waiting.said && this.clock.now() - waiting.since >= UNRESPONSIVE_AFTER_MS) {
      waiting.said = true;
      this.events.unresponsive(this.clock.now() - waiting.since);
    }
    this.schedule();
  }

  private question(): { since: number; said: boolean; answer: Promise<void> } {
    const waiting = { since: this.clock.now(), said: false, answer: Promise.resolve() };
    waiting.answer = this.ask().then(
      () => {
        if (this.waiting === waiting) this.waiting = undefined;
        if (waiting.said && !this.disposed) this.events.responsive();
      },
      () => this.dispose(),
    );
    return waiting;
  }
}
