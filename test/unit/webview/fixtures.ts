// Messages the extension would post, for the webview's tests.
import type { RuntimeStatus, ModelState } from "../../../src/protocol/status.ts";
import type { Transcript, TranscriptEvent } from "../../../src/protocol/transcript.ts";
import type { ToWebview } from "../../../src/protocol/webview.ts";

export function status(model: ModelState): RuntimeStatus {
  return { version: "0.1.0", pid: 4242, uptimeSeconds: 3, model, index: { kind: "ready", files: 1, symbols: 3 }, folder: "/home/user/project", settingsProblems: [] };
}

export const READY_MODEL: ModelState = { kind: "ready", source: { kind: "preset", preset: "qwen3.5-35b-a3b" }, name: "Qwen3.5-35B-A3B", contextSize: 131072, gpu: "cuda" };

export function stateMessage(model: ModelState = READY_MODEL, extra: Partial<Extract<ToWebview, { type: "state" }>> = {}): ToWebview {
  return { type: "state", runtime: { kind: "running", status: status(model) }, inlineCompletions: true, ...extra };
}

export function transcript(items: Transcript["items"] = [], extra: Partial<Transcript> = {}): Transcript {
  return { id: "c1", title: "Chat", createdAt: 1, updatedAt: 1, items, ...extra };
}

export function conversation(t: Transcript = transcript(), history = [{ id: "c1", title: "Chat", updatedAt: 1 }]): ToWebview {
  return { type: "conversation", transcript: t, history };
}

export function event(e: TranscriptEvent, conversationId = "c1"): ToWebview {
  return { type: "event", conversationId, event: e };
}
