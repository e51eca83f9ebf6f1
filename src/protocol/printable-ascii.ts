/**
 * Text from outside — an environment variable's name or value, a GGUF's architecture, a
 * file's first bytes — inside one of Hearth's own messages, which must stay ASCII (a C locale
 * shows anything else as mojibake) and must not act on a terminal (ESC, a CSI, a bidi
 * override). The CLI's terminal-text.ts keeps other scripts' letters, which fits text a person
 * reads in their own language (a file, a reply), not these lines.
 */

/**
 * `text` with each character outside printable ASCII as its escape: C0, DEL and C1 as `\xNN`,
 * others as `\uNNNN` (`\u{NNNNN}` past U+FFFF). With `maxChars`, only its first that many
 * characters (code points: a surrogate pair stays whole), so a huge value makes no huge line.
 */
export function printableAscii(text: string, maxChars = Infinity): string {
  let end = 0;
  for (let count = 0; count < maxChars && end < text.length; count++) end += (text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1;
  return text.slice(0, end).replace(/[^\x20-\x7e]/gu, (c) => {
    const code = c.codePointAt(0)!;
    if (code < 0xa0) return `\\x${code.toString(16).padStart(2, "0")}`;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
