/**
 * Reads the text between `<tool_call>` and `</tool_call>` in Qwen3.5's XML format:
 * `\n<function=NAME>\n<parameter=P>\nvalue\n</parameter>\n…</function>\n</tool_call>`.
 * Structural, not a regex over the whole block: a parameter value may itself contain
 * `</tool_call>`, `<parameter=` or `</parameter>`; a value ends only at a `</parameter>`
 * that the format continues after ({@link valueEndsAt}).
 */
import type { ToolDefinition } from "../types.ts";

/** Raw (untyped) call: parameter values as the model wrote them. */
export interface RawToolCall {
  name: string;
  /** In the order written; duplicates kept so the checker can report them. */
  parameters: Array<[name: string, value: string]>;
}

export type SyntaxResult =
  /** `end` is the index just after `</tool_call>` (or the text's length at end of stream). */
  | { kind: "complete"; call: RawToolCall; end: number }
  /** More text may complete it. */
  | { kind: "incomplete" }
  /** Cannot be a valid call; `message` says what was expected. */
  | { kind: "error"; message: string; name?: string };

export const CALL_CLOSE = "</tool_call>";
const CALL_OPEN = "<tool_call>";
const FUNCTION_OPEN = "<function=";
const FUNCTION_CLOSE = "</function>";
const PARAM_OPEN = "<parameter=";
const PARAM_CLOSE = "</parameter>";
/** `<parameter=` without its `=`, before which spaces may come. */
const PARAM_WORD = PARAM_OPEN.slice(0, -1);
/** The longest name of a parameter written on a value's line that can end it: keeps what is held to tell bounded. */
const MAX_PARAM_NAME = 64;

/** How a call must look, appended to syntax errors so the model can correct itself. */
export const CALL_FORMAT_HINT =
  "Write each tool call exactly as:\n<tool_call>\n<function=TOOL_NAME>\n<parameter=PARAMETER_NAME>\nvalue\n</parameter>\n</function>\n</tool_call>";

/** Index of the first non-whitespace character at or after `i`. */
function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

/** True when `text` from `i` is a (possibly still partial) `expected`. */
function startsPartially(text: string, i: number, expected: string): boolean {
  const rest = text.slice(i, i + expected.length);
  return expected.startsWith(rest);
}

/** Spaces or tabs a model may put between a tag's word and its `=` (`<function = NAME>`): the streaming reader holds at most these. */
export const MAX_TAG_SPACE = 8;

/** Reads `<tag=NAME>` at `i` (up to MAX_TAG_SPACE spaces or tabs before the `=` too: `<function = NAME>`). */
function readTagName(text: string, i: number, open: string): { name: string; next: number } | "incomplete" | undefined {
  const word = open.slice(0, -1);
  if (!startsPartially(text, i, word)) return undefined;
  if (text.length < i + word.length) return "incomplete";
  let eq = i + word.length;
  while (eq < text.length && eq - i - word.length < MAX_TAG_SPACE && (text[eq] === " " || text[eq] === "\t")) eq++;
  if (eq === text.length) return "incomplete";
  if (text[eq] !== "=") return undefined;
  const close = text.indexOf(">", eq + 1);
  const newline = text.indexOf("\n", eq + 1);
  if (close < 0) return newline < 0 ? "incomplete" : undefined;
  if (newline >= 0 && newline < close) return undefined;
  const name = text.slice(eq + 1, close).trim();
  return name ? { name, next: close + 1 } : undefined;
}

/**
 * What may follow the `</parameter>` that ends a value: the template writes `\n</parameter>\n`
 * and then the next `<parameter=` or `</function>`; `</tool_call>` too, so a call that forgets
 * `</function>` does not take the next call into its value. A model at temperature 0.7 leaves
 * blank lines or lines of spaces there now and then, and a line may end in CRLF (a model or a
 * server writing Windows line ends): whitespace holding a line end (at most MAX_VALUE_GAP
 * characters) comes before the tag. A model may also close the function on the parameter's
 * line when `</tool_call>` follows on a later one, or write a whole call on one line and the
 * next call after it, or write a value on its tag's line and the next parameter after it
 * (`<parameter=path>a</parameter><parameter=limit>`: a name the tool declares, or any name where
 * its schema is not known; a value holding a line end does not end there). All but those last two
 * hold a line end, which a JSON value never holds raw; a JSON string holding
 * `</parameter></function></tool_call><tool_call>`, or on its tag's line `</parameter><parameter=NAME>`
 * (which the grammar does not keep out of JSON), is cut there, and the call is refused as invalid JSON or
 * as a parameter given twice, never run with a value other than written.
 */
