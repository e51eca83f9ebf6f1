/**
 * GBNF grammars (llama.cpp's grammar format, what `llama.createGrammar({grammar})` takes)
 * that constrain Qwen3.5 to its own XML tool-call format with each tool's parameters:
 * known function names, parameter names in schema order, required ones present, values
 * shaped by the schema: integers of at most 15 digits (always below 2^53), numbers with
 * at most a 2-digit exponent (always finite), booleans and null as JSON or as the template
 * prints them (True / False / None), enums and consts as literals, anyOf / oneOf as
 * alternatives, for strings any text but a `</parameter>` the format continues after
 * (a later line starting `<parameter=`, `</function>` or `</tool_call>` with only whitespace
 * between, or `</function>` then `</tool_call>` on a later line: VALUE_CLOSINGS). JSON values follow their
 * schema too: an object with `properties` gets them in schema order, required ones
 * present, each value shaped by its schema, other keys only where `additionalProperties`
 * is not false; an array's items follow `items`. What the grammar does not shape ($ref,
 * allOf, lengths, patterns, tuples) is plain JSON, and runTool's schema validation refuses
 * what breaks it. Whatever the grammar allows, {@link QwenOutputParser} parses without an error.
 */
import type { JsonSchema, JsonValue, ToolDefinition } from "../types.ts";
import { schemaTypes } from "./tool-arguments.ts";
import { formatArgumentValue, toJinjaJson } from "./template-values.ts";
import { VALUE_CLOSINGS, type ValuePattern } from "./tool-call-syntax.ts";

/** Options of {@link buildQwenToolCallGrammar}. */
export interface QwenToolCallGrammarOptions {
  /** Start at `<tool_call>` (default true); false starts right after it, for generation that
   * stopped on the tag and continues under the grammar. */
  includeOpeningTag?: boolean;
  /** Allow several calls in a row (default true). */
  parallelCalls?: boolean;
}

/** Options of {@link buildQwenResponseGrammar}. */
export interface QwenResponseGrammarOptions {
  /** The prompt ended inside `<think>`: the response starts with thinking and `</think>\n\n`. */
  thinking: boolean;
  /** The response must end with a tool call (default false: text alone is allowed too). */
  requireToolCall?: boolean;
}

/** A grammar for tool calls only: `<tool_call>…</tool_call>` (one or more). */
export function buildQwenToolCallGrammar(tools: readonly ToolDefinition[], options: QwenToolCallGrammarOptions = {}): string {
  const rules = new GrammarRules();
  const first = (options.includeOpeningTag ?? true) ? `${literal("<tool_call>")} call` : "call";
  const more = (options.parallelCalls ?? true) ? ` ( ${literal("\n<tool_call>")} call )*` : "";
  rules.add("root", first + more);
  addCallRules(rules, tools);
  return rules.toString();
}

/**
 * A grammar for a whole response: optional thinking, free text (which cannot contain
 * `<tool_call>`), then tool calls. Applies from the first generated token.
 */
export function buildQwenResponseGrammar(tools: readonly ToolDefinition[], options: QwenResponseGrammarOptions): string {
  const rules = new GrammarRules();
  const thinking = options.thinking ? `think ${literal("</think>\n\n")} ` : "";
  const calls = tools.length ? `${literal("<tool_call>")} call ( ${literal("\n<tool_call>")} call )*` : "";
  const body = !calls ? "text" : options.requireToolCall ? `text ${calls}` : `text ( ${calls} )?`;
  rules.add("root", thinking + body);
  if (options.thinking) addTextWithout(rules, "think", ["</think>"]);
  addTextWithout(rules, "text", ["<tool_call>"]);
  if (calls) addCallRules(rules, tools);
  return rules.toString();
}

/** Ordered GBNF rules; `add` ignores a name that already exists (shared value rules). */
class GrammarRules {
  private readonly rules = new Map<string, string>();
  private count = 0;
  add(name: string, body: string): string {
    if (!this.rules.has(name)) this.rules.set(name, body);
    return name;
  }
  has(name: string): boolean {
    return this.rules.has(name);
  }
  /** A rule name no other rule has (rules for one place in one schema). */
  uniqueName(prefix: string): string {
    return `${prefix}-${++this.count}`;
  }
  toString(): string {
    return [...this.rules].map(([name, body]) => `${name} ::= ${body}`).join("\n") + "\n";
  }
}

function addCallRules(rules: GrammarRules, tools: readonly ToolDefinition[]): void {
  if (tools.length === 0) throw new Error("a tool-call grammar needs at least one tool");
  const functions = tools.map((tool, i) => addFunctionRule(rules, tool, i));
  rules.add("call", `${literal("\n<function=")} ( ${functions.join(" | ")} ) ${literal("</function>\n</tool_call>")}`);
}

