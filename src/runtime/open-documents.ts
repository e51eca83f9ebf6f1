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
 * ignored, the copy is newer): applying later ranges to a copy that missed an edit would
 * corrupt it silently. Out of sync, `text()` is undefined (no completions in it, the index
 * follows the file on disk), `get()` reports it dirty (the agent never writes over it) and
 * further ranges are ignored, until the whole text comes again: a change without a range, a
 * new didOpen, or the answer to a resync.
 *
 * Resync: LSP has no request for the whole text, so when a document goes out of sync the
 * runtime asks the client once (`hearth/document/resync`, through `resyncWith`) and takes its
 * answer if it is not older than any change already received; changes that arrive after it
 * apply on top, and those the answer already holds (a version not after the answer's) are
 * dropped. Nothing waits for the answer. One request per time a document goes out of sync: an
 * answer that is unusable (an error — an old client or the CLI answer MethodNotFound —, null
 * because the client has no such document, or older than a change received meanwhile) is
 * logged and the document stays out of sync without asking again until it is reopened or
 * closed (an answer after either is dropped) or a whole text brings it back.
 */
import { isUtf8 } from "node:buffer";
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Position, TextDocument, type TextDocumentContentChangeEvent } from "vscode-languageserver-textdocument";
import { editorText, windows1252Text } from "../tools/text-file.ts";
import { log } from "./log.ts";

export type { TextDocumentContentChangeEvent };

interface Tracked {
  /** The copy, as of the last notification applied whole. */
  readonly doc: TextDocument;
  /** False once a notification could not be applied (see the file comment). */
  readonly inSync: boolean;
  /**
   * Zero-based line of the latest edit, and when, on the monotonic clock (`performance.now()`):
   * with Date.now() a clock set back a day left earlier edits newest and recent for that day.
   */
  readonly editedLine?: number;
  readonly editedAt?: number;
  /** The version of the resync answer this copy was rebuilt from: ranged changes up to it are in the text already. */
  readonly resynced?: number;
}

/** The client's whole text of a document and its version, as a resync answers it (null: not open there). */
export interface ResyncAnswer {
  readonly text: string;
  readonly version: number;
}

/** One out-of-sync spell of a document (its resync's identity): the newest version received since it began. */
interface Resync {
  newest: number;
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
  private readonly resyncListeners: ((uri: string) => void)[] = [];
  /** Documents out of sync since they last were in sync (or opened, or closed): at most one resync each. */
  private readonly resyncs = new Map<string, Resync>();
  private ask: ((uri: string) => Promise<ResyncAnswer | null | undefined>) | undefined;

  /** How to ask the client for a document's whole text (index-wiring.ts: `hearth/document/resync`). */
  resyncWith(ask: (uri: string) => Promise<ResyncAnswer | null | undefined>): void {
    this.ask = ask;
  }

  /** Called when a resync answer brought a document back in sync (its text changed). */
  onResynced(listener: (uri: string) => void): void {
    this.resyncListeners.push(listener);
  }

  opened(uri: string, text: string, version = 0): void {
    this.resyncs.delete(keyOf(uri));
    this.tracked.set(keyOf(uri), { doc: TextDocument.create(uri, "", version, text), inSync: true });
  }

