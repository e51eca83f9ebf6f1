/**
 * A pause of inline completions ("Snooze for 5 minutes"), with no `vscode`: unit-tested on
 * hand-moved clocks. It ends when either clock says its time is up: the monotonic one, which a
 * clock set back does not move (with `Date.now()` alone, a clock set back a day during a
 * snooze kept completions off for that day), and the system's, which a laptop's sleep moves on
 * where the monotonic clock stops in sleep (Linux, macOS): a snooze the sleep outlasted is over.
 */

/** The two clocks a snooze reads: the system's and a monotonic one. */
export interface SnoozeClocks {
  wall(): number;
  monotonic(): number;
}

const SYSTEM_CLOCKS: SnoozeClocks = { wall: () => Date.now(), monotonic: () => performance.now() };

export class Snooze {
  private until: { readonly wall: number; readonly monotonic: number } | undefined;

  constructor(private readonly clocks: SnoozeClocks = SYSTEM_CLOCKS) {}

  /** Snoozes for `ms` from now (again from now if already snoozed). */
  start(ms: number): void {
    this.until = { wall: this.clocks.wall() + ms, monotonic: this.clocks.monotonic() + ms };
  }

  end(): void {
    this.until = undefined;
  }

  /** Milliseconds left, 0 when not snoozed. */
  remainingMs(): number {
    if (!this.until) return 0;
    return Math.max(0, Math.min(this.until.wall - this.clocks.wall(), this.until.monotonic - this.clocks.monotonic()));
  }

  active(): boolean {
    return this.remainingMs() > 0;
  }
}
