/**
 * Typing a call's raw text values by the tool's schema: numbers JSON.parse would silently
 * change (1e400 → Infinity, 2^53+1 → 2^53) are refused where the raw text is still seen,
 * and anyOf / oneOf values take the type of the branch they match.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkToolCall } from "../../../../src/models/qwen/tool-arguments.ts";
import { parseQwenOutput } from "../../../../src/models/qwen/output-parser.ts";
import type { ToolDefinition } from "../../../../src/models/types.ts";

const TOOL: ToolDefinition = {
  name: "measure",
  description: "",
  parameters: {
    type: "object",
    properties: {
      size: { type: "number" },
      count: { type: "integer" },
      id: { type: ["integer", "string"] },
      data: { type: "object" },
      list: { type: "array" },
      target: { anyOf: [{ type: "integer" }, { type: "array", items: { type: "string" } }] },
      choice: { oneOf: [{ type: "boolean" }, { const: null }] },
    },
  },
};

const check = (name: string, raw: string) => checkToolCall({ name: "measure", parameters: [[name, raw]] }, [TOOL]);
const refused = (name: string, message: string) => ({ ok: false, name: "measure", message: `Invalid value for parameter "${name}" of tool "measure": ${message}` });

test("1e400 is refused, not turned into Infinity (which JSON would carry as null)", () => {
  assert.deepEqual(check("size", "1e400"), refused("size", "1e400 is too large for a number (it would become Infinity). Write a smaller number."));
  assert.deepEqual(check("size", "-1e400"), refused("size", "-1e400 is too large for a number (it would become -Infinity). Write a smaller number."));
  assert.deepEqual(check("size", "1.5e300"), { ok: true, name: "measure", arguments: { size: 1.5e300 } });
});

test("integers beyond 2^53-1 are refused, not rounded", () => {
  assert.deepEqual(check("count", "9007199254740993"), refused("count", "9007199254740993 cannot be passed exactly: whole numbers go up to ±9007199254740991."));
  assert.deepEqual(check("count", "-9007199254740993"), refused("count", "-9007199254740993 cannot be passed exactly: whole numbers go up to ±9007199254740991."));
  assert.deepEqual(check("size", "9007199254740993"), refused("size", "9007199254740993 cannot be passed exactly: whole numbers go up to ±9007199254740991."));
  assert.deepEqual(check("count", "9007199254740991"), { ok: true, name: "measure", arguments: { count: 9007199254740991 } });
  // A schema that also takes a string keeps the digits exactly, as text.
  assert.deepEqual(check("id", "9007199254740993"), { ok: true, name: "measure", arguments: { id: "9007199254740993" } });
});

test("numbers inside JSON objects and arrays are checked in the raw text", () => {
  assert.deepEqual(check("data", `{"n": 1e400, "s": "1e400 in a string is fine"}`), refused("data", "1e400 is too large for a number (it would become Infinity). Write a smaller number."));
  assert.deepEqual(check("list", `["9007199254740993", 9007199254740993]`), refused("list", "9007199254740993 cannot be passed exactly: whole numbers go up to ±9007199254740991."));
  assert.deepEqual(check("list", `["a\\"", 1e300, -9007199254740991, {"k": [0.5]}]`), { ok: true, name: "measure", arguments: { list: ["a\"", 1e300, -9007199254740991, { k: [0.5] }] } });
});

test("an anyOf / oneOf value takes the type of the branch it matches", () => {
  assert.deepEqual(check("target", "5"), { ok: true, name: "measure", arguments: { target: 5 } });
  assert.deepEqual(check("target", `["a", "b"]`), { ok: true, name: "measure", arguments: { target: ["a", "b"] } });
  assert.deepEqual(check("target", "main"), refused("target", `expected an integer or a JSON array, got "main".`));
  assert.deepEqual(check("choice", "False"), { ok: true, name: "measure", arguments: { choice: false } });
  assert.deepEqual(check("choice", "None"), { ok: true, name: "measure", arguments: { choice: null } });
  assert.deepEqual(check("choice", "maybe"), refused("choice", `expected true or false or null, got "maybe".`));
});

test("the parser answers the model with the same message", () => {
  const output = "<tool_call>\n<function=measure>\n<parameter=size>\n1e400\n</parameter>\n</function>\n</tool_call>";
  const { turn } = parseQwenOutput(output, { tools: [TOOL], startInThinking: false });
  assert.equal(turn.message.toolCalls, undefined);
  assert.deepEqual(turn.errors.map((e) => e.message), [refused("size", "").message + "1e400 is too large for a number (it would become Infinity). Write a smaller number."]);
});

test("a parameter named like an object's own method (toString, __proto__, constructor) is no parameter of the tool, not one given twice", () => {
  for (const name of ["toString", "__proto__", "constructor", "hasOwnProperty", "valueOf"]) {
    const checked = checkToolCall({ name: "measure", parameters: [["size", "1"], [name, "2"]] }, [TOOL]);
    assert.deepEqual(checked, { ok: false, name: "measure", message: `Tool "measure" has no parameter "${name}". Its parameters: size, count, id, data, list, target, choice.` }, name);
  }
});

test("a parameter a tool's schema really declares as __proto__ or constructor (an MCP server's JSON) is passed on as that parameter, not as the arguments' prototype", () => {
  const tool: ToolDefinition = JSON.parse('{"name":"mcp_tool","description":"","parameters":{"type":"object","properties":{"__proto__":{"type":"object"},"constructor":{"type":"string"},"path":{"type":"string"}},"required":["__proto__"]}}');
  const checked = checkToolCall({ name: "mcp_tool", parameters: [["__proto__", '{"path":"/etc/passwd"}'], ["constructor", "x"]] }, [tool]);
  assert.ok(checked.ok, JSON.stringify(checked));
  assert.equal(Object.getPrototypeOf(checked.arguments), Object.prototype);
  assert.equal(checked.arguments.path, undefined, "no parameter inherited from a value");
  assert.equal(JSON.stringify(checked.arguments), '{"__proto__":{"path":"/etc/passwd"},"constructor":"x"}');
});
