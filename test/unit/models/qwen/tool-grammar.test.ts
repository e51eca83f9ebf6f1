/** The tool-call grammars accept exactly the calls our parser reads, checked with a GBNF recognizer. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderToolCallBody } from "../../../../src/models/qwen/prompt.ts";
import { parseQwenOutput } from "../../../../src/models/qwen/output-parser.ts";
import { buildQwenResponseGrammar, buildQwenToolCallGrammar } from "../../../../src/models/qwen/tool-grammar.ts";
import type { JsonValue } from "../../../../src/models/types.ts";
import { TOOLS } from "./conversations.ts";
import { gbnfAccepts, parseGbnf } from "./gbnf-matcher.ts";

const calls = buildQwenToolCallGrammar(TOOLS);
const call = (name: string, args: Record<string, JsonValue>) => `<tool_call>${renderToolCallBody({ name, arguments: args })}`;

test("the grammar parses and names only defined rules", () => {
  const rules = parseGbnf(calls);
  assert.ok(rules.has("root"));
  assert.match(calls, /^fn0 ::= "read_file>\\n" fn0-p0 fn0-p1\? fn0-p2\?$/m);
  assert.match(calls, /"<parameter=mode>\\n" \( "exact" \| "fuzzy" \)/);
});

test("accepts calls written the template's way, in schema order", () => {
  const valid = [
    call("read_file", { path: "src/main.ts" }),
    call("read_file", { path: "", offset: -3, limit: 0 }),
    call("edit", { path: "a.html", search: "<p>x</p>\n</div>", replace: "ü 🚀 </param </parameter <</paramete", mode: "fuzzy", dry_run: true, options: { tabs: 2.5, k: [1, "x", null] }, lines: [] }),
  ];
  for (const text of valid) {
    assert.ok(gbnfAccepts(calls, text), text);
    assert.deepEqual(parseQwenOutput(text, { tools: TOOLS, startInThinking: false }).turn.errors, []);
  }
  assert.ok(gbnfAccepts(calls, valid[0]! + "\n" + valid[1]!), "parallel calls");
  assert.ok(!gbnfAccepts(buildQwenToolCallGrammar(TOOLS, { parallelCalls: false }), valid[0]! + "\n" + valid[1]!));
  assert.ok(gbnfAccepts(buildQwenToolCallGrammar(TOOLS, { includeOpeningTag: false }), valid[0]!.slice("<tool_call>".length)));
});

test("rejects what the parser would reject", () => {
  const invalid = [
    call("delete_all", {}),
    call("read_file", { limit: 3 }),
    call("read_file", { limit: 3, path: "a" }),
    call("read_file", { path: "a", color: "red" }),
    call("read_file", { path: "a", limit: "ten" }),
    call("read_file", { path: "a", limit: 1.5 }),
    call("edit", { path: "a", search: "b", replace: "c", mode: "regex" }),
    call("edit", { path: "a", search: "contains </parameter> inside", replace: "c" }),
    call("edit", { path: "a", search: "b", replace: "c", dry_run: "yes" }),
    call("edit", { path: "a", search: "b", replace: "c", options: [1] }),
    "<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter>\n</function>\n",
  ];
  for (const text of invalid) assert.ok(!gbnfAccepts(calls, text), text);
});

test("a string value is any text without </parameter>", () => {
  const alphabet = ["<", "/", "p", "a", "r", "m", "e", "t", ">", "x", "\n", "</parameter>", "</parameter", "<<"];
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 400; i++) {
    const s = Array.from({ length: Math.floor(rand() * 12) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join("");
    assert.equal(gbnfAccepts(calls, s, "string-value"), !s.includes("</parameter>"), JSON.stringify(s));
  }
});

test("the response grammar: thinking, free text, then calls", () => {
  const g = buildQwenResponseGrammar(TOOLS, { thinking: true });
  const c = call("read_file", { path: "a" });
  assert.ok(gbnfAccepts(g, `Let me think </thin <think>\n</think>\n\nI'll read it.\n\n${c}`));
  assert.ok(gbnfAccepts(g, "hmm\n</think>\n\nJust an answer."));
  assert.ok(!gbnfAccepts(g, "no closing think"));
  assert.ok(!gbnfAccepts(g, "a</think> b\n</think>\n\nc"), "thinking ends at the first </think>");
  assert.ok(!gbnfAccepts(g, "x\n</think>\n\ntext <tool_call> not a call"));
  const required = buildQwenResponseGrammar(TOOLS, { thinking: false, requireToolCall: true });
  assert.ok(gbnfAccepts(required, `Sure.\n\n${c}`));
  assert.ok(!gbnfAccepts(required, "Sure."));
  assert.ok(gbnfAccepts(buildQwenResponseGrammar([], { thinking: false }), "only text"));
});

test("literals escape quotes, backslashes and control characters", () => {
  const g = buildQwenToolCallGrammar([{
    name: "q", description: "", parameters: { type: "object", properties: { v: { type: "string", enum: ["a\"b", "c\\d", "e\u0001f", "ü"] } }, required: ["v"] },
  }]);
  for (const v of ["a\"b", "c\\d", "e\u0001f", "ü"]) assert.ok(gbnfAccepts(g, call("q", { v })), v);
  assert.ok(!gbnfAccepts(g, call("q", { v: "x" })));
});
