/**
 * The runtime's stops and starts, one at a time. Two restarts at once — a double-click on
 * Restart Runtime, a server-key change and a folder change together — each stopped and then
 * started: the second's stop found nothing left to stop while the first's still waited on
 * the old runtime, both spawned, and the runtime one of them left behind ran on unseen,
 * loading the model a second time. Here every start, restart and the final stop wait their
 * turn; restarts asked while one runs become one more at most, and cut short the start now
 * under way (a runtime that is about to be replaced need not finish starting); dispose wins
 * over everything. No `vscode`, so it is tested with real processes.
 */

/** What the queue runs: RuntimeClient's own start and stop. */
export interface RuntimeSteps {
  /**
   * Starts a runtime; resolves once it is up or its start failed. When `signal` aborts (a
   * restart or dispose was asked meanwhile) it spawns nothing more, and a runtime it already
   * spawned is ended (its end is no crash).
   */
  start(signal: AbortSignal): Promise<void>;
  /** Stops the current runtime, if any; resolves once it is stopped. */
  stop(): Promise<void>;
}

interface Turn {
  readonly promise: Promise<void>;
}

export class RestartQueue {
  /** The last turn asked for: every new one runs after it. */
  private tail: Promise<void> = Promise.resolve();
  /** A turn asked for that has not begun: later restarts join it. */
  private waiting: Turn | undefined;
  /** The turn now running, to be cut short when another is asked. */
  private running: AbortController | undefined;
  private disposed = false;

  constructor(private readonly steps: RuntimeSteps) {}

  /**
   * Stops the runtime that runs (if any) and starts a new one, after whatever runs now.
   * Resolves once that start is up or failed; after `dispose`, does nothing.
   */
  restart(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.waiting) return this.waiting.promise;
    this.running?.abort();
    // A turn that failed is its caller's to hear about; the next one runs all the same.
    const turn: Turn = { promise: this.tail.catch(() => undefined).then(() => this.run(turn)) };
    this.waiting = turn;
    this.tail = turn.promise;
    return turn.promise;
  }

  /** Stops for good: what waits is dropped, what runs is cut short, then the runtime is stopped. */
  dispose(): Promise<void> {
    if (!this.disposed) {
      this.disposed = true;
      this.waiting = undefined;
      this.running?.abort();
      this.tail = this.tail.catch(() => undefined).then(() => this.steps.stop());
    }
    return this.tail;
  }

  private async run(turn: Turn): Promise<void> {
    if (this.waiting === turn) this.waiting = undefined;
    if (this.disposed) return;
    const controller = new AbortController();
    this.running = controller;
    try {
      await this.steps.stop();
      if (!controller.signal.aborted) await this.steps.start(controller.signal);
    } finally {
      if (this.running === controller) this.running = undefined;
    }
  }
}
