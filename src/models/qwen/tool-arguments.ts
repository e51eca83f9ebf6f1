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
    // Own properties only: `toString` or `__proto__` is no parameter of any tool, whatever Object.prototype holds.
    const schema = Object.hasOwn(properties, name) ? properties[name] : undefined;
    if (!schema) return fail(`Tool "${tool.name}" has no parameter "${name}". Its parameters: ${Object.keys(properties).join(", ") || "(none)"}.`);
    if (Object.hasOwn(args, name)) return fail(`Parameter "${name}" of tool "${tool.name}" is given more than once.`);
    const value = coerceValue(raw, schema);
    if (!value.ok) return fail(`Invalid value for parameter "${name}" of tool "${tool.name}": ${value.message}`);
    // Defined, not assigned: `args.__proto__ = value` (a parameter an MCP tool's schema may declare) would set the prototype, the parameter lost.
    Object.defineProperty(args, name, { value: value.value, enumerable: true, writable: true, configurable: true });
  }
  const missing = (tool.parameters.required ?? []).filter((name) => !Object.hasOwn(args, name));
  if (missing.length) return fail(`Tool "${tool.name}" is missing required parameter${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}.`);
  return { ok: true, name: tool.name, arguments: args };
}

type Coerced = { ok: true; value: JsonValue } | { ok: false; message: string };

/**
 * The JSON types a schema's value may have, strings last (a string accepts any text, so it
 * is the fallback): from `type`, else `enum` / `const`, else the union of the `anyOf` /
 * `oneOf` branches, else "string".
 */
export function schemaTypes(schema: JsonSchema): JsonSchemaType[] {
  const types = [...new Set<JsonSchemaType>(declaredTypes(schema) ?? ["string"])];
  return [...types.filter((t) => t !== "string"), ...types.filter((t) => t === "string")];
}

function declaredTypes(schema: JsonSchema): JsonSchemaType[] | undefined {
  if (schema.type !== undefined) return Array.isArray(schema.type) ? schema.type : [schema.type];
  if (schema.enum?.length) return schema.enum.map(jsonTypeOf);
  if ("const" in schema) return [jsonTypeOf(schema.const as JsonValue)];
  const branches = [schema.anyOf, schema.oneOf].find((b): b is JsonSchema[] => Array.isArray(b) && b.length > 0);
  if (!branches) return undefined;
  const types = branches.map((b) => (b && typeof b === "object" ? declaredTypes(b) : undefined));
  // A branch that says nothing about its type takes any value: the string fallback then.
  return types.every((t) => t !== undefined) ? types.flat() : undefined;
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
  let problem: string | undefined;
  for (const type of types) {
    const parsed = parseAs(raw, type);
    if (parsed === undefined) continue;
    if ("problem" in parsed) {
      problem ??= parsed.problem;
      continue;
    }
    const value = parsed.value;
    if (schema.enum && !schema.enum.some((allowed) => sameJson(allowed, value))) {
      return { ok: false, message: `${JSON.stringify(raw)} is not one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}.` };
    }
    return { ok: true, value };
  }
  return { ok: false, message: problem ?? `expected ${types.map(describe).join(" or ")}, got ${JSON.stringify(truncate(raw))}.` };
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/;
const INTEGER = /^-?(0|[1-9]\d*)$/;
/** A JSON number token, matched where it starts (sticky). */
const NUMBER_TOKEN = /-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;

/** A value of that type, a reason it is one but cannot be passed on, or undefined when it is not one. */
type Parsed = { value: JsonValue } | { problem: string } | undefined;

function parseAs(raw: string, type: JsonSchemaType): Parsed {
  const text = raw.trim();
  switch (type) {
    case "string": return { value: raw };
    case "integer": return INTEGER.test(text) ? numberOf(text) : undefined;
    case "number": return NUMBER.test(text) ? numberOf(text) : undefined;
    case "boolean": return /^true$/i.test(text) ? { value: true } : /^false$/i.test(text) ? { value: false } : undefined;
    case "null": return text === "null" || text === "None" ? { value: null } : undefined;
    case "object": {
      const value = parseJson(text);
      return value !== undefined && value !== null && typeof value === "object" && !Array.isArray(value) ? checkedJson(text, value) : undefined;
    }
    case "array": {
      const value = parseJson(text);
      return Array.isArray(value) ? checkedJson(text, value) : undefined;
    }
  }
}

function numberOf(literal: string): Parsed {
  const problem = numberProblem(literal);
  return problem ? { problem } : { value: Number(literal) };
}

/**
 * What `Number()` / `JSON.parse` would silently change: a literal beyond a double
 * (1e400 becomes Infinity, which JSON then carries as null) or a whole number beyond
 * 2^53-1 (9007199254740993 becomes ...992).
 */
export function numberProblem(literal: string): string | undefined {
  const value = Number(literal);
  if (!Number.isFinite(value)) return `${literal} is too large for a number (it would become ${value}). Write a smaller number.`;
  if (INTEGER.test(literal) && !Number.isSafeInteger(value)) {
    return `${literal} cannot be passed exactly: whole numbers go up to ±${Number.MAX_SAFE_INTEGER}.`;
  }
  return undefined;
}

function checkedJson(text: string, value: JsonValue): Parsed {
  const problem = jsonNumberProblem(text);
  return problem ? { problem } : { value };
}

/**
 * The first {@link numberProblem} among the number tokens of valid JSON `text` (strings
 * skipped): JSON.parse hides them, so callers check the text they parsed.
 */
export function jsonNumberProblem(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (ch === "-" || (ch >= "0" && ch <= "9")) {
      NUMBER_TOKEN.lastIndex = i;
      const literal = NUMBER_TOKEN.exec(text)?.[0] ?? ch;
      const problem = numberProblem(literal);
      if (problem) return problem;
      i += literal.length - 1;
    }
  }
  return undefined;
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
