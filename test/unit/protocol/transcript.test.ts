import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AgentRunResult } from "../../../src/protocol/agent.ts";
import { applyTranscriptEvent, newTranscript, titleFrom, type TranscriptEvent, transcriptFromMessages } from "../../../src/protocol/transcript.ts";
import { isFromWebview } from "../../../src/protocol/webview.ts";

const end = (result: Partial<AgentRunResult>): TranscriptEvent => ({
  type: "end",
  result: { stopReason: "answered", message: "", steps: 1, changedFiles: [], ...result },
});

function replay(events: TranscriptEvent[]) {
  const t = newTranscript("c1", 0);
  for (const e of events) applyTranscriptEvent(t, e, 1);
  return t;
}

describe("transcript reducer", () => {
  it("streams text and thinking into one assistant item and titles the chat from the first message", () => {
    const t = replay([
      { type: "runStart", runId: "r1" },
      { type: "user", text: "Why does parse() fail on empty input?\nmore", messageIndex: 1, checkpoint: "abc" },
      { type: "turn", step: 1 },
      { type: "model", event: { type: "thinking", text: "Let me " } },
      { type: "model", event: { type: "thinking", text: "look." } },
      { type: "model", event: { type: "text", text: "It " } },
      { type: "model", event: { type: "text", text: "returns None." } },
    ]);
    assert.equal(t.title, "Why does parse() fail on empty input?");
    assert.equal(t.runId, "r1");
    assert.equal(t.items.length, 2);
    const [user, reply] = t.items;
    assert.deepEqual([user!.kind, user!.kind === "user" && user!.checkpoint], ["user", "abc"]);
    assert.ok(reply!.kind === "assistant");
    assert.equal(reply.text, "It returns None.");
    assert.equal(reply.thinking, "Let me look.");
    assert.equal(reply.streaming, true);
    applyTranscriptEvent(t, end({ stopReason: "answered", message: "It returns None." }));
    assert.equal(t.runId, undefined);
    assert.equal(reply.streaming, false);
    assert.equal(t.items.length, 2, "an answer adds no notice");
  });

  it("fills in the optimistic user item instead of adding a second one", () => {
    const t = newTranscript("c1", 0);
    t.items.push({ kind: "user", id: "u", text: "hi" });
    applyTranscriptEvent(t, { type: "user", text: "hi", messageIndex: 3, checkpoint: "k" });
    assert.equal(t.items.length, 1);
    assert.deepEqual(t.items[0], { kind: "user", id: "u", text: "hi", messageIndex: 3, checkpoint: "k" });
  });

  it("takes a tool card through approval, run and result with its diff", () => {
    const call = { id: "call-1", name: "edit_file", arguments: { path: "a.py", old_text: "x", new_text: "y" } };
    const t = replay([
      { type: "model", event: { type: "text", text: "Editing." } },
      { type: "model", event: { type: "toolCall", call } },
      { type: "approvalRequest", call, effect: "write" },
    ]);
    const card = t.items[1]!;
    assert.ok(card.kind === "tool");
    assert.equal(card.status, "awaiting-approval");
    assert.equal((t.items[0] as { streaming: boolean }).streaming, false, "a tool call closes the streamed text");
    applyTranscriptEvent(t, { type: "approval", callId: "call-1", approved: true });
    assert.equal(card.status, "running");
    applyTranscriptEvent(t, { type: "toolStart", call, effect: "write" });
    applyTranscriptEvent(t, { type: "toolEnd", callId: "call-1", ok: true, preview: "Edited a.py", durationMs: 12, diff: "--- a/a.py\n+++ b/a.py\n", changedFiles: ["a.py"], checkpoint: "cp1" });
    assert.deepEqual(
      { status: card.status, checkpoint: card.checkpoint, duration: card.durationMs, diff: card.diff, files: card.changedFiles },
      { status: "done", checkpoint: "cp1", duration: 12, diff: "--- a/a.py\n+++ b/a.py\n", files: ["a.py"] },
    );
  });

  it("marks the finish summary as the model's words and Hearth's own notices as none's", () => {
    const t = replay([
      { type: "notice", level: "info", text: "Restored 1 file" },
      end({ stopReason: "finished", message: "All edits were approved and tests pass." }),
      end({ stopReason: "max-steps", message: "The run stopped at 30 steps." }),
    ]);
    assert.deepEqual(
      t.items.map((item) => item.kind === "notice" && [item.text, item.from]),
      [["Restored 1 file", undefined], ["All edits were approved and tests pass.", "model"], ["The run stopped at 30 steps.", undefined]],
    );
  });

  it("keeps a denied card denied and marks unfinished cards cancelled when a run is stopped", () => {
    const a = { id: "a", name: "run_command", arguments: { command: "rm -rf /" } };
    const b = { id: "b", name: "read_file", arguments: { path: "x" } };
    const t = replay([
      { type: "approvalRequest", call: a, effect: "command" },
      { type: "approval", callId: "a", approved: false },
      { type: "toolEnd", callId: "a", ok: false, preview: "denied", durationMs: 0 },
      { type: "model", event: { type: "toolCall", call: b } },
      end({ stopReason: "cancelled", message: "cancelled by the user" }),
    ]);
    assert.deepEqual(t.items.filter((i) => i.kind === "tool").map((i) => i.kind === "tool" && i.status), ["denied", "cancelled"]);
    assert.deepEqual(t.items.at(-1), { kind: "notice", id: t.items.at(-1)!.id, level: "warning", text: "Stopped." });
  });

  it("shows a call Stop cancelled as cancelled, not failed, live and when rebuilt from its messages", () => {
    const a = { id: "a", name: "run_command", arguments: { command: "npm test" } };
    const b = { id: "b", name: "read_file", arguments: { path: "x" } };
    const c = { id: "c", name: "read_file", arguments: { path: "y" } };
    const waited = "Error (cancelled): the user cancelled the run while this call waited for approval; it was not run.";
    const skipped = "Error (cancelled): the user cancelled the run before this call.";
    const t = replay([
      { type: "model", event: { type: "toolCall", call: a } },
      { type: "model", event: { type: "toolCall", call: b } },
      { type: "model", event: { type: "toolCall", call: c } },
      { type: "approvalRequest", call: a, effect: "command" },
      { type: "toolEnd", callId: "a", ok: false, preview: waited, durationMs: 0 },
      { type: "toolEnd", callId: "b", ok: false, preview: skipped, durationMs: 0 },
      { type: "toolEnd", callId: "c", ok: false, preview: "Error (not-found): y does not exist.", durationMs: 0 },
      end({ stopReason: "cancelled", message: "cancelled by the user" }),
    ]);
    assert.deepEqual(t.items.filter((i) => i.kind === "tool").map((i) => i.kind === "tool" && i.status), ["cancelled", "cancelled", "failed"]);
    const rebuilt = transcriptFromMessages("c", "Stopped", [
      { role: "user", content: "test it" },
      { role: "assistant", content: "", toolCalls: [a, b, c] },
      { role: "tool", toolCallId: "a", name: "run_command", content: waited },
      { role: "tool", toolCallId: "b", name: "read_file", content: skipped },
      { role: "tool", toolCallId: "c", name: "read_file", content: "Error (not-found): y does not exist." },
    ]);
    assert.deepEqual(rebuilt.items.filter((i) => i.kind === "tool").map((i) => i.kind === "tool" && i.status), ["cancelled", "cancelled", "failed"]);
  });

  it("records reviews and per-file decisions, and rewinds to before a user message", () => {
    const t = replay([
      { type: "user", text: "one", messageIndex: 1 },
      { type: "review", checkpoint: "k", summary: "Fixed", files: ["a.ts", "b.ts"] },
      { type: "user", text: "two", messageIndex: 5 },
      { type: "context", usedTokens: 900, contextSize: 4096 },
    ]);
    const review = t.items[1]!;
    assert.ok(review.kind === "review");
    applyTranscriptEvent(t, { type: "reviewDecision", reviewId: review.id, paths: ["b.ts"], state: "rejected" });
    assert.deepEqual(review.files, [{ path: "a.ts", state: "pending" }, { path: "b.ts", state: "rejected" }]);
    applyTranscriptEvent(t, { type: "rewound", itemId: t.items[2]!.id });
    assert.equal(t.items.length, 2);
    assert.equal(t.context, undefined, "the meter no longer shows the longer conversation's size");
  });

  it("decides every file of a large review reading the named paths once, not once per file", () => {
    // Accept all over a run that changed 120,000 files: a look-up of each file in the list walked it all each time.
    const files = Array.from({ length: 2_000 }, (_, i) => `data/${i}.json`);
    const t = replay([{ type: "review", checkpoint: "k", summary: "Regenerated", files }]);
    const review = t.items[0]!;
    assert.ok(review.kind === "review");
    let reads = 0;
    const named = [...files];
    // Counts each element read: a look-up per file reads the list some n²/2 times.
    const counted = new Proxy(named, { get: (target, key, receiver) => (typeof key === "string" && /^\d+$/.test(key) && reads++, Reflect.get(target, key, receiver)) });
    applyTranscriptEvent(t, { type: "reviewDecision", reviewId: review.id, paths: counted, state: "accepted" });
    assert.ok(review.files.every((f) => f.state === "accepted"));
    assert.ok(reads <= 3 * files.length, `${reads} reads of a list of ${files.length}`);
  });

  it("turns malformed tool calls, steering, model errors and failed runs into notices", () => {
    const t = replay([
      { type: "runStart", runId: "r" },
      { type: "model", event: { type: "toolCallError", message: "unknown tool frobnicate", raw: "<tool_call>" } },
      { type: "steer", message: "You repeated the same call." },
      end({ stopReason: "model-error", message: "no model" }),
      { type: "runFailed", message: "The runtime stopped." },
    ]);
    assert.deepEqual(t.items.map((i) => i.kind === "notice" && i.level), ["warning", "warning", "error", "error"]);
    assert.match((t.items[0] as { text: string }).text, /frobnicate/);
  });

  it("a condensing notice says what was condensed: older results, thinking, calls' arguments", () => {
    const notices = (kinds: Array<"results" | "thinking" | "arguments"> | undefined, estimated = false) =>
      (replay([{ type: "condensed", messages: 3, ...(kinds ? { kinds } : {}), ...(estimated ? { estimated: true as const } : {}) }]).items[0] as { text: string }).text;
    assert.equal(notices(["thinking"]), "The thinking of older replies was condensed to stay within the context (3 messages).");
    assert.equal(notices(["arguments"]), "Long arguments of older tool calls were condensed to stay within the context (3 messages).");
    assert.equal(notices(["thinking", "results", "arguments"], true), "Older tool results, the thinking of older replies and long arguments of older tool calls were condensed to stay within the context (3 messages; the tokens could not be counted, so by an estimate).");
    // An event saved before it said (an exported conversation): results, as it always meant.
    assert.equal(notices(undefined), "Older tool results were condensed to stay within the context (3 messages).");
  });

  it("titles long first lines at a word boundary", () => {
    assert.equal(titleFrom("  short  "), "short");
    const long = titleFrom("word ".repeat(30));
    assert.ok(long.endsWith("…") && long.length <= 61 && !long.includes("wor…"), long);
  });

  it("cuts a long first line between characters as the eye sees them, never inside an emoji or an accented letter", () => {
    const family = "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}"; // one family emoji: three people joined by ZWJs, 8 UTF-16 units
    const flag = "\u{1F1EB}\u{1F1F7}"; // one flag: two regional indicators
    const cases = [
      { text: `${"x".repeat(59)}\u{1F600} tail`, kept: "x".repeat(59) }, // a surrogate pair across the 60th unit
      { text: `${"x".repeat(55)}${family} tail`, kept: "x".repeat(55) }, // a ZWJ sequence across it
      { text: `${"x".repeat(59)}${flag} tail`, kept: "x".repeat(59) },
      { text: `${"x".repeat(59)}e\u0301\u0302 tail`, kept: "x".repeat(59) }, // a letter and its combining marks
      { text: `${"x".repeat(52)}${family} tail`, kept: `${"x".repeat(52)}${family}` }, // ends right at 60: kept whole
    ];
    for (const { text, kept } of cases) assert.equal(titleFrom(text), `${kept}…`, JSON.stringify(text));
    // One "character" longer than the whole title (a letter under a hundred marks) is still cut, at a code point.
    const zalgo = titleFrom(`a${"\u0301".repeat(100)}`);
    assert.ok(zalgo.length > 1 && zalgo.length <= 61 && zalgo.endsWith("…"), JSON.stringify(zalgo));
    assert.equal(titleFrom(`${"\u{1F600}".repeat(40)}`), `${"\u{1F600}".repeat(30)}…`);
  });
});