/** `NAME>\n` then the parameters in schema order, optional ones optional. */
function addFunctionRule(rules: GrammarRules, tool: ToolDefinition, index: number): string {
  const required = new Set(tool.parameters.required ?? []);
  const parts = [literal(`${tool.name}>\n`)];
  Object.entries(tool.parameters.properties ?? {}).forEach(([name, schema], j) => {
    const value = valueRule(rules, schema);
    const param = rules.add(`fn${index}-p${j}`, `${literal(`<parameter=${name}>\n`)} ${value} ${literal("\n</parameter>\n")}`);
    parts.push(required.has(name) ? param : `${param}?`);
  });
  return rules.add(`fn${index}`, parts.join(" "));
}

// Integers of at most 15 digits stay below 2^53 (exact); a mantissa of at most 15 digits
// with an exponent of at most 2 digits stays finite (below 1e115).
const INTEGER = `"-"? ( "0" | [1-9] [0-9]{0,14} )`;
const NUMBER = `${INTEGER} ( "." [0-9]{1,15} )? ( [eE] [-+]? [0-9]{1,2} )?`;

/** `anyOf` / `oneOf` branches of a schema that has no `type` of its own, or undefined. */
function unionBranches(schema: JsonSchema): JsonSchema[] | undefined {
  if (schema.type !== undefined || schema.enum !== undefined) return undefined;
  const branches = [schema.anyOf, schema.oneOf].find((b): b is JsonSchema[] => Array.isArray(b) && b.length > 0);
  return branches?.every((b) => b !== null && typeof b === "object" && !Array.isArray(b)) ? branches : undefined;
}

function alternatives(rules: readonly string[]): string {
  return rules.length === 1 ? rules[0]! : `( ${rules.join(" | ")} )`;
}

/** The rule for one parameter value as the template prints it (strings raw, the rest by type). */
function valueRule(rules: GrammarRules, schema: JsonSchema): string {
  const branches = unionBranches(schema);
  if (branches) return alternatives(branches.map((b) => valueRule(rules, b)));
  if (schema.enum?.length) return alternatives(schema.enum.map((v: JsonValue) => literal(formatArgumentValue(v))));
  if ("const" in schema) return literal(formatArgumentValue(schema.const as JsonValue));
  return alternatives(schemaTypes(schema).map((type) => {
    switch (type) {
      case "string": return addTextWithout(rules, "string-value", VALUE_CLOSINGS);
      case "integer": return rules.add("integer-value", INTEGER);
      case "number": return rules.add("number-value", NUMBER);
      case "boolean": return rules.add("boolean-value", `"true" | "false" | "True" | "False"`);
      case "null": return rules.add("null-value", `"null" | "None"`);
      case "object":
      case "array": return jsonRule(rules, { ...schema, type });
    }
  }));
}

/** The rule for a JSON value shaped by `schema` (with trailing whitespace, as every JSON rule here). */
function jsonRule(rules: GrammarRules, schema: JsonSchema): string {
  addJsonRules(rules);
  const branches = unionBranches(schema);
  if (branches) return alternatives(branches.map((b) => jsonRule(rules, b)));
  if (schema.enum?.length) return `${alternatives(schema.enum.map((v: JsonValue) => literal(toJinjaJson(v))))} json-ws`;
  if ("const" in schema) return `${literal(toJinjaJson(schema.const))} json-ws`;
  if (schema.type === undefined) return "json-value";
  return alternatives(schemaTypes(schema).map((type) => {
    switch (type) {
      case "string": return "json-string";
      case "integer": return rules.add("json-integer", `${INTEGER} json-ws`);
      case "number": return "json-number";
      case "boolean": return rules.add("json-boolean", `( "true" | "false" ) json-ws`);
      case "null": return rules.add("json-null", `"null" json-ws`);
      case "object": return objectRule(rules, schema);
      case "array": return arrayRule(rules, schema);
    }
  }));
}

/** `[` items shaped by `items` `]`; tuples and untyped items are plain JSON. */
function arrayRule(rules: GrammarRules, schema: JsonSchema): string {
  const items = schema.items;
  if (!items || typeof items !== "object" || Array.isArray(items) || Array.isArray(schema.prefixItems)) return "json-array";
  const item = jsonRule(rules, items);
  return rules.add(rules.uniqueName("array"), `"[" json-ws ( ${item} ( "," json-ws ${item} )* )? "]" json-ws`);
}

/**
 * `{` the schema's properties in schema order, required ones present, then other keys where
 * the schema allows them `}`. A chain of rules, two per property: `-e` while nothing has
 * been written yet (no comma before the next pair), `-s` after something was.
 */
function objectRule(rules: GrammarRules, schema: JsonSchema): string {
  const properties = Object.entries(schema.properties ?? {});
  const closed = schema.additionalProperties === false && schema.patternProperties === undefined;
  if (properties.length === 0 && !closed) return "json-object";
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const pairs = properties.map(([name, sub]) => `${literal(JSON.stringify(name))} json-ws ":" json-ws ${jsonRule(rules, sub)}`);
  const id = rules.uniqueName("object");
  const extra = `json-string ":" json-ws json-value`;
  let empty = rules.add(`${id}-end-e`, closed ? `""` : `( ${extra} ( "," json-ws ${extra} )* )?`);
  let some = rules.add(`${id}-end-s`, closed ? `""` : `( "," json-ws ${extra} )*`);
  for (let i = pairs.length - 1; i >= 0; i--) {
    const pair = pairs[i]!;
    const optional = !required.has(properties[i]![0]);
    const nextEmpty = empty;
    const nextSome = some;
    empty = rules.add(`${id}-${i}-e`, `${pair} ${nextSome}${optional ? ` | ${nextEmpty}` : ""}`);
    some = rules.add(`${id}-${i}-s`, `"," json-ws ${pair} ${nextSome}${optional ? ` | ${nextSome}` : ""}`);
  }
  return rules.add(`${id}-value`, `"{" json-ws ${empty} "}" json-ws`);
}

