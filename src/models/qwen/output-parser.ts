/**
 * Streaming parser for what Qwen3.5 writes after the generation prompt:
 * `thinking…</think>\n\ntext<tool_call>\n<function=…>…</function>\n</tool_call>`.
 * Feed it chunks of any size (split anywhere, even inside a tag); it emits thinking and
 * text deltas as soon as they cannot be the start of a tag, and each tool call once it is
 * complete and checked. A malformed or unknown call becomes a `toolCallError` event with a
 * message for the model; nothing the model writes makes it throw.
 */
import { randomUUID } from "node:crypto";
import { callRunawayError, callsRunawayError, RunawayDetector } from "../runaway.ts";
import type { AssistantMessage, ChatStreamEvent, ToolCall, ToolDefinition } from "../types.ts";
import { CallBodyReader, type CallBodyOutcome } from "./call-body-reader.ts";
import { MarkdownCode } from "./markdown-code.ts";
import { checkToolCall } from "./tool-arguments.ts";
import { CALL_FORMAT_HINT } from "./tool-call-syntax.ts";

/** Options of {@link QwenOutputParser}. */
export interface QwenOutputParserOptions {
  tools: readonly ToolDefinition[];
  /** The prompt ended with `<think>\n` (thinking on): output starts inside the thinking. */
  startInThinking: boolean;
  /** Makes tool call ids (default: random). */
  newCallId?: () => string;
}

/** What a whole turn amounted to, ready to append to the conversation. */
export interface QwenParsedTurn {
  message: AssistantMessage;
  /** Calls that could not be run, with the message to send back for each. */
  errors: Array<{ message: string; raw: string; name?: string }>;
}

/**
 * `bareName`: `pending` starts with a bare `<function=` whose name is still being read.
 * `stopped`: a call's arguments fell into a loop (models/runaway.ts); the rest is not read.
 */
type State = "start" | "thinking" | "text" | "bareName" | "toolCall" | "stopped";

const THINK_OPEN = "<think>";
const THINK_CLOSE = "</think>";
const CALL_OPEN = "<tool_call>";
/**
 * Qwen3-Coder and Qwen3.5 sometimes leave out `<tool_call>` and start the call at its
 * `<function=` (often after a sentence of preamble, keeping the closing `</tool_call>`);
 * the response grammar allows it, since the answer's text may hold anything but
 * `<tool_call>`. Such a call counts when it starts the answer or follows whitespace and
 * names an offered tool; any other `<function=` is text.
 */
const BARE_OPEN = "<function=";
/** How far after a bare `<function=` its `>` may come (tool names have at most 64 characters): held text stays bounded. */
const MAX_BARE_NAME = 80;
/** Where a call may start in the answer's text: `<tool_call>`, or a bare `<function=`. */
const CALL_START = /<tool_call>|<function=/g;
/** What may follow a bare call's `<function=NAME>` after whitespace: the format's next tag. */
const BARE_NEXT = ["<parameter=", "</function>"];
/** How much whitespace may come between a bare `<function=NAME>` and that tag (the format writes one newline). */
const MAX_BARE_GAP = 8;

/**
 * Length of the longest suffix of `text` that is a proper prefix of `tag`. Tags have one
 * `<`, at their start, so only the last `<` can begin one.
 */
function partialTagSuffix(text: string, tag: string): number {
  const lt = text.lastIndexOf("<");
  if (lt < 0 || text.length - lt >= tag.length) return 0;
  return tag.startsWith(text.slice(lt)) ? text.length - lt : 0;
}

/**
 * Incremental parser for one assistant turn. Linear in the output however it is chunked:
 * `pending` only ever holds a partial tag plus the newest chunk, whitespace that may turn
 * out to precede a call waits in `heldSpace`, and a call's body goes to a
 * {@link CallBodyReader} that examines each chunk once.
 */