  /** Applies one didChange's `contentChanges` in order; `version` is the document's after all of them. */
  changed(uri: string, changes: readonly TextDocumentContentChangeEvent[], version?: number): ChangeOutcome {
    const previous = this.tracked.get(keyOf(uri));
    const whole = changes.findIndex((c) => !("range" in c));
    const next = version ?? (previous?.doc.version ?? 0) + 1;
    if (changes.length === 0) return "ignored";
    if (previous?.resynced !== undefined && whole < 0 && next <= previous.resynced) return "ignored";
    const spell = this.resyncs.get(keyOf(uri));
    if (spell) spell.newest = Math.max(spell.newest, next);
    if (previous && next <= previous.doc.version) {
      return whole >= 0 ? "ignored" : this.outOfSync(uri, previous, `version ${next} is not after ${previous.doc.version}`, next);
    }
    // Out of sync (or never opened), ranges have nothing to apply to until a whole text comes.
    const from = previous?.inSync ? 0 : whole;
    if (from < 0) return previous ? "ignored" : this.outOfSync(uri, undefined, "ranges for a document that was never opened", next);
    const before = previous && { text: previous.doc.getText(), version: previous.doc.version };
    const applied = applyChanges(previous?.inSync ? previous.doc : TextDocument.create(uri, "", next, ""), changes.slice(from), next);
    if (typeof applied === "string") {
      // applyChanges edits the copy in place: put back the text as it was before this notification.
      const restored = before && { ...previous, doc: TextDocument.create(uri, "", before.version, before.text) };
      return this.outOfSync(uri, restored, applied, next);
    }
    const line = applied.line ?? (before && firstDifferentLine(before.text, applied.doc.getText()));
    this.resyncs.delete(keyOf(uri));
    this.tracked.set(keyOf(uri), {
      doc: applied.doc,
      inSync: true,
      ...(line === undefined ? {} : { editedLine: line, editedAt: performance.now() }),
      ...(previous?.resynced === undefined ? {} : { resynced: previous.resynced }),
    });
    return "applied";
  }

  closed(uri: string): void {
    this.resyncs.delete(keyOf(uri));
    this.tracked.delete(keyOf(uri));
    for (const listener of this.closeListeners) listener(uri);
  }

  /** The editor's text of an open document, or undefined when it is not open or out of sync. */
  text(uri: string): string | undefined {
    const tracked = this.tracked.get(keyOf(uri));
    return tracked?.inSync ? tracked.doc.getText() : undefined;
  }

  /** The document's version as the client last reported it (and the copy was applied). */
  version(uri: string): number | undefined {
    return this.tracked.get(keyOf(uri))?.doc.version;
  }

  /**
   * An open document and whether it has changes that are not on disk. "Dirty" is decided
   * by content (line ends aside), not by the editor's flag: a buffer that equals the file is safe to replace.
   * Out of sync it is dirty whatever the copy says: the editor may hold anything.
   */
  get(uri: string): { readonly text: string; readonly dirty: boolean; readonly version: number } | undefined {
    const tracked = this.tracked.get(keyOf(uri));
    if (!tracked) return undefined;
    const text = tracked.doc.getText();
    return { text, dirty: !tracked.inSync || !diskTexts(uri).some((disk) => sameText(text, disk)), version: tracked.doc.version };
  }

  onClosed(listener: (uri: string) => void): void {
    this.closeListeners.push(listener);
  }

  /** Documents edited in the last `withinMs`, newest first, with the line of their latest edit. */
  recentlyEdited(withinMs = 10 * 60_000): RecentlyEdited[] {
    const since = performance.now() - withinMs;
    return [...this.tracked.entries()]
      .filter(([, t]) => t.inSync && t.editedAt !== undefined && t.editedAt >= since)
      .sort((a, b) => b[1].editedAt! - a[1].editedAt!)
      .map(([, t]) => ({ uri: t.doc.uri, text: t.doc.getText(), line: t.editedLine! }));
  }

  private outOfSync(uri: string, previous: Tracked | undefined, why: string, version?: number): ChangeOutcome {
    if (previous) this.tracked.set(keyOf(uri), { doc: previous.doc, inSync: false });
    if (this.resyncs.has(keyOf(uri))) return "outOfSync";
    const spell: Resync = { newest: Math.max(version ?? 0, previous?.doc.version ?? 0) };
    this.resyncs.set(keyOf(uri), spell);
    const ask = this.ask;
    log("warn", `${uri}: the editor's change cannot be applied (${why}); its text is out of sync until ${ask ? "the editor sends it again" : "it is reopened"}`);
    if (ask) void this.resync(uri, spell, ask);
    return "outOfSync";
  }

