// Readings of issue texts built to be slow to read, run on a thread of their own by
// hostile-queries.test.ts (helpers/in-thread.ts): each returns plain data to assert on.
import { parseQueryEvidence } from "../../../../src/indexer/query-evidence.ts";
import { quotedLines } from "../../../../src/indexer/quotes.ts";

/** A line of 85,000 "at" words, then a stack frame on a line of its own: the frames read, as `path:line func`. */
export function manyAtWords(): string[] {
  const text = `Crash at startup\n${"at ".repeat(85_000)}\n    at boot (src/app/boot.js:12:3)\n`;
  return parseQueryEvidence(text).paths.filter((p) => p.frame).map((p) => `${p.path}:${p.line} ${p.func}`);
}

/** A line of 120,000 unclosed curly quotes, then a closed one: the quoted lines that are not blank. */
export function unclosedCurlyQuotes(): string[] {
  const text = `Wrong message\n${"\u201c ".repeat(120_000)}\nit prints \u201cthe widget cannot be resized below its width\u201d\n`;
  return quotedLines(parseQueryEvidence(text)).filter((l) => l.trim() !== "");
}
