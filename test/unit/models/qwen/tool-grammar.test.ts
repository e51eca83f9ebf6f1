/** The tool-call grammars accept exactly the calls our parser reads, checked with a GBNF recognizer. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderToolCallBody } from "../../../../src/models/qwen/prompt.ts";
import { parseQwenOutput } from "../../../../src/models/qwen/output-parser.ts";
import { buildQwenResponseGrammar, buildQwenToolCallGrammar } from "../../../../src/models/qwen/tool-grammar.ts";
import type { JsonValue, ToolDefinition } from "../../../../src/models/types.ts";
import { type Tool, checkToolInput } from "../../../../src/tools/tool.ts";
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
    call("edit", { path: "a", search: "ends here</parameter>\n</function>", replace: "c" }),
    call("edit", { path: "a", search: "b", replace: "c", dry_run: "yes" }),
    call("edit", { path: "a", search: "b", replace: "c", options: [1] }),
    "<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter>\n</function>\n",
  ];
  for (const text of invalid) assert.ok(!gbnfAccepts(calls, text), text);
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

/** A tool whose schema has what the grammar now shapes: safe numbers, nested objects, typed items, anyOf. */
const SHAPED: ToolDefinition = {
  name: "shape",
  description: "",
  parameters: {
    type: "object",
    properties: {
      size: { type: "number" },
      count: { type: "integer" },
      flag: { type: "boolean" },
      nothing: { type: "null" },
      edits: {
        type: "array",
        items: {
          type: "object",
          properties: { path: { type: "string" }, line: { type: "integer" }, mode: { type: "string", enum: ["exact", "fuzzy"] }, tags: { type: "array", items: { type: "string" } } },
          required: ["path"],
          additionalProperties: false,
        },
      },
      options: { type: "object", properties: { tabs: { type: "number" }, on: { type: "boolean" } }, required: ["tabs"] },
      target: { anyOf: [{ type: "integer" }, { type: "object", properties: { path: { type: "string" } }, required: ["path"], additionalProperties: false }] },
    },
  },
};
const shaped = buildQwenToolCallGrammar([SHAPED]);
const shapeCall = (args: Record<string, string>) =>
  `<tool_call>\n<function=shape>\n${Object.entries(args).map(([k, v]) => `<parameter=${k}>\n${v}\n</parameter>\n`).join("")}</function>\n</tool_call>`;

test("numbers: the grammar cannot write 1e400 or an integer beyond 2^53-1", () => {
  for (const size of ["1e400", "-1e400", "1e308", "9007199254740993", "1000000000000000"]) assert.ok(!gbnfAccepts(shaped, shapeCall({ size })), size);
  for (const count of ["9007199254740993", "1000000000000000", "1e3"]) assert.ok(!gbnfAccepts(shaped, shapeCall({ count })), count);
  for (const size of ["1e99", "-2.5e-99", "999999999999999.5", "1e-05", "0"]) assert.ok(gbnfAccepts(shaped, shapeCall({ size })), size);
  assert.ok(gbnfAccepts(shaped, shapeCall({ count: "-999999999999999" })));
  assert.ok(!gbnfAccepts(shaped, shapeCall({ options: `{"tabs": 1e400}` })), "nested numbers too");
  assert.ok(!gbnfAccepts(shaped, shapeCall({ edits: `[{"path": "a", "line": 9007199254740993}]` })));
});

test("booleans and null: the template's Python spellings and JSON's", () => {
  for (const flag of ["True", "False", "true", "false"]) assert.ok(gbnfAccepts(shaped, shapeCall({ flag })), flag);
  for (const nothing of ["None", "null"]) assert.ok(gbnfAccepts(shaped, shapeCall({ nothing })), nothing);
  assert.ok(!gbnfAccepts(shaped, shapeCall({ flag: "yes" })));
  assert.ok(gbnfAccepts(shaped, call("shape", { flag: true, nothing: null })), "what the renderer writes");
});

test("nested objects: required properties present, property and item types kept, enums inside JSON", () => {
  const accepted = [
    `[{"path": "a"}]`,
    `[{"path": "a", "line": 2, "mode": "fuzzy", "tags": ["x", "y"]}, {"path": "b", "tags": []}]`,
    `[]`,
  ];
  for (const edits of accepted) assert.ok(gbnfAccepts(shaped, shapeCall({ edits })), edits);
  const refused = [
    `[{"line": 2}]`, // required path missing
    `[{"path": 1}]`, // wrong property type
    `[{"path": "a", "line": "2"}]`,
    `[{"path": "a", "tags": ["x", 2]}]`, // wrong item type
    `[{"path": "a", "mode": "regex"}]`, // outside the enum
    `[{"path": "a", "extra": 1}]`, // additionalProperties: false
    `["a"]`,
  ];
  for (const edits of refused) assert.ok(!gbnfAccepts(shaped, shapeCall({ edits })), edits);
  assert.ok(gbnfAccepts(shaped, shapeCall({ options: `{"tabs": 2, "on": true, "other": [1]}` })), "other properties allowed where the schema allows them");
  assert.ok(!gbnfAccepts(shaped, shapeCall({ options: `{"on": true}` })), "required tabs missing");
});

test("anyOf: a value of one of the branches, each shaped by its own schema", () => {
  for (const target of ["7", `{"path": "a"}`]) assert.ok(gbnfAccepts(shaped, shapeCall({ target })), target);
  for (const target of ["main", `{"path": "a", "line": 1}`, `{}`, "[1]"]) assert.ok(!gbnfAccepts(shaped, shapeCall({ target })), target);
});

test("whatever the shaped grammar accepts here, the parser and the tool's schema accept", () => {
  const texts = [
    shapeCall({ size: "1e99", count: "-5", flag: "True", nothing: "None", edits: `[{"path": "a", "line": 2, "mode": "exact", "tags": ["t"]}]`, options: `{"tabs": 0.5, "x": null}`, target: `{"path": "p"}` }),
    shapeCall({ edits: "[]", target: "3" }),
  ];
  for (const text of texts) {
    assert.ok(gbnfAccepts(shaped, text), text);
    const { turn } = parseQwenOutput(text, { tools: [SHAPED], startInThinking: false });
    assert.deepEqual(turn.errors, []);
    const tool: Tool = { definition: SHAPED as Tool["definition"], effect: "read", execute: async () => ({ text: "ok" }) };
    assert.equal(checkToolInput(tool, turn.message.toolCalls![0]!.arguments), undefined);
  }
});
