/**
 * Streaming parser for what Qwen3.5 writes after the generation prompt:
 * `thinking…</think>\n\ntext<tool_call>\n<function=…>…</function>\n</tool_call>`.
 * Feed it chunks of any size (split anywhere, even inside a tag); it emits thinking and
 * text deltas as soon as they cannot be the start of a tag, and each tool call once it is
 * complete and checked. A malformed or unknown call becomes a `toolCallError` event with a
 * message for the model; nothing the model writes makes it throw.
 */
import { randomUUID } from "node:crypto";
import type { AssistantMessage, ChatStreamEvent, ToolCall, ToolDefinition } from "../types.ts";
import { CallBodyReader, type CallBodyOutcome } from "./call-body-reader.ts";
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

type State = "start" | "thinking" | "text" | "toolCall";

const THINK_OPEN = "<think>";
const THINK_CLOSE = "</think>";
const CALL_OPEN = "<tool_call>";

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
  private examined = 0;
  private examinedByCalls = 0;
  /** Set after `</think>`: newlines before the answer are dropped, even across chunks. */
  private skipNewlines = false;
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

  /** Consumes a chunk of model output; returns the events it completes. */
  push(chunk: string): ChatStreamEvent[] {
    this.pending += chunk;
    const events: ChatStreamEvent[] = [];
    while (this.step(events, false)) { /* each step consumes input or changes state */ }
    return events;
  }

  /** The stream is over: flushes held-back text; an unfinished call becomes an error. */
  end(): ChatStreamEvent[] {
    const events: ChatStreamEvent[] = [];
    while (this.step(events, true)) { /* drain */ }
    if (this.state === "thinking" && this.pending) this.emitThinking(events, this.pending);
    if ((this.state === "text" || this.state === "start") && this.pending.trimEnd()) this.emitText(events, this.takeSpace() + this.pending.trimEnd());
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
    this.examined += this.pending.length;
    switch (this.state) {
      case "start": return this.stepStart(atEnd);
      case "thinking": return this.stepThinking(events);
      case "text": return this.stepText(events);
      case "toolCall": return this.stepToolCall(events, atEnd);
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
      this.pending = this.pending.replace(/^\n+/, "");
      if (!this.pending) return false;
      this.skipNewlines = false;
    }
    const open = this.pending.indexOf(CALL_OPEN);
    if (open >= 0) {
      const before = this.pending.slice(0, open).trimEnd();
      const space = this.takeSpace();
      if (before) this.emitText(events, space + before);
      this.pending = this.pending.slice(open + CALL_OPEN.length);
      this.reader = new CallBodyReader();
      this.state = "toolCall";
      return true;
    }
    // Hold back a possible tag start and trailing whitespace (it may precede a call).
    const keep = partialTagSuffix(this.pending, CALL_OPEN);
    const ready = this.pending.slice(0, this.pending.length - keep);
    const emit = ready.trimEnd();
    if (emit) this.emitText(events, this.takeSpace() + emit);
    if (emit.length < ready.length) this.heldSpace.push(ready.slice(emit.length));
    this.pending = this.pending.slice(ready.length);
    return false;
  }

  private takeSpace(): string {
    const space = this.heldSpace.join("");
    this.examined += space.length;
    this.heldSpace = [];
    return space;
  }

  private stepToolCall(events: ChatStreamEvent[], atEnd: boolean): boolean {
    const reader = this.reader!;
    const outcome = reader.push(this.pending) ?? (atEnd ? reader.end() : undefined);
    this.pending = "";
    if (!outcome) return false;
    this.finishBody(events, outcome);
    this.pending = outcome.rest;
    this.examinedByCalls += reader.charactersExamined;
    this.reader = undefined;
    this.state = "text";
    return true;
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
    const raw = CALL_OPEN + body;
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