export class QwenOutputParser {
  private state: State;
  private pending = "";
  /** Whitespace held back in the answer (trimmed if a call or the end follows), in pieces. */
  private heldSpace: string[] = [];
  private reader: CallBodyReader | undefined;
  /** The call being read, as written so far, and a watch on it for a loop (its arguments written again and again). */
  private callText = "";
  private callLoop = new RunawayDetector();
  /** Every call's text of the reply, one after another, and a watch on it: the same whole call written for ever. */
  private callsText = "";
  private readonly callsLoop = new RunawayDetector();
  private examined = 0;
  private examinedByCalls = 0;
  /** Set after `</think>`: line ends (LF or CRLF) before the answer are dropped, even across chunks. */
  private skipNewlines = false;
  /** Nothing but whitespace since the answer began, or since `</think>` or a call ended (a bare call may start here). */
  private atBoundary = true;
  /** The call being read started at a bare `<function=`, without `<tool_call>`. */
  private bareCall = false;
  /** In state `bareName`: how much of `pending` has been scanned (the name, then the whitespace after its `>`). */
  private nameScanned = 0;
  /** In state `bareName`: where the `>` ending an offered tool's name is, once found (-1 before). */
  private nameEnd = -1;
  /** Whether the answer's text is in a code block, fenced or indented: a bare call there is an example, not a call. */
  private readonly markdown = new MarkdownCode();
  /** In state `bareName`: the bare `<function=` is in a code block. */
  private bareInCode = false;
  private thinking = "";
  private text = "";
  private readonly calls: ToolCall[] = [];
  private readonly errors: QwenParsedTurn["errors"] = [];
  private readonly newCallId: () => string;

  constructor(private readonly options: QwenOutputParserOptions) {
    this.state = options.startInThinking ? "thinking" : "start";
    this.newCallId = options.newCallId ?? (() => `call_${randomUUID().slice(0, 8)}`);
  }

  /** Characters handed to scans and joins so far: a bounded multiple of the output fed (tests hold it to that). */
  get charactersExamined(): number {
    return this.examined + this.examinedByCalls + (this.reader?.charactersExamined ?? 0);
  }

  /**
   * A call's arguments fell into a loop while it was written (a `write_file` whose content
   * repeats one line for ever): the parser said so as that call's `toolCallError` (with its
   * `loop`) and reads nothing more. The backend then stops generating: the rest of the reply
   * would be the loop until the context ends.
   */
  get stopped(): boolean {
    return this.state === "stopped";
  }

  /** Consumes a chunk of model output; returns the events it completes. */
  push(chunk: string): ChatStreamEvent[] {
    if (this.state === "stopped") return [];
    this.pending += chunk;
    const events: ChatStreamEvent[] = [];
    while (this.step(events, false)) { /* each step consumes input or changes state */ }
    return events;
  }

  /** The stream is over: flushes held-back text; an unfinished call becomes an error. */
  end(): ChatStreamEvent[] {
    if (this.state === "stopped") return [];
    const events: ChatStreamEvent[] = [];
    while (this.step(events, true)) { /* drain */ }
    if (this.state === "thinking" && this.pending) this.emitThinking(events, this.pending);
    if ((this.state === "text" || this.state === "start" || this.state === "bareName") && this.pending.trimEnd()) this.emitText(events, this.takeSpace() + this.pending.trimEnd());
    this.pending = "";
    this.heldSpace = [];
    return events;
  }

  /** The turn as an assistant message (call after {@link end}). */
  result(): QwenParsedTurn {
    const message: AssistantMessage = { role: "assistant", content: this.text.trim() };
    if (this.options.startInThinking || this.thinking) message.thinking = this.thinking;
    if (this.calls.length) message.toolCalls = [...this.calls];
    return { message, errors: [...this.errors] };
  }

  /** Advances once; false when it needs more input. Each step makes a few passes over `pending`. */
  private step(events: ChatStreamEvent[], atEnd: boolean): boolean {
    // A bare call's name is scanned once (it counts what it reads), not once per chunk.
    if (this.state === "bareName") return this.stepBareName(events);
    // The answer's text is searched only as far as the next call's start (it counts what it reads).
    if (this.state === "text") return this.stepText(events);
    this.examined += this.pending.length;
    switch (this.state) {
      case "start": return this.stepStart(atEnd);
      case "thinking": return this.stepThinking(events);
      case "toolCall": return this.stepToolCall(events, atEnd);
      case "stopped": return false;
    }
  }

