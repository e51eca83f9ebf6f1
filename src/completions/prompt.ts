/**
 * The FIM request for a cursor, laid out so that consecutive keystrokes share the longest
 * possible token prefix (the backend keeps the evaluated state of the previous request):
 *
 *   [context files: fixed for the cursor's block of lines] [prefix window] <cursor> [suffix]
 *
 * - The prefix window starts on a line that moves only in steps of `PREFIX_STEP` lines, so
 *   typing never shifts its start; `prefixStableChars` marks the start of the cursor's line,
 *   where the backend takes a checkpoint (what follows changes with every key).
 * - The suffix is short: it comes after the cursor, so it is re-evaluated on every key.
 * - Context snippets fill a token budget, most relevant first, and are written in a fixed
 *   order (most relevant last, nearest the cursor's file).
 * - Secret values (a token, a password in a URL, a private key block: `maskSecrets`, as the
 *   agent's tools show them) are masked in all of it; a cut never falls inside one, so no
 *   part of one is sent unmasked. The model may be a server elsewhere (`hearth.serverUrl`).
 */
import type { FimRequest } from "../models/index.ts";
import { estimateTokens } from "../indexer/index.ts";
import { wellFormed } from "../protocol/plain-text.ts";
import { MASK_START, maskSecrets, secretSafeEnd, secretSafeStart } from "../protocol/secret-values.ts";

export interface PromptBudget {
  /** Lines of the cursor's file before the cursor (at most). */
  readonly prefixLines: number;
  /** Characters of prefix (at most; cut at a line start). */
  readonly prefixChars: number;
  /** Lines after the cursor's line. */
  readonly suffixLines: number;
  readonly suffixChars: number;
  /** Tokens for other files' context. */
  readonly contextTokens: number;
  /** Characters of a notebook's earlier cells before the cell's own window. */
  readonly earlierCellsChars: number;
}

export const DEFAULT_BUDGET: PromptBudget = { prefixLines: 120, prefixChars: 6000, suffixLines: 6, suffixChars: 400, contextTokens: 1024, earlierCellsChars: 4000 };

/** The window moves in steps of this many lines. */
export const PREFIX_STEP = 32;
/** Within a line longer than the prefix budget, the window's start moves in steps of this many characters. */
const LINE_STEP = 512;

/** A piece of context for the prompt (another file's definition, an import block, a recent edit). */
export interface ContextPiece {
  readonly path: string;
  readonly text: string;
}

export interface PromptInput {
  /** Workspace-relative path of the cursor's file. */
  readonly path: string;
  /** The whole document text. */
  readonly text: string;
  /** Cursor offset in `text`. */
  readonly offset: number;
  /** The cursor's zero-based line, when the caller knows it (saves counting the lines above). */
  readonly line?: number;
  /** A notebook cell: the texts of the notebook's earlier cells of its language, nearest first. */
  readonly earlierCells?: readonly string[];
  /** Context, most relevant first. */
  readonly context?: readonly ContextPiece[];
  readonly repoName?: string;
  readonly budget?: Partial<PromptBudget>;
}

export type FimPrompt = Pick<FimRequest, "prefix" | "suffix" | "context" | "repoName" | "prefixStableChars">;