/**
 * Any text that contains none of `patterns` (a keyword, or a {@link ValuePattern} whose places
 * may repeat), as the states of the automaton that finds them: a state is the set of places
 * in the patterns that the text read so far has reached (each pattern also starts afresh at
 * every character); a character that would complete a pattern has no transition. GBNF has no
 * lookahead, so "`</parameter>` not followed by a line break and `<parameter=`" is written this way.
 */
function addTextWithout(rules: GrammarRules, name: string, patterns: readonly (string | ValuePattern)[]): string {
  // Built once per grammar, however many string parameters use it: building it again for each
  // took about 200 ms of a 12-tool grammar's 215 (measured by hand, at c60574b).
  if (rules.has(name)) return name;
  const items = patterns.map((p): ValuePattern => (typeof p === "string" ? [...p].map((chars) => ({ chars })) : p));
  /** A state's places, with every place a repeated item may be skipped to; undefined once a pattern is complete. */
  const closure = (places: Iterable<string>): string | undefined => {
    const set = new Set<string>();
    for (const place of places) {
      let [p, i] = place.split(":").map(Number) as [number, number];
      for (set.add(`${p}:${i}`); items[p]![i]?.many; set.add(`${p}:${i}`)) i++;
      if (i === items[p]!.length) return undefined;
    }
    return [...set].sort().join(" ");
  };
  const start = closure(items.map((_, p) => `${p}:0`))!;
  const states = [start];
  const alphabet = [...new Set(items.flatMap((p) => p.flatMap((item) => [...item.chars])))];
  const ruleOf = (state: string) => (state === start ? name : `${name}-${states.indexOf(state)}`);
  const next = (state: string, ch: string): string | undefined => {
    const reached = state.split(" ").flatMap((place) => {
      const [p, i] = place.split(":").map(Number) as [number, number];
      const item = items[p]![i]!;
      return item.chars.includes(ch) ? [item.many ? place : `${p}:${i + 1}`] : [];
    });
    return closure([...start.split(" "), ...reached]);
  };
  for (let k = 0; k < states.length; k++) {
    const state = states[k]!;
    const targets = new Map<string, string[]>();
    const special: string[] = [];
    for (const ch of alphabet) {
      const target = next(state, ch);
      if (target === start) continue;
      special.push(ch);
      if (target === undefined) continue;
      if (!states.includes(target)) states.push(target);
      targets.set(target, [...(targets.get(target) ?? []), ch]);
    }
    const moves = [...targets].map(([target, chars]) => `${chars.length === 1 ? literal(chars[0]!) : charClass(chars, false)} ${ruleOf(target)}`);
    rules.add(ruleOf(state), [`${charClass(special)} ${name}`, ...moves, `""`].join(" | "));
  }
  return name;
}

/** Generic JSON (llama.cpp's json.gbnf, with bounded whitespace). */
function addJsonRules(rules: GrammarRules): void {
  rules.add("json-value", "json-object | json-array | json-string | json-number | \"true\" | \"false\" | \"null\"");
  rules.add("json-object", `"{" json-ws ( json-string ":" json-ws json-value ( "," json-ws json-string ":" json-ws json-value )* )? "}" json-ws`);
  rules.add("json-array", `"[" json-ws ( json-value ( "," json-ws json-value )* )? "]" json-ws`);
  rules.add("json-string", `"\\"" ( [^"\\\\\\x7F\\x00-\\x1F] | "\\\\" ( ["\\\\/bfnrt] | "u" [0-9a-fA-F]{4} ) )* "\\"" json-ws`);
  rules.add("json-number", `${NUMBER} json-ws`);
  rules.add("json-ws", `| " " | "\\n" [ \\t]{0,20}`);
}

/** A GBNF string literal. */
export function literal(text: string): string {
  return `"${[...text].map(escapeChar('"')).join("")}"`;
}

/** A GBNF character class: any character except these (or, not negated, one of these). */
function charClass(chars: readonly string[], negated = true): string {
  return `[${negated ? "^" : ""}${chars.map(escapeChar("]^-")).join("")}]`;
}

function escapeChar(specials: string): (ch: string) => string {
  return (ch) => {
    if (ch === "\\") return "\\\\";
    if (ch === "\n") return "\\n";
    if (ch === "\r") return "\\r";
    if (ch === "\t") return "\\t";
    if (specials.includes(ch)) return `\\${ch}`;
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, "0")}`;
    return ch;
  };
}