  /** A model may open `<think>` itself even when the prompt did not. */
  private stepStart(atEnd: boolean): boolean {
    const trimmed = this.pending.trimStart();
    if (trimmed.length < this.pending.length) this.heldSpace.push(this.pending.slice(0, this.pending.length - trimmed.length));
    this.pending = trimmed;
    if (trimmed.startsWith(THINK_OPEN)) {
      this.pending = trimmed.slice(THINK_OPEN.length);
      this.heldSpace = [];
      this.state = "thinking";
      return true;
    }
    if (!atEnd && THINK_OPEN.startsWith(trimmed)) return false;
    this.state = "text";
    return true;
  }

  private stepThinking(events: ChatStreamEvent[]): boolean {
    const close = this.pending.indexOf(THINK_CLOSE);
    if (close >= 0) {
      this.emitThinking(events, this.pending.slice(0, close));
      this.pending = this.pending.slice(close + THINK_CLOSE.length);
      // The template drops the newlines between </think> and the answer.
      this.skipNewlines = true;
      this.atBoundary = true;
      this.state = "text";
      return true;
    }
    const keep = partialTagSuffix(this.pending, THINK_CLOSE);
    this.emitThinking(events, this.pending.slice(0, this.pending.length - keep));
    this.pending = this.pending.slice(this.pending.length - keep);
    return false;
  }

  private stepText(events: ChatStreamEvent[]): boolean {
    if (this.skipNewlines) {
      this.examined += this.pending.length;
      this.pending = this.pending.replace(/^[\r\n]+/, "");
      if (!this.pending) return false;
      this.skipNewlines = false;
    }
    const start = this.callStart();
    this.examined += start ? start.at + CALL_OPEN.length : this.pending.length;
    if (start?.bare) {
      const bare = start.at;
      this.emitBefore(events, bare);
      const space = this.heldSpace.join("");
      this.examined += space.length;
      this.bareInCode = this.markdown.insideAfter(space);
      this.pending = this.pending.slice(bare);
      this.nameScanned = BARE_OPEN.length;
      this.nameEnd = -1;
      this.state = "bareName";
      return true;
    }
    if (start) return this.startCall(events, start.at, false);
    // Hold back a possible tag start and trailing whitespace (it may precede a call).
    const keep = Math.max(partialTagSuffix(this.pending, CALL_OPEN), partialTagSuffix(this.pending, BARE_OPEN));
    this.emitBefore(events, this.pending.length - keep);
    this.pending = this.pending.slice(this.pending.length - keep);
    return false;
  }

  /** Emits `pending` up to `end` but its trailing whitespace, which is held (it may precede a call). */
  private emitBefore(events: ChatStreamEvent[], end: number): void {
    const ready = this.pending.slice(0, end);
    const emit = ready.trimEnd();
    if (emit) this.emitText(events, this.takeSpace() + emit);
    if (emit.length < ready.length) this.heldSpace.push(ready.slice(emit.length));
  }

  /** Emits the text before `at` and reads the call that starts there (after `<tool_call>`, or at a bare `<function=`). */
  private startCall(events: ChatStreamEvent[], at: number, bare: boolean): boolean {
    const before = this.pending.slice(0, at).trimEnd();
    const space = this.takeSpace();
    if (before) this.emitText(events, space + before);
    this.pending = this.pending.slice(bare ? at : at + CALL_OPEN.length);
    this.reader = new CallBodyReader({ bare, tools: this.options.tools });
    this.callText = "";
    this.callLoop = new RunawayDetector();
    this.bareCall = bare;
    this.state = "toolCall";
    return true;
  }

