/**
 * Text a person reads to decide — an approval, the diff of an edit, a file name — must show
 * what it is. A bidirectional control (U+202E and friends) makes what follows read
 * backwards, so `rm -rf ~` can read as a comment (Trojan Source, CVE-2021-42574); a
 * zero-width character or a control hides; a line break fakes a second line. `visibleText`
 * writes each such character as its code point, ⟨U+202E⟩, so it is seen and not obeyed.
 */

/**
 * Invisible or reordering characters: controls but tab and line feed, soft hyphen, bidi
 * marks, zero-width, line separators, BOM — and the tag characters U+E0000–U+E007F (two
 * UTF-16 units each), invisible copies of ASCII that a model reads as text: an instruction
 * written in them ("ASCII smuggling") hides in a file, an issue or a tool result.
 */
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|\udb40[\udc00-\udc7f]/g;
/** The same, and line feed: where one line is expected. */
const HIDDEN_OR_NEWLINE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|\udb40[\udc00-\udc7f]/g;

function codePoint(char: string): string {
  return `⟨U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}⟩`;
}

/**
 * The text with every hidden character written as ⟨U+XXXX⟩ (or as `write` writes it: a tag
 * character comes as its two UTF-16 units); tabs
 * and line breaks stay (multi-line code), unless `oneLine` (a question, a path), where a
 * line break shows too.
 */
export function visibleText(text: string, oneLine = false, write: (char: string) => string = codePoint): string {
  return text.replace(oneLine ? HIDDEN_OR_NEWLINE : HIDDEN, write);
}
