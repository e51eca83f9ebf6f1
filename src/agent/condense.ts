/**
 * Keeps a long run inside the context: when the prompt nears the limit, the outputs of
 * older tool calls are condensed (head and tail kept, the middle replaced by a note the
 * model can act on: "read it again if you need it"). Never silent: the caller reports
 * every condensation as an event. The long arguments of older calls (a file write_file
 * wrote) are condensed the same way. The newest results and calls are left whole unless
 * condensing the older ones is not enough (the loop then keeps one, then none).
 *
 * Condensing rewrites history, which costs one re-evaluation of the prompt after the
 * first condensed message; it happens only near the limit, where the alternative is a
 * failed turn.
 */
import type { ChatMessage, JsonValue, ToolCall, ToolDefinition } from "../models/index.ts";

export interface CondenseOptions {
  /** Condense when used tokens exceed this share of the context (default 0.8). */
  readonly threshold: number;
  /** The most recent tool results left whole (default 4). */
  readonly keepRecent: number;
  /** Lines kept from the start and from the end of a condensed output (default 6 each). */
  readonly keepLines: number;
}

export const DEFAULT_CONDENSE: CondenseOptions = { threshold: 0.8, keepRecent: 4, keepLines: 6 };

const MARK = "[Hearth condensed this output to save context";

/** Whether a tool result was condensed: the model sees only its first and last lines. */
export function isCondensedResult(content: string): boolean {
  return content.startsWith(MARK);
}

export function needsCondensing(usedTokens: number, contextSize: number, options: CondenseOptions = DEFAULT_CONDENSE): boolean {
  return contextSize > 0 && usedTokens > contextSize * options.threshold;
}

/**
 * Characters per token where the backend cannot count (its tokenize endpoint not answering,
 * a model being unloaded): about 4 in English prose, fewer in code and JSON. 3.5 errs toward
 * condensing a little early — an estimate too low overflows the context, which ends the run.
 */
const ESTIMATE_CHARS_PER_TOKEN = 3.5;

/** Tokens of a message's frame in the prompt (`<|im_start|>role\n` … `<|im_end|>\n`, a tool response's tags). */
const ESTIMATE_MESSAGE_TOKENS = 8;

/**
 * An estimate of the tokens a conversation takes with these tools, from its characters:
 * for deciding to condense when the backend's count fails. Never shown as a count.
 */
export function estimateTokens(messages: readonly ChatMessage[], tools: readonly ToolDefinition[] = []): number {
  let chars = JSON.stringify(tools).length;
  for (const message of messages) {
    chars += message.content.length;
    if (message.role === "assistant") chars += (message.thinking?.length ?? 0) + (message.toolCalls ? JSON.stringify(message.toolCalls).length : 0);
  }
  return Math.ceil(chars / ESTIMATE_CHARS_PER_TOKEN) + messages.length * ESTIMATE_MESSAGE_TOKENS;
}

/**
 * Condenses tool results older than the `keepRecent` newest, oldest first, in place.
 * Returns how many messages changed (0 when nothing was left to condense).
 */
export function condenseToolResults(messages: ChatMessage[], options: CondenseOptions = DEFAULT_CONDENSE): number {
  // A dropped message is not in the prompt: condensing it saves nothing.
  const toolIndexes = messages.flatMap((m, i) => (m.role === "tool" && !m.dropped ? [i] : []));
  const candidates = toolIndexes.slice(0, Math.max(0, toolIndexes.length - options.keepRecent));
  let changed = 0;
  for (const i of candidates) {
    const message = messages[i]!;
    if (message.role !== "tool" || message.content.startsWith(MARK)) continue;
    const kept = headAndTail(message.content, options.keepLines);
    if (!kept) continue;
    messages[i] = {
      ...message,
      content: `${MARK}: ${kept.omitted}; call ${message.name} again${again(message.name)} if you need them]\n${kept.head}\n…\n${kept.tail}`,
    };
    changed++;
  }
  return changed;
}

/**
 * Characters kept per kept line, at most: a few long lines (a minified bundle, one-line
 * JSON, a log without line breaks) are as large as thousands of short ones, and kept whole
 * as "the first and last lines" they would condense nothing — one such read_file result
 * (48,000 characters) is larger than a small context.
 */
const KEEP_CHARS_PER_LINE = 200;

/**
 * The first and last `keepLines` lines of a text, each end cut to `keepLines` ×
 * KEEP_CHARS_PER_LINE characters, and what was left out (“94 of 100 lines omitted”, or in
 * characters when all lines are kept but cut); undefined when that would not shorten it.
 */
