/**
 * Reads the body of one `<tool_call>` (the text after the tag) as it streams in, in
 * amortized linear time: each chunk is examined once, whatever the chunk size. The format
 * and the messages are those of `parseToolCallBody`, which reads a complete text at once;
 * calling that on the whole buffer for every chunk cost minutes of CPU on a 300 KB
 * `write_file` argument streamed token by token.
 *
 * What it holds between chunks stays small: a partial tag (at most 19 characters, also at
 * the end of a value, where it may start `</parameter>`), a `</parameter>` with the few
 * characters after it that tell whether it ends the value, and the parts already read,
 * joined once when the value or the call is complete.
 */
import type { ToolDefinition } from "../types.ts";
import { CALL_CLOSE, declaredParameters, MAX_TAG_SPACE, noCloseMessage, paramsOnValueLine, type RawToolCall, parseToolCallBody, trimValueLineEnds, valueEndsAt } from "./tool-call-syntax.ts";

/** How a call body ended: `raw` is the body as written, `rest` the text after it. */
export type CallBodyOutcome =
  | { kind: "complete"; call: RawToolCall; raw: string; rest: string }
  | { kind: "error"; message: string; name?: string; raw: string; rest: string };

type Phase = "lead" | "function" | "name" | "params" | "value" | "close" | "json" | "skip";

const FUNCTION_OPEN = "<function=";
const FUNCTION_CLOSE = "</function>";
const PARAM_OPEN = "<parameter=";
const PARAM_CLOSE = "</parameter>";
const ENDED = "The tool call ended before it was complete.";
/** The step needs more input; what it has not consumed is held for the next chunk. */
const WAIT = -1;

function isSpace(ch: string): boolean {
  return ch === " " || ch === "\n" || ch === "\t" || ch === "\r" || /\s/.test(ch);
}

/**
 * Where a partial `tag` at the end of `text` (from `i` on) begins, or `text.length`. Tags
 * have one `<`, at their start, so only the last `<` can begin one.
 */
function partialTagStart(text: string, i: number, tag: string): number {
  const lt = text.lastIndexOf("<");
  return lt >= i && text.length - lt < tag.length && tag.startsWith(text.slice(lt)) ? lt : text.length;
}

/** Incremental reader for one call body. Feed chunks with {@link push}, then {@link end} if the stream stops first. */
export class CallBodyReader {
  /** Characters handed to scans and joins so far: a bounded multiple of the input (tests hold it to that). */
  charactersExamined = 0;
  /**
   * The call had no `<tool_call>` (it starts at `<function=`): the `</tool_call>` after
   * `</function>` is optional, and what follows instead is the answer's text again.
   */
  private readonly bare: boolean;
  /** The offered tools: a value ends on its line only at the next parameter its tool declares. */
  private readonly tools: readonly ToolDefinition[] | undefined;
  /** The declared parameters of the tool being called (undefined: not known, any name). */
  private declared: ReadonlySet<string> | undefined;
  private phase: Phase = "lead";
  private held = "";
  private readonly raw: string[] = [];
  private parts: string[] = [];
  private tag: "function" | "parameter" = "function";
  private paramName = "";
  /** The value being read holds a `</parameter>` that did not end it. */
  private valueHeldClose = false;
  /** The value's parts read so far hold a line end (paramsOnValueLine). */
  private valueLineEnded = false;
  private call: RawToolCall = { name: "", parameters: [] };
  private failure: { message: string; name?: string } | undefined;
  private outcome: CallBodyOutcome | undefined;

  constructor(options: { bare?: boolean; tools?: readonly ToolDefinition[] } = {}) {
    this.bare = options.bare ?? false;
    this.tools = options.tools;
  }

  /** Consumes a chunk; returns the outcome once the body is complete or known to be malformed. */
  push(chunk: string): CallBodyOutcome | undefined {
    const text = this.held + chunk;
    this.held = "";
    this.charactersExamined += text.length;
    let i = 0;
    while (!this.outcome) {
      const next = this.step(text, i);
      if (next === WAIT) return this.outcome;
      i = next;
    }
    return this.outcome;
  }

  /** The stream is over: the outcome of what arrived (a call complete up to `</function>` is accepted). */
  end(): CallBodyOutcome {
    if (!this.outcome) this.endStream();
    return this.outcome!;
  }

  private endStream(): void {
    const rest = this.held;
    this.raw.push(rest);
    this.held = "";
    const named = this.call.name ? { name: this.call.name } : {};
    switch (this.phase) {
      case "close": this.finish({ kind: "complete", call: this.call }); break;
      case "json": this.finish(this.parseJson(this.joinParts() + rest, true)); break;
      case "skip": this.finish({ kind: "error", ...this.failure! }); break;
      case "value": this.endValueStream(rest); break;
      default: this.finish({ kind: "error", ...named, message: ENDED });
    }
  }

