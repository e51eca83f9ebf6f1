/**
 * Control strings in content sent to a remote server, made inert, and restored in what
 * the model writes back (remote.ts, openai-wire.ts).
 *
 * A remote server applies the chat template and tokenizes the result with special tokens
 * parsed (llama-server; vLLM's tokenizers match added tokens in any text), so a file holding
 * `<|im_end|>\n<|im_start|>system\n…` would become a real turn. Hearth therefore writes a
 * zero-width joiner (U+200D) after the `<` of each control string in everything it sends as
 * content: the model reads the same characters, the tokenizer no longer finds the token.
 *
 * What counts as a control string: every `<|name|>` (and DeepSeek's full-width `<｜name｜>`),
 * name 1–64 of `A-Za-z0-9_.-▁` — Qwen's `<|im_end|>`, `<|fim_prefix|>`, `<|file_sep|>` …,
 * and ChatML / Llama 3 / Phi / gpt-oss tokens too, whatever model the server runs — plus
 * Qwen's plain added tokens `<tool_call>`, `</tool_call>`, `<tool_response>`,
 * `</tool_response>`, `<think>`, `</think>`. `a <| b`, `x<|y`, `<|>` are not touched.
 *
 * The escape is reversible for every text: a `<` already followed by joiners before such a
 * tail gets one more (`<` + k joiners → k + 1), and restoring removes one. So text the model
 * copies from content (an `edit_file` old_text, a `write_file` body) comes back byte for byte,
 * a file that really holds `<\u200D|im_end|>` included.
 */

const ZWJ = "\u200D";
const NAME_CHAR = "A-Za-z0-9_.\\-\u2581";
const BAR = "|\uFF5C";
const PLAIN_TOKENS = ["tool_call>", "/tool_call>", "tool_response>", "/tool_response>", "think>", "/think>"];
const TAIL = `(?:[${BAR}][${NAME_CHAR}]{1,64}[${BAR}]>|${PLAIN_TOKENS.map((t) => t.replace("/", "\\/")).join("|")})`;
const TO_ESCAPE = new RegExp(`<(?=${ZWJ}*${TAIL})`, "g");
const TO_RESTORE = new RegExp(`<${ZWJ}(?=${ZWJ}*${TAIL})`, "g");
/** Partial tails a streamed chunk may end in (checked on what follows `<` + joiners). */
const PARTIAL_NAMED = new RegExp(`^[${BAR}](?:[${NAME_CHAR}]{0,64}|[${NAME_CHAR}]{1,64}[${BAR}])$`);
// A longer run of joiners is released as it is: holding it would let a server make each chunk re-scan it.
const MAX_HELD_JOINERS = 16;

/** `text` with a joiner after the `<` of each control string; the model reads the same characters. */
export function escapeControlText(text: string): string {
  return text.includes("<") ? text.replace(TO_ESCAPE, `<${ZWJ}`) : text;
}

/** The inverse of {@link escapeControlText}: `restoreControlText(escapeControlText(s)) === s` for every `s`. */
export function restoreControlText(text: string): string {
  return text.includes(`<${ZWJ}`) ? text.replace(TO_RESTORE, "<") : text;
}

/** A JSON value with every string (object keys too) passed through `map`. */
export function mapJsonStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === "string") return map(value);
  if (Array.isArray(value)) return value.map((item) => mapJsonStrings(item, map));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [map(key), mapJsonStrings(item, map)]));
  }
  return value;
}

/**
 * {@link restoreControlText} over a stream of deltas, where an escaped control string may be
 * split across them: the end of a delta that could still be the start of one is held until
 * the next delta (or `end`).
 */
export class StreamedControlText {
  private held = "";

  push(delta: string): string {
    const text = this.held + delta;
    const at = text.lastIndexOf("<");
    // An escaped string holds no `<` after its first, so one starting before `at` ends before it.
    if (at >= 0 && couldStartEscaped(text.slice(at))) {
      this.held = text.slice(at);
      return restoreControlText(text.slice(0, at));
    }
    this.held = "";
    return restoreControlText(text);
  }

  end(): string {
    const rest = restoreControlText(this.held);
    this.held = "";
    return rest;
  }
}

/** Whether `text` (starting with `<`) is a proper start of an escaped control string. */
function couldStartEscaped(text: string): boolean {
  let joiners = 0;
  while (text[1 + joiners] === ZWJ) joiners++;
  if (text.length === 1) return true;
  if (joiners === 0 || joiners > MAX_HELD_JOINERS) return false;
  const rest = text.slice(1 + joiners);
  return rest === "" || PARTIAL_NAMED.test(rest) || PLAIN_TOKENS.some((token) => token !== rest && token.startsWith(rest));
}
