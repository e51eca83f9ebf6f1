/**
 * A reply that repeats itself until the context ends: a local model, a small quantisation above
 * all, falls into a loop — one line, sentence or paragraph written again and again ("I will now
 * read the file.\nI will now read the file.\n…"), or a token cycle ("the the the …", "}}}}") —
 * and at ~30 tokens a second a context of 262,144 tokens is over two hours of nothing.
 *
 * `RunawayDetector` is fed a reply's text (or its thinking) as it streams and says when its tail
 * is one short period written over and over: the same `period` (1 to MAX_PERIOD characters)
 * exactly, at least MIN_REPEATS times, over at least MIN_CHARS characters. Real text does not do
 * that: a table's rows, a test log's PASSED lines, a numbered list and a hex dump differ from
 * line to line, and a `=====` rule or a column of `-----` is a few hundred characters at most.
 * A loop whose lines differ (a counter going up) is not caught: its text is not repeated.
 *
 * Cost: the tail is looked at once every CHECK_EVERY characters, and each look compares, for
 * each period, the stretch with the one a period earlier — a comparison that fails at its first
 * characters unless the whole stretch repeats (its oldest part is compared first).
 */

import type { ChatRequest } from "./backend.ts";
import type { ChatStreamEvent } from "./types.ts";

/** The longest repeated unit looked for: a paragraph. */
export const MAX_PERIOD = 1000;
/** Times the unit must come in a row. */
export const MIN_REPEATS = 8;
/** Characters the repeated stretch must cover at least (about a thousand tokens of a loop). */
export const MIN_CHARS = 3000;
/** How often the tail is looked at, in characters streamed. */
const CHECK_EVERY = 64;

/**
 * For the user, where a reply was stopped: the way to a repetition they asked for ("write this
 * line 100 times", a CSV of identical rows, a 4 KB string of zeros), which the detector cannot
 * tell from a loop — the same stretch written over and over is what a loop is.
 */
export const WANTED_REPETITION = `If you asked for text that repeats (a line 100 times, a file of identical rows), ask for a command or a short script that writes it instead: Hearth stops any reply that writes the same stretch ${MIN_REPEATS} times in a row over ${MIN_CHARS.toLocaleString("en-US")} characters.`;

/** For the model, where its reply or call was stopped: how to write repeated text that is really wanted. */
export const WANTED_REPETITION_FOR_MODEL = "If the repeated text is really wanted (many identical lines), write it once and have a command or a short script repeat it, or write it in parts of a few lines.";

/** A loop found: the text before it, one period of it, and how much of it was written. */
export interface Runaway {
  /** Where the repeated stretch starts in the text fed so far. */
  readonly start: number;
  /** The repeated unit. */
  readonly unit: string;
  /** Characters of the text from `start` (a whole number of units, and part of one). */
  readonly length: number;
}

export class RunawayDetector {
  /** The last characters fed: enough for the longest stretch looked for, and its period before it. */
  private tail = "";
  /** Characters fed in all. */
  private fed = 0;
  private sinceCheck = 0;
  private found: Runaway | undefined;

  /** Feeds more of the text; returns the loop once found (and from then on). */
  push(text: string): Runaway | undefined {
    if (this.found || !text) return this.found;
    this.tail += text;
    this.fed += text.length;
    this.sinceCheck += text.length;
    const keep = 2 * Math.max(MIN_CHARS, MAX_PERIOD * MIN_REPEATS) + MAX_PERIOD;
    if (this.tail.length > 2 * keep) this.tail = this.tail.slice(-keep);
    if (this.sinceCheck < CHECK_EVERY) return undefined;
    this.sinceCheck = 0;
    this.found = this.check();
    return this.found;
  }

  /** The loop found, if any. */
  result(): Runaway | undefined {
    return this.found;
  }

  private check(): Runaway | undefined {
    const s = this.tail;
    const n = s.length;
    for (let p = 1; p <= MAX_PERIOD; p++) {
      const need = Math.max(MIN_CHARS, p * MIN_REPEATS);
      if (need + p > n) break;
      if (s.charCodeAt(n - 1) !== s.charCodeAt(n - 1 - p)) continue;
      // The stretch equals itself shifted by one period: it is that period repeated.
      if (s.slice(n - need - p, n - p) !== s.slice(n - need)) continue;
      // Where it starts: walk back while the text still repeats at this period.
      let from = n - need - p;
      while (from > 0 && s.charCodeAt(from - 1) === s.charCodeAt(from - 1 + p)) from--;
      // A loop from the start of what is kept starts a line there.
      from += unitStart(s.slice(from, from + p), from > 0 ? s.charAt(from - 1) : "\n");
      const start = this.fed - n + from;
      return { start, unit: s.slice(from, from + p), length: this.fed - start };
    }
    return undefined;
  }
}

/**
 * Where in one period of the loop its unit reads best from: after a line break, else after
 * a space (`before`: the character before the period), so that the unit is "I will read it.\n",
 * not ".\nI will read it".
 */
function unitStart(period: string, before: string): number {
  const at = (mark: RegExp): number => {
    if (mark.test(before)) return 0;
    for (let i = 0; i < period.length - 1; i++) if (mark.test(period.charAt(i))) return i + 1;
    return -1;
  };
  const line = at(/\n/);
  if (line >= 0) return line;
  return Math.max(0, at(/\s/));
}

/**
 * `text` with the loop found in it collapsed: the text before it, the unit written twice, and a
 * line saying how many times it came and that Hearth stopped the reply there.
 */
