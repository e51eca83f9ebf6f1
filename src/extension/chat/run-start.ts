/**
 * What a run's request says about the conversation it continues, from the chat's transcript
 * (pure; runs.ts sends it).
 */
import type { TranscriptItem } from "../../protocol/transcript.ts";

/**
 * Whether the model answered earlier turns the chat shows (an answer or a tool call): the
 * runtime then has the conversation, and says so when it has not (`AgentRunParams.continues`).
 * A turn that failed before the model answered left the runtime nothing to keep.
 */
export function continuesConversation(items: readonly TranscriptItem[]): boolean {
  return items.some((item) => item.kind === "assistant" || item.kind === "tool");
}

/** How many ended runs {@link EndedRuns} remembers: a stuck runtime wakes with one, rarely more. */
const ENDED_RUNS_KEPT = 32;

/**
 * The runs the chat has ended, the last {@link ENDED_RUNS_KEPT}: events the runtime sends for
 * one later are dropped. A runtime stuck past the Stop's limit (a debugger, SIGSTOP) that wakes
 * sends the rest of the run it was in — its text, its tool calls — and they landed in the
 * conversation after 'The run stopped', or inside the next run the user had started meanwhile.
 */
export class EndedRuns {
  private readonly ids: string[] = [];

  add(runId: string): void {
    this.ids.push(runId);
    if (this.ids.length > ENDED_RUNS_KEPT) this.ids.shift();
  }

  has(runId: string): boolean {
    return this.ids.includes(runId);
  }
}
