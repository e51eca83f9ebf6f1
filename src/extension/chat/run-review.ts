/**
 * What a finished run leaves in the chat: the review of the files it changed (accept or
 * reject per file), with a summary of how the run ended. Pure, unit-tested without VS Code.
 */
import type { AgentRunResult } from "../../protocol/agent.ts";
import type { TranscriptEvent } from "../../protocol/transcript.ts";
import { plural } from "./wording.ts";

/** The review event for a run that changed files from a checkpoint; undefined when there is nothing to review. */
export function reviewEvent(result: AgentRunResult): TranscriptEvent | undefined {
  if (result.changedFiles.length === 0 || !result.startCheckpoint) return undefined;
  return {
    type: "review",
    checkpoint: result.startCheckpoint,
    ...(result.endCheckpoint ? { after: result.endCheckpoint } : {}),
    summary: reviewSummary(result),
    files: result.changedFiles,
    ...(result.tests ? { tests: result.tests } : {}),
  };
}

/** "Hearth changed 2 files.", or how far it got when it stopped early. */
export function reviewSummary(result: AgentRunResult): string {
  const files = plural(result.changedFiles.length, "file");
  if (result.stopReason === "finished" || result.stopReason === "answered") return `Hearth changed ${files}.`;
  return `Hearth changed ${files} before it stopped (${result.stopReason.replace(/-/g, " ")}).`;
}