function headAndTail(text: string, keepLines: number): { head: string; tail: string; omitted: string } | undefined {
  const lines = text.split("\n");
  const maxChars = keepLines * KEEP_CHARS_PER_LINE;
  const byLines = lines.length > keepLines * 2 + 1;
  if (!byLines && text.length <= maxChars * 2 + KEEP_CHARS_PER_LINE) return undefined;
  const headLines = byLines ? lines.slice(0, keepLines).join("\n") : text.slice(0, Math.ceil(text.length / 2));
  const tailLines = byLines ? lines.slice(-keepLines).join("\n") : text.slice(Math.ceil(text.length / 2));
  const head = headLines.slice(0, pairSafe(headLines, maxChars));
  const tail = tailLines.slice(tailLines.length - pairSafe(tailLines, maxChars, true));
  const omitted = byLines
    ? `${lines.length - keepLines * 2} of ${lines.length} lines omitted${head.length < headLines.length || tail.length < tailLines.length ? ", long lines cut" : ""}`
    : `${text.length - head.length - tail.length} of ${text.length} characters omitted`;
  return { head, tail, omitted };
}

/** How many characters to keep from the start (or, `fromEnd`, the end) without splitting a surrogate pair. */
function pairSafe(text: string, max: number, fromEnd = false): number {
  if (text.length <= max) return text.length;
  const edge = fromEnd ? text.charCodeAt(text.length - max) : text.charCodeAt(max - 1);
  const split = fromEnd ? edge >= 0xdc00 && edge <= 0xdfff : edge >= 0xd800 && edge <= 0xdbff;
  return split ? max - 1 : max;
}

/**
 * How to read a condensed read_file output again: a part. Read whole, the newest result is
 * condensed again when the whole does not fit (the loop condenses it past 90% of the context).
 */
function again(tool: string): string {
  return tool === "read_file" ? " with start_line/end_line for the lines you need" : "";
}

const ARGUMENT_MARK = "[Hearth condensed this argument to save context";

/**
 * Condenses the long text arguments (a file write_file wrote, a patch, an edit's new text)
 * of tool calls older than the `keepRecent` newest, in place: head and tail kept, a note
 * between. The calls stay, with their ids, beside their results; only what they carried
 * shrinks — a session writing file after file otherwise fills the context with its calls.
 * Returns how many messages changed.
 */
export function condenseToolCalls(messages: ChatMessage[], options: CondenseOptions = DEFAULT_CONDENSE): number {
  let recent = options.keepRecent;
  let changed = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role !== "assistant" || !message.toolCalls?.length || message.dropped) continue;
    const calls = message.toolCalls;
    const keep = Math.min(recent, calls.length);
    recent -= keep;
    const condensed = calls.map((call, j) => (j < calls.length - keep ? condenseArguments(call, options.keepLines) : call));
    if (condensed.every((call, j) => call === calls[j])) continue;
    messages[i] = { ...message, toolCalls: condensed };
    changed++;
  }
  return changed;
}

/**
 * Drops the thinking of the model's replies older than the `keepRecent` newest that thought,
 * in place. A run's thinking stays in its prompt (the template drops it only at the next
 * user message), and a model that thinks a thousand tokens a turn fills a context with it
 * while its results are short; the answers and calls stay. Returns how many messages changed.
 */
export function condenseThinking(messages: ChatMessage[], options: CondenseOptions = DEFAULT_CONDENSE): number {
  let recent = options.keepRecent;
  let changed = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    // An empty <think></think> (whitespace: a model that did not think) holds nothing to condense, nor a recent place.
    if (message.role !== "assistant" || !message.thinking?.trim() || message.dropped) continue;
    if (recent > 0) {
      recent--;
      continue;
    }
    messages[i] = { ...message, thinking: "" };
    changed++;
  }
  return changed;
}

/** The call with each long string argument condensed; the same object when none is. */
function condenseArguments(call: ToolCall, keepLines: number): ToolCall {
  let touched = false;
  // fromEntries defines each: assigned, an argument named __proto__ (an MCP tool's parameter) would set the prototype.
  const args: Record<string, JsonValue> = Object.fromEntries(Object.entries(call.arguments).map(([name, value]) => {
    const kept = typeof value === "string" && !value.includes(ARGUMENT_MARK) ? headAndTail(value, keepLines) : undefined;
    if (!kept) return [name, value];
    touched = true;
    return [name, `${kept.head}\n${ARGUMENT_MARK}: ${kept.omitted}]\n${kept.tail}`];
  }));
  return touched ? { ...call, arguments: args } : call;
}

/** Starts the note that stands where older turns were dropped; such a note is never dropped itself. */
const DROPPED_MARK = "[Hearth dropped";

/** What `dropTurns` left out of the model's prompt. */
export interface DroppedTurns {
  /** Messages dropped. */
  readonly messages: number;
  /** The model's replies among them, and the tool calls they made (with their results). */
  readonly replies: number;
  readonly calls: number;
  /** The user's own messages among them (earlier messages of the chat; Hearth's notes not counted). */
  readonly userMessages: number;
}

