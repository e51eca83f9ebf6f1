/**
 * Text the CLI prints that comes from a checkout — file names, symbol names, snippets, a
 * model's tool calls — made safe for a terminal. A file may be named
 * `x\x1b]0;title\x07.ts` or hold `\x1b[2J` in a string literal; printed raw, the terminal
 * would act on it (clear the screen, set the title, hide text, reorder a line with a bidi
 * override) instead of showing it. Every such character is shown as an escape instead:
 * C0 controls, ESC, DEL and C1 as `\xNN`, bidi embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069), bidi marks (U+200E, U+200F, U+061C) and the line and
 * paragraph separators (U+2028, U+2029) as `\uNNNN`, and the tag characters (U+E0000–U+E007F,
 * invisible copies of ASCII a model reads: "ASCII smuggling") as `\u{e0041}`. So are a BOM,
 * the invisible operators (U+2061–U+2064), the Hangul fillers outside Korean text (letters that
 * show as blank space: `exec(\u3164)` runs a name no one sees) and, inside a name (touching an
 * ASCII letter, digit, `_` or `$`), a zero-width space, non-joiner, joiner, word joiner,
 * combining grapheme joiner, Mongolian vowel separator or soft hyphen: `is\u200bAdmin` looks like `isAdmin`
 * and is another name. In emoji, Persian, Thai or Mongolian text these stay as they are. A
 * variation selector that picks no look — a run of them (hidden bytes: "Glassworm"), one after
 * ASCII — is escaped too, a long run as its first few and a count; an emoji's stays. The other
 * characters Unicode says to show as nothing (Khmer inherent vowels, deprecated format
 * characters, musical format controls, the unassigned rest of plane 14) are escaped wherever
 * they are; Mongolian free variation selectors only in a name.
 *
 * Every command prints file-derived text through these; nothing else in the CLI escapes.
 */

import { pairSafeEnd } from "../protocol/plain-text.ts";
import { terminalShown } from "../protocol/terminal-text.ts";
import { OTHER_SCRIPT_LETTER, SELECTORS_SHOWN, honestSelector, isSelectorRun, shownSelectors, touchesAsciiWord, touchesHangul } from "../protocol/visible-text.ts";

/** C0 but tab and newline, DEL, C1, bidi controls and marks, line separators, zero-width characters, BOM, runs of variation selectors; a CR only when a newline does not follow (CRLF files). */
const UNSAFE_IN_TEXT = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\u034f\u17b4\u17b5\u180b-\u180f\u115f\u1160\u3164\uffa0\ufff0-\ufff8]|\r(?!\n)|\udb40[\udc00-\udcff\uddf0-\udfff]|[\udb41-\udb43][\udc00-\udfff]|\ud834[\udd73-\udd7a]|\ud82f[\udca0-\udca3]|(?:[\ufe00-\ufe0f]|\udb40[\udd00-\uddef])+/g;
/** The same, and tab, newline and CR too: one name must stay on one line. */
const UNSAFE_IN_NAME = /[\x00-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\u034f\u17b4\u17b5\u180b-\u180f\u115f\u1160\u3164\uffa0\ufff0-\ufff8]|\udb40[\udc00-\udcff\uddf0-\udfff]|[\udb41-\udb43][\udc00-\udfff]|\ud834[\udd73-\udd7a]|\ud82f[\udca0-\udca3]|(?:[\ufe00-\ufe0f]|\udb40[\udd00-\uddef])+/g;
/** Zero-width characters shown only inside a name: elsewhere they join an emoji or a Persian word, or part Thai or Mongolian words; a soft hyphen (invisible on most terminals) marks where a word may break. */
const ZERO_WIDTH = /^[\u200b-\u200d\u2060\u034f\u180b-\u180f\u00ad]$/;
/** Hangul fillers: letters that show as blank space, shown unless in Korean text (old Hangul's jamo sequences). */
const FILLER = /^[\u115f\u1160\u3164\uffa0]$/;

/** Multi-line text (a repo map, a report, a snippet): newlines and tabs kept, other controls escaped. */
export function terminalText(text: string): string {
  return text.replace(UNSAFE_IN_TEXT, (c, at: number) => shown(c, at, text, visible));
}

/** `terminalTextStream`'s printer: a piece in, what can be printed of it out; `end` prints what waited, when the reply is over. */
export interface TerminalTextStream {
  (piece: string): string;
  end(): string;
}

/**
 * `terminalText` for a reply printed piece by piece as it streams (`hearth chat`): each piece
 * is escaped with the text printed before it, so a zero-width character that starts a
 * piece is judged by both its neighbours (and the word of another script before it) — Qwen's
 * tokenizer starts a piece at a Persian non-joiner (می | \u200cخواهم), and `is | \u200b | Admin`
 * must still show its. What cannot be judged until the next piece waits for it (`end` when
 * there is none): a zero-width character at the end, or before letters of another script that
 * reach the end (`is\u200b\u0410 | dmin` is a name, `API\u200cه | ا` a Persian word), a CR
 * (CRLF is kept), half a surrogate pair, a Hangul filler — a few characters at most, so the
 * stream prints what the whole reply would. After `end`, a piece starts a new text.
 */
