/**
 * What a finished run leaves in the chat: the review of the files it changed (accept or
 * reject per file), with a summary of how the run ended. Pure, unit-tested without VS Code.
 */
import type { AgentRunResult } from "../../protocol/agent.ts";
import type { TranscriptEvent, TranscriptItem } from "../../protocol/transcript.ts";
import { plural } from "./wording.ts";

/** The review event for a run that changed files from a checkpoint; undefined when there is nothing to review. */
export function reviewEvent(result: AgentRunResult): TranscriptEvent | undefined {
  if (result.changedFiles.length === 0 || !result.startCheckpoint) return undefined;
  return {
    type: "review",
    checkpoint: result.startCheckpoint,
    ...(result.endCheckpoint ? { after: result.endCheckpoint } : {}),
    ...(result.diffBases ? { diffBases: result.diffBases } : {}),
    summary: reviewSummary(result),
    files: result.changedFiles,
    ...(result.tests ? { tests: result.tests } : {}),
  };
}

/**
 * The review of a run that never ended (the window closed or reloaded, the runtime died
 * mid-run): its end, which carries the review, never came, but its steps' cards hold what
 * it wrote — from its message's checkpoint to the last write's. Undefined when it wrote
 * nothing, its message got no checkpoint, or it was reviewed after all.
 */
export function interruptedReview(items: readonly TranscriptItem[]): TranscriptEvent | undefined {
  const start = items.findLastIndex((i) => i.kind === "user");
  const message = items[start];
  if (message?.kind !== "user" || !message.checkpoint) return undefined;
  const files = new Set<string>();
  let after: string | undefined;
  for (const item of items.slice(start + 1)) {
    if (item.kind === "review") return undefined;
    if (item.kind !== "tool" || !item.changedFiles?.length) continue;
    for (const path of item.changedFiles) files.add(path);
    after = item.after ?? after;
  }
  if (files.size === 0) return undefined;
  const summary = `Hearth changed ${plural(files.size, "file")} before the run was cut off.`;
  return { type: "review", checkpoint: message.checkpoint, ...(after ? { after } : {}), summary, files: [...files] };
}

/** "Hearth changed 2 files.", or how far it got when it stopped early. */
export function reviewSummary(result: AgentRunResult): string {
  const files = plural(result.changedFiles.length, "file");
  if (result.stopReason === "finished" || result.stopReason === "answered") return `Hearth changed ${files}.`;
  return `Hearth changed ${files} before it stopped (${result.stopReason.replace(/-/g, " ")}).`;
}
