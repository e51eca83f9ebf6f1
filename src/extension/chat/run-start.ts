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
