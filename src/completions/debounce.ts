/**
 * Adaptive debounce: how long a request waits before it may use the model. While the user
 * types fast, the wait is a little longer than their usual gap between keys, so the request
 * is usually cancelled by the next key before it touches the GPU; when they pause, it fires
 * soon after. The gap is the median of the latest gaps (a pause longer than `pauseMs` is
 * not a typing gap).
 */
export interface DebounceOptions {
  readonly minMs?: number;
  readonly maxMs?: number;
  /** Wait before any gaps are known. */
  readonly initialMs?: number;
  /** Gaps longer than this are pauses, not typing speed. */
  readonly pauseMs?: number;
}

export class AdaptiveDebounce {
  private readonly gaps: number[] = [];
  private last: number | undefined;
  private readonly min: number;
  private readonly max: number;
  private readonly initial: number;
  private readonly pause: number;

  constructor(options: DebounceOptions = {}) {
    this.min = options.minMs ?? 15;
    this.max = options.maxMs ?? 150;
    this.initial = options.initialMs ?? 60;
    this.pause = options.pauseMs ?? 1000;
  }

  /** Records a request arriving at `now` (ms) and returns how long it should wait. */
  next(now: number): number {
    if (this.last !== undefined) {
      const gap = now - this.last;
      if (gap <= this.pause) {
        this.gaps.push(gap);
        if (this.gaps.length > 12) this.gaps.shift();
      }
    }
    this.last = now;
    return this.delay();
  }

  /** The current wait: 1.1 × the median typing gap, within [min, max]. */
  delay(): number {
    if (this.gaps.length < 3) return this.initial;
    const sorted = [...this.gaps].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    return Math.round(Math.min(this.max, Math.max(this.min, median * 1.1)));
  }
}
