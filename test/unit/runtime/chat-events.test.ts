// Text and thinking deltas are merged per frame; other events flush them and keep the order.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChatStreamEvent } from "../../../src/protocol/chat.ts";
import { ChatEventCoalescer } from "../../../src/runtime/chat-events.ts";

test("merges deltas of one kind, flushes on a kind change, a tool call or done, in order", async () => {
  const sent: ChatStreamEvent[] = [];
  const events = new ChatEventCoalescer((e) => sent.push(e), 1000);
  events.push({ type: "thinking", text: "a" });
  events.push({ type: "thinking", text: "b" });
  events.push({ type: "text", text: "c" });
  events.push({ type: "text", text: "d" });
  events.push({ type: "toolCall", call: { id: "1", name: "t", arguments: {} } });
  events.push({ type: "done", stopReason: "toolCalls" });
  assert.deepEqual(sent, [
    { type: "thinking", text: "ab" },
    { type: "text", text: "cd" },
    { type: "toolCall", call: { id: "1", name: "t", arguments: {} } },
    { type: "done", stopReason: "toolCalls" },
  ]);
});

test("a pending delta goes out by itself after the interval", async () => {
  const sent: ChatStreamEvent[] = [];
  const events = new ChatEventCoalescer((e) => sent.push(e), 5);
  events.push({ type: "text", text: "x" });
  assert.deepEqual(sent, []);
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(sent, [{ type: "text", text: "x" }]);
});