/**
 * A message an earlier Hearth dropped by emptying it (the chat rewinds by message index):
 * an empty user message, or the note it left in the first one's place. Conversations saved
 * then still hold them; they are never dropped again.
 */
function isStandIn(message: ChatMessage): boolean {
  return message.role === "user" && (message.content === "" || message.content.startsWith(DROPPED_MARK));
}

/**
 * The whole turns of a conversation that may be dropped, oldest first, as [start, end)
 * ranges: each reply of the model with its tool results after it, and each user message —
 * after the conversation's first user message (the task), before `keepFrom` (the latest
 * turn), never `keep` (the run's own message), one dropped already or a stand-in.
 */
export function droppableTurns(messages: readonly ChatMessage[], keepFrom: number, keep: number): [number, number][] {
  const first = messages.findIndex((m) => m.role === "user");
  if (first < 0) return [];
  const turns: [number, number][] = [];
  let i = first + 1;
  while (i < keepFrom) {
    let end = i + 1;
    if (messages[i]!.role === "assistant") while (end < keepFrom && messages[end]!.role === "tool") end++;
    const m = messages[i]!;
    // A tool result whose reply is kept (or a stray one) stays with it: a result needs its call.
    const kept = i === keep || m.dropped || m.role === "tool" || m.role === "system" || isStandIn(m);
    if (!kept) turns.push([i, end]);
    i = end;
  }
  return turns;
}

/**
 * Drops these turns (`droppableTurns`) from the model's prompt, in place: each message is
 * marked `dropped` and stays whole in the conversation (the user's history and exports
 * keep it, and the chat rewinds to a message by its index); `promptOf` leaves it out.
 */
export function dropTurns(messages: ChatMessage[], turns: readonly (readonly [number, number])[]): DroppedTurns {
  const dropped: ChatMessage[] = [];
  for (const [start, end] of turns) {
    for (let i = start; i < end; i++) {
      dropped.push(messages[i]!);
      const m = messages[i]!;
      if (m.role !== "system") messages[i] = { ...m, dropped: true };
    }
  }
  return tally(dropped).dropped;
}

/**
 * The messages the model reads: the conversation without its dropped messages, each run of
 * them one note saying what was dropped there (`DROPPED_MARK`). The same array when none is.
 */
export function promptOf(messages: readonly ChatMessage[]): readonly ChatMessage[] {
  if (!messages.some((m) => m.dropped)) return messages;
  const prompt: ChatMessage[] = [];
  for (let i = 0; i < messages.length; ) {
    if (!messages[i]!.dropped) {
      prompt.push(messages[i++]!);
      continue;
    }
    const run: ChatMessage[] = [];
    while (i < messages.length && messages[i]!.dropped) run.push(messages[i++]!);
    const { dropped, calls } = tally(run);
    prompt.push({ role: "user", content: droppedNote(dropped, calls) });
  }
  return prompt;
}

/** What `messages` hold, for a note: replies, their calls in a few words each, the user's own messages. */
function tally(messages: readonly ChatMessage[]): { dropped: DroppedTurns; calls: string[] } {
  let replies = 0;
  let userMessages = 0;
  const calls: string[] = [];
  for (const m of messages) {
    if (m.role === "assistant") {
      replies++;
      for (const call of m.toolCalls ?? []) calls.push(describeCall(call));
    } else if (m.role === "user" && !m.content.startsWith("[Hearth]")) userMessages++;
  }
  return { dropped: { messages: messages.length, replies, calls: calls.length, userMessages }, calls };
}

/** The most calls a drop's note names. */
const NOTE_CALLS = 12;

function droppedNote(dropped: DroppedTurns, calls: readonly string[]): string {
  const named = calls.slice(0, NOTE_CALLS).join(", ") + (calls.length > NOTE_CALLS ? `, and ${calls.length - NOTE_CALLS} more` : "");
  const withCalls = dropped.calls > 0 ? `, with ${dropped.calls} tool call${dropped.calls === 1 ? "" : "s"} (${named}) and their results` : "";
  const user = dropped.userMessages > 0 ? `, and ${dropped.userMessages} earlier message${dropped.userMessages === 1 ? "" : "s"} of the user` : "";
  return `${DROPPED_MARK} ${dropped.messages} older messages here to fit the context: ${dropped.replies} of your replies${withCalls}${user}. What they held is gone: read again what you still need.]`;
}

/** A call in a few words: its tool and its first short string argument ("read_file src/a.ts"). */
function describeCall(call: ToolCall): string {
  const arg = Object.values(call.arguments).find((v): v is string => typeof v === "string" && v.length > 0 && v.length <= 80 && !v.includes("\n"));
  return arg ? `${call.name} ${arg}` : call.name;
}
