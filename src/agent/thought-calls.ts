/**
 * Tool calls a model wrote inside its thinking. Qwen3.5 now and then "thinks" its call — the
 * XML between `<think>` and `</think>` — and ends its turn without writing it in the answer,
 * or after a sentence that announces it ("Let me read calc.py."). Thinking is not an action:
 * such a call is never run, but the model is told where it went, so that it writes the call
 * again outside (a reply "with no answer" alone made it think the call once more; a reply
 * with an answer ended the run on a promise, having done nothing). A reply that called a tool
 * has acted; a call in a fenced code block of the thinking, or one the answer itself quotes
 * (where it can only be an example: a call outside a code block is parsed as a call), is an
 * example being drafted, not a lost call. A call the answer wrote with look-alike angle
 * brackets (full-width `＜ ＞`, `‹ ›`, `〈 〉`) is text to the parser, and is named the same way.
 */
import { LOOKALIKE_BRACKETS, swappedBrackets } from "../models/index.ts";

/** `<function=NAME>` (Qwen's XML, with or without `<tool_call>`), or the JSON form's `"name": "NAME"` after `<tool_call>`. */
const CALL_PATTERN = /<function\s*=\s*([^>\n]{1,80})>|<tool_call>\s*\{\s*"name"\s*:\s*"([^"\n]{1,80})"/g;
/** A fence line: indentation or block quotes, then three or more backticks or tildes. */
const FENCE = /^[\s>]*(`{3,}|~{3,})(.*)$/;

/** The offered tools `text` writes a call of outside its fenced code blocks, in order, each once. */
export function toolsCalledInThinking(text: string, toolNames: readonly string[]): string[] {
  const offered = new Set(toolNames);
  const called: string[] = [];
  for (const match of outsideFences(text).matchAll(CALL_PATTERN)) {
    const name = (match[1] ?? match[2] ?? "").trim();
    if (offered.has(name) && !called.includes(name)) called.push(name);
  }
  return called;
}

/** The tools a reply with an answer but no call wrote calls of only in its thinking: calls it meant to make. */
export function toolsLostInThinking(thinking: string, answer: string, toolNames: readonly string[]): string[] {
  const quoted = new Set(toolsCalledInThinking(answer, toolNames).concat(callsInFences(answer, toolNames)));
  return toolsCalledInThinking(thinking, toolNames).filter((name) => !quoted.has(name));
}

/** The offered tools `text` writes a call of inside its fenced code blocks. */
function callsInFences(text: string, toolNames: readonly string[]): string[] {
  const fenced = splitFences(text).filter((_, i) => i % 2 === 1).join("\n");
  return toolsCalledInThinking(fenced, toolNames);
}

function outsideFences(text: string): string {
  return splitFences(text).filter((_, i) => i % 2 === 0).join("\n");
}

/** `text` as alternating runs of lines: outside a fence, inside one, outside, … (a fence never closed runs to the end). */
function splitFences(text: string): string[] {
  const runs: string[][] = [[]];
  let open: string | undefined;
  for (const line of text.split("\n")) {
    const fence = FENCE.exec(line);
    const marker = fence?.[1];
    const opens = marker && open === undefined && !(marker[0] === "`" && fence[2]!.includes("`"));
    const closes = marker && open !== undefined && marker[0] === open[0] && marker.length >= open.length && !fence[2]!.trim();
    if (opens || closes) {
      open = opens ? marker : undefined;
      runs.push([]);
    } else runs.at(-1)!.push(line);
  }
  return runs.map((run) => run.join("\n"));
}

/** Each look-alike bracket, and the bracket it stands for. */
const PLAIN_OF = new Map(LOOKALIKE_BRACKETS.flatMap(([open, close]) => [[open, "<"], [close, ">"]] as const));
const ANY_LOOKALIKE = new RegExp(`[${[...PLAIN_OF.keys()].join("")}]`, "g");
/** The same, for a test: a global RegExp's test() starts where its last match ended. */
const HAS_LOOKALIKE = new RegExp(ANY_LOOKALIKE.source);

/**
 * A call the answer wrote with look-alike angle brackets (`＜function=read_file＞`, or one of
 * them: `<function=read_file›`) outside its fenced code blocks: the parser reads it as text,
 * so it was not run. The offered tools it calls, and the look-alikes its calls use
 * (`‹ and › in place of < and >`); undefined when there is none.
 */
export function lookalikeCalls(answer: string, toolNames: readonly string[]): { tools: string[]; swapped: string } | undefined {
  const outside = outsideFences(answer);
  if (!HAS_LOOKALIKE.test(outside)) return undefined;
  // Each look-alike is one UTF-16 unit, as its plain bracket: a call's place is the same in both texts.
  const plain = outside.replace(ANY_LOOKALIKE, (ch) => PLAIN_OF.get(ch)!);
  const offered = new Set(toolNames);
  const tools: string[] = [];
  const used = new Set<string>();
  for (const match of plain.matchAll(CALL_PATTERN)) {
    const name = (match[1] ?? match[2] ?? "").trim();
    const written = outside.slice(match.index, match.index + match[0].length);
    const swaps = written.match(ANY_LOOKALIKE);
    if (!offered.has(name) || !swaps) continue;
    if (!tools.includes(name)) tools.push(name);
    for (const ch of swaps) used.add(ch);
  }
  if (!tools.length) return undefined;
  return { tools, swapped: swappedBrackets([...used]) };
}
