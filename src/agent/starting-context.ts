/**
 * What a fix starts from besides the issue: the files the index ranks for it and the code
 * of the functions/classes in them that the issue points at (`locateEntities`), best
 * first, as exact lines of the files, within a token budget. A local model that sees the
 * code it must change in its first prompt does not have to find it with tool calls.
 *
 * Budget rule: whole entities only — one that does not fit is skipped and the next one is
 * tried, never cut in the middle. Nothing is shown twice: an entity inside (or around) one
 * already taken is skipped, and so is one whose every line the prompt already shows (a
 * one-line definition the repository map lists).
 *
 * A secret value pasted into the code (a token, a key block) is masked, as in what the tools
 * and the repository map show (protocol/secret-values.ts), and the block says where.
 */
import { DEFAULT_LIMITS, type IndexQueries, type LocatedEntity, shownPath } from "../indexer/index.ts";
import { type MaskedValue, maskSecrets } from "../protocol/secret-values.ts";
import type { Workspace } from "../tools/index.ts";
import { maskedNote } from "../tools/secret-values.ts";
import { estimateTokens, type TokenCounter } from "./project-context.ts";

/** One entity's code as it goes into the prompt. */
export interface StartingCode {
  readonly path: string;
  /** One-based first and last line shown. */
  readonly start: number;
  readonly end: number;
  readonly name: string;
  /** The file's lines start..end, joined with "\n", secret values masked (line for line). */
  readonly text: string;
  /** What was masked, by the file's line numbers. */
  readonly masked?: readonly MaskedValue[];
}

export interface StartingContext {
  /** Ranked files the issue matches, best first (what the model is pointed at). */
  readonly files: string[];
  readonly code: StartingCode[];
  /** Tokens the code blocks take in the message. */
  readonly codeTokens: number;
}

export interface StartingContextOptions {
  /** Files to rank (default 5). */
  readonly files?: number;
  /** Entities to consider, best first (default 10). */
  readonly entities?: number;
  /** Token budget of the code blocks (default DEFAULT_STARTING_CODE_TOKENS). */
  readonly budgetTokens?: number;
  /** The model's tokenizer where there is one (`backendTokenCounter`); an estimate otherwise. */
  readonly countTokens?: TokenCounter;
  /** Prompt text the model already has (the repository map): lines it holds are not repeated. */
  readonly alreadyShown?: string;
  /**
   * A file larger than this now is not read (default: the index's default limit): it was
   * not when it was indexed, and one grown to gigabytes since would be read whole.
   */
  readonly maxFileBytes?: number;
  readonly signal?: AbortSignal;
}

/** Tokens of entity code in a fix's first message by default. */
export const DEFAULT_STARTING_CODE_TOKENS = 2500;

/** The ranked files and the top entities' code for `issue`; empty without an index. */
export async function startingContext(index: IndexQueries | undefined, workspace: Workspace, issue: string, options: StartingContextOptions = {}): Promise<StartingContext> {
  if (!index) return { files: [], code: [], codeTokens: 0 };
  const located = await index.locate(issue, { top: options.files ?? 5 });
  const entities = await index.locateEntities(issue, located, { top: options.entities ?? 10 });
  const count = options.countTokens ?? estimateTokens;
  const budget = Math.max(0, options.budgetTokens ?? DEFAULT_STARTING_CODE_TOKENS);
  const shown = shownLines(options.alreadyShown ?? "");
  const code: StartingCode[] = [];
  let used = 0;
  for (const entity of entities) {
    if (options.signal?.aborted) break;
    if (code.some((c) => c.path === entity.path && c.start <= entity.endLine && entity.line <= c.end)) continue;
    const block = await entityCode(workspace, entity, options.maxFileBytes ?? DEFAULT_LIMITS.maxFileBytes);
    if (!block || block.text.split("\n").every((l) => l.trim() === "" || shown.has(l.trim()))) continue;
    // A tokenizer that fails (a model still loading) must not cost the fix its context.
    const text = renderCode(block);
    const tokens = await count(text, options.signal).catch(() => estimateTokens(text));
    if (used + tokens > budget) continue;
    code.push(block);
    used += tokens;
  }
  // A file with a score of 0 matched nothing in the issue: it only filled the list, and named
  // as related it would send the model to read it.
  return { files: located.filter((f) => f.score > 0).map((f) => f.path), code, codeTokens: used };
}

/** `path:start-end` and the lines in a fence longer than any backtick run in them. */
export function renderCode(code: StartingCode): string {
  // A loop, not Math.max(...runs): a spread of 200,000 runs (generated markup) overflows the stack.
  let longest = 2;
  for (const m of code.text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = "`".repeat(longest + 1);
  const note = maskedNote(code.masked ?? []).map((line) => `\n${line}`).join("");
  return `${shownPath(code.path)}:${code.start}-${code.end} (${code.name})\n${fence}\n${code.text}\n${fence}${note}`;
}

/**
 * The entity's lines as the file has them now; undefined when the file is gone or shorter,
 * larger than `maxBytes` (a 1 GB file ended the fix: no string holds it) or not a regular
 * file (the workspace refuses a FIFO or a device).
 */
async function entityCode(workspace: Workspace, entity: LocatedEntity, maxBytes: number): Promise<StartingCode | undefined> {
  let bytes: Uint8Array;
  try {
    const info = await workspace.stat(entity.path);
    // No file on disk may still be an editor's unsaved one: the workspace reads that.
    if (info && (info.type !== "file" || info.size > maxBytes)) return undefined;
    bytes = await workspace.read(entity.path);
  } catch {
    return undefined;
  }
  // Grown past the limit between the two looks: not decoded either.
  if (bytes.length > maxBytes) return undefined;
  const lines = new TextDecoder().decode(bytes).split(/\r?\n/);
  if (entity.line < 1 || entity.endLine > lines.length || entity.endLine < entity.line) return undefined;
  const name = entity.scope ? `${entity.scope}.${entity.name}` : entity.name;
  const { text, masked } = maskSecrets(lines.slice(entity.line - 1, entity.endLine).join("\n"));
  const start = entity.line;
  const shown = { path: entity.path, start, end: entity.endLine, name, text };
  return masked.length === 0 ? shown : { ...shown, masked: masked.map((m) => ({ ...m, line: m.line + start - 1, ...(m.lastLine ? { lastLine: m.lastLine + start - 1 } : {}) })) };
}

/** The trimmed lines of prompt text, without a repo map's `  12│ ` gutter. */
function shownLines(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split("\n")) out.add(line.replace(/^\s*\d+│/, "").trim());
  out.delete("");
  return out;
}
