/**
 * What shape a completion may take at the cursor, and where to cut what the model wrote:
 * - one line, unless the cursor opens a block (end of a line ending in `{`, `(`, `[`, `:`
 *   or `=>`, or an empty line just inside such a line with no body yet);
 * - a multi-line completion ends where its brackets close the block, or at the first line
 *   indented at or left of the block's opening line (but a brace block's closer, and its
 *   labels there: go's and C's `case x:`, C++'s `public:`), or after a blank-line run;
 * - text that duplicates what is right of the cursor (closing brackets, quotes, the line
 *   that closes the block) is dropped, also when the completion ends the statement after
 *   them (`console.log(|)` + `x);`: the `;` is dropped with them); the whitespace before
 *   it stays (`a && |b` stays `a && b`; a block's `}` stays on its own line);
 * - the cursor's line closes no bracket that the text right of the cursor already closes
 *   (`foo(bar(|), 2)` + `x))` is `x`; `f(|)` + `x) + y;` is `x`, a block's first line too);
 * - after code and a space typed before the cursor, the completion's own leading space is
 *   dropped (no `x =  1`);
 * - a lone CR is a line break, as the editor takes it (CRLF stays as it came);
 * - nothing from a copy of a secret's mask on is kept (`[secret masked: GitHub token]`: the
 *   prompt's masks are no text to write), nor the word it stands in, nor a block's line;
 * - nothing from the first control or bidirectional-override character on is kept (nor from
 *   a U+FFFD or an invisible character the prompt does not hold: a zero-width space or
 *   joiner, a tag, a filler — but an emoji's joiners and variation selectors), nor
 *   (`endBeforeControlText`) from a control token spelled out (`<|endoftext|>`), and no
 *   more whole lines than fit in MAX_CHARS.
 */

import { MASK_START } from "../protocol/secret-values.ts";

/** The cursor's surroundings, as lines. */
export interface CursorLines {
  /** Text of the cursor's line before the cursor. */
  readonly linePrefix: string;
  /** Text of the cursor's line after the cursor. */
  readonly lineSuffix: string;
  /** The line above (when the cursor line is blank). */
  readonly previousLine: string;
  /** The first non-blank line below the cursor's line. */
  readonly nextLine: string;
}

/** Longest multi-line completion, in lines. */
export const MAX_LINES = 12;
/** Longest completion, in characters (a server may ignore the token limit). */
export const MAX_CHARS = 2000;

