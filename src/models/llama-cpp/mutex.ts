/** A FIFO lock whose waiters can give up through an AbortSignal. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Resolves with a release function, or undefined when `signal` fired while waiting. */
  async acquire(signal?: AbortSignal): Promise<(() => void) | undefined> {
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    if (signal?.aborted) {
      void previous.then(release);
      return undefined;
    }
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<"aborted">((resolve) => {
      onAbort = () => resolve("aborted");
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    const winner = await Promise.race([previous.then(() => "ready" as const), aborted]);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    if (winner === "aborted") {
      // Our slot in the queue passes on once the holder before us is done.
      void previous.then(release);
      return undefined;
    }
    return release;
  }
}
