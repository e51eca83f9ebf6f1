import { readFileSync, statSync } from "node:fs";
import { freemem, totalmem } from "node:os";
import { cgroupLimits, SYSTEM_CGROUP } from "../protocol/cgroup-limits.ts";
import { type MachineMemory, type MemoryCalls, memoryAdvice } from "../protocol/memory-advice.ts";
import { signalCause } from "../protocol/native-crash.ts";
import type { ModelState } from "../protocol/status.ts";

/**
 * When to restart a runtime that died: exponential backoff, reset after a healthy run, and
 * a give-up point so a runtime that crashes on every start (a driver bug, a model that
 * aborts llama.cpp) does not loop forever. Pure logic, no `vscode`, so it is unit tested.
 */
export interface RestartPolicyOptions {
  /** Delay before the first restart. */
  readonly baseDelayMs: number;
  /** Upper bound for any delay. */
  readonly maxDelayMs: number;
  /** A runtime that stayed up this long counts as healthy: the next crash starts over at attempt 1. */
  readonly healthyAfterMs: number;
  /** Crashes in a row (without a healthy run between) after which we stop restarting. */
  readonly maxAttempts: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  healthyAfterMs: 60_000,
  maxAttempts: 6,
};

export type RestartDecision =
  | { readonly action: "restart"; readonly attempt: number; readonly delayMs: number }
  /**
   * `whileLoadingModel`: the last runtime died loading its model (the model may not fit the machine).
   * `atOnce`: it died by SIGILL, which the same binary on the same CPU meets at every start —
   * `whileRunning` where it had started and was not loading its model (mid-answer, idle): the
   * same code on this CPU stops it again when it runs, not at every start.
   */
  | { readonly action: "give-up"; readonly attempts: number; readonly whileLoadingModel?: true; readonly atOnce?: true; readonly whileRunning?: true; readonly modelPath?: string };

export class RestartPolicy {
  private attempts = 0;
  /** When the runtime that is running now started; undefined once it died (and before the first start). */
  private startedAt: number | undefined;

  constructor(private readonly options: RestartPolicyOptions = DEFAULT_RESTART_POLICY) {}

  /** Whether the running runtime is loading its model (or about to), from the states it reports. */
  private loadingModel = false;
  /** The model file it loads, where its state names one. */
  private loadingPath: string | undefined;
  /** Whether the running runtime has reported a model state: before the first, it is still starting. */
  private reported = false;

  /**
   * Call when a runtime process has started. Times (here and in `crashed`) default to the
   * monotonic clock: with `Date.now()` a clock set back during a healthy run counted it as one
   * more crash in a row, and one set forward during a run that crashed at once as a healthy run.
   */
  started(now: number = performance.now()): void {
    this.startedAt = now;
    this.loadingModel = false;
    this.loadingPath = undefined;
    this.reported = false;
  }

  /** Call with each model state the running runtime reports. */
  modelState(model: ModelState): void {
    this.reported = true;
    // A remote server's "configured" connects on first use: nothing is loading.
    this.loadingModel = model.kind === "loading" || (model.kind === "configured" && model.source.kind !== "server");
    this.loadingPath = this.loadingModel && "source" in model && model.source.kind === "file" ? model.source.modelPath : undefined;
  }