export const MAX_VALUE_GAP = 32;
const LINE_GAP = " \t\r";
const GAP = LINE_GAP + "\n";
const NEXT_LINE_TAGS = [PARAM_OPEN, FUNCTION_CLOSE, CALL_CLOSE];

/** One place of a {@link ValuePattern}: a character out of `chars`, once, or (`many`) any number of times. */
export interface PatternItem {
  chars: string;
  many?: boolean;
}
export type ValuePattern = readonly PatternItem[];

const literalItems = (text: string): PatternItem[] => [...text].map((chars) => ({ chars }));
const lineBreak: PatternItem[] = [{ chars: LINE_GAP, many: true }, { chars: "\n" }, { chars: GAP, many: true }];
/**
 * What ends a value, as patterns: a string value holds none of these (the response grammar
 * keeps it so). Its gaps have no bound: the grammar forbids more than the parser reads as an end.
 */
export const VALUE_CLOSINGS: readonly ValuePattern[] = [
  ...NEXT_LINE_TAGS.map((tag) => [...literalItems(PARAM_CLOSE), ...lineBreak, ...literalItems(tag)]),
  // Not `</function></tool_call>\n`: a value that ends with `</parameter></function></tool_call>`
  // is followed by the template's `\n</parameter>`. At the output's end it is LAST_VALUE_FOLLOWER.
  [...literalItems(PARAM_CLOSE), { chars: LINE_GAP, many: true }, ...literalItems(FUNCTION_CLOSE), ...lineBreak, ...literalItems(CALL_CLOSE)],
  // A call written on one line, glued to the next call (at the output's end: LAST_VALUE_FOLLOWER).
  [...literalItems(PARAM_CLOSE), { chars: LINE_GAP, many: true }, ...literalItems(FUNCTION_CLOSE), { chars: LINE_GAP, many: true }, ...literalItems(CALL_CLOSE), { chars: GAP, many: true }, ...literalItems(CALL_OPEN)],
  // Not `</parameter><parameter=NAME>` on the value's line: that ends only a value begun on its
  // tag's line (paramsOnValueLine), and the grammar writes each value after a line end.
];
/** Characters after a `</parameter>` that tell whether it ends the value. */
export const VALUE_LOOKAHEAD = Math.max(
  3 * (MAX_VALUE_GAP + 1) + FUNCTION_CLOSE.length + CALL_CLOSE.length + CALL_OPEN.length,
  MAX_VALUE_GAP + 1 + PARAM_WORD.length + MAX_TAG_SPACE + 1 + MAX_PARAM_NAME + 1,
);
/** At the end of the output, what may follow the `</parameter>` that ends the last value: the call's close. */
const LAST_VALUE_FOLLOWER = /^\s*<\/function>\s*(<\/tool_call>\s*)?$/;
const LAST_CLOSE = FUNCTION_CLOSE + CALL_CLOSE;

/** Why a value did not end at a `</parameter>` it holds, for the model. */
export const VALUE_END_RULE = "(a </parameter> ends a value only when a later line starts with <parameter=, </function> or </tool_call> and only whitespace comes between, or when </function> follows it on its line and </tool_call> starts a later one, or when </function></tool_call> and the next <tool_call> follow it, or, for a value written on its <parameter=NAME>'s line, when the next <parameter=NAME> follows it on that line)";

/** The whitespace from `i`: where it ends and whether it holds a line end; undefined when the text ends in it, null when it is longer than MAX_VALUE_GAP. */
function gapAt(text: string, i: number): { next: number; eol: boolean } | undefined | null {
  let j = i;
  let eol = false;
  for (; j < text.length && j - i <= MAX_VALUE_GAP && GAP.includes(text[j]!); j++) if (text[j] === "\n") eol = true;
  if (j - i > MAX_VALUE_GAP) return null;
  return j === text.length ? undefined : { next: j, eol };
}

/** Whether `text` at `i` is one of `tags`; undefined when it ends too soon to tell. */
function tagAt(text: string, i: number, tags: readonly string[]): boolean | undefined {
  const got = tags.map((tag) => text.slice(i, i + tag.length));
  if (got.some((g, k) => g === tags[k])) return true;
  return got.some((g, k) => g.length < tags[k]!.length && tags[k]!.startsWith(g)) ? undefined : false;
}

