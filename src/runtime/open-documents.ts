/**
 * The text of every document open in the editor, as LSP's didOpen / didChange / didClose
 * report it. vscode-languageserver allows one handler per notification, so index-wiring.ts
 * registers them and updates this; anything else in the runtime that needs unsaved text
 * (the agent's editor workspace, completions, the index) reads it here. For inline
 * completions it also keeps each document's version and where it was last edited (the
 * "recently edited regions" completions show from other files).
 *
 * Sync is incremental (INDEX_CAPABILITIES): each didChange carries only the edited ranges,
 * applied in order to this copy (positions in UTF-16 code units, lines broken at \r\n, \r
 * or \n). A change without a range replaces the whole text, as before. A notification that
 * cannot be applied — a range past the end of the document, a reversed range, a version not
 * after the copy's, a change to a document that was never opened — leaves the copy as it was
 * and marks the document out of sync (logged; a whole text with a stale version is only
 * ignored, the copy is newer): LSP has no request for the whole text again,
 * and applying later ranges to a copy that missed an edit would corrupt it silently. Out of
 * sync, `text()` is undefined (no completions in it, the index follows the file on disk),
 * `get()` reports it dirty (the agent never writes over it) and further ranges are ignored,
 * until a change without a range or a new didOpen (the user closes and reopens it) brings
 * the whole text again.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Position, TextDocument, type TextDocumentContentChangeEvent } from "vscode-languageserver-textdocument";
import { log } from "./log.ts";

export type { TextDocumentContentChangeEvent };

interface Tracked {
  /** The copy, as of the last notification applied whole. */
  readonly doc: TextDocument;
  /** False once a notification could not be applied (see the file comment). */
  readonly inSync: boolean;
  /** Zero-based line of the latest edit, and when (Date.now()). */
  readonly editedLine?: number;
  readonly editedAt?: number;
}

/** A region of an open document the user edited recently. */
export interface RecentlyEdited {
  readonly uri: string;
  readonly text: string;
  readonly line: number;
}

/** What became of one didChange: applied, refused (the document is now out of sync), or a stale whole text ignored. */
export type ChangeOutcome = "applied" | "outOfSync" | "ignored";

export class OpenDocuments {
  private readonly tracked = new Map<string, Tracked>();
  private readonly closeListeners: ((uri: string) => void)[] = [];

  opened(uri: string, text: string, version = 0): void {
    this.tracked.set(uri, { doc: TextDocument.create(uri, "", version, text), inSync: true });
  }

  /** Applies one didChange's `contentChanges` in order; `version` is the document's after all of them. */
  changed(uri: string, changes: readonly TextDocumentContentChangeEvent[], version?: number): ChangeOutcome {
    const previous = this.tracked.get(uri);
    const whole = changes.findIndex((c) => !("range" in c));
    const next = version ?? (previous?.doc.version ?? 0) + 1;
    if (changes.length === 0) return "ignored";
    if (previous && next <= previous.doc.version) {
      return whole >= 0 ? "ignored" : this.outOfSync(uri, previous, `version ${next} is not after ${previous.doc.version}`);
    }
    // Out of sync (or never opened), ranges have nothing to apply to until a whole text comes.
    const from = previous?.inSync ? 0 : whole;
    if (from < 0) return previous ? "ignored" : this.outOfSync(uri, undefined, "ranges for a document that was never opened");
    const before = previous && { text: previous.doc.getText(), version: previous.doc.version };
    const applied = applyChanges(previous?.inSync ? previous.doc : TextDocument.create(uri, "", next, ""), changes.slice(from), next);
    if (typeof applied === "string") {
      // applyChanges edits the copy in place: put back the text as it was before this notification.
      const restored = before && { ...previous, doc: TextDocument.create(uri, "", before.version, before.text) };
      return this.outOfSync(uri, restored, applied);
    }
    const line = applied.line ?? (before && firstDifferentLine(before.text, applied.doc.getText()));
    this.tracked.set(uri, { doc: applied.doc, inSync: true, ...(line === undefined ? {} : { editedLine: line, editedAt: Date.now() }) });
    return "applied";
  }

  closed(uri: string): void {
    this.tracked.delete(uri);
    for (const listener of this.closeListeners) listener(uri);
  }

  /** The editor's text of an open document, or undefined when it is not open or out of sync. */
  text(uri: string): string | undefined {
    const tracked = this.tracked.get(uri);
    return tracked?.inSync ? tracked.doc.getText() : undefined;
  }

  /** The document's version as the client last reported it (and the copy was applied). */
  version(uri: string): number | undefined {
    return this.tracked.get(uri)?.doc.version;
  }

