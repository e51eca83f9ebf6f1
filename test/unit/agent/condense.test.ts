import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { condenseToolResults, needsCondensing } from "../../../src/agent/condense.ts";
import type { ChatMessage } from "../../../src/models/types.ts";

const big = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join("\n");

describe("condensing old tool outputs", () => {
  it("triggers only above the threshold share of the context", () => {
    assert.equal(needsCondensing(800, 1000), false);
    assert.equal(needsCondensing(801, 1000), true);
    assert.equal(needsCondensing(5000, 0), false); // unknown context: never
  });

  it("keeps the newest results whole, condenses older long ones to head + tail with a note", () => {
    const messages: ChatMessage[] = [{ role: "system", content: "s" }, { role: "user", content: "u" }];
    for (let i = 0; i < 6; i++) messages.push({ role: "tool", toolCallId: `c${i}`, name: "read_file", content: big(100) });
    messages.push({ role: "tool", toolCallId: "short", name: "search", content: "one\ntwo" });
    const changed = condenseToolResults(messages, { threshold: 0.8, keepRecent: 4, keepLines: 3 });
    assert.equal(changed, 3);
    const tools = messages.filter((m) => m.role === "tool");
    assert.match(tools[0]!.content, /condensed this output.*94 of 100 lines omitted; call read_file again/);
    assert.match(tools[0]!.content, /line 1\nline 2\nline 3\n…\nline 98\nline 99\nline 100$/);
    assert.equal(tools[3]!.content, big(100)); // among the 4 newest
    assert.equal(condenseToolResults(messages, { threshold: 0.8, keepRecent: 4, keepLines: 3 }), 0, "idempotent");
  });
});