/**
 * Whether `<parameter=NAME>` is at `i` with NAME one of `names` (any name when undefined);
 * undefined when the text ends too soon to tell.
 */
function paramOpenAt(text: string, i: number, names: ReadonlySet<string> | undefined): boolean | undefined {
  const word = tagAt(text, i, [PARAM_WORD]);
  if (word !== true) return word;
  let eq = i + PARAM_WORD.length;
  while (eq < text.length && eq - i - PARAM_WORD.length < MAX_TAG_SPACE && (text[eq] === " " || text[eq] === "\t")) eq++;
  if (eq === text.length) return undefined;
  if (text[eq] !== "=") return false;
  const end = text.slice(eq + 1, eq + 2 + MAX_PARAM_NAME).search(/[>\n]/);
  if (end < 0) return text.length > eq + 1 + MAX_PARAM_NAME ? false : undefined;
  const name = text.slice(eq + 1, eq + 1 + end).trim();
  return text[eq + 1 + end] === ">" && name !== "" && (names === undefined || names.has(name));
}

/**
 * The names a parameter written on a value's line may have to end it: none once the value holds
 * a line end. Only a value begun on its `<parameter=…>`'s line and still on it (a call written on
 * one line) ends at `</parameter><parameter=NAME>`; a value after the format's line end is
 * followed by a line end too, so such text in it (a test of a tool-call parser) is its own.
 */
export function paramsOnValueLine(params: ReadonlySet<string> | undefined, valueHasLineEnd: boolean): ReadonlySet<string> | undefined {
  return valueHasLineEnd ? NO_PARAMS : params;
}
const NO_PARAMS: ReadonlySet<string> = new Set();

/** The parameters the offered tool `name` declares; undefined where its schema does not say (not offered, no `properties`). */
export function declaredParameters(tools: readonly ToolDefinition[], name: string): ReadonlySet<string> | undefined {
  const properties = tools.find((t) => t.name === name)?.parameters.properties;
  return properties && typeof properties === "object" ? new Set(Object.keys(properties)) : undefined;
}

/**
 * Whether one of VALUE_CLOSINGS (gaps bounded) follows `</parameter>` at `after`; undefined
 * when the text ends too soon to tell. `params`: the names a parameter on the value's line may have.
 */
function closingFollows(text: string, after: number, params: ReadonlySet<string> | undefined): boolean | undefined {
  const gap = gapAt(text, after);
  if (!gap) return gap === null ? false : undefined;
  if (gap.eol) return tagAt(text, gap.next, NEXT_LINE_TAGS);
  const param = paramOpenAt(text, gap.next, params);
  if (param !== false) return param;
  const fn = tagAt(text, gap.next, [FUNCTION_CLOSE]);
  if (fn !== true) return fn;
  const after2 = gapAt(text, gap.next + FUNCTION_CLOSE.length);
  if (!after2) return after2 === null ? false : undefined;
  const close = tagAt(text, after2.next, [CALL_CLOSE]);
  if (after2.eol || close !== true) return close;
  // `</parameter></function></tool_call>` on one line: the next call must follow.
  const after3 = gapAt(text, after2.next + CALL_CLOSE.length);
  if (!after3) return after3 === null ? false : undefined;
  return tagAt(text, after3.next, [CALL_OPEN]);
}

/**
 * Whether the `</parameter>` just before `after` ends its value: true when the format
 * continues there, false when it is the value's own text (an XML or DocBook file, a parser's
 * source), undefined when `text` ends too soon to tell. Qwen3.5 writes a value raw, so a
 * value may hold `</parameter>` anywhere but right before one of these lines. With `atEnd`
 * the output is over: a `</parameter>` followed only by the call's closing tags ends it.
 * `params`: the parameters the tool declares (undefined: not known, any name).
 */
export function valueEndsAt(text: string, after: number, atEnd = false, params?: ReadonlySet<string>): boolean | undefined {
  const follows = closingFollows(text, after, params);
  if (follows) return true;
  // Bounded, so that a long value with many </parameter> in it is not scanned to its end for each.
  const last = text.length - after <= 2 * VALUE_LOOKAHEAD ? text.slice(after) : undefined;
  if (atEnd) return last !== undefined && LAST_VALUE_FOLLOWER.test(last);
  if (follows === undefined) return undefined;
  // Perhaps the call's last line: told at the output's end.
  return last !== undefined && LAST_CLOSE.startsWith(last.replace(/\s+/g, "")) ? undefined : false;
}