  /** Asks the client once for the whole text and takes it if this spell is still on and nothing newer came meanwhile. */
  private async resync(uri: string, spell: Resync, ask: (uri: string) => Promise<ResyncAnswer | null | undefined>): Promise<void> {
    // Asked at once; a throw (the connection gone) is a rejection like any other.
    const answer = await new Promise<ResyncAnswer | null | undefined>((resolve) => resolve(ask(uri))).then(
      (a) => (isAnswer(a) ? a : "the editor has no such document open"),
      (error: unknown) => `the editor did not answer: ${error instanceof Error ? error.message : String(error)}`,
    );
    if (this.resyncs.get(keyOf(uri)) !== spell) return; // reopened, closed or back in sync meanwhile
    if (typeof answer === "string" || answer.version < spell.newest) {
      const why = typeof answer === "string" ? answer : `its text is version ${answer.version}, a change of version ${spell.newest} came before it`;
      log("warn", `${uri}: the editor's text could not be fetched again (${why}); it stays out of sync until it is reopened`);
      return;
    }
    this.resyncs.delete(keyOf(uri));
    this.tracked.set(keyOf(uri), { doc: TextDocument.create(uri, "", answer.version, answer.text), inSync: true, resynced: answer.version });
    log("info", `${uri}: back in sync (the editor's text of version ${answer.version})`);
    for (const listener of this.resyncListeners) listener(uri);
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

/**
 * A document's key: a file URI by its path. VS Code escapes more of a path than Node's
 * pathToFileURL, which the agent's editor workspace builds its URIs with ("[", "]", "@", "+",
 * "(", ")" …): compared as strings, SvelteKit's src/routes/[slug]/+page.svelte was never
 * found open, so the agent read the disk and wrote over the user's unsaved changes.
 */
function keyOf(uri: string): string {
  if (!uri.startsWith("file:")) return uri;
  try {
    return pathToFileURL(fileURLToPath(uri)).href;
  } catch {
    return uri; // a file URI of another machine (file://server/share on POSIX)
  }
}

function isAnswer(answer: ResyncAnswer | null | undefined): answer is ResyncAnswer {
  return typeof answer?.text === "string" && Number.isInteger(answer.version);
}

/**
 * The file's text as VS Code opens it: a UTF-8 BOM dropped, UTF-16 by its BOM (read as plain
 * UTF-8, such a saved file was always "dirty"). A file that is not UTF-8 also as Latin-1 and
 * Windows-1252, which the user may have reopened it with (read as UTF-8 only, it was "dirty"
 * for good, every agent edit refused as unsaved changes), and UTF-16 without a BOM as
 * UTF-16 (files.encoding utf16le or utf16be); none for a file not on disk.
 */
function diskTexts(uri: string): string[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(fileURLToPath(uri));
  } catch {
    return []; // unsaved new file, or gone from disk
  }
  const text = editorText(bytes);
  // UTF-16 with no BOM (files.encoding utf16le or utf16be): read as UTF-8 its NULs are text, no
  // U+FFFD, and the saved document was "dirty" for good. Its even length and a NUL let it be read so too.
  const utf16 = bytes.length % 2 === 0 && bytes.includes(0) ? [bytes.toString("utf16le"), Buffer.from(bytes).swap16().toString("utf16le")] : [];
  if (!text.includes("\uFFFD") || isUtf8(bytes)) return [text, ...utf16];
  const latin1 = bytes.toString("latin1");
  return [text, latin1, windows1252Text(latin1), ...utf16];
}

/**
 * Whether the editor's text is the file's, line ends aside where VS Code changes them: it
 * opens a file of mixed line ends (lone CRs too, which it never keeps) with one line end
 * throughout and calls it saved. A file of one line end is opened with it: other line ends in
 * the editor are the user's unsaved change (LF to CRLF in the status bar).
 */
function sameText(text: string, disk: string): boolean {
  if (text === disk) return true;
  const reopened = /\r(?!\n)/.test(disk) || (disk.includes("\r\n") && /(?:^|[^\r])\n/.test(disk));
  return reopened && text.replace(/\r\n?/g, "\n") === disk.replace(/\r\n?/g, "\n");
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
