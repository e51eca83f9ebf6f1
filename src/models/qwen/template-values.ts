/**
 * How Qwen3.5's Jinja template prints values when Hugging Face transformers renders it
 * with Python's Jinja2 (the rendering the model was trained on), reproduced for the
 * renderer: `tojson` (transformers' filter: `json.dumps` spacing, keys in insertion order,
 * non-ASCII kept) and the `| string` of tool-call arguments (Python's `str()`: True, False,
 * None). Numbers print as Python prints the value `json.loads` makes of their JSON text:
 * integers as digits, floats in Python's repr (1e-05, 1.5e+16, 2.5).
 * test/unit/models/qwen/prompt-python-jinja.test.ts compares against Python's Jinja2.
 */
import type { JsonValue } from "../types.ts";

/** `value | tojson`: `{"a": 1, "b": [true, null]}` with ", " and ": " separators. */
export function toJinjaJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(toJinjaJson).join(", ")}]`;
  if (typeof value === "number") return pythonNumber(value, "json");
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${toJinjaJson(v)}`).join(", ")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * A tool-call argument as the template writes it inside `<parameter=…>`: objects and
 * arrays as JSON (`tojson`), everything else through `| string`, which in Python is
 * `str()`: strings raw, `True` / `False` / `None`, numbers as Python prints them.
 */
export function formatArgumentValue(value: JsonValue): string {
  if (value === null) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return pythonNumber(value, "str");
  if (typeof value === "object") return toJinjaJson(value);
  return value;
}

/**
 * A number as Python prints it after `json.loads` of its JSON text: an int when that text
 * has neither "." nor an exponent, otherwise a float in Python's repr (shortest digits
 * like JavaScript, but exponents from 1e16 up and below 1e-4, written e+16 / e-05).
 * Non-finite numbers (which JSON cannot carry): `str()` gives inf / nan, `json.dumps`
 * Infinity / NaN.
 */
function pythonNumber(value: number, as: "str" | "json"): string {
  if (!Number.isFinite(value)) {
    if (Number.isNaN(value)) return as === "str" ? "nan" : "NaN";
    return (value < 0 ? "-" : "") + (as === "str" ? "inf" : "Infinity");
  }
  const json = JSON.stringify(value);
  if (!/[.e]/.test(json)) return json;
  return pythonFloatRepr(value);
}

function pythonFloatRepr(value: number): string {
  const [mantissa, exp] = value.toExponential().split("e") as [string, string];
  const exponent = Number(exp);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace(/^-/, "").replace(".", "");
  if (exponent < -4 || exponent >= 16) {
    const shortMantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const sign = exponent < 0 ? "-" : "+";
    return `${negative ? "-" : ""}${shortMantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  let fixed: string;
  if (exponent < 0) fixed = `0.${"0".repeat(-exponent - 1)}${digits}`;
  else if (digits.length > exponent + 1) fixed = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  else fixed = `${digits}${"0".repeat(exponent + 1 - digits.length)}.0`;
  return (negative ? "-" : "") + fixed;
}
