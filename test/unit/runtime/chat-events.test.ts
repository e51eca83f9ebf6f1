// Text and thinking deltas: the first goes out at once, later ones are merged per frame;
// other events flush them and keep the order.
import assert from "node:assert/strict";
import { mock, test } from "node:test";
import type { ChatStreamEvent } from "../../../src/protocol/chat.ts";
import { ChatEventCoalescer } from "../../../src/runtime/chat-events.ts";

test("sends the first delta at once, merges the rest of the frame, flushes on a kind change, a tool call or done, in order", () => {
  const sent: ChatStreamEvent[] = [];
  const events = new ChatEventCoalescer((e) => sent.push(e), 1000);
  events.push({ type: "thinking", text: "a" });
  assert.deepEqual(sent, [{ type: "thinking", text: "a" }]);
  events.push({ type: "thinking", text: "b" });
  events.push({ type: "thinking", text: "c" });
  events.push({ type: "text", text: "d" });
  events.push({ type: "text", text: "e" });
  assert.deepEqual(sent, [{ type: "thinking", text: "a" }, { type: "thinking", text: "bc" }]);
  events.push({ type: "toolCall", call: { id: "1", name: "t", arguments: {} } });
  events.push({ type: "text", text: "f" }); // the tool call closed the frame: at once again
  events.push({ type: "done", stopReason: "toolCalls" });
  assert.deepEqual(sent, [
    { type: "thinking", text: "a" },
    { type: "thinking", text: "bc" },
    { type: "text", text: "de" },
    { type: "toolCall", call: { id: "1", name: "t", arguments: {} } },
    { type: "text", text: "f" },
    { type: "done", stopReason: "toolCalls" },
  ]);
});

test("deltas merged within a frame go out when it ends, and a quiet frame lets the next one through at once", (t) => {
  // A fake clock: on a machine at load 10-20 a real 5 ms frame can end between two pushes.
  mock.timers.enable({ apis: ["setTimeout"] });
  t.after(() => mock.timers.reset());
  const sent: ChatStreamEvent[] = [];
  const events = new ChatEventCoalescer((e) => sent.push(e), 50);
  events.push({ type: "text", text: "x" });
  events.push({ type: "text", text: "y" });
  mock.timers.tick(49);
  events.push({ type: "text", text: "z" });
  assert.deepEqual(sent, [{ type: "text", text: "x" }]);
  mock.timers.tick(1); // the frame with "yz" ends and sends it, and opens the next frame
  assert.deepEqual(sent, [{ type: "text", text: "x" }, { type: "text", text: "yz" }]);
  events.push({ type: "text", text: "v" }); // inside that next frame: held back
  assert.equal(sent.length, 2);
  mock.timers.tick(50); // sends "v"; then a frame passes with nothing to send
  assert.deepEqual(sent.at(-1), { type: "text", text: "v" });
  mock.timers.tick(50);
  events.push({ type: "text", text: "w" });
  assert.deepEqual(sent.at(-1), { type: "text", text: "w" });
  assert.equal(sent.length, 4);
  events.flush();
  assert.equal(sent.length, 4);
});