const OPENS_BLOCK = /(?:[{([]|:|=>)\s*$/;
/** Right of the cursor, only closers and separators: a block may still be opened here. */
const ONLY_CLOSERS = /^[\s)\]}"'`;,]*$/;

export function indentOf(line: string): number {
  return /^[ \t]*/.exec(line)![0].replace(/\t/g, "    ").length;
}

/** Whether the completion here may span several lines. */
export function isMultiline(at: CursorLines): boolean {
  if (!ONLY_CLOSERS.test(at.lineSuffix)) return false;
  if (OPENS_BLOCK.test(at.linePrefix)) return true;
  // A blank line right under a block opener, with no body below it yet.
  return at.linePrefix.trim() === "" && OPENS_BLOCK.test(at.previousLine) && indentOf(at.nextLine) <= indentOf(at.previousLine);
}

/**
 * Control characters (but tab, CR and LF) and Unicode's bidirectional controls: invisible
 * in ghost text, and U+202E and friends make code read differently from what it does.
 */
const UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
/**
 * What ghost text does not show, and Tab would write: U+FFFD (bytes that made no character:
 * llama-server writes it for a model's invalid UTF-8); zero-width spaces, joiners and
 * variation selectors (`isAdmin\u200B` is another name than `isAdmin`; ZWJ, ZWNJ and the
 * selectors are even valid in a JavaScript identifier); the soft hyphen, word joiner and
 * invisible operators; Hangul and other fillers (U+3164 alone is a JavaScript name); the line
 * and paragraph separators (VS Code's "unusual line terminators"); tags and their like (text
 * hidden from the reader). Each is kept where the prompt holds it (the file's own: Persian
 * writes ZWNJ inside words), and an emoji's joiners and selectors after a pictograph (or in a keycap).
 */
const HIDDEN = /[\uFFFD\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200d\u2028\u2029\u2060-\u2064\u206a-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\u{e0000}-\u{e0fff}]/gu;
/** Parts of an emoji sequence: ZWJ, the text and emoji presentation selectors, the tags of a subdivision flag. */
const EMOJI_PART = /^[\u200d\ufe0e\ufe0f\u{e0020}-\u{e007f}]$/u;
/** What an emoji part follows: a pictograph, a skin tone, a selector or a tag of the same sequence. */
const AFTER_PICTOGRAPH = /(?:\p{Extended_Pictographic}|\p{Emoji_Modifier}|\ufe0f|[\u{e0020}-\u{e007f}])$/u;

/** Where the first character ghost text would hide is (`HIDDEN` but those the prompt holds and an emoji's parts); -1 when none. */
function firstHidden(text: string, shown: readonly string[]): number {
  for (const found of text.matchAll(HIDDEN)) {
    const c = found[0];
    if (EMOJI_PART.test(c) && AFTER_PICTOGRAPH.test(text.slice(Math.max(0, found.index - 2), found.index))) continue;
    // A keycap (1️⃣, #️⃣): a digit, `#` or `*`, the emoji selector and U+20E3.
    if (c === "\ufe0f" && /^[#*0-9]$/.test(text[found.index - 1] ?? "") && text[found.index + 1] === "\u20e3") continue;
    if (!shown.some((s) => s.includes(c))) return found.index;
  }
  return -1;
}

/** What the engine knows of the prompt, for the rules that depend on it. */
export interface PromptFacts {
  /** What the model was shown (prefix, suffix, context): a character it holds may be copied. */
  readonly shown?: readonly string[];
  /** The prompt's secret masks were Hearth's, not the file's text: a copy of one is cut. */
  readonly cutMasks?: boolean;
  /** The file's language puts a `'` before names (`tickNamesIn`): the bracket walks take `'a` for no quote. */
  readonly tickNames?: boolean;
}

/** Rust's lifetimes and loop labels (`&'a str`, `'outer:`), OCaml's and F#'s type variables (`'a list`). */
const TICK_NAME_FILES = /\.(?:rs|ml|mli|fs|fsi|fsx)$/i;

/** A name's first letter after its tick. */
const TICK_NAME_START = /[\p{L}_]/u;

/** Whether the file's language writes `'` before a name that no `'` closes (by its path's ending). */
export function tickNamesIn(path: string): boolean {
  return TICK_NAME_FILES.test(path);
}

/** A model's control token written out as text (`<|endoftext|>`, `<|fim_pad|>`, `<|im_end|>`, Llama's `<|eot_id|>` …). */
const CONTROL_TEXT = /<[|\uFF5C][A-Za-z0-9_.\-\u2581]{1,64}[|\uFF5C]>/;

/**
 * `text` up to the first control token in it, unless the text the model was shown has such
 * strings itself (a prompt builder: there the model may well write one). A server that
 * renders special tokens, or a model that spells one out, would put it in the editor.
 */
export function endBeforeControlText(text: string, shown: readonly string[]): string {
  const found = CONTROL_TEXT.exec(text);
  if (!found || shown.some((s) => CONTROL_TEXT.test(s))) return text;
  return text.slice(0, found.index);
}

/**
 * Cuts the model's text by the rules above; "" when nothing useful is left. U+FFFD and the
 * invisible characters end it too, unless what the model was shown holds them (`prompt.shown`:
 * the file's own, which the model may copy).
 */
export function trimCompletion(text: string, at: CursorLines, multiline: boolean, prompt: PromptFacts = {}): string {
  // A lone CR (a server's `\r` line ends) is a line break in the editor: as "\n", the rules below see it. CRLF stays as it came.
  text = text.replace(/\r(?!\n)/g, "\n");
  const unsafe = [UNSAFE.exec(text)?.index ?? -1, firstHidden(text, prompt.shown ?? [])].filter((i) => i >= 0);
  if (unsafe.length) {
    const first = Math.min(...unsafe);
    // A block keeps only its whole lines before it.
    const lineStart = text.lastIndexOf("\n", first);
    text = text.slice(0, multiline && lineStart > 0 ? lineStart : first);
  }
  const mask = prompt.cutMasks ? text.indexOf(MASK_START) : -1;
  if (mask >= 0) text = multiline ? text.slice(0, Math.max(0, text.lastIndexOf("\n", mask))) : text.slice(0, mask).replace(/\S*$/, "");
  // After code and a typed space, a model often starts with a token of its own space: `x =  1`.
  if (/[ \t]/.test(at.linePrefix.slice(-1)) && at.linePrefix.trim() !== "") text = text.replace(/^[ \t]+/, "");
  const ticks = prompt.tickNames === true;
  const cut = multiline ? cutBlock(text, at, ticks) : (text.split("\n")[0] ?? "");
  const kept = dropDuplicateOfRight(withinMaxChars(cut).replace(/\s+$/, ""), at);
  // A block's first line is on the cursor's line too (`f(|)`, where the engine asks for a block): cut there, the block ends.
  const first = kept.split("\n", 1)[0]!;
  const firstKept = withoutExtraClosers(first, at, ticks);
  return firstKept === first ? kept : firstKept;
}

/**
 * A line without the closer, and what follows, that would close a bracket the text right of
 * the cursor already closes: `foo(bar(|), 2)` + `x))` is `x`, not `foo(bar(x)), 2)`. Brackets
 * left open before the cursor that nothing on its right closes are the completion's to close
 * (`foo(bar(|)` + `x))` keeps `x)`); a bracket opened on a line above is not counted, so with
 * nothing right of the cursor to close one, the line is kept as it is. Not inside a string.
 */
function withoutExtraClosers(line: string, at: CursorLines, ticks: boolean): string {
  const left = bracketWalk(at.linePrefix, ticks);
  if (left.quote) return line;
  const closedOnRight = bracketWalk(at.lineSuffix, ticks).unmatched;
  if (closedOnRight === 0) return line;
  const free = Math.max(0, left.open - closedOnRight);
  let depth = 0;
  let end = line.length;
  outsideStrings(line, ticks, (c, i) => {
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c) && --depth < -free) end = i;
    return end < line.length;
  });
  return end < line.length ? line.slice(0, end).replace(/\s+$/, "") : line;
}

/** Brackets left open at the end of `text`, closers that close none of its own (`unmatched`), and the quote it ends inside, if any. */
function bracketWalk(text: string, ticks: boolean): { open: number; unmatched: number; quote: string } {
  let open = 0;
  let unmatched = 0;
  const quote = outsideStrings(text, ticks, (c) => {
    if ("([{".includes(c)) open++;
    else if (")]}".includes(c)) {
      if (open > 0) open--;
      else unmatched++;
    }
  });
  return { open, unmatched, quote };
}

/**
 * Shows `visit` each character of `text` outside strings (roughly: quotes toggle, a
 * backslash escapes) until it returns true; gives the quote `text` ends inside, "" if none.
 * With `ticks`, a `'` before a name that no `'` closes right after its first letter is a
 * lifetime, label or type variable (`&'a str`, `'outer:`), no quote; `'a'` still is one.
 */
function outsideStrings(text: string, ticks: boolean, visit: (c: string, i: number) => boolean | void): string {
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === "'" && ticks && TICK_NAME_START.test(text[i + 1] ?? "") && text[i + 2] !== "'") continue;
    else if (c === '"' || c === "'" || c === "`") quote = c;
    else if (visit(c, i) === true) break;
  }
  return quote;
}