  /**
   * The first `<tool_call>` in `pending`, or an earlier `<function=` that starts the answer or
   * follows whitespace (`bare`). The search stops there: after a bare `<function=` that turns
   * out to be text, the rest is not searched again from the start (a reply sent in one piece
   * with thousands of call examples in it).
   */
  private callStart(): { at: number; bare: boolean } | undefined {
    for (const match of this.pending.matchAll(CALL_START)) {
      const at = match.index;
      if (match[0] === CALL_OPEN) return { at, bare: false };
      if (at > 0 ? /\s/.test(this.pending[at - 1]!) : this.atBoundary || this.heldSpace.length > 0) return { at, bare: true };
    }
    return undefined;
  }

  /**
   * A bare `<function=NAME>` naming an offered tool, then (after a little whitespace) a
   * parameter or `</function>`, starts a call, unless it is in a code block; anything
   * else there — a tool named in a sentence, a list, a quoted log, an example — is text.
   */
  private stepBareName(events: ChatStreamEvent[]): boolean {
    const verdict = this.bareInCode ? false : this.bareVerdict();
    if (verdict === undefined) return false;
    if (verdict) return this.startCall(events, 0, true);
    this.emitText(events, this.takeSpace() + BARE_OPEN);
    this.pending = this.pending.slice(BARE_OPEN.length);
    this.state = "text";
    return true;
  }

  /** Whether `pending`'s bare `<function=` opens a call; undefined while the text so far cannot tell. Scans each character once. */
  private bareVerdict(): boolean | undefined {
    if (this.nameEnd < 0) {
      const limit = BARE_OPEN.length + MAX_BARE_NAME;
      const j = this.scanBare(Math.min(this.pending.length, limit), (ch) => !">\n<".includes(ch));
      if (j === this.pending.length && j < limit) return undefined;
      const name = this.pending.slice(BARE_OPEN.length, j).trim();
      if (this.pending[j] !== ">" || !this.options.tools.some((t) => t.name === name)) return false;
      this.nameEnd = j;
      this.nameScanned = j + 1;
    }
    const limit = this.nameEnd + 1 + MAX_BARE_GAP;
    const j = this.scanBare(Math.min(this.pending.length, limit), (ch) => /\s/.test(ch));
    if (j === this.pending.length && j < limit) return undefined;
    const next = this.pending.slice(j, j + BARE_NEXT[0]!.length);
    this.examined += next.length;
    if (BARE_NEXT.includes(next)) return true;
    return j + next.length === this.pending.length && BARE_NEXT.some((tag) => tag.startsWith(next)) ? undefined : false;
  }

  /** Moves `nameScanned` on while `more` holds, up to `end`; the index reached. */
  private scanBare(end: number, more: (ch: string) => boolean): number {
    let j = this.nameScanned;
    while (j < end && more(this.pending[j]!)) j++;
    this.examined += j - this.nameScanned;
    this.nameScanned = j;
    return j;
  }

  private takeSpace(): string {
    const space = this.heldSpace.join("");
    this.examined += space.length;
    this.heldSpace = [];
    return space;
  }

  private stepToolCall(events: ChatStreamEvent[], atEnd: boolean): boolean {
    const reader = this.reader!;
    const chunk = this.pending;
    const outcome = reader.push(chunk) ?? (atEnd ? reader.end() : undefined);
    this.pending = "";
    // What of the chunk the call took (its end included), for the watch over all the reply's calls.
    const used = outcome && chunk.endsWith(outcome.rest) ? chunk.slice(0, chunk.length - outcome.rest.length) : chunk;
    this.callsText += used;
    const again = this.callsLoop.push(used);
    if (!outcome) {
      this.watchCall(events, chunk);
      if (again && this.state !== "stopped") this.stopCalls(events);
      return false;
    }
    this.finishBody(events, outcome);
    if (again) {
      this.stopCalls(events);
      return false;
    }
    this.pending = outcome.rest;
    this.examinedByCalls += reader.charactersExamined;
    this.reader = undefined;
    this.state = "text";
    this.atBoundary = true;
    return true;
  }

