/**
 * GBNF grammars (llama.cpp's grammar format, what `llama.createGrammar({grammar})` takes)
 * that constrain Qwen3.5 to its own XML tool-call format with each tool's parameters:
 * known function names, parameter names in schema order, required ones present, values
 * shaped by type (integers, numbers, booleans, enums, JSON for objects and arrays, any
 * text without `</parameter>` for strings). Whatever the grammar allows,
 * {@link QwenOutputParser} parses without an error.
 */
import type { JsonSchema, JsonValue, ToolDefinition } from "../types.ts";
import { schemaTypes } from "./tool-arguments.ts";
import { formatArgumentValue } from "./template-values.ts";

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
  if (options.thinking) addTextWithout(rules, "think", "</think>");
  addTextWithout(rules, "text", "<tool_call>");
  if (calls) addCallRules(rules, tools);
  return rules.toString();
}

/** Ordered GBNF rules; `add` ignores a name that already exists (shared value rules). */
class GrammarRules {
  private readonly rules = new Map<string, string>();
  add(name: string, body: string): string {
    if (!this.rules.has(name)) this.rules.set(name, body);
    return name;
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

/** The rule for one parameter value, by type (union types become alternatives). */
function valueRule(rules: GrammarRules, schema: JsonSchema): string {
  if (schema.enum?.length) {
    return `( ${schema.enum.map((v: JsonValue) => literal(formatArgumentValue(v))).join(" | ")} )`;
  }
  const alternatives = schemaTypes(schema).map((type) => {
    switch (type) {
      case "string": return addTextWithout(rules, "string-value", "</parameter>");
      case "integer": return rules.add("integer-value", `"-"? ( "0" | [1-9] [0-9]{0,15} )`);
      case "number": return rules.add("number-value", `"-"? ( "0" | [1-9] [0-9]{0,15} ) ( "." [0-9]{1,15} )? ( [eE] [-+]? [0-9]{1,3} )?`);
      case "boolean": return rules.add("boolean-value", `"true" | "false"`);
      case "null": return rules.add("null-value", `"null"`);
      case "object": addJsonRules(rules); return "json-object";
      case "array": addJsonRules(rules); return "json-array";
    }
  });
  return alternatives.length === 1 ? alternatives[0]! : `( ${alternatives.join(" | ")} )`;
}

/**
 * Any text that does not contain `keyword`, as a chain of states of the matching automaton
 * (state i = the last i characters read are the start of the keyword). Needs a keyword whose
 * first character appears nowhere else in it (true of `</parameter>`, `</think>`, `<tool_call>`),
 * so a mismatch falls back to state 0, or to state 1 on that first character.
 */
function addTextWithout(rules: GrammarRules, name: string, keyword: string): string {
  const first = keyword[0]!;
  if (keyword.slice(1).includes(first)) throw new Error(`unsupported keyword ${keyword}`);
  const state = (i: number) => (i === 0 ? name : `${name}-${i}`);
  rules.add(state(0), `${charClass([first])} ${state(0)} | ${literal(first)} ${state(1)} | ""`);
  for (let i = 1; i < keyword.length; i++) {
    const next = i + 1 < keyword.length ? `${literal(keyword[i]!)} ${state(i + 1)} | ` : "";
    rules.add(state(i), `${next}${literal(first)} ${state(1)} | ${charClass([first, keyword[i]!])} ${state(0)} | ""`);
  }
  return name;
}

/** Generic JSON (llama.cpp's json.gbnf, with bounded whitespace). */
function addJsonRules(rules: GrammarRules): void {
  rules.add("json-value", "json-object | json-array | json-string | json-number | \"true\" | \"false\" | \"null\"");
  rules.add("json-object", `"{" json-ws ( json-string ":" json-ws json-value ( "," json-ws json-string ":" json-ws json-value )* )? "}" json-ws`);
  rules.add("json-array", `"[" json-ws ( json-value ( "," json-ws json-value )* )? "]" json-ws`);
  rules.add("json-string", `"\\"" ( [^"\\\\\\x7F\\x00-\\x1F] | "\\\\" ( ["\\\\/bfnrt] | "u" [0-9a-fA-F]{4} ) )* "\\"" json-ws`);
  rules.add("json-number", `"-"? ( "0" | [1-9] [0-9]{0,15} ) ( "." [0-9]{1,15} )? ( [eE] [-+]? [0-9]{1,3} )? json-ws`);
  rules.add("json-ws", `| " " | "\\n" [ \\t]{0,20}`);
}

/** A GBNF string literal. */
export function literal(text: string): string {
  return `"${[...text].map(escapeChar('"')).join("")}"`;
}

/** A negated GBNF character class: any character except these. */
function charClass(excluded: readonly string[]): string {
  return `[^${excluded.map(escapeChar("]^-")).join("")}]`;
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