/** The whole lines of `text` that fit in MAX_CHARS; "" when even the first does not. */
function withinMaxChars(text: string): string {
  if (text.length <= MAX_CHARS) return text;
  const end = text.lastIndexOf("\n", MAX_CHARS);
  return end < 0 ? "" : text.slice(0, end);
}

/**
 * A label a brace block holds at its opener's indentation: go's `case x:` and `default:` (gofmt
 * writes them so), C's in many styles, C++'s `public:`. Where the block ended at the first one,
 * a `switch` or a class body completed to nothing.
 */
const BLOCK_LABEL = /^\s*(?:case\b[^\n]*|default\s*|(?:public|private|protected)\s*):/;

/** The block's lines: stop when brackets close it, at a dedent, or after two blank lines. */
function cutBlock(text: string, at: CursorLines, ticks: boolean): string {
  const lines = text.split("\n");
  const opener = at.linePrefix.trim() === "" ? at.previousLine : at.linePrefix;
  const base = indentOf(opener);
  let depth = bracketDepth(opener, ticks);
  const bracketed = depth > 0;
  const braced = /\{\s*$/.test(opener);
  const out: string[] = [];
  let blanks = 0;
  for (const [i, line] of lines.entries()) {
    if (i >= MAX_LINES) break;
    if (line.trim() === "") {
      if (++blanks >= 2) break;
      out.push(line);
      continue;
    }
    blanks = 0;
    const closes = /^\s*[)\]}]/.test(line);
    const label = braced && BLOCK_LABEL.test(line);
    if (i > 0 && indentOf(line) <= base && !((closes || label) && indentOf(line) === base)) break;
    out.push(line);
    depth += bracketDepth(line, ticks);
    if (bracketed && depth <= 0) break;
  }
  return out.join("\n");
}

