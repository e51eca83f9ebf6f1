/**
 * How Qwen3.5's Jinja template prints values, reproduced for the renderer: `tojson`
 * (Python `json.dumps` spacing, keys in insertion order, non-ASCII kept) and the
 * `| string` of tool-call arguments. Matches @huggingface/jinja, the reference the tests
 * compare against.
 */
import type { JsonValue } from "../types.ts";

/** `value | tojson`: `{"a": 1, "b": [true, null]}` with ", " and ": " separators. */
export function toJinjaJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(toJinjaJson).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${toJinjaJson(v)}`).join(", ")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * A tool-call argument as the template writes it inside `<parameter=…>`: objects and
 * arrays as JSON, strings raw, numbers and booleans as text. `null` prints "null" (the
 * Jinja reference cannot print it at all; Python would print "None").
 */
export function formatArgumentValue(value: JsonValue): string {
  if (value === null) return "null";
  if (typeof value === "object") return toJinjaJson(value);
  return String(value);
}
