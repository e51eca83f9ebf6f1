/**
 * checkToolCall under seeded fuzzing: raw values Qwen might write (JSON-ish numbers, objects,
 * arrays, booleans, broken JSON, huge numbers, names every object has) against schemas of
 * every type. Properties: it never throws (the parser's guard would turn a throw into "could
 * not be checked", a message that tells the model nothing), and a value it accepts has the
 * schema's type (its enum's values, its const's type, a type of an anyOf / oneOf branch).
 * Seed and case count fixed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkToolCall } from "../../../../src/models/qwen/tool-arguments.ts";
import type { JsonSchema, ToolDefinition } from "../../../../src/models/types.ts";
import { pick, seededRandom } from "../../../fixtures/seeded-random.ts";

const SCHEMAS: Record<string, JsonSchema> = {
  s: { type: "string" }, n: { type: "number" }, i: { type: "integer" }, b: { type: "boolean" }, o: { type: "object" }, a: { type: "array", items: { type: "string" } },
  u: { type: ["integer", "string"] }, e: { enum: ["x", 1, null] }, c: { const: true }, any: { anyOf: [{ type: "integer" }, { type: "array" }] }, one: { oneOf: [{ type: "boolean" }, { const: null }] },
};
const TOOL: ToolDefinition = { name: "t", description: "", parameters: { type: "object", properties: SCHEMAS } };
const RAW = ["", " ", "1", "-0", "1e400", "9007199254740993", "0x10", "1.5", "NaN", "Infinity", "true", "false", "null", "\"x\"", "x", "{", "{}", "{\"a\":1}", "[", "[]", "[1,\"a\"]", "{\"__proto__\":1}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "\n1\n", "１", "\u0000"];
const NAMES = [...Object.keys(SCHEMAS), "toString", "__proto__", "constructor", "missing"];

/**
 * Whether `value` may pass checkToolCall for `schema`: of a type it declares; one of its enum;
 * of its const's type (the const itself is the tool's schema check's, after); of a type one of
 * its anyOf / oneOf branches takes.
 */
function typeOk(schema: JsonSchema, value: unknown): boolean {
  if (schema.enum) return schema.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value));
  if ("const" in schema) return jsonType(value) === jsonType(schema.const) || (jsonType(schema.const) === "number" && typeof value === "number");
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (schema.type === undefined && branches) return branches.some((branch) => typeOk(branch, value));
  const types = schema.type === undefined ? ["string"] : Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.some((t) => (t === "integer" ? Number.isInteger(value) : t === "array" ? Array.isArray(value) : t === "object" ? typeof value === "object" && value !== null && !Array.isArray(value) : t === "null" ? value === null : typeof value === t));
}

function jsonType(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

test("fuzz: raw values against every schema type never throw, and what is accepted has the schema's type", () => {
  const rand = seededRandom(0xa55);
  for (let i = 0; i < 3000; i++) {
    const parameters = Array.from({ length: Math.floor(rand() * 4) }, (): [string, string] => [pick(rand, NAMES), rand() < 0.8 ? pick(rand, RAW) : pick(rand, RAW) + pick(rand, RAW)]);
    const label = JSON.stringify(parameters);
    const checked = checkToolCall({ name: "t", parameters }, [TOOL]);
    if (!checked.ok) {
      assert.doesNotMatch(checked.message, /TypeError|RangeError|undefined/, label);
      continue;
    }
    for (const [name, value] of Object.entries(checked.arguments)) assert.ok(typeOk(SCHEMAS[name]!, value), `${name} = ${JSON.stringify(value)}: ${label}`);
  }
});