/** Open minus close brackets, outside strings (`outsideStrings`). */
function bracketDepth(line: string, ticks: boolean): number {
  const walk = bracketWalk(line, ticks);
  return walk.open - walk.unmatched;
}

/** Drops the end of the completion that repeats the text right of the cursor, or the next line. */
function dropDuplicateOfRight(text: string, at: CursorLines): string {
  const lines = text.split("\n");
  const right = at.lineSuffix.trim();
  // A last line that is the closing line already below the cursor — unless it is the closer
  // right of the cursor (`m() {|}` in a class: the `}` below is the class's, not this block's).
  const closing = lines.at(-1)!;
  const repeatsBelow = lines.length > 1 && at.nextLine.trim() !== "" && closing.trim() === at.nextLine.trim();
  if (repeatsBelow && !(right !== "" && withoutRepeatedRight(closing, right).trim() === "")) lines.pop();
  const last = lines.pop() ?? "";
  const kept = withoutRepeatedRight(last, right);
  lines.push(kept);
  const joined = lines.join("\n");
  // Cut before a repeat, the whitespace there separates the completion from the line's rest
  // (`if (user && |ready)`, not `user &&ready`) or puts the editor's `}` on its own line.
  if (kept !== last && !/^\s/.test(at.lineSuffix) && joined.trim() !== "") return joined;
  return joined.replace(/\s+$/, "");
}

/** `last` without its end that repeats the start of `right` (the rest of the cursor's line). */
function withoutRepeatedRight(last: string, right: string): string {
  if (!right) return last;
  // Only as much of the right side as the completion is long can be repeated (a minified line's rest may be megabytes).
  for (let k = Math.min(right.length, last.length); k > 0; k--) {
    if (last.endsWith(right.slice(0, k))) return last.slice(0, last.length - k);
  }
  // Closers the editor put there as `(` was typed, which the completion writes again before
  // ending the statement: `console.log(|)` + `x);` would leave `console.log(x);)`. Cut before
  // them; the `;` after is the user's to type.
  if (!ONLY_CLOSERS.test(right)) return last;
  let tail = last.length;
  while (tail > 0 && ONLY_CLOSERS.test(last[tail - 1]!)) tail--;
  for (let at = tail; at < last.length; at++) {
    if (last.startsWith(right, at) && /^[\s;,]*$/.test(last.slice(at + right.length))) return last.slice(0, at);
  }
  return last;
}
