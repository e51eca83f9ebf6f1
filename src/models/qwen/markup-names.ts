/**
 * What a conversation given to Hearth from outside (VS Code's chat through lm-chat.ts, an
 * imported conversation through agent/handoff.ts) may hold in a tool call for Qwen's prompt
 * to print it: names the prompt writes as its own markup (`<function=NAME>`,
 * `<parameter=NAME>`, with control tokens on) and arguments no deeper than the printing and
 * what reads them later walk safely. One rule for both, so the two cannot drift apart (lm-chat
 * holds tool names to a narrower rule of its own, the grammar's).
 */

/** Text that would end a tag, fake a line or reverse text: `<`, `>`, controls, line and bidi marks. */
const UNPLAIN = /[<>\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** Deeper than any tool's arguments go; deeper data overflows the stack of what prints or walks it next. */
export const MAX_ARGUMENT_DEPTH = 32;

/** A tool or argument name the prompt's `<function=NAME>` / `<parameter=NAME>` carries as it is (at most 128 characters, no space around it). */
export function plainName(name: string): boolean {
  return name.length > 0 && name.length <= 128 && name === name.trim() && !UNPLAIN.test(name);
}

/** How deep `value` nests, counted no further than past `limit`. */
export function nestingDepth(value: unknown, limit: number): number {
  if (!value || typeof value !== "object" || limit < 0) return 0;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, nestingDepth(child, limit - 1));
  return deepest + 1;
}
