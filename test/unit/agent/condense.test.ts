import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { condenseThinking, condenseToolCalls, condenseToolResults, DEFAULT_CONDENSE, needsCondensing } from "../../../src/agent/condense.ts";
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

  it("condenses a few very long lines too (a minified file, one-line JSON), in results and in older calls' arguments", () => {
    const minified = Array.from({ length: 5000 }, (_, i) => `v${i}=f(${i});`).join("");
    const messages: ChatMessage[] = [
      { role: "system", content: "s" },
      { role: "user", content: "u" },
      { role: "assistant", content: "", toolCalls: [{ id: "w", name: "write_file", arguments: { path: "b.min.js", content: minified } }] },
      { role: "tool", toolCallId: "w", name: "write_file", content: "Wrote b.min.js" },
      { role: "assistant", content: "", toolCalls: [{ id: "r", name: "read_file", arguments: { path: "b.min.js" } }] },
      { role: "tool", toolCallId: "r", name: "read_file", content: `1| ${minified}\n[Line 1 is ${minified.length} characters long]` },
    ];
    const options = { threshold: 0.8, keepRecent: 0, keepLines: 6 };
    assert.equal(condenseToolResults(messages, options), 1);
    assert.equal(condenseToolCalls(messages, options), 1);
    const result = messages[5]!.content;
    assert.match(result, /^\[Hearth condensed this output to save context: \d+ of \d+ characters omitted; call read_file again[^\n]*\]\n1\| v0=f\(0\);/);
    assert.match(result, /\[Line 1 is \d+ characters long\]$/);
    assert.ok(result.length < 3_000, `${result.length} characters kept`);
    const written = messages[2]!.role === "assistant" ? String(messages[2]!.toolCalls![0]!.arguments.content) : "";
    assert.match(written, /^v0=f\(0\);[^\n]*\n\[Hearth condensed this argument to save context: \d+ of \d+ characters omitted\]\n[^\n]*v4999=f\(4999\);$/);
    assert.equal(condenseToolResults(messages, options) + condenseToolCalls(messages, options), 0, "idempotent");
  });
});

describe("condensing an old call's arguments", () => {
  it("keeps an argument named __proto__ (a parameter an MCP tool may declare) as that argument, not as the arguments' prototype", () => {
    const args = JSON.parse(`{"__proto__":{"path":"x"},"content":${JSON.stringify("line\n".repeat(100))}}`);
    const messages: ChatMessage[] = [
      { role: "user", content: "u" },
      { role: "assistant", content: "", toolCalls: [{ id: "m", name: "mcp_tool", arguments: args }] },
      { role: "tool", toolCallId: "m", name: "mcp_tool", content: "ok" },
    ];
    assert.equal(condenseToolCalls(messages, { threshold: 0.8, keepRecent: 0, keepLines: 3 }), 1);
    const condensed = messages[1]!.role === "assistant" ? messages[1]!.toolCalls![0]!.arguments : {};
    assert.equal(Object.getPrototypeOf(condensed), Object.prototype);
    assert.deepEqual(Object.keys(condensed), ["__proto__", "content"]);
    assert.equal(JSON.stringify(condensed.__proto__), '{"path":"x"}');
  });
});

describe("condensing old thinking", () => {
  it("counts only thinking that holds something: an empty <think></think> (whitespace) is not 'condensed' and keeps no recent place", () => {
    const messages: ChatMessage[] = [
      { role: "user", content: "task" },
      { role: "assistant", content: "a", thinking: "the real reasoning" },
      { role: "assistant", content: "b", thinking: "\n" },
      { role: "assistant", content: "c", thinking: "  \n " },
    ];
    // The two newest hold nothing: no thinking is recent, so the real one is condensed, and only it is counted.
    assert.equal(condenseThinking(messages, { ...DEFAULT_CONDENSE, keepRecent: 1 }), 0);
    assert.equal((messages[1] as { thinking?: string }).thinking, "the real reasoning", "kept: it is the newest thinking that holds something");
    assert.equal(condenseThinking([{ role: "assistant", content: "x", thinking: " \n" }], { ...DEFAULT_CONDENSE, keepRecent: 0 }), 0);
  });
});