export function terminalTextStream(): TerminalTextStream {
  let before = "";
  let held = "";
  // Selectors of a held run past its first RUN_KEPT, counted: kept whole, a run streamed a selector a piece was read again at each piece (quadratic).
  let dropped = 0;
  const print = (piece: string, last: boolean): string => {
    const text = before + held + piece;
    const from = before.length;
    const cut = last ? text.length : Math.max(from, undecided(text));
    const extra = dropped;
    const out = text.slice(from, cut).replace(UNSAFE_IN_TEXT, (c, at: number) => {
      // A held run starts the text printed (`from`): what it dropped is counted with it.
      if (isSelectorRun(c)) return honestSelector(text, at + from, c) ? c : selectors(c, at === 0 ? extra : 0);
      if (FILLER.test(c)) return touchesHangul(text, at + from) ? c : visible(c);
      // One that starts or ends the reply is escaped, as terminalText escapes one at either end of a text (see shown).
      const edge = at + from === 0 || (last && at + from === text.length - 1);
      return ZERO_WIDTH.test(c) && !edge && !touchesAsciiWord(text, at + from) ? c : visible(c);
    });
    const run = keptRun(text.slice(cut));
    held = run.kept;
    dropped = (cut === from ? extra : 0) + run.dropped;
    before = tail(text.slice(0, cut));
    return out;
  };
  // After the end, what is printed next (a tool call, then the next turn) is not read with the text before it.
  const end = (): string => {
    const out = held ? print("", true) : "";
    before = "";
    return out;
  };
  return Object.assign((piece: string) => (piece ? print(piece, false) : ""), { end });
}

/**
 * Where the text stops being known well enough to print: at a CR, a high surrogate or a Hangul
 * filler that ends it, a run of variation selectors that ends it (it may go on, or be a
 * keycap's), or a zero-width character followed by nothing but letters of another
 * script (up to 32: longer is a word of its own).
 */
function undecided(text: string): number {
  const selectorsFrom = trailingSelectors(text);
  if (selectorsFrom < text.length) return selectorsFrom;
  let end = text.length;
  const last = text.charCodeAt(end - 1);
  if (last === 0x0d || (last >= 0xd800 && last <= 0xdbff) || FILLER.test(text[end - 1] ?? "")) end--;
  let at = end;
  for (let letters = 0; letters <= 32; letters++) {
    if (ZERO_WIDTH.test(text[at - 1] ?? "")) return at - 1;
    const char = charBefore(text, at);
    if (!OTHER_SCRIPT_LETTER.test(char)) break;
    at -= char.length;
  }
  return end;
}

/** Where the variation selectors that end `text` start (a high surrogate of one after them too); its length when none. */
function trailingSelectors(text: string): number {
  const end = text.charCodeAt(text.length - 1) === 0xdb40 ? text.length - 1 : text.length;
  let at = end;
  for (;;) {
    const code = text.charCodeAt(at - 1);
    if (code >= 0xfe00 && code <= 0xfe0f) at--;
    else if (code >= 0xdd00 && code <= 0xddef && text.charCodeAt(at - 2) === 0xdb40) at -= 2;
    else break;
  }
  return at < end ? at : text.length;
}

/** Selectors of a held run kept as they are: past two it picks no look, and past SELECTORS_SHOWN only its length is printed. */
const RUN_KEPT = SELECTORS_SHOWN + 1;

/** `held` as kept: a run of variation selectors (and half of one after it) cut to its first RUN_KEPT selectors, and how many it dropped. */
function keptRun(held: string): { kept: string; dropped: number } {
  const whole = held.charCodeAt(held.length - 1) === 0xdb40 ? held.slice(0, -1) : held;
  if (whole.length <= RUN_KEPT || !isSelectorRun(whole)) return { kept: held, dropped: 0 };
  let end = 0;
  for (let n = 0; n < RUN_KEPT; n++) end += whole.charCodeAt(end) === 0xdb40 ? 2 : 1;
  let count = RUN_KEPT;
  for (let at = end; at < whole.length; at += whole.charCodeAt(at) === 0xdb40 ? 2 : 1) count++;
  return { kept: whole.slice(0, end) + held.slice(whole.length), dropped: count - RUN_KEPT };
}

/** Text printed before a piece that is read with it: a word of another script a zero-width character touches is read up to 32 letters (`touchesAsciiWord`). */
const CONTEXT_UNITS = 80;

/** The last CONTEXT_UNITS UTF-16 units of `text`, not starting inside a surrogate pair. */
function tail(text: string): string {
  const start = Math.max(0, text.length - CONTEXT_UNITS);
  return text.slice(start + (start > 0 && isLowSurrogate(text, start) ? 1 : 0));
}

