/**
 * Tool calls a model wrote inside its thinking. Qwen3.5 now and then "thinks" its call — the
 * XML between `<think>` and `</think>` — and ends its turn without writing it in the answer.
 * Thinking is not an action: such a call is never run, but the model is told where it went,
 * so that it writes the call again outside (a reply "with no answer" alone made it think the
 * call once more). Only for a reply that has neither an answer nor a call: one that has either
 * acted, and a call the thinking weighed and dropped is no lost call.
 */

/** `<function=NAME>` (Qwen's XML, with or without `<tool_call>`), or the JSON form's `"name": "NAME"` after `<tool_call>`. */
const CALL_PATTERN = /<function\s*=\s*([^>\n]{1,80})>|<tool_call>\s*\{\s*"name"\s*:\s*"([^"\n]{1,80})"/g;

/** The offered tools the thinking writes a call of, in order, each once. */
export function toolsCalledInThinking(thinking: string, toolNames: readonly string[]): string[] {
  const offered = new Set(toolNames);
  const called: string[] = [];
  for (const match of thinking.matchAll(CALL_PATTERN)) {
    const name = (match[1] ?? match[2] ?? "").trim();
    if (offered.has(name) && !called.includes(name)) called.push(name);
  }
  return called;
}
