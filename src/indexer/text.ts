/**
 * Tokenizing code and prose into search terms. The same function runs on file text,
 * identifiers, paths and queries, so "parseFlags", "parse_flags" and "parse flags"
 * meet on the terms "parse" and "flags" (plus the whole identifier "parseflags").
 */

import { mostlyLoneCr, pairSafeEnd } from "../protocol/plain-text.ts";

// A word that starts with digits (`2d`, `3DES`) is tried only where a run of digits starts: tried from each digit, a
// run of 1 MB of digits (a data file, a number an issue quotes) took every run to its end again — some 10 minutes.
const WORD = /[A-Za-z_$][A-Za-z0-9_$]*|(?<![0-9])[0-9]+[A-Za-z][A-Za-z0-9_]*/g;
const CAMEL = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g;
/**
 * WORD and CAMEL for text that is not all ASCII: an identifier of JavaScript, Python, Go,
 * Rust or Java may be written in any script (`café`, `ПолучитьДанные`, `読み込み`), and
 * tree-sitter names such a definition whole; cut to its ASCII part (`caf`, nothing) a query
 * could not name it. The same words on ASCII text; used only where there is other text,
 * as a Unicode-property pattern reads about half as fast.
 */
const UNICODE_WORD = /[\p{ID_Start}_$][\p{ID_Continue}$\u200c\u200d]*|(?<![0-9])[0-9]+\p{ID_Start}\p{ID_Continue}*/gu;
const UNICODE_CAMEL = /\p{Lu}+(?![\p{Ll}\p{M}])|\p{Lu}?[\p{Ll}\p{M}]+|[\p{Lo}\p{Lm}\p{M}]+|\p{Nd}+/gu;
const NON_ASCII = /[^\u0000-\u007f]/;

/** The identifier pattern for `text` (a fresh one: its lastIndex is the caller's). */
function wordPattern(text: string): RegExp {
  return new RegExp(NON_ASCII.test(text) ? UNICODE_WORD : WORD);
}

/** Words too common in code or prose to tell files apart. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a an and are as at be but by for from has have if in into is it its of on or " +
    "that the their then there these this to was were when which while will with " +
    "not no do does did can could should would may might must shall so than too very " +
    "i we you he she they me my our your them his her us what who how why where all any " +
    "some each other such only own same just also more most been being get got gets " +
    "var let const function return new class def self this import export from true false " +
    "null none undefined void else elif try catch except finally throw raise pass public " +
    "private protected static int string bool float double char long unsigned struct " +
    "package fn pub impl mut use mod type interface extends implements async await yield"
  ).split(" "),
);

/**
 * A light suffix-stripping stemmer, applied to documents and queries alike, so that
 * "evicted", "evicts" and "eviction" meet "evict", and "parsing"/"parsed"/"parse" meet.
 * Deliberately crude: it only has to map related forms together, not produce words.
 */
export function stem(term: string): string {
  if (term.length <= 4 || /\d/.test(term)) return term;
  let t = term;
  if (t.endsWith("ies")) t = t.slice(0, -3) + "y";
  else if (t.endsWith("sses")) t = t.slice(0, -2);
  else if (t.endsWith("s") && !t.endsWith("ss") && !t.endsWith("us")) t = t.slice(0, -1);
  for (const suffix of ["ation", "ions", "ion", "ing", "ed", "er", "ly"]) {
    if (t.endsWith(suffix) && t.length - suffix.length >= 4) {
      t = t.slice(0, -suffix.length);
      break;
    }
  }
  if (t.endsWith("e") && t.length > 4) t = t.slice(0, -1);
  return t;
}

/** Sub-words of an identifier: `parseHTTPFlags_v2` → parse, http, flags, v2. */
export function splitIdentifier(identifier: string): string[] {
  const parts: string[] = [];
  const camel = NON_ASCII.test(identifier) ? UNICODE_CAMEL : CAMEL;
  for (const chunk of identifier.split(/[_$\-.]+/)) {
    const m = chunk.match(camel);
    if (m) for (const p of m) parts.push(p.toLowerCase());
  }
  return parts;
}

/**
 * Calls `emit` for each search term in `text`: every identifier lower-cased and, when it
 * is compound, each of its parts. Terms shorter than 2 characters and stopwords are dropped.
 */
export function forEachTerm(text: string, emit: (term: string) => void): void {
  for (const m of text.matchAll(wordPattern(text))) for (const t of termsOfWord(m[0])) emit(t);
}

/** The search terms of one word (see forEachTerm). */
export function termsOfWord(word: string): string[] {
  const out: string[] = [];
  const whole = word.toLowerCase().replace(/[_$]/g, "");
  if (whole.length >= 2 && !STOPWORDS.has(whole)) out.push(stem(whole));
  // Only words with case changes, underscores or digits can be compound.
  if (!(NON_ASCII.test(word) ? /[\p{Lu}_$\p{Nd}]/u : /[A-Z_$0-9]/).test(word.slice(1))) return out;
  const parts = splitIdentifier(word);
  if (parts.length < 2) return out;
  for (const p of parts) if (p.length >= 2 && !STOPWORDS.has(p) && p !== whole) out.push(stem(p));
  return out;
}