export function collapseRunaway(text: string, runaway: Runaway): string {
  const times = Math.floor(runaway.length / runaway.unit.length);
  const head = text.slice(0, runaway.start);
  const twice = runaway.unit + runaway.unit;
  return `${head}${twice}${twice.endsWith("\n") ? "" : "\n"}[… ${describeRunaway(runaway, times)}: Hearth stopped the reply here]`;
}

/** "the same 26 characters ("I will now read the file.⏎") written 120 times in a row". */
export function describeRunaway(runaway: Runaway, times = Math.floor(runaway.length / runaway.unit.length)): string {
  const shown = runaway.unit.length > 60 ? `${runaway.unit.slice(0, 57)}…` : runaway.unit;
  const quoted = JSON.stringify(shown);
  const unit = runaway.unit.length === 1 ? "character" : "characters";
  return `the same ${runaway.unit.length} ${unit} (${quoted}) written ${times} times in a row`;
}

/**
 * A tool call stopped while it was written because its arguments fell into a loop (a
 * `write_file` whose content repeats one line for ever): a backend's parser holds a call back
 * until it is complete, so the reply's detectors never see it, and the backend feeds the
 * call's raw text to a detector of its own. The event says, for the model (as the call's
 * result), what happened, that nothing of the call ran and how to go on; `raw` is the call as
 * written with the loop collapsed.
 */
export function callRunawayError(name: string | undefined, raw: string, loop: Runaway): Extract<ChatStreamEvent, { type: "toolCallError" }> {
  const call = name ? `call to ${name}` : "tool call";
  const message = `Hearth stopped your ${call} while you were writing it: its arguments fell into a loop — ${describeRunaway(loop)} — so nothing of it ran (no file was written or changed, no command started). Do not write that again. ${WANTED_REPETITION_FOR_MODEL}`;
  const collapsed = collapseRunaway(raw, loop).replace("Hearth stopped the reply here", "Hearth stopped the call here");
  return { type: "toolCallError", message, raw: collapsed, ...(name ? { name } : {}), loop: { start: loop.start, unit: loop.unit, length: loop.length } };
}

/**
 * A reply that writes the same whole tool call again and again (each call complete, so no one
 * call's arguments loop): the backend's parser watches its calls' text together, and stops the
 * reply as for a call that loops. `raw` is the calls' text with the loop collapsed.
 */
export function callsRunawayError(name: string | undefined, raw: string, loop: Runaway): Extract<ChatStreamEvent, { type: "toolCallError" }> {
  const call = name ? `call to ${name}` : "tool call";
  const message = `Hearth stopped your reply: it wrote the same ${call} again and again — ${describeRunaway(loop)} — so none of its calls ran. Do not write that again: make each call once, and read its result before the next.`;
  const collapsed = collapseRunaway(raw, loop).replace("Hearth stopped the reply here", "Hearth stopped the calls here");
  return { type: "toolCallError", message, raw: collapsed, ...(name ? { name } : {}), loop: { start: loop.start, unit: loop.unit, length: loop.length, calls: true } };
}

/** A loop found in a reply: in its text or in its thinking. */
export interface ReplyRunaway {
  readonly where: "text" | "thinking";
  readonly loop: Runaway;
}

/** Options of {@link stopRunaway}. */
export interface StopRunawayOptions {
  /**
   * Say the stop as the reply's last text (`[Hearth stopped the reply: …]`) instead of a `notice`:
   * for a caller that shows no notices (VS Code's chat drops them, lm-chat.ts), where the reply
   * would otherwise just end with no reason.
   */
  readonly sayAsText?: boolean;
}

/**
 * One turn of `chat` for the paths that stream a reply with no agent loop around it (`hearth
 * chat`, VS Code's chat through the Language Model API): run with a signal of its own, which
 * the caller's `request.signal` fires too, and which fires when the reply's text or thinking
 * falls into a loop — then what the backend still sends is not passed, a `notice` says what
 * happened, and `done` comes as the backend ends (`aborted`).
 */
export async function* stopRunaway(request: ChatRequest, chat: (request: ChatRequest) => AsyncIterable<ChatStreamEvent>, options: StopRunawayOptions = {}): AsyncIterable<ChatStreamEvent> {
  const own = new AbortController();
  const outer = request.signal;
  const stop = (): void => own.abort(outer?.reason);
  if (outer?.aborted) stop();
  else outer?.addEventListener("abort", stop, { once: true });
  const detectors = { text: new RunawayDetector(), thinking: new RunawayDetector() };
  let found: ReplyRunaway | undefined;
  try {
    for await (const event of chat({ ...request, signal: own.signal })) {
      if (found && event.type !== "done") continue;
      yield event;
      if (event.type !== "text" && event.type !== "thinking") continue;
      const loop = detectors[event.type].push(event.text);
      if (!loop) continue;
      found = { where: event.type, loop };
      own.abort(new Error("the reply repeated itself"));
      const said = `Hearth stopped the reply: its ${found.where === "thinking" ? "thinking" : "text"} fell into a loop — ${describeRunaway(loop)}. Ask again in other words, or try a larger quantization of the model (small ones loop more). ${WANTED_REPETITION}`;
      yield options.sayAsText ? { type: "text", text: `\n\n[${said}]` } : { type: "notice", text: said };
    }
  } finally {
    outer?.removeEventListener("abort", stop);
  }
}