  /** Feeds the unfinished call's new text to its loop watch; on a loop, reports the call and stops reading. */
  private watchCall(events: ChatStreamEvent[], chunk: string): void {
    this.callText += chunk;
    const loop = this.callLoop.push(chunk);
    if (!loop) return;
    const open = this.bareCall ? "" : CALL_OPEN;
    const name = /^\s*<function=([^>\n<]{1,80})>/.exec(this.callText)?.[1]?.trim() || undefined;
    const event = callRunawayError(name, open + this.callText, { ...loop, start: loop.start + open.length });
    this.errors.push(name === undefined ? { message: event.message, raw: event.raw } : { message: event.message, raw: event.raw, name });
    events.push(event);
    this.examinedByCalls += this.reader?.charactersExamined ?? 0;
    this.reader = undefined;
    this.callText = "";
    this.state = "stopped";
  }

  /** The reply's calls fell into a loop together (the same whole call again and again): reports it and stops reading. */
  private stopCalls(events: ChatStreamEvent[]): void {
    const loop = this.callsLoop.result()!;
    const name = /<function=([^>\n<]{1,80})>/.exec(loop.unit)?.[1]?.trim() ?? /<function=([^>\n<]{1,80})>/.exec(this.callsText.slice(loop.start))?.[1]?.trim();
    const event = callsRunawayError(name || undefined, this.callsText, loop);
    this.errors.push(name ? { message: event.message, raw: event.raw, name } : { message: event.message, raw: event.raw });
    events.push(event);
    this.examinedByCalls += this.reader?.charactersExamined ?? 0;
    this.reader = undefined;
    this.callsText = "";
    this.state = "stopped";
  }

  private finishBody(events: ChatStreamEvent[], outcome: CallBodyOutcome): void {
    if (outcome.kind === "complete") this.finishCall(events, outcome.raw, checkToolCallSafely(outcome.call, this.options.tools));
    else this.reportError(events, outcome.raw, `${outcome.message} ${CALL_FORMAT_HINT}`, outcome.name);
  }

  private finishCall(events: ChatStreamEvent[], body: string, checked: ReturnType<typeof checkToolCall>): void {
    if (!checked.ok) return this.reportError(events, body, checked.message, checked.name);
    const call: ToolCall = { id: this.newCallId(), name: checked.name, arguments: checked.arguments };
    this.calls.push(call);
    events.push({ type: "toolCall", call });
  }

  private reportError(events: ChatStreamEvent[], body: string, message: string, name: string | undefined): void {
    const raw = (this.bareCall ? "" : CALL_OPEN) + body;
    this.errors.push(name === undefined ? { message, raw } : { message, raw, name });
    events.push(name === undefined ? { type: "toolCallError", message, raw } : { type: "toolCallError", message, raw, name });
  }

  private emitThinking(events: ChatStreamEvent[], text: string): void {
    if (!text) return;
    this.thinking += text;
    events.push({ type: "thinking", text });
  }

  private emitText(events: ChatStreamEvent[], text: string): void {
    if (!text) return;
    this.atBoundary = false;
    this.markdown.feed(text);
    this.examined += text.length;
    this.text += text;
    events.push({ type: "text", text });
  }
}

/** The checker never throws on model input; this keeps a bug there from ending a turn. */
function checkToolCallSafely(call: Parameters<typeof checkToolCall>[0], tools: readonly ToolDefinition[]): ReturnType<typeof checkToolCall> {
  try {
    return checkToolCall(call, tools);
  } catch (error) {
    return { ok: false, name: call.name, message: `The tool call could not be checked: ${String(error)}` };
  }
}

/** Parses a complete output in one go (tests, non-streaming backends). */
export function parseQwenOutput(output: string, options: QwenOutputParserOptions): { events: ChatStreamEvent[]; turn: QwenParsedTurn } {
  const parser = new QwenOutputParser(options);
  const events = [...parser.push(output), ...parser.end()];
  return { events, turn: parser.result() };
}