function isLowSurrogate(text: string, at: number): boolean {
  const code = text.charCodeAt(at);
  return code >= 0xdc00 && code <= 0xdfff;
}

/** The character (a whole surrogate pair) before `at`. */
function charBefore(text: string, at: number): string {
  if (at <= 0) return "";
  return isLowSurrogate(text, at - 1) && at >= 2 ? text.slice(at - 2, at) : text[at - 1]!;
}

/** A single name (a path, a symbol, a command): every control escaped, newlines and tabs too. */
export function terminalName(name: string): string {
  return name.replace(UNSAFE_IN_NAME, (c, at: number) => shown(c, at, name, visible));
}

/**
 * JSON for the terminal: `JSON.stringify` escapes C0 inside strings but leaves DEL, C1
 * and bidi controls raw. They become `\u` escapes, so the output is the same JSON value.
 */
export function terminalJson(json: string): string {
  return json.replace(UNSAFE_IN_TEXT, (c, at: number) => shown(c, at, json, () => Array.from({ length: c.length }, (_, i) => `\\u${hex(c, 4, i)}`).join("")));
}

/** A warning of hidden characters (`hiddenTextWarning`) for the terminal, which shows them as `\u202e` (terminalText), not as the chat's ⟨U+202E⟩. */
export function terminalWarning(warning: string): string {
  return terminalText(warning).replace(/⟨U\+([0-9A-F]{4})⟩/g, (_, hex: string) => `\\u${hex.toLowerCase()}`);
}

/** Characters of a call's arguments an approval question shows (the model may write any amount; the whole call is in the trajectory). */
const MAX_SHOWN_ARGUMENTS = 300;

/**
 * A tool call's arguments as an approval question shows them: `terminalJson` of their first
 * MAX_SHOWN_ARGUMENTS characters (a surrogate pair kept whole), and how many more are not
 * shown — counted, not dropped silently (a description that is a prompt injection can ask the
 * model to pad a secret past them).
 */
export function terminalArguments(args: unknown): string {
  const json = JSON.stringify(args);
  const shown = json.slice(0, pairSafeEnd(json, MAX_SHOWN_ARGUMENTS));
  return terminalJson(shown) + (json.length > shown.length ? ` … (${json.length - shown.length} more characters not shown)` : "");
}

/**
 * `c` (at `at` in `text`) as `escape` writes it; a zero-width character outside a name as it
 * is. One at either end of `text` is escaped: the name it hides in may be in the text printed
 * around it (a reply printed as it streams goes through `terminalTextStream`, which knows).
 */
function shown(c: string, at: number, text: string, escape: (c: string) => string): string {
  if (isSelectorRun(c)) return honestSelector(text, at, c) ? c : escape === visible ? selectors(c) : escape(c);
  if (FILLER.test(c)) return touchesHangul(text, at) ? c : escape(c);
  const inside = at > 0 && at < text.length - 1;
  return ZERO_WIDTH.test(c) && inside && !touchesAsciiWord(text, at) ? c : escape(c);
}

/** A run of variation selectors for the terminal: the first few escaped, the rest counted, in ASCII (`\ufe00\ufe01\ufe02\ufe03[+496 more variation selectors]`). */
function selectors(run: string, dropped = 0): string {
  return shownSelectors(run, visible, (n) => `[+${n + dropped} more variation selector${n + dropped === 1 ? "" : "s"}]`);
}

function visible(c: string): string {
  if (c.length === 2) return `\\u{${c.codePointAt(0)!.toString(16)}}`;
  return c.charCodeAt(0) <= 0xff ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`;
}

function hex(c: string, digits: number, at = 0): string {
  return c.charCodeAt(at).toString(16).padStart(digits, "0");
}

/**
 * A person's text for the model (chat's message, fix's issue) piped in from a program — a CI
 * log with FORCE_COLOR's colours, a progress bar's \r frames — as a terminal shows it
 * (protocol/terminal-text.ts), with the line that says so for stderr; as it is, and no line,
 * where it holds no terminal control codes. `what`: "the message", "the issue"; `went`: what
 * became of it ("was ranked" for locate's).
 */
export function asTerminalShows(text: string, what: string, went = "went to the model"): { text: string; note?: string } {
  const shown = terminalShown(text)?.trim();
  if (shown === undefined) return { text };
  // Redraws alone (a progress bar cleared at its end): nothing was sent or ranked; locate and fix refuse with it as the one reason.
  if (shown === "") return { text: shown, note: `${what} held only terminal control codes (colours, progress-bar redraws): nothing of it shows on a terminal` };
  const count = (n: number) => n.toLocaleString("en-US");
  return { text: shown, note: `${what} held terminal control codes (colours, progress-bar redraws): it ${went} as a terminal shows it, ${count(shown.length)} of its ${count(text.length)} characters` };
}