  /**
   * The stream ended inside a value: held is at most a `</parameter>` and what follows it,
   * which ends the call when that is only its closing tags (`</parameter></function>`).
   */
  private endValueStream(rest: string): void {
    if (rest.startsWith(PARAM_CLOSE) && valueEndsAt(rest, PARAM_CLOSE.length, true, paramsOnValueLine(this.declared, this.valueLineEnded))) {
      // The value's parts stop where `rest` starts; `raw` already holds `rest`.
      this.call.parameters.push([this.paramName, trimValueLineEnds(this.joinParts())]);
      this.finish({ kind: "complete", call: this.call });
      return;
    }
    const named = this.call.name ? { name: this.call.name } : {};
    this.finish({ kind: "error", ...named, message: noCloseMessage(this.paramName, this.valueHeldClose || rest.includes(PARAM_CLOSE), this.joinParts() + rest) });
  }

  /** Runs the current phase on `text` from `i`; the next index, or WAIT. */
  private step(text: string, i: number): number {
    switch (this.phase) {
      case "lead": return this.lead(text, i);
      case "function": return this.expectTag(text, i, FUNCTION_OPEN, () => this.fail(`Expected "<function=TOOL_NAME>" after "<tool_call>".`, i));
      case "name": return this.name(text, i);
      case "params": return this.params(text, i);
      case "value": return this.value(text, i);
      case "close": return this.close(text, i);
      case "json":
      case "skip": return this.untilCallClose(text, i);
    }
  }

  private lead(text: string, i: number): number {
    const j = this.skipSpace(text, i);
    if (j === WAIT) return WAIT;
    this.phase = text[j] === "{" ? "json" : "function";
    return j;
  }

  /**
   * `open` at `i` (`<function=`, `<parameter=`; spaces or tabs before its `=` too, at most
   * MAX_TAG_SPACE): the name follows; a partial `open` waits; anything else is `otherwise()`.
   */
  private expectTag(text: string, i: number, open: string, otherwise: () => number): number {
    const word = open.slice(0, -1);
    if (text.length - i < word.length) return word.startsWith(text.slice(i)) ? this.hold(text, i) : otherwise();
    if (!text.startsWith(word, i)) return otherwise();
    let j = i + word.length;
    while (j < text.length && j - i - word.length < MAX_TAG_SPACE && (text[j] === " " || text[j] === "\t")) j++;
    // The text ends before the `=` could come (even after the most spaces): wait for it.
    if (j === text.length) return this.hold(text, i);
    if (text[j] !== "=") return otherwise();
    this.raw.push(text.slice(i, j + 1));
    this.tag = open === FUNCTION_OPEN ? "function" : "parameter";
    this.phase = "name";
    return j + 1;
  }

  // A name ends at `>`; a newline first means this is not a tag.
  private name(text: string, i: number): number {
    let j = i;
    while (j < text.length && text[j] !== ">" && text[j] !== "\n") j++;
    this.raw.push(text.slice(i, j));
    this.parts.push(text.slice(i, j));
    if (j === text.length) return WAIT;
    const name = this.joinParts().trim();
    if (text[j] === "\n" || !name) return this.fail(this.tag === "function" ? `Expected "<function=TOOL_NAME>" after "<tool_call>".` : this.paramExpected(), j);
    this.raw.push(">");
    if (this.tag === "function") {
      this.call = { name, parameters: [] };
      this.declared = this.tools && declaredParameters(this.tools, name);
      this.phase = "params";
    } else {
      this.paramName = name;
      this.phase = "value";
    }
    return j + 1;
  }

  private params(text: string, i: number): number {
    const j = this.skipSpace(text, i);
    if (j === WAIT) return WAIT;
    if (text.startsWith(FUNCTION_CLOSE, j)) {
      this.raw.push(FUNCTION_CLOSE);
      this.phase = "close";
      return j + FUNCTION_CLOSE.length;
    }
    if (text.length - j < FUNCTION_CLOSE.length && FUNCTION_CLOSE.startsWith(text.slice(j))) return this.hold(text, j);
    return this.expectTag(text, j, PARAM_OPEN, () => this.fail(this.paramExpected(), j));
  }

