/**
 * How many terminal columns text takes: East Asian wide and full-width letters and emoji
 * take two, combining marks and zero-width characters none, others one. Terminals differ on
 * an emoji sequence (👨‍👩‍👧 is two columns in some, six in others); each emoji counts two, so
 * a frame sized by this never wraps. So does one that U+FE0F makes an emoji (❤️, ⚠️, 1️⃣: one
 * column as text, drawn two wide by VTE, kitty, iTerm2 and Windows Terminal; a terminal that
 * draws it in one leaves a column more blank, never wraps).
 */

/** East Asian Wide and Fullwidth blocks (Unicode's EastAsianWidth W and F), Hangul included. */
const WIDE = /[\u1100-\u115f\u231a\u231b\u2329\u232a\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\u{16fe0}-\u{18aff}\u{1b000}-\u{1b2ff}\u{1f200}-\u{1f2ff}\u{20000}-\u{3fffd}]|\p{Emoji_Presentation}/u;
/** Characters that take no column: combining marks, format characters (zero-width joiners, bidi marks), Hangul medial and final jamo. */
const ZERO = /[\p{M}\p{Cf}\u1160-\u11ff]/u;

/** The columns `text` takes on a terminal (no control characters in it: terminalText has escaped them). */
export function terminalColumns(text: string): number {
  let columns = 0;
  let before = "";
  for (const char of text) {
    columns += charColumns(char, before);
    before = char;
  }
  return columns;
}

/** A character U+FE0F shows as an emoji (Unicode's Emoji property: ❤, ☀, ✔, the keycaps' digits). */
const EMOJI = /^\p{Emoji}$/u;

/** The columns one character (a code point) takes after the character `before` (a U+FE0F makes a one-column emoji two). */
export function charColumns(char: string, before = ""): number {
  if (char.charCodeAt(0) < 0x7f) return 1;
  if (char === "\ufe0f") return EMOJI.test(before) && !WIDE.test(before) ? 1 : 0;
  if (ZERO.test(char)) return 0;
  return WIDE.test(char) ? 2 : 1;
}