/**
 * A value as written, less the one line end the format puts on each side: `\n`, or `\r\n`
 * where the value starts with one (a writer of CRLF; the template's own `\n` is never CR).
 * Spaces or tabs after the last line end are the indentation of the `</parameter>` that
 * follows (`a\n\t\t</parameter>`), not a last line of the value: they go with it.
 */
export function trimValueLineEnds(value: string): string {
  const eol = value.startsWith("\r\n") ? "\r\n" : "\n";
  const start = value.startsWith(eol) ? eol.length : 0;
  let end = value.length;
  while (end > start && (value[end - 1] === " " || value[end - 1] === "\t")) end--;
  // `\n\t\t</parameter>`: an empty value, its one line end the format's on both sides.
  if (start > 0 && end === start) return "";
  return end - eol.length >= start && value.startsWith(eol, end - eol.length) ? value.slice(start, end - eol.length) : value.slice(start);
}

/** The `</parameter>` that ends the value starting at `i` (`false`: the text ends before one can be told). */
export function findValueEnd(text: string, i: number, atEnd = false, params?: ReadonlySet<string>): number | false {
  const eol = text.indexOf("\n", i);
  for (let close = text.indexOf(PARAM_CLOSE, i); close >= 0; close = text.indexOf(PARAM_CLOSE, close + 1)) {
    const ends = valueEndsAt(text, close + PARAM_CLOSE.length, atEnd, paramsOnValueLine(params, eol >= 0 && eol < close));
    if (ends !== false) return ends ? close : false;
  }
  return false;
}

/** A value is everything up to the `</parameter>` that ends it, minus the one newline the template puts on each side. */
function readValue(text: string, i: number, atEnd: boolean, params: ReadonlySet<string> | undefined): { value: string; next: number } | undefined {
  const close = findValueEnd(text, i, atEnd, params);
  if (close === false) return undefined;
  return { value: trimValueLineEnds(text.slice(i, close)), next: close + PARAM_CLOSE.length };
}

/**
 * Parses the body of a call (the text after `<tool_call>`). With `atEnd`, the stream is
 * over: a call complete up to `</function>` is accepted without its `</tool_call>`. `tools`:
 * the offered tools, whose declared parameters alone end a value on its line (valueEndsAt).
 */
export function parseToolCallBody(body: string, atEnd: boolean, tools?: readonly ToolDefinition[]): SyntaxResult {
  const incomplete: SyntaxResult = atEnd ? { kind: "error", message: "The tool call ended before it was complete." } : { kind: "incomplete" };
  let i = skipSpace(body, 0);
  if (body[i] === "{") return parseJsonBody(body, i, atEnd);
  const fn = readTagName(body, i, FUNCTION_OPEN);
  if (fn === "incomplete" || (fn === undefined && i === body.length)) return incomplete;
  if (fn === undefined) return { kind: "error", message: `Expected "<function=TOOL_NAME>" after "<tool_call>".` };
  const call: RawToolCall = { name: fn.name, parameters: [] };
  const params = tools && declaredParameters(tools, fn.name);
  i = fn.next;
  for (;;) {
    i = skipSpace(body, i);
    if (i >= body.length) return incomplete.kind === "error" ? { ...incomplete, name: call.name } : incomplete;
    if (startsPartially(body, i, FUNCTION_CLOSE)) {
      if (body.length < i + FUNCTION_CLOSE.length) return incomplete;
      return closeCall(body, i + FUNCTION_CLOSE.length, call, atEnd);
    }
    const param = readTagName(body, i, PARAM_OPEN);
    if (param === "incomplete") return incomplete;
    if (param === undefined) return { kind: "error", name: call.name, message: `Expected "<parameter=NAME>" or "</function>" inside <function=${call.name}>.` };
    const value = readValue(body, param.next, atEnd, params);
    if (!value) return atEnd ? { kind: "error", name: call.name, message: noCloseMessage(param.name, body.includes(PARAM_CLOSE, param.next), body.slice(param.next)) } : { kind: "incomplete" };
    call.parameters.push([param.name, value.value]);
    i = value.next;
  }
}

/**
 * Characters a model writes for `<` and `>` now and then: full-width, single guillemets, CJK,
 * mathematical and small-form angle brackets. Exported through src/models/index.ts, with
 * swappedBrackets, for the agent's thought-calls.ts, which names a whole call written with them.
 */
