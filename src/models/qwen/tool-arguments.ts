/**
 * Turns the raw text values of a parsed call into typed arguments using the tool's JSON
 * schema (Qwen writes every value as text: strings raw, everything else as JSON-ish
 * text), and reports problems as messages written for the model.
 */
import type { JsonSchema, JsonSchemaType, JsonValue, ToolDefinition } from "../types.ts";
import type { RawToolCall } from "./tool-call-syntax.ts";

export type CheckedCall =
  | { ok: true; name: string; arguments: Record<string, JsonValue> }
  | { ok: false; name: string; message: string };

/** Checks a call against the available tools: known tool, known and complete parameters, typed values. */
export function checkToolCall(call: RawToolCall, tools: readonly ToolDefinition[]): CheckedCall {
  const tool = tools.find((t) => t.name === call.name);
  const fail = (message: string): CheckedCall => ({ ok: false, name: call.name, message });
  if (!tool) {
    const names = tools.map((t) => t.name).join(", ") || "(none)";
    return fail(`Unknown tool "${call.name}". Available tools: ${names}.`);
  }
  const properties = tool.parameters.properties ?? {};
  const args: Record<string, JsonValue> = {};
  for (const [name, raw] of call.parameters) {
    const schema = properties[name];
    if (!schema) return fail(`Tool "${tool.name}" has no parameter "${name}". Its parameters: ${Object.keys(properties).join(", ") || "(none)"}.`);
    if (name in args) return fail(`Parameter "${name}" of tool "${tool.name}" is given more than once.`);
    const value = coerceValue(raw, schema);
    if (!value.ok) return fail(`Invalid value for parameter "${name}" of tool "${tool.name}": ${value.message}`);
    args[name] = value.value;
  }
  const missing = (tool.parameters.required ?? []).filter((name) => !(name in args));
  if (missing.length) return fail(`Tool "${tool.name}" is missing required parameter${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}.`);
  return { ok: true, name: tool.name, arguments: args };
}

type Coerced = { ok: true; value: JsonValue } | { ok: false; message: string };

/** The schema's types, strings last (a string accepts any text, so it is the fallback). */
export function schemaTypes(schema: JsonSchema): JsonSchemaType[] {
  let types: JsonSchemaType[];
  if (schema.type !== undefined) types = Array.isArray(schema.type) ? [...schema.type] : [schema.type];
  else if (schema.enum?.length) types = [...new Set(schema.enum.map(jsonTypeOf))];
  else types = ["string"];
  return [...types.filter((t) => t !== "string"), ...types.filter((t) => t === "string")];
}

function jsonTypeOf(value: JsonValue): JsonSchemaType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value as "string" | "boolean" | "object";
}

/** Converts `raw` to the first schema type that accepts it, then checks `enum`. */
export function coerceValue(raw: string, schema: JsonSchema): Coerced {
  const types = schemaTypes(schema);
  for (const type of types) {
    const value = parseAs(raw, type);
    if (value === undefined) continue;
    if (schema.enum && !schema.enum.some((allowed) => sameJson(allowed, value))) {
      return { ok: false, message: `${JSON.stringify(raw)} is not one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}.` };
    }
    return { ok: true, value };
  }
  return { ok: false, message: `expected ${types.map(describe).join(" or ")}, got ${JSON.stringify(truncate(raw))}.` };
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/;
const INTEGER = /^-?(0|[1-9]\d*)$/;

function parseAs(raw: string, type: JsonSchemaType): JsonValue | undefined {
  const text = raw.trim();
  switch (type) {
    case "string": return raw;
    case "integer": return INTEGER.test(text) ? Number(text) : undefined;
    case "number": return NUMBER.test(text) ? Number(text) : undefined;
    case "boolean": return /^true$/i.test(text) ? true : /^false$/i.test(text) ? false : undefined;
    case "null": return text === "null" || text === "None" ? null : undefined;
    case "object": {
      const value = parseJson(text);
      return value !== undefined && value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
    }
    case "array": {
      const value = parseJson(text);
      return Array.isArray(value) ? value : undefined;
    }
  }
}

function parseJson(text: string): JsonValue | undefined {
  try { return JSON.parse(text) as JsonValue; } catch { return undefined; }
}

function sameJson(a: JsonValue, b: JsonValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function describe(type: JsonSchemaType): string {
  return { string: "a string", number: "a number", integer: "an integer", boolean: "true or false", null: "null", object: "a JSON object", array: "a JSON array" }[type];
}

function truncate(text: string): string {
  return text.length > 80 ? text.slice(0, 77) + "..." : text;
}
