/**
 * Notices when the agent goes round in circles — the same call with the same arguments
 * and the same result, the same failing edit, the same failing test output — and says
 * what to do: first steer the model with a message, then stop with a clear reason.
 * Local models loop far more than hosted ones; every loop burns context.
 */
import { createHash } from "node:crypto";

export type RepetitionVerdict =
  | { readonly action: "continue" }
  | { readonly action: "steer"; readonly message: string }
  | { readonly action: "stop"; readonly reason: string };

export interface RepetitionOptions {
  /** Identical call + identical result this many times → steer (default 2). */
  readonly steerAfter: number;
  /** … this many times → stop (default 3). */
  readonly stopAfter: number;
  /** The same failing output of a tool whose failures are known by their output (e.g. a test run) this many times → steer (default 3); +1 → stop. */
  readonly sameFailureSteerAfter: number;
  /**
   * Whether a tool's failures are known by their output alone, so that different calls
   * failing the same way count as one failure coming back (`Tool.failuresByOutput`:
   * run_command, run_tests). Default: no tool's.
   */
  readonly failuresByOutput: (tool: string) => boolean;
}

const DEFAULTS: RepetitionOptions = { steerAfter: 2, stopAfter: 3, sameFailureSteerAfter: 3, failuresByOutput: () => false };

export class RepetitionGuard {
  private readonly calls = new Map<string, number>();
  /** Identical calls made again after their result was condensed before the model saw it whole (`forget`). */
  private readonly rereads = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private readonly unrunnable = new Map<string, number>();
  private readonly options: RepetitionOptions;

  constructor(options: Partial<RepetitionOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Records one finished tool call and judges it. */
  record(tool: string, args: unknown, ok: boolean, output: string): RepetitionVerdict {
    const key = callKey(tool, args, output);
    const seen = bump(this.calls, key);
    // A result too large to keep, asked for whole again each time it was condensed, is a loop too.
    const rereads = this.rereads.get(key) ?? 0;
    if (rereads >= this.options.stopAfter) {
      return { action: "stop", reason: `the model made the same ${tool} call ${rereads} more times after its result was condensed to fit the context: the whole result does not fit, ask for a part` };
    }
    if (seen >= this.options.stopAfter) {
      return { action: "stop", reason: `the model repeated the same ${tool} call with the same result ${seen} times` };
    }
    if (!ok && this.options.failuresByOutput(tool)) {
      const failures = bump(this.failures, `${tool}\u0000${hash(failureOutput(output))}`);
      if (failures > this.options.sameFailureSteerAfter) {
        return { action: "stop", reason: `the same command failure came back ${failures} times without progress` };
      }
      if (failures === this.options.sameFailureSteerAfter) {
        return { action: "steer", message: steering(`The command has failed with exactly the same output ${failures} times. Your changes are not addressing the failure: re-read the error, look at the code it points to, and try a different fix.`) };
      }
    }
    if (seen >= this.options.steerAfter) {
      const what = ok ? "and got the same result" : "and it failed the same way";
      return { action: "steer", message: steering(`You called ${tool} with the same arguments ${seen} times ${what}. Repeating it will not help: use what you already have, or try something different.`) };
    }
    return { action: "continue" };
  }

  /**
   * Forgets the identical calls recorded before this one (same tool, arguments and result):
   * the model no longer sees their results (condensed or dropped to fit the context), so
   * calling it again is reading again what it was told to read again, not a loop. Unless
   * `tooLarge`: the result was condensed before the model saw it whole (the whole does not
   * fit), and such re-reads are counted (a small result condensed for its age is not).
   */
  forget(tool: string, args: unknown, output: string, tooLarge: boolean): void {
    const key = callKey(tool, args, output);
    if (this.calls.delete(key) && tooLarge) bump(this.rereads, key);
  }

  /**
   * Records a call that could not be run (malformed, an unknown tool or parameter: the
   * model was told why) and judges it. A retry that changes anything is honest; the same
   * text written again, after being told, is a loop like any other.
   */
  recordUnrunnable(name: string | undefined, raw: string, message: string): RepetitionVerdict {
    // A remote server's raw text is the arguments alone: the name tells two calls apart.
    const seen = bump(this.unrunnable, `${name ?? ""}\u0000${hash(raw.trim())}`);
    if (seen >= this.options.stopAfter) {
      const why = message.split("\n")[0]!;
      return { action: "stop", reason: `the model wrote the same tool call that could not be run ${seen} times (${why.length > 200 ? `${why.slice(0, 197)}...` : why})` };
    }
    if (seen >= this.options.steerAfter) {
      return { action: "steer", message: steering(`You wrote that same call ${seen} times and it could not be run each time. Writing it again will not help: change what the error names, or do something else.`) };
    }
    return { action: "continue" };
  }
}

/**
 * Durations ("[exit code 1, 2.3 s]", "Ran 3 tests in 0.004s", "(12ms)", "duration_ms: 8.1")
 * masked: every run takes its own time, so a failure coming back never had the same
 * output byte for byte.
 */
const DURATION = /\b(?:duration_ms:?\s*\d+(?:\.\d+)?|\d+(?:\.\d+)?\s?(?:ms|s|secs?|seconds?)\b)/g;

function withoutTimes(output: string): string {
  return output.replace(DURATION, "<time>");
}

/**
 * What a failure is known by: its output without durations and without the first line
 * when it echoes the command ("$ npm test -- -x", as run_command and run_tests start),
 * which differs between the commands that keep failing the same way.
 */
function failureOutput(output: string): string {
  return withoutTimes(output.replace(/^\$ [^\n]*\n/, ""));
}

function callKey(tool: string, args: unknown, output: string): string {
  return `${tool}\u0000${canonical(args)}\u0000${hash(withoutTimes(output))}`;
}

function steering(text: string): string {
  return `[Hearth] ${text}`;
}

function bump(map: Map<string, number>, key: string): number {
  const n = (map.get(key) ?? 0) + 1;
  map.set(key, n);
  return n;
}

function hash(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/** JSON with sorted keys, so {a,b} and {b,a} are the same call. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