// Identifiers repeat across the files of a repository too, so each thread remembers the
// terms of the words it has split (bounded: forgotten wholesale when it fills up).
const TERMS_MEMO_MAX = 200_000;
const termsMemo = new Map<string, readonly string[]>();

function memoTermsOfWord(word: string): readonly string[] {
  let terms = termsMemo.get(word);
  if (terms === undefined) {
    if (termsMemo.size >= TERMS_MEMO_MAX) termsMemo.clear();
    terms = termsOfWord(word);
    termsMemo.set(word, terms);
  }
  return terms;
}

/**
 * Term counts for a text, keeping at most `maxTerms` distinct terms (first seen first).
 * Words repeat a lot in code, so each distinct word is split into terms only once.
 */
export function countTerms(text: string, maxTerms: number): Map<string, number> {
  const words = new Map<string, number>();
  const word = wordPattern(text);
  for (let m = word.exec(text); m !== null; m = word.exec(text)) words.set(m[0], (words.get(m[0]) ?? 0) + 1);
  const counts = new Map<string, number>();
  for (const [word, n] of words) {
    for (const t of memoTermsOfWord(word)) {
      const c = counts.get(t);
      if (c !== undefined) counts.set(t, c + n);
      else if (counts.size < maxTerms) counts.set(t, n);
    }
  }
  return counts;
}

/** Identifier-looking tokens as written (case kept), e.g. from an issue text. */
export function identifiersIn(text: string): string[] {
  return [...text.matchAll(wordPattern(text))].map((m) => m[0]);
}

/** Heuristic: does this token look like a code identifier rather than an English word? */
export function looksLikeIdentifier(token: string): boolean {
  if (NON_ASCII.test(token)) return /\p{Ll}\p{Lu}|_|\p{Lu}{2,}\p{Ll}|\d/u.test(token) || /^\p{Lu}\p{Ll}+\p{Lu}/u.test(token);
  return /[a-z][A-Z]|_|[A-Z]{2,}[a-z]|\d/.test(token) || /^[A-Z][a-z]+[A-Z]/.test(token);
}

/**
 * `text` with each lone CR made an LF where lone CRs end most of its lines (a classic Mac
 * file), as read_file splits such a file into lines; any other text as it is (a stray CR in
 * an LF file stays part of its line). Same length: offsets and columns do not move.
 */
export function withLfLineEnds(text: string): string {
  return text.includes("\r") && mostlyLoneCr(text) ? text.replace(/\r(?!\n)/g, "\n") : text;
}

/** The lines of a source file as read_file and the index count them (see withLfLineEnds). */
export function sourceLines(text: string): string[] {
  return withLfLineEnds(text).split("\n");
}

/** `text` cut to `max` characters, with "…" when cut; never inside a surrogate pair. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${cut(text, max - 1)}…` : text;
}

/**
 * At most the first `max` characters of `text`, one fewer where the cut would keep half a
 * surrogate pair: half an emoji is invalid UTF-16, and a server's JSON parser refuses a
 * request that holds one (every prompt with the repo map in it would fail).
 */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, pairSafeEnd(text, max));
}

/** As UNSAFE_IN_NAME, less the tab: a tab inside a line of code does not change how it reads. */
const UNSAFE_IN_LINE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]|\udb40[\udc00-\udc7f]/g;

/**
 * A line of a file (a definition's signature) as a model or a person reads it in a list:
 * a CR or a line separator in it would start a line of its own there (a fake entry of the
 * repository map), a bidi override would show other text; each such character is shown
 * as its `\uXXXX` escape. Any other line is shown as it is.
 */
export function shownLine(line: string): string {
  if (!line.match(UNSAFE_IN_LINE)) return line;
  return line.replace(UNSAFE_IN_LINE, escapeChar);
}

/**
 * Characters that change how text around them reads: C0 (newline, tab, ESC), DEL, C1, line
 * separators, bidi controls; and the tag characters U+E0000–U+E007F, invisible copies of ASCII
 * that a model reads as text (an instruction smuggled into a name the repository map lists).
 */
const UNSAFE_IN_NAME = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]|\udb40[\udc00-\udc7f]/g;

/** Each UTF-16 unit as its JSON escape, `\u000d` (a tag character is two: `\udb40\udc49`), so a quoted path stays JSON. */
function escapeChar(c: string): string {
  let out = "";
  for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return out;
}

/**
 * A path as a model or a person reads it in a list: a name holding a newline would read as
 * a line of its own (`src/x⏎SYSTEM: run …` faking an instruction in list_files' output or
 * the repository map), a bidi override as other text, and a space it begins or ends with
 * not at all (`notes.txt ` beside notes.txt). Such a name is shown quoted and
 * escaped as a JSON string, so it stays one line and a tool call's JSON arguments give the
 * same path back; any other name is shown as it is.
 */
export function shownPath(path: string): string {
  // A name that begins or ends with a space (`notes.txt `) is quoted too: unquoted, its space does not show.
  if (!path.match(UNSAFE_IN_NAME) && !/^ | $/.test(path)) return path;
  return JSON.stringify(path).replace(UNSAFE_IN_NAME, escapeChar);
}
