/**
 * Context from the rest of the repository for a cursor: definitions of symbols used near
 * it (from the indexer), the file's imports when the prefix window no longer shows them,
 * and regions recently edited in other files.
 *
 * The context is the start of the prompt: if it changed with every key, nothing could be
 * reused. So it is looked up once per block of `CONTEXT_BLOCK` lines of a document and kept
 * while the cursor stays in that block; a lookup slower than `waitMs` is not waited for
 * (the request goes on with the previous context, the next one gets the new one).
 */
import type { CompletionContext } from "../indexer/index.ts";
import { type ContextPiece, secretSafeFrom, secretSafeUpTo } from "./prompt.ts";
import { looksLikeSecrets } from "../protocol/secret-files.ts";
import { wait } from "../protocol/wait.ts";

/** Looks up the indexer's context at a line (IndexClient.contextAt); `character` matters in a very long line. */
export type ContextLookup = (path: string, line: number, text: string, character: number) => Promise<CompletionContext | undefined>;

/** A region of another file the user edited recently. */
export interface RecentEdit {
  readonly path: string;
  /** Zero-based line of the latest change. */
  readonly line: number;
  readonly text: string;
}

export const CONTEXT_BLOCK = 16;
/** Lines shown around a recent edit. */
const EDIT_RADIUS = 4;

interface Held {
  readonly block: number;
  readonly pieces: readonly ContextPiece[];
}

export class ContextGatherer {
  private readonly held = new Map<string, Held>();
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly lookup: ContextLookup | undefined,
    private readonly waitMs = 40,
    /** Files whose lines never go into another file's prompt (secrets, the user's exclusions). */
    private readonly excluded: (path: string) => boolean = (path) => looksLikeSecrets(path),
  ) {}

  /** Context for `path` at `line`, most relevant first. */
  async at(path: string, line: number, text: string, recent: readonly RecentEdit[], signal?: AbortSignal, character = 0): Promise<readonly ContextPiece[]> {
    const block = Math.floor(line / CONTEXT_BLOCK);
    const held = this.held.get(path);
    if (held?.block === block) return held.pieces;
    const key = `${path}:${block}`;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.fetch(path, line, character, text, recent)
        .then((pieces) => void this.held.set(path, { block, pieces }))
        .catch(() => undefined)
        .finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    await Promise.race([pending, wait(this.waitMs, signal)]);
    return this.held.get(path)?.pieces ?? [];
  }

  forget(path: string): void {
    this.held.delete(path);
  }

  private async fetch(path: string, line: number, character: number, text: string, recent: readonly RecentEdit[]): Promise<ContextPiece[]> {
    const found = this.lookup ? await this.lookup(path, line, text, character) : undefined;
    return [...definitionPieces(found, path, line, this.excluded), ...recentEditPieces(recent, path, this.excluded)];
  }
}

/** Snippets first (nearest use first), then the imports if the cursor is far below them. */
export function definitionPieces(found: CompletionContext | undefined, path: string, line: number, excluded = (p: string) => looksLikeSecrets(p)): ContextPiece[] {
  if (!found) return [];
  // A secrets file's lines never go into another file's prompt (src/protocol/secret-files.ts).
  const pieces: ContextPiece[] = found.snippets.filter((s) => !excluded(s.path)).map((s) => ({ path: s.path, text: s.text }));
  if (found.imports.length && line > 100) pieces.push({ path, text: found.imports.join("\n") });
  return pieces;
}

/** A few lines around each recent edit in another file, newest first. */
export function recentEditPieces(recent: readonly RecentEdit[], path: string, excluded = (p: string) => looksLikeSecrets(p)): ContextPiece[] {
  return recent
    .filter((edit) => edit.path !== path && !excluded(edit.path))
    .slice(0, 3)
    .map((edit) => {
      const from = lineStart(edit.text, Math.max(0, edit.line - EDIT_RADIUS)) ?? edit.text.length;
      const next = lineStart(edit.text, edit.line + EDIT_RADIUS + 1);
      const to = next === undefined ? edit.text.length : next - 1;
      // Not from or up to the middle of a secret value (a key block's lines): the prompt masks only whole ones.
      const start = secretSafeFrom(edit.text, from, to);
      return { path: edit.path, text: edit.text.slice(start, secretSafeUpTo(edit.text, start, to)) };
    });
}

/** Where zero-based line `line` of `text` starts; undefined past its last line. */
function lineStart(text: string, line: number): number | undefined {
  let offset = 0;
  for (let l = 0; l < line; l++) {
    const next = text.indexOf("\n", offset);
    if (next < 0) return undefined;
    offset = next + 1;
  }
  return offset;
}
