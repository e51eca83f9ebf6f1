/**
 * What a tool call may hold for Qwen's prompt to print it: names the prompt writes as its
 * own markup (`<function=NAME>`, `<parameter=NAME>`, with control tokens on) and arguments no
 * deeper than the printing and what reads them later walk safely. One rule for the places
 * that take tool calls or their names from outside — an MCP server's parameters
 * (tools/mcp/names.ts), VS Code's chat (models/lm-chat.ts), an imported conversation
 * (agent/handoff.ts) — so a call one of them lets through, the others take too (lm-chat
 * holds tool names to a narrower rule of its own, the grammar's).
 */

/** Characters at most in a tool or argument name. */
const MAX_NAME_CHARS = 128;
/** Text that would fake a line or reverse text: controls, line and bidi marks. */
const UNSHOWABLE = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** Deeper than any tool's arguments go; deeper data overflows the stack of what prints or walks it next. */
export const MAX_ARGUMENT_DEPTH = 32;

/**
 * Why `name` cannot be a tool or argument name the prompt carries as it is, as the end of a
 * sentence about it ("is empty", "has a "<" or ">""), or undefined when it can.
 */
export function unplainName(name: string): string | undefined {
  if (!name.trim()) return "is empty";
  if (name.length > MAX_NAME_CHARS) return `is over ${MAX_NAME_CHARS} characters`;
  if (name !== name.trim()) return "starts or ends with a space";
  // `>` ends the tag (and a control token); `<` starts one.
  if (/[<>]/.test(name)) return `has a "<" or ">"`;
  if (UNSHOWABLE.test(name)) return "has a control character, a line break or a bidi mark";
  return undefined;
}

/** A tool or argument name the prompt's `<function=NAME>` / `<parameter=NAME>` carries as it is. */
export function plainName(name: string): boolean {
  return unplainName(name) === undefined;
}

/** How deep `value` nests, counted no further than past `limit`. */
export function nestingDepth(value: unknown, limit: number): number {
  if (!value || typeof value !== "object" || limit < 0) return 0;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, nestingDepth(child, limit - 1));
  return deepest + 1;
}
