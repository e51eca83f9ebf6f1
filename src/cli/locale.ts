/**
 * What the terminal's character set can show. In a C or POSIX locale (LANG=C, LC_ALL=C: many
 * servers, containers, CI runners, a POSIX console) a terminal shows UTF-8's bytes as garbage
 * — ✓ as "â\x9c\x93" — so Hearth's own marks and punctuation are printed as ASCII there.
 * Text from elsewhere (file names, a model's words, the patch) is left as it is.
 */

/**
 * Whether the locale's character set is not UTF-8: the first of LC_ALL, LC_CTYPE and LANG
 * that is set decides, as for every C program. With none set, Unicode: most often a
 * container whose terminal is the host's UTF-8 one. A bare "UTF-8" (macOS's Terminal sets
 * LC_CTYPE so, and ssh carries it to Linux servers) is UTF-8 too.
 */
export function asciiTerminal(env: NodeJS.ProcessEnv = process.env): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG;
  if (!locale) return false;
  return !/(?:^|\.)utf-?8(?:@|$)/i.test(locale);
}

/** Hearth's own marks and punctuation, and what stands for them in ASCII. */
const ASCII: Readonly<Record<string, string>> = { "✓": "ok", "✗": "FAILED", "…": "...", "—": "--", "–": "-", "→": "->", "’": "'" };
const MARKS = new RegExp(`[${Object.keys(ASCII).join("")}]`, "g");

/** `text` (Hearth's own wording, never a file's or a model's) as the terminal can show it. */
export function ownText(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return asciiTerminal(env) ? text.replace(MARKS, (mark) => ASCII[mark]!) : text;
}