describe("messages from the webview", () => {
  const commands = ["selectModel"];
  it("accepts well-formed messages", () => {
    for (const msg of [
      { type: "ready" },
      { type: "runCommand", command: "selectModel" },
      { type: "send", text: "hi", mentions: [{ kind: "file", path: "a.ts" }, { kind: "selection" }, { kind: "symbol", name: "f", symbolKind: "function", path: "a.ts", line: 3 }] },
      { type: "approve", callId: "c", approved: false },
      { type: "review", action: "reject", reviewId: "r" },
      { type: "code", action: "insert", code: "x" },
      { type: "openFile", path: "a.ts" },
    ]) assert.ok(isFromWebview(msg, commands), JSON.stringify(msg));
  });
  it("rejects unknown types, wrong field types, unknown commands and bad mentions", () => {
    for (const msg of [
      null,
      "ready",
      { type: "eval", code: "x" },
      { type: "runCommand", command: "workbench.action.terminal.new" },
      { type: "send", text: 5, mentions: [] },
      { type: "send", text: "x", mentions: [{ kind: "url", href: "http://x" }] },
      { type: "approve", callId: "c", approved: "yes" },
      { type: "review", action: "delete", reviewId: "r" },
      { type: "code", action: "run", code: "x" },
      { type: "constructor" },
    ]) assert.equal(isFromWebview(msg, commands), false, JSON.stringify(msg));
  });
});

