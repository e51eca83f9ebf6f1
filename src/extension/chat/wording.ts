/** Small wording helpers shared by the chat's sections. Pure. */
import { wholeCharactersEnd } from "../../protocol/transcript.ts";

/** "1 file", "3 files". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** A message's first line, cut at 50 characters on whole characters (an emoji, a letter and its marks), for a notice that names it. */
export function shorten(text: string): string {
  const line = text.trim().split("\n")[0]!;
  return line.length > 50 ? `${line.slice(0, wholeCharactersEnd(line, 49))}…` : line;
}
