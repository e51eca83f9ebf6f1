/**
 * Syntax highlighting for code blocks: highlight.js core with the languages people use
 * with Hearth (the indexer's languages plus the usual config and shell ones). Registering
 * only these keeps out/webview.js small; colours come from media/chat.css (theme variables).
 */
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import c from "highlight.js/lib/languages/c";
import cpp from "highlight.js/lib/languages/cpp";
import csharp from "highlight.js/lib/languages/csharp";
import css from "highlight.js/lib/languages/css";
import diff from "highlight.js/lib/languages/diff";
import go from "highlight.js/lib/languages/go";
import java from "highlight.js/lib/languages/java";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import kotlin from "highlight.js/lib/languages/kotlin";
import markdown from "highlight.js/lib/languages/markdown";
import php from "highlight.js/lib/languages/php";
import python from "highlight.js/lib/languages/python";
import ruby from "highlight.js/lib/languages/ruby";
import rust from "highlight.js/lib/languages/rust";
import shell from "highlight.js/lib/languages/shell";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";

const LANGUAGES = { bash, c, cpp, csharp, css, diff, go, java, javascript, json, kotlin, markdown, php, python, ruby, rust, shell, sql, typescript, xml, yaml };
for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language);

/** The registered language for a fence's info string ("ts", "py", "sh"…), if any. */
export function languageOf(info: string | undefined): string | undefined {
  const name = info?.trim().split(/\s+/)[0]?.toLowerCase();
  if (!name) return undefined;
  return hljs.getLanguage(name) ? name : undefined;
}

/**
 * Code longer than this (about 1,500 lines) is shown unhighlighted: highlight.js takes about
 * 1 µs a character (measured: 2 MB of TypeScript, 2.2 s; a 5 MB block held the page for
 * seconds, again at every render while the reply streamed), and the page builds a node per token.
 */
export const MAX_HIGHLIGHT_CHARS = 50_000;

/**
 * A code block still being written (the last block of a streaming reply, its fence open) is
 * highlighted while it is at most this long (about 150 lines). Highlighting is done over the
 * whole block (a line's colours depend on the lines before it: a comment or string left
 * open), so each frame would highlight it all again; past this, the block grows as text,
 * each frame adding only what arrived, and is highlighted once its fence closes.
 */
export const OPEN_HIGHLIGHT_CHARS = 5_000;

/**
 * highlight.js's HTML for `code` (text escaped, tokens as `<span class="hljs-…">`), or
 * undefined when the language is unknown or the code is longer than `limit`. The
 * caller still sanitizes it into nodes.
 */
export function highlightHtml(code: string, language: string | undefined, limit = MAX_HIGHLIGHT_CHARS): string | undefined {
  const name = languageOf(language);
  if (!name || code.length > limit) return undefined;
  return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
}