describe("transcript from imported messages", () => {
  it("rebuilds turns and finished tool cards with their results", () => {
    const t = transcriptFromMessages("c", "Fix add", [
      { role: "user", content: "fix add" },
      { role: "assistant", content: "", thinking: "hm", toolCalls: [{ id: "t1", name: "edit_file", arguments: { path: "calc.py" } }, { id: "t2", name: "read_file", arguments: { path: "x" } }] },
      { role: "tool", toolCallId: "t1", name: "edit_file", content: "Edited calc.py" },
      { role: "tool", toolCallId: "t2", name: "read_file", content: "Error (not-found): x does not exist" },
      { role: "assistant", content: "Done." },
    ]);
    assert.equal(t.title, "Fix add");
    assert.deepEqual(
      t.items.map((i) => [i.kind, i.kind === "tool" ? `${i.status}:${i.preview}` : i.kind === "user" ? i.messageIndex : i.kind === "assistant" ? i.text : ""]),
      [["user", 1], ["assistant", ""], ["tool", "done:Edited calc.py"], ["tool", "failed:Error (not-found): x does not exist"], ["assistant", "Done."]],
    );
  });

  it("shows the messages a full context dropped from the model's prompt as they were, with a notice after them, and no empty husks of an older Hearth's drop", () => {
    const t = transcriptFromMessages("c", "Modules", [
      { role: "user", content: "Explain the modules." },
      { role: "user", content: "[Hearth dropped 2 older messages here to fit the context: 1 of your replies, and 1 earlier message of the user. What they held is gone: read again what you still need.]" },
      { role: "user", content: "" },
      { role: "user", content: "And module 1?", dropped: true },
      { role: "assistant", content: "Module 1 prints.", dropped: true },
      { role: "user", content: "And module 2?" },
      { role: "assistant", content: "Module 2 reads." },
    ]);
    assert.deepEqual(
      t.items.map((i) => [i.kind, i.kind === "notice" ? i.level : i.kind === "user" ? `${i.messageIndex}:${i.text}` : i.kind === "assistant" ? i.text : ""]),
      [["user", "1:Explain the modules."], ["notice", "info"], ["user", "4:And module 1?"], ["assistant", "Module 1 prints."], ["notice", "info"], ["user", "6:And module 2?"], ["assistant", "Module 2 reads."]],
    );
    const notices = t.items.flatMap((i) => (i.kind === "notice" ? [i.text] : []));
    assert.match(notices[1]!, /^Hearth left the 2 messages above out of the model's context to fit it: the model no longer sees them\.$/);
    assert.match(notices[0]!, /^Hearth left 2 older messages out of the model's context to fit it here/);
  });
});