  /**
   * An open document and whether it has changes that are not on disk. "Dirty" is decided
   * by content, not by the editor's flag: a buffer that equals the file is safe to replace.
   * Out of sync it is dirty whatever the copy says: the editor may hold anything.
   */
  get(uri: string): { readonly text: string; readonly dirty: boolean } | undefined {
    const tracked = this.tracked.get(uri);
    if (!tracked) return undefined;
    const text = tracked.doc.getText();
    return { text, dirty: !tracked.inSync || text !== diskText(uri) };
  }

  onClosed(listener: (uri: string) => void): void {
    this.closeListeners.push(listener);
  }

  /** Documents edited in the last `withinMs`, newest first, with the line of their latest edit. */
  recentlyEdited(withinMs = 10 * 60_000): RecentlyEdited[] {
    const since = Date.now() - withinMs;
    return [...this.tracked.entries()]
      .filter(([, t]) => t.inSync && t.editedAt !== undefined && t.editedAt >= since)
      .sort((a, b) => b[1].editedAt! - a[1].editedAt!)
      .map(([uri, t]) => ({ uri, text: t.doc.getText(), line: t.editedLine! }));
  }

  private outOfSync(uri: string, previous: Tracked | undefined, why: string): ChangeOutcome {
    if (previous?.inSync !== false) log("warn", `${uri}: the editor's change cannot be applied (${why}); its text is out of sync until it is reopened`);
    if (previous) this.tracked.set(uri, { doc: previous.doc, inSync: false });
    return "outOfSync";
  }
}

/**
 * Applies `changes` in order to `doc` (in place where it can: keeping the line starts of a
 * big document is what makes a keystroke cheap), or says why one cannot be applied; `doc` is
 * then partly changed and must be dropped. `line` is where the last ranged change starts
 * (undefined when the last change was a whole text). A character past the end of its line
 * means the line's end, as LSP says; a line past the last one, a negative position or an
 * end before the start is refused.
 */
export function applyChanges(
  doc: TextDocument,
  changes: readonly TextDocumentContentChangeEvent[],
  version: number,
): { readonly doc: TextDocument; readonly line?: number } | string {
  let current = doc;
  let line: number | undefined;
  for (const [i, change] of changes.entries()) {
    if (!("range" in change)) {
      current = TextDocument.create(doc.uri, doc.languageId, version, change.text);
      line = undefined;
      continue;
    }
    const problem = rangeProblem(change.range, current.lineCount);
    if (problem) return `change ${i + 1} of ${changes.length}: ${problem}`;
    const at = current.offsetAt(change.range.start);
    TextDocument.update(current, [change], version);
    line = change.range.start.line;
    // The package updates its line starts from the inserted text alone: a lone \r at either edge of the edit may now pair with a \n (or no longer), so count them again.
    const text = current.getText();
    if (text[at - 1] === "\r" || text[at + change.text.length - 1] === "\r") current = TextDocument.create(doc.uri, doc.languageId, version, text);
  }
  return line === undefined ? { doc: current } : { doc: current, line };
}

function rangeProblem({ start, end }: { readonly start: Position; readonly end: Position }, lineCount: number): string | undefined {
  for (const p of [start, end]) {
    if (!Number.isInteger(p.line) || !Number.isInteger(p.character) || p.line < 0 || p.character < 0) return `position ${p.line}:${p.character} is not a position`;
    if (p.line >= lineCount) return `line ${p.line} is past the end (${lineCount} lines)`;
  }
  if (end.line < start.line || (end.line === start.line && end.character < start.character)) return "the range ends before it starts";
  return undefined;
}

function diskText(uri: string): string | undefined {
  try {
    return readFileSync(fileURLToPath(uri), "utf8");
  } catch {
    return undefined; // unsaved new file, or gone from disk
  }
}

/** Characters compared at once (natively) before the one-by-one loop: finding an edit near the end of a 7 MB text took 16 ms one by one, 1 ms so. */
const SAME_CHUNK = 4096;

function firstDifferentLine(before: string, after: string): number {
  const n = Math.min(before.length, after.length);
  let i = 0;
  while (i + SAME_CHUNK <= n && before.slice(i, i + SAME_CHUNK) === after.slice(i, i + SAME_CHUNK)) i += SAME_CHUNK;
  while (i < n && before.charCodeAt(i) === after.charCodeAt(i)) i++;
  let line = 0;
  for (let at = after.indexOf("\n"); at >= 0 && at < i; at = after.indexOf("\n", at + 1)) line++;
  return line;
}