  /**
   * Call when the runtime died unexpectedly; says whether and when to start it again. A
   * runtime that died before `started` (it never answered) had no healthy run, however long
   * ago the last one was: counting it as one restarted a broken runtime every 500 ms forever.
   * Nor had one that died loading its model, however long it was up: a model that kills the
   * runtime at every load (out of memory after 90 s reading it) was restarted forever, each
   * restart loading it again. `signal`: what ended it. SIGILL (an instruction this CPU lacks in
   * llama.cpp's native code) is given up on at once: the same binary on the same CPU dies the
   * same way at every start, and six restarts only delayed the message (and each its load); one
   * that died so after its start (mid-answer) meets it again when that code runs again.
   * A restart the user asks for (`reset`: Restart Runtime, a model switch's) tries again.
   */
  crashed(now: number = performance.now(), signal: NodeJS.Signals | null = null): RestartDecision {
    const loading = this.loadingModel;
    // Past its start and its load: it had reported a model state, not a loading one (mid-answer, idle).
    const running = this.startedAt !== undefined && this.reported && !loading;
    const modelPath = loading ? this.loadingPath : undefined;
    if (this.startedAt !== undefined && !loading && now - this.startedAt >= this.options.healthyAfterMs) this.attempts = 0;
    this.startedAt = undefined;
    this.loadingModel = false;
    this.loadingPath = undefined;
    this.reported = false;
    this.attempts++;
    const atOnce = signal === "SIGILL";
    if (atOnce || this.attempts > this.options.maxAttempts) {
      return { action: "give-up", attempts: this.attempts - 1, ...(loading ? { whileLoadingModel: true as const } : {}), ...(atOnce ? { atOnce: true as const } : {}), ...(atOnce && running ? { whileRunning: true as const } : {}), ...(modelPath ? { modelPath } : {}) };
    }
    const delayMs = Math.min(this.options.baseDelayMs * 2 ** (this.attempts - 1), this.options.maxDelayMs);
    return { action: "restart", attempt: this.attempts, delayMs };
  }

  /** Call when the user restarts by hand: they get a fresh set of attempts. */
  reset(): void {
    this.attempts = 0;
  }
}

/**
 * What the user is told when the policy gave up (`reason`: how the last runtime ended,
 * RuntimeStart.exitReason's). A runtime that died loading its model may need more memory than
 * the machine has — unless its end already names another cause (SIGILL: the CPU; SIGBUS: the
 * model file changed under it, protocol/native-crash.ts signalCause), where choosing a smaller
 * model was the wrong way out. `memory`: what the machine has ({@link machineMemory}), to choose by,
 * said only where the runtime was killed from outside (the out-of-memory killer); other ends
 * (a llama.cpp abort, an exit code) keep the hedged sentence.
 */
export function gaveUpMessage(decision: Extract<RestartDecision, { action: "give-up" }>, reason: string, memory?: MachineMemory): string {
  const loading = decision.whileLoadingModel ? `, ${decision.attempts ? "the last time " : ""}while loading the model,` : "";
  const advise = decision.whileLoadingModel && !/^killed by (SIGILL|SIGBUS)\b/.test(reason);
  // The file against the memory only for an outside SIGKILL (the out-of-memory killer), as the
  // CLI's loadDeath: a llama.cpp abort (SIGABRT) or an exit code is no memory story.
  const killedForMemory = reason === `killed by SIGKILL: ${signalCause("SIGKILL", true)}`;
  const fit = !advise ? "" : memory && killedForMemory ? ` ${memoryAdvice(memory, EDITOR_WORDS)}` : " The model may need more memory than this machine has: choose another with \"Hearth: Select Model…\", then Restart.";
  const times = decision.attempts ? ` ${decision.attempts + 1} times in a row` : "";
  // SIGILL's reason already says what to do (protocol/native-crash.ts); why no restart is tried.
  // Past its start and load (mid-answer), a start does not meet it: the code that did, when it runs again.
  const every = decision.whileRunning ? "it had started, but on this CPU it stops the same way whenever it runs that code again" : "on this CPU it stops the same way at every start";
  const atOnce = decision.atOnce ? `: ${every}. Restart tries again` : "";
  return `Hearth's runtime stopped${times} (${reason})${loading} and was not restarted${atOnce}.${fit}`;
}

/** protocol/memory-advice.ts machineMemory's reads, with Node's own calls (the extension host runs inside a dev container too). */
export const MEMORY_CALLS: MemoryCalls = {
  platform: process.platform,
  fileSize: (path) => statSync(path).size,
  freemem,
  totalmem,
  cgroupLimits: () => (process.platform === "linux" ? cgroupLimits({ root: SYSTEM_CGROUP.root, read: readOrUndefined }, readOrUndefined(SYSTEM_CGROUP.self)) : {}),
};

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** How the editor names the ways out. */
const EDITOR_WORDS = { choose: 'choose a smaller model or quantization with "Hearth: Select Model…"', context: "hearth.contextSize", then: "then Restart" };