  // A value is everything up to the `</parameter>` that ends it (valueEndsAt), minus the one newline the template puts on each side.
  private value(text: string, i: number): number {
    let close = text.indexOf(PARAM_CLOSE, i);
    const eol = text.indexOf("\n", i);
    for (; close >= 0; close = text.indexOf(PARAM_CLOSE, close + 1)) {
      const ends = valueEndsAt(text, close + PARAM_CLOSE.length, false, paramsOnValueLine(this.declared, this.valueLineEnded || (eol >= 0 && eol < close)));
      // Too few characters after it to tell: held with what follows (at most VALUE_LOOKAHEAD).
      if (ends === undefined) return this.holdValue(text, i, close);
      if (ends) break;
      this.valueHeldClose = true;
    }
    if (close < 0) return this.holdValue(text, i, partialTagStart(text, i, PARAM_CLOSE));
    return this.endValue(text, i, close);
  }

  /** The value ends at the `</parameter>` at `close`; the next parameter or `</function>` follows. */
  private endValue(text: string, i: number, close: number): number {
    this.raw.push(text.slice(i, close + PARAM_CLOSE.length));
    this.parts.push(text.slice(i, close));
    this.call.parameters.push([this.paramName, trimValueLineEnds(this.joinParts())]);
    this.valueHeldClose = false;
    this.valueLineEnded = false;
    this.phase = "params";
    return close + PARAM_CLOSE.length;
  }

  /** The value so far is `text` from `i` to `keep`; the rest waits for the next chunk. */
  private holdValue(text: string, i: number, keep: number): number {
    const part = text.slice(i, keep);
    if (part.includes("\n")) this.valueLineEnded = true;
    this.raw.push(part);
    this.parts.push(part);
    return this.hold(text, keep);
  }

  private close(text: string, i: number): number {
    const j = this.skipSpace(text, i);
    if (j === WAIT) return WAIT;
    if (text.startsWith(CALL_CLOSE, j)) {
      this.raw.push(CALL_CLOSE);
      return this.finish({ kind: "complete", call: this.call }, text.slice(j + CALL_CLOSE.length));
    }
    if (text.length - j < CALL_CLOSE.length && CALL_CLOSE.startsWith(text.slice(j))) return this.hold(text, j);
    if (this.bare) return this.finish({ kind: "complete", call: this.call }, text.slice(j));
    return this.fail(`Expected "</tool_call>" after "</function>".`, j);
  }

  /** JSON bodies and malformed calls both end at the first `</tool_call>`. */
  private untilCallClose(text: string, i: number): number {
    const close = text.indexOf(CALL_CLOSE, i);
    if (close < 0) {
      const keep = partialTagStart(text, i, CALL_CLOSE);
      this.raw.push(text.slice(i, keep));
      if (this.phase === "json") this.parts.push(text.slice(i, keep));
      return this.hold(text, keep);
    }
    const end = close + CALL_CLOSE.length;
    this.raw.push(text.slice(i, end));
    const rest = text.slice(end);
    if (this.phase === "skip") return this.finish({ kind: "error", ...this.failure! }, rest);
    this.parts.push(text.slice(i, close));
    return this.finish(this.parseJson(this.joinParts(), false), rest);
  }

  private parseJson(json: string, atEnd: boolean): { kind: "complete"; call: RawToolCall } | { kind: "error"; message: string; name?: string } {
    const parsed = parseToolCallBody(atEnd ? json : json + CALL_CLOSE, atEnd);
    return parsed.kind === "incomplete" ? { kind: "error", message: ENDED } : parsed;
  }

  /** Skips whitespace from `i`: its index after it, or WAIT when the text is all whitespace. */
  private skipSpace(text: string, i: number): number {
    let j = i;
    while (j < text.length && isSpace(text[j]!)) j++;
    this.raw.push(text.slice(i, j));
    return j < text.length ? j : WAIT;
  }

  /** Keeps `text` from `i` for the next chunk (a partial tag or a possible closing tag's start). */
  private hold(text: string, i: number): number {
    this.held = text.slice(i);
    return WAIT;
  }

  /** The call is malformed: skip to its `</tool_call>` (or the end of the stream), then report. */
  private fail(message: string, i: number): number {
    this.failure = this.call.name ? { message, name: this.call.name } : { message };
    this.parts = [];
    this.phase = "skip";
    return i;
  }

  private paramExpected(): string {
    return `Expected "<parameter=NAME>" or "</function>" inside <function=${this.call.name}>.`;
  }

  private joinParts(): string {
    const joined = this.parts.join("");
    this.charactersExamined += joined.length;
    this.parts = [];
    return joined;
  }

  private finish(result: { kind: "complete"; call: RawToolCall } | { kind: "error"; message: string; name?: string }, rest = ""): number {
    const raw = this.raw.join("");
    this.charactersExamined += raw.length;
    this.outcome = { ...result, raw, rest };
    return WAIT;
  }
}