export const LOOKALIKE_BRACKETS: ReadonlyArray<readonly [open: string, close: string]> = [["\uFF1C", "\uFF1E"], ["\u2039", "\u203A"], ["\u3008", "\u3009"], ["\u27E8", "\u27E9"], ["\uFE64", "\uFE65"]];
const OPENS = "<" + LOOKALIKE_BRACKETS.map(([open]) => open).join("");
const CLOSES = ">" + LOOKALIKE_BRACKETS.map(([, close]) => close).join("");

/** The first `</parameter>` in `text` written with a look-alike bracket (`‹/parameter>`), and which; undefined when there is none. */
function lookalikeParamClose(text: string): string | undefined {
  const word = PARAM_CLOSE.slice(1, -1);
  for (let i = text.indexOf(word, 1); i >= 0; i = text.indexOf(word, i + 1)) {
    const open = text[i - 1]!;
    const close = text[i + word.length] ?? "";
    if (!OPENS.includes(open) || !close || !CLOSES.includes(close) || (open === "<" && close === ">")) continue;
    return `"${open}${word}${close}" has ${swappedBrackets([open, close])}`;
  }
  return undefined;
}

/**
 * The look-alikes among `used` as what they stand for: `‹ and › in place of < and >`,
 * `› in place of >`, `＜ or ‹ in place of <` (plain brackets among them are left out).
 */
export function swappedBrackets(used: readonly string[]): string {
  const opens = used.filter((ch) => ch !== "<" && OPENS.includes(ch));
  const closes = used.filter((ch) => ch !== ">" && CLOSES.includes(ch));
  if (opens.length === 1 && closes.length === 1) return `${opens[0]} and ${closes[0]} in place of < and >`;
  return [opens.length ? `${opens.join(" or ")} in place of <` : "", closes.length ? `${closes.join(" or ")} in place of >` : ""].filter(Boolean).join(" and ");
}

/**
 * A value that never ended; `heldClose`: it holds a `</parameter>` that did not end it;
 * `value`: its text, where a `</parameter>` written with a look-alike bracket is named.
 */
export function noCloseMessage(name: string, heldClose: boolean, value = ""): string {
  const lookalike = lookalikeParamClose(value);
  return `Parameter "${name}" has no closing </parameter>${lookalike ? ` (${lookalike})` : ""}${heldClose ? ` ${VALUE_END_RULE}` : ""}.`;
}

function closeCall(body: string, i: number, call: RawToolCall, atEnd: boolean): SyntaxResult {
  i = skipSpace(body, i);
  if (startsPartially(body, i, CALL_CLOSE) && body.length >= i + CALL_CLOSE.length) {
    return { kind: "complete", call, end: i + CALL_CLOSE.length };
  }
  if (atEnd && (i >= body.length || startsPartially(body, i, CALL_CLOSE))) return { kind: "complete", call, end: body.length };
  if (i >= body.length || startsPartially(body, i, CALL_CLOSE)) return { kind: "incomplete" };
  return { kind: "error", name: call.name, message: `Expected "</tool_call>" after "</function>".` };
}

/** Older Qwen / Hermes style: `{"name": …, "arguments": {…}}` inside the tags. Accepted too. */
function parseJsonBody(body: string, i: number, atEnd: boolean): SyntaxResult {
  const close = body.indexOf(CALL_CLOSE, i);
  if (close < 0 && !atEnd) return { kind: "incomplete" };
  const json = body.slice(i, close < 0 ? body.length : close);
  try {
    const parsed = JSON.parse(json) as { name?: unknown; arguments?: unknown };
    if (typeof parsed.name !== "string" || typeof parsed.arguments !== "object" || parsed.arguments === null || Array.isArray(parsed.arguments)) {
      return { kind: "error", message: `A JSON tool call needs "name" and an "arguments" object.` };
    }
    const parameters = Object.entries(parsed.arguments).map(([k, v]): [string, string] => [k, typeof v === "string" ? v : JSON.stringify(v)]);
    return { kind: "complete", call: { name: parsed.name, parameters }, end: close < 0 ? body.length : close + CALL_CLOSE.length };
  } catch {
    if (close < 0) return { kind: "error", message: "The tool call ended before it was complete." };
    return { kind: "error", message: "The tool call is neither the XML format nor valid JSON." };
  }
}