export function buildFimPrompt(input: PromptInput): FimPrompt {
  const budget = { ...DEFAULT_BUDGET, ...input.budget };
  const before = input.text.slice(0, input.offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  const start = secretSafeFrom(input.text, before.length - prefixWindow(before, lineStart, budget, input.line).length, input.offset);
  const window = masked(before.slice(start));
  // The earlier cells of a notebook come first, as if the notebook were one file: they do not
  // change while the user types in this cell, so the backend's state for them is reused.
  const cells = earlierCellsText((input.earlierCells ?? []).map(masked), budget.earlierCellsChars);
  const suffix = suffixWindow(input.text.slice(input.offset), budget);
  const context = fitContext(input.context ?? [], budget.contextTokens);
  return {
    prefix: wellFormed(cells + window),
    suffix: wellFormed(masked(suffix.slice(0, secretSafeUpTo(input.text, input.offset, input.offset + suffix.length) - input.offset))),
    // A window that starts inside the cursor's line (one huge line) has no stable point; masking keeps the lines.
    prefixStableChars: start <= lineStart ? cells.length + window.lastIndexOf("\n") + 1 : 0,
    ...(context.length ? { context } : {}),
    ...(input.repoName ? { repoName: input.repoName } : {}),
  };
}

/** How far around a cut a secret value may reach (a key block is at most 8,192 characters). */
const SECRET_REACH = 10_000;

/** `from`, or the end of the secret value it falls inside (never past `limit`). */
export function secretSafeFrom(text: string, from: number, limit = text.length): number {
  const [lo, hi] = secretReach(text, from);
  return Math.min(limit, lo + secretSafeStart(text.slice(lo, hi), from - lo));
}

/** `to`, or the start of the secret value it falls inside (never before `limit`). */
export function secretSafeUpTo(text: string, limit: number, to: number): number {
  const [lo, hi] = secretReach(text, to);
  return Math.max(limit, lo + secretSafeEnd(text.slice(lo, hi), to - lo));
}

/**
 * Where a secret value holding `at` may lie: SECRET_REACH either side where a private key
 * block may be (its lines), else only `at`'s line (a token or a URL's password is on one), so
 * that a file with a few secrets is not scanned line by line around the cursor on every key.
 */
function secretReach(text: string, at: number): [number, number] {
  const lo = Math.max(0, at - SECRET_REACH);
  const hi = Math.min(text.length, at + SECRET_REACH);
  if (text.slice(lo, hi).includes("PRIVATE KEY")) return [lo, hi];
  const lineEnd = text.indexOf("\n", at);
  return [Math.max(lo, text.lastIndexOf("\n", at - 1) + 1), Math.min(hi, lineEnd < 0 ? text.length : lineEnd)];
}

/**
 * A word that is a token being typed: a provider's known prefix and four characters or more of
 * its body, short of the length `maskSecrets` masks (a GitHub token's 36), where each keystroke
 * would send one more of its characters. Not npm's `npm_`: `npm_config_registry` is code.
 */
const TOKEN_BEGUN = new RegExp(`^${tokenBegun(4)}`);
/**
 * A token typed most of the way and left so (the cursor moved on, a character missed): a word
 * with a known prefix and eight characters or more of its body, masked in all the prompt
 * holds — at 35 of a GitHub token's 36 characters the rest is a guess away. Eight, so that
 * words like `sk-learn` stay as written.
 */
const TOKEN_LEFT_BEGUN = new RegExp(`(?<![A-Za-z0-9_-])${tokenBegun(8)}[A-Za-z0-9_-]*`, "g");

/**
 * A provider's known token prefix and `body` characters of the token's own. After `sk-`, a word
 * with an uppercase letter somewhere (OpenAI's and Anthropic's bodies are mixed-case): one of
 * lowercase parts and digits is a name — a CSS class (SpinKit's `.sk-fading-circle`), a package.
 */
function tokenBegun(body: number): string {
  return `(?:gh[pousr]_[A-Za-z0-9]{${body}}|github_pat_[A-Za-z0-9]{${body}}|sk-(?=[A-Za-z0-9_-]*[A-Z])[A-Za-z0-9_-]{${body}}|xox[bpars]-\\d{${body}}|[rs]k_live_[A-Za-z0-9]{${body}}|AIza[A-Za-z0-9_-]{${body}})`;
}

/** `text` as the model may see it: secret values masked (`maskSecrets`), and tokens left half typed. */
function masked(text: string): string {
  return maskSecrets(text).text.replace(TOKEN_LEFT_BEGUN, `${MASK_START}token, partly typed]`);
}
/** How far a token's word may reach either side of the cursor (github_pat_'s 93 characters, and then some). */
const TOKEN_REACH = 300;

/** Whether `offset` falls inside a secret value of `text` (a token, a password, a private key block, one not yet ended, a token being typed). */
export function insideSecret(text: string, offset: number): boolean {
  return tokenBegunAt(text, offset) || secretSafeFrom(text, offset) !== offset || secretSafeUpTo(text, 0, offset) !== offset;
}

/** Whether the word around `offset` (letters, digits, `_` and `-`: `task-list` is one word, no `sk-` token) is a token being typed. */
function tokenBegunAt(text: string, offset: number): boolean {
  const before = /[A-Za-z0-9_-]*$/.exec(text.slice(Math.max(0, offset - TOKEN_REACH), offset))![0];
  const after = /^[A-Za-z0-9_-]*/.exec(text.slice(offset, offset + TOKEN_REACH))![0];
  return TOKEN_BEGUN.test(before + after);
}

/** Text before the cursor from a line that moves in PREFIX_STEP-line steps. */
function prefixWindow(before: string, lineStart: number, budget: PromptBudget, line?: number): string {
  const onLine = before.length - lineStart;
  // One line longer than the budget (minified code): start inside it, in LINE_STEP steps.
  if (onLine > budget.prefixChars) {
    let start = lineStart + Math.ceil((onLine - budget.prefixChars) / LINE_STEP) * LINE_STEP;
    if (isLowSurrogate(before.charCodeAt(start))) start++;
    return before.slice(start);
  }
  const cursorLine = line ?? countLines(before, lineStart);
  let first = Math.floor(Math.max(0, cursorLine - budget.prefixLines) / PREFIX_STEP) * PREFIX_STEP;
  if (cursorLine - first > budget.prefixLines) first += PREFIX_STEP;
  // starts[k]: where line `cursorLine - k` starts, walking back from the cursor's line.
  const starts = [lineStart];
  for (let at = lineStart; starts.length <= cursorLine - first && at > 0; starts.push(at)) at = at <= 1 ? 0 : before.lastIndexOf("\n", at - 2) + 1;
  const startOf = (l: number) => starts[Math.min(cursorLine - l, starts.length - 1)]!;
  while (first < cursorLine && lineStart - startOf(first) > budget.prefixChars) first += PREFIX_STEP;
  return before.slice(startOf(Math.min(first, cursorLine)));
}

/**
 * Earlier cells (nearest first) within `chars`, written in notebook order, each followed by a
 * blank line; the nearest that does not fit whole gives its last lines that do.
 */
function earlierCellsText(cells: readonly string[], chars: number): string {
  const parts: string[] = [];
  let left = chars;
  for (const cell of cells) {
    // trimEnd, not /\s+$/ (the same blanks), which scanned from every blank of a run to its end: a cell of 1 MB of
    // spaces then a letter held the runtime some 10 minutes.
    const text = cell.trimEnd();
    if (!text) continue;
    if (text.length + 2 <= left) {
      parts.push(text);
      left -= text.length + 2;
      continue;
    }
    const tail = text.slice(text.length - Math.max(0, left - 2));
    const lineStart = tail.indexOf("\n") + 1;
    if (lineStart > 0 && lineStart < tail.length) parts.push(tail.slice(lineStart));
    break;
  }
  return parts.reverse().map((p) => `${p}\n\n`).join("");
}

/** Newlines before `end`. */
function countLines(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < end; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** The rest of the cursor's line and a few lines after it, within the character budget. */
function suffixWindow(after: string, budget: PromptBudget): string {
  let end = -1;
  for (let i = 0; i <= budget.suffixLines; i++) {
    const next = after.indexOf("\n", end + 1);
    if (next < 0) return after.length <= budget.suffixChars ? after : withoutSplitPair(after.slice(0, budget.suffixChars));
    if (next > budget.suffixChars) break;
    end = next;
  }
  return after.slice(0, Math.max(0, end + 1)) || withoutSplitPair(after.slice(0, Math.min(after.length, budget.suffixChars)));
}

/** `text` without a last high surrogate whose pair was cut off. */
function withoutSplitPair(text: string): string {
  const last = text.charCodeAt(text.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? text.slice(0, -1) : text;
}

/**
 * Pieces within the budget (most relevant first), merged by file, most relevant file last;
 * well-formed text, as the window (the engine sends what this returns).
 */
export function fitContext(pieces: readonly ContextPiece[], tokens: number): { path: string; content: string }[] {
  const byFile = new Map<string, string[]>();
  let used = 0;
  for (const piece of pieces) {
    const cost = estimateTokens(piece.text) + estimateTokens(piece.path) + 2;
    if (used + cost > tokens) continue;
    used += cost;
    const texts = byFile.get(piece.path) ?? [];
    if (!texts.includes(piece.text)) texts.push(piece.text);
    byFile.set(piece.path, texts);
  }
  return [...byFile.entries()].reverse().map(([path, texts]) => ({ path: wellFormed(path), content: wellFormed(masked(texts.join("\n...\n"))) }));
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
