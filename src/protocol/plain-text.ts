/**
 * Small pure helpers on strings that the tools (read_file, run_command, MCP results) and the
 * index (signatures, the repo map) must agree on: where a cut keeps surrogate pairs whole,
 * what stands for half a pair, and when a text's lines end in lone CRs.
 */

/**
 * `end` as where a cut of `text` ends, moved back one where it would keep half a surrogate
 * pair (half an emoji is invalid UTF-16: a server's JSON parser refuses it).
 */
export function pairSafeEnd(text: string, end: number): number {
  const code = text.charCodeAt(end - 1);
  return end > 0 && code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}

/** `start` as where the kept rest of `text` begins, moved on one where it would begin with half a surrogate pair. */
export function pairSafeStart(text: string, start: number): number {
  const code = text.charCodeAt(start);
  return code >= 0xdc00 && code <= 0xdfff ? start + 1 : start;
}

/** Half a surrogate pair: a high one with no low one after it, or a low one with no high one before it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `text` with U+FFFD for each half of a surrogate pair without its other half (a UTF-16 file
 * with a broken pair, an MCP server's JSON): sent as JSON, such a half is an escape
 * llama-server refuses, and a UTF-8 file saves it as U+FFFD. Same length: offsets stay.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}

/** How many times `needle` occurs in `text`, without overlaps. */
export function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Lone CRs (not of a CRLF) outnumber LFs: a classic Mac file, whose lines read_file and the index split at each CR. */
export function mostlyLoneCr(text: string): boolean {
  return countOf(text, "\r") - countOf(text, "\r\n") > countOf(text, "\n");
}
