/**
 * Validation of tool arguments against the tool's JSON schema with ajv: draft-07 (and
 * draft-06) by default, 2019-09 and 2020-12 when the schema's `$schema` says so. Each
 * schema is compiled once; violations come back as short lines written for the model
 * ("/edits/0 must have required property 'path'"). An MCP server's schema (`markServerSchema`)
 * is checked without its regular expressions (`withoutPatterns`).
 */
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import draft06 from "ajv/dist/refs/json-schema-draft-06.json" with { type: "json" };

/** What a tool schema is checked with: a compiled validator, or why there is none. */
type Compiled = { ok: true; validate: ValidateFunction } | { ok: false; message: string };

// strict off: tool schemas carry keywords ajv does not know (descriptions, UI hints, MCP
// extensions). Formats are not checked (no ajv-formats), so an unknown one is no error and
// no warning on stderr. addUsedSchema off: two MCP tools may share a `$id`.
const OPTIONS: Options = { strict: false, allErrors: true, validateFormats: false, addUsedSchema: false, logger: false };

const engines = new Map<string, Ajv>();

/** The ajv engine for a schema's `$schema` (draft-07 when absent); undefined for drafts ajv cannot run. */
function engineFor(schemaUri: unknown): Ajv | undefined {
  const uri = typeof schemaUri === "string" ? schemaUri.replace(/#$/, "").replace(/^https?:/, "") : "";
  const draft = uri === "" ? "07" : uri.includes("draft/2020-12") ? "2020" : uri.includes("draft/2019-09") ? "2019" : uri.includes("draft-07") ? "07" : uri.includes("draft-06") ? "06" : undefined;
  if (!draft) return undefined;
  let engine = engines.get(draft);
  if (!engine) {
    engine = draft === "2020" ? new Ajv2020(OPTIONS) : draft === "2019" ? new Ajv2019(OPTIONS) : new Ajv(OPTIONS);
    if (draft === "06") engine.addMetaSchema(draft06);
    engines.set(draft, engine);
  }
  return engine;
}

const compiled = new WeakMap<object, Compiled>();
const serverSchemas = new WeakSet<object>();

/**
 * Marks `schema` as a server's (an MCP tool's): `compileSchema` then checks arguments against
 * it without its regular expressions (`withoutPatterns`). Returns `schema`.
 */
export function markServerSchema<T extends object>(schema: T): T {
  serverSchemas.add(schema);
  return schema;
}

/** Compiles `schema` once (cached by object identity); never throws. */
export function compileSchema(schema: Record<string, unknown>): Compiled {
  let entry = compiled.get(schema);
  if (!entry) {
    entry = compileUncached(schema);
    compiled.set(schema, entry);
  }
  return entry;
}

function compileUncached(schema: Record<string, unknown>): Compiled {
  const engine = engineFor(schema.$schema);
  if (!engine) return { ok: false, message: `its "$schema" ${JSON.stringify(schema.$schema)} is not a draft Hearth validates (draft-06, draft-07, 2019-09, 2020-12)` };
  try {
    const checked = serverSchemas.has(schema) ? withoutPatterns(schema) : schema;
    return { ok: true, validate: engine.compile(withSafeIntegers(checked) as Record<string, unknown>) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Violations of `schema` by `value`, one line each, in schema order; empty when it is valid. */
export function schemaViolations(validate: ValidateFunction, value: unknown): string[] {
  const lines = nonFiniteNumbers(value, "");
  if (!validate(value)) lines.push(...(validate.errors ?? []).map(describeError));
  return [...new Set(lines)];
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath || "arguments";
  const params = error.params as Record<string, unknown>;
  let detail = "";
  if (error.keyword === "additionalProperties") detail = `: '${String(params.additionalProperty)}'`;
  else if (error.keyword === "enum") detail = `: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
  else if (error.keyword === "const") detail = `: ${JSON.stringify(params.allowedValue)}`;
  return `${where} ${error.message ?? "is invalid"}${detail}`;
}

/**
 * ajv takes Infinity and NaN as numbers; JSON has neither (`1e400` parses to Infinity), so
 * a non-finite number is always a mistake.
 */
function nonFiniteNumbers(value: unknown, path: string): string[] {
  if (typeof value === "number") return Number.isFinite(value) ? [] : [`${path || "arguments"} must be a finite number`];
  if (Array.isArray(value)) return value.flatMap((item, i) => nonFiniteNumbers(item, `${path}/${i}`));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) => nonFiniteNumbers(item, `${path}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`));
  }
  return [];
}

// Keywords whose value is one subschema, a list of them, or a map of them.
const ONE = ["items", "additionalItems", "additionalProperties", "contains", "not", "if", "then", "else", "propertyNames", "unevaluatedItems", "unevaluatedProperties"];
const LIST = ["anyOf", "oneOf", "allOf", "prefixItems", "items"];
const MAP = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];

/**
 * A copy of `schema` where every "integer" is bounded to ±Number.MAX_SAFE_INTEGER: beyond
 * that, a parsed integer is no longer the one the model wrote (2^53+1 becomes 2^53), so it
 * must not pass as valid. Bounds the schema already has that are tighter stay.
 */
export function withSafeIntegers(schema: unknown): unknown {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return schema;
  const out: Record<string, unknown> = { ...(schema as Record<string, unknown>) };
  for (const key of ONE) if (key in out && !Array.isArray(out[key])) out[key] = withSafeIntegers(out[key]);
  for (const key of LIST) if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(withSafeIntegers);
  for (const key of MAP) {
    const map = out[key];
    if (map && typeof map === "object" && !Array.isArray(map)) {
      out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, withSafeIntegers(v)]));
    }
  }
  const types = Array.isArray(out.type) ? out.type : [out.type];
  if (types.includes("integer") && !types.includes("number")) {
    if (!(typeof out.maximum === "number" && out.maximum <= Number.MAX_SAFE_INTEGER)) out.maximum = Number.MAX_SAFE_INTEGER;
    if (!(typeof out.minimum === "number" && out.minimum >= -Number.MAX_SAFE_INTEGER)) out.minimum = -Number.MAX_SAFE_INTEGER;
  }
  return out;
}

/**
 * A server's schema as Hearth checks it: ajv runs `pattern` and `patternProperties` (and a
 * `propertyNames` pattern) with V8's backtracking engine, so a server's "^(a+)+$" and a model
 * steered to send "aaa…a!" would block the runtime (every chat, Stop, the editor) for minutes.
 * Hearth runs none of a server's patterns: the server checks its own input, patterns included.
 * Leaving a pattern out only lets more through where it is used plainly; under `not`, `if`,
 * `oneOf`, `maxContains` or the unevaluated keywords it could refuse what the server takes, and
 * a `$ref` may point anywhere (into "properties" too), so a schema with a pattern and any of
 * those, or a `$ref` other than a path to a subschema whose patterns were left out
 * (`reachesStripped`: pydantic's "#/$defs/Name"), or an `$id` / anchor / dynamic reference, is
 * checked for an object alone. `format`s are never checked (OPTIONS).
 */
function withoutPatterns(schema: Record<string, unknown>): Record<string, unknown> {
  if (!hasPattern(schema)) return schema;
  if (someSchema(schema, (s) => NEGATING.some((key) => key in s)) || hasKey(schema, DYNAMIC)) return { type: "object" };
  const stripped = stripPatterns(schema) as Record<string, unknown>;
  return refs(schema).every((ref) => reachesStripped(ref, stripped)) ? stripped : { type: "object" };
}

/** Keys that make a `$ref` resolve elsewhere than by its path from the root (or by no path at all). */
const DYNAMIC = new Set(["$dynamicRef", "$recursiveRef", "$id", "$anchor", "$dynamicAnchor", "$recursiveAnchor"]);
const NEGATING = ["not", "if", "oneOf", "maxContains", "unevaluatedProperties", "unevaluatedItems"];

/** Whether any object in `value`, wherever it is, holds a string "pattern" or a "patternProperties" (read as a schema or not: the safe side). */
function hasPattern(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasPattern);
  if (!value || typeof value !== "object") return false;
  const object = value as Record<string, unknown>;
  if (typeof object.pattern === "string" || "patternProperties" in object) return true;
  return Object.values(object).some(hasPattern);
}

/** Whether any object in `value`, wherever it is, has one of `keys`. */
function hasKey(value: unknown, keys: ReadonlySet<string>): boolean {
  if (Array.isArray(value)) return value.some((item) => hasKey(item, keys));
  if (!value || typeof value !== "object") return false;
  return Object.entries(value).some(([key, item]) => keys.has(key) || hasKey(item, keys));
}

/** Every "$ref" value in `value`, wherever it is (in a keyword position or not: the safe side). */
function refs(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (!value || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, item]) => (key === "$ref" ? [item, ...refs(item)] : refs(item)));
}

/**
 * Whether `ref` ("#", "#/$defs/Place", "#/properties/days": pydantic's and zod-to-json-schema's)
 * names a subschema of `stripped` through keyword positions alone, the ones `stripPatterns`
 * walked, so no pattern is left where it points. Anything else ("#/properties" read as a
 * schema, another file, a patternProperties left out) is not known to be free of patterns.
 */
function reachesStripped(ref: unknown, stripped: Record<string, unknown>): boolean {
  if (ref === "#") return true;
  if (typeof ref !== "string" || !ref.startsWith("#/")) return false;
  let segments: string[];
  try {
    segments = ref.slice(2).split("/").map((segment) => decodeURIComponent(segment).replace(/~1/g, "/").replace(/~0/g, "~")); // as ajv reads a pointer
  } catch {
    return false;
  }
  let at: unknown = stripped;
  for (let i = 0; i < segments.length; i++) {
    if (!at || typeof at !== "object" || Array.isArray(at) || !Object.hasOwn(at, segments[i]!)) return false;
    const key = segments[i]!;
    const value = (at as Record<string, unknown>)[key];
    if (LIST.includes(key) && Array.isArray(value)) {
      const index = segments[++i];
      if (index === undefined || !/^(?:0|[1-9][0-9]*)$/.test(index)) return false;
      at = value[Number(index)];
    } else if (MAP.includes(key) || key === "dependencies") {
      const name = segments[++i];
      if (name === undefined || !value || typeof value !== "object" || Array.isArray(value) || !Object.hasOwn(value, name)) return false;
      at = (value as Record<string, unknown>)[name];
    } else if (ONE.includes(key) && !Array.isArray(value)) at = value;
    else return false;
  }
  return typeof at === "boolean" || (!!at && typeof at === "object" && !Array.isArray(at));
}

/** Whether `test` holds for `schema` or a subschema of it (keyword positions only: with no `$ref` but those `reachesStripped` takes, only those are compiled). */
function someSchema(schema: unknown, test: (schema: Record<string, unknown>) => boolean): boolean {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return false;
  const object = schema as Record<string, unknown>;
  return test(object) || subschemas(object).some((sub) => someSchema(sub, test));
}

function subschemas(schema: Record<string, unknown>): unknown[] {
  const out: unknown[] = [];
  for (const key of ONE) if (key in schema && !Array.isArray(schema[key])) out.push(schema[key]);
  for (const key of LIST) if (Array.isArray(schema[key])) out.push(...(schema[key] as unknown[]));
  for (const key of [...MAP, "dependencies"]) {
    const map = schema[key];
    if (map && typeof map === "object" && !Array.isArray(map)) out.push(...Object.values(map));
  }
  return out;
}

/** A copy of `schema` with no "pattern", and no "patternProperties" nor the "additionalProperties" beside it (which runs those patterns too). */
function stripPatterns(schema: unknown): unknown {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return schema;
  const object = schema as Record<string, unknown>;
  const patterned = "patternProperties" in object;
  const kept = Object.entries(object).filter(([key]) => key !== "pattern" && !(patterned && (key === "patternProperties" || key === "additionalProperties")));
  const out = Object.fromEntries(kept);
  for (const key of ONE) if (key in out && !Array.isArray(out[key])) out[key] = stripPatterns(out[key]);
  for (const key of LIST) if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(stripPatterns);
  for (const key of [...MAP, "dependencies"]) {
    const map = out[key];
    if (map && typeof map === "object" && !Array.isArray(map)) out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, stripPatterns(v)]));
  }
  return out;
}
