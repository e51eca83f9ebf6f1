/**
 * What the model has seen of each file in a conversation, for write_file's read-first check:
 * the hash of the bytes it saw, and — when it saw only some of their lines — which. A model
 * that read lines 1-200 of a 5,000-line file and then writes the file whole writes what it
 * thinks the file holds: everything it did not see would be lost.
 */
import { decodeText } from "./text-file.ts";

export interface FileRead {
  /** `contentHash` of the file's bytes when the model saw them (or wrote them). */
  readonly hash: string;
  /**
   * The 1-based line ranges it was shown, merged and in order, when not every line; absent
   * when it saw (or wrote) the whole file.
   */
  readonly seen?: readonly (readonly [number, number])[];
  /** How many lines the file has (with `seen`). */
  readonly lines?: number;
  /** Set when the conversation no longer shows what the model read of it (condensed or dropped to fit the context). */
  readonly condensed?: true;
}

export type FileReads = Map<string, FileRead>;

/** The model was shown lines first..last of a file of `lines` lines whose bytes hash to `hash`. */
export function recordLines(reads: FileReads, path: string, hash: string, first: number, last: number, lines: number): void {
  const before = reads.get(path);
  if (before?.hash === hash && before.seen === undefined) return;
  const ranges = before?.hash === hash && before.seen ? [...before.seen, [first, last] as const] : [[first, last] as const];
  const merged = mergeRanges(ranges);
  const whole = lines === 0 || (merged.length === 1 && merged[0]![0] <= 1 && merged[0]![1] >= lines);
  reads.set(path, whole ? { hash } : { hash, seen: merged, lines });
}

/**
 * After the agent wrote `path`: the bytes a read gives now (what the model's record of the
 * file is to hash: in VS Code an open document's text, a BOM not in it), and whether their
 * text is not the text written. In VS Code the save Hearth asks for after each edit runs the
 * user's save settings over it (files.trimTrailingWhitespace, files.insertFinalNewline,
 * editor.formatOnSave, a new file's files.eol): recorded as written, the model's next
 * write_file of the file was refused as "changed since you read it (perhaps the user edited
 * it)". The record follows what was saved, and the model is told (`savedOtherwiseNote`).
 * Only where the workspace's writes end in such a save (`editorSaves`): on disk nothing of
 * Hearth's changes a write, so a change read back is another program's (a watcher's formatter,
 * the user) and the record stays the bytes written, for write_file's read-first check to see it.
 */
export async function afterWrite(ws: { read(path: string): Promise<Uint8Array>; readonly editorSaves?: true }, path: string, written: Uint8Array): Promise<{ readonly bytes: Uint8Array; readonly changed: boolean }> {
  if (!ws.editorSaves) return { bytes: written, changed: false };
  const now = await ws.read(path).catch(() => undefined);
  if (now === undefined || Buffer.from(now).equals(Buffer.from(written))) return { bytes: written, changed: false };
  const text = textOf(now, path);
  return { bytes: now, changed: text === undefined || text !== textOf(written, path) };
}

/** The text of a file's bytes as read_file decodes them (a BOM aside); undefined for binary. */
function textOf(bytes: Uint8Array, path: string): string | undefined {
  try {
    return decodeText(bytes, path).text;
  } catch {
    return undefined;
  }
}

/** The model's word that saving changed files beyond what it wrote (`afterWrite`). */
export function savedOtherwiseNote(paths: readonly string[]): string {
  const names = paths.map((p) => `"${p}"`).join(", ");
  return (
    `Note: saving ${names} changed ${paths.length === 1 ? "it" : "them"} beyond what was written (the editor's save settings: format on save, trimmed trailing whitespace, ` +
    `a final newline or line ends); read_file ${paths.length === 1 ? "it" : "them"} before quoting ${paths.length === 1 ? "its" : "their"} text in an edit.`
  );
}

/** The model saw or wrote the file whole (a read of every line, a file it created). */
export function recordWhole(reads: FileReads, path: string, hash: string): void {
  reads.set(path, { hash });
}

/**
 * The model changed part of a file (edit_file, a patch's hunks) from bytes hashing to
 * `before`: it knows the whole result only if it had seen the whole file it changed.
 */
export function recordEdit(reads: FileReads, path: string, before: string, after: string): void {
  const read = reads.get(path);
  reads.set(path, read?.hash === before && read.seen === undefined ? { hash: after } : { hash: after, seen: [] });
}

/**
 * Where a file the model read or wrote in this conversation is not there now: the words for
 * it (`shown`: the path as quoted), undefined for a file it never saw. The user renamed or
 * deleted it in the explorer, a command or a branch switch did; "does not exist; use
 * write_file" steered the model to make the old file again beside the renamed one.
 */
export function goneSinceSeen(reads: ReadonlyMap<string, FileRead> | undefined, path: string, shown: string): string | undefined {
  if (!reads?.has(path)) return undefined;
  return `${shown} no longer exists: it was there when you last read or edited it, so it was deleted or renamed since (by the user, a command or another program). Do not create it again unless the task needs it back: find where it went with list_files or search, or ask the user.`;
}

/**
 * The model's read of the file is no longer in its prompt (condensed or dropped to fit the
 * context): it knows the file only as it remembers it, and must read it again to replace it.
 */
export function forgetShown(reads: FileReads, path: string): void {
  const read = reads.get(path);
  if (read) reads.set(path, { hash: read.hash, seen: [], ...(read.lines !== undefined ? { lines: read.lines } : {}), condensed: true });
}

/** "lines 201-5000 of 5000": the lines of a partly seen file the model was not shown (undefined when it saw every line). */
export function unseenLines(read: FileRead): string | undefined {
  if (read.seen === undefined) return undefined;
  const gaps: string[] = [];
  let next = 1;
  for (const [first, last] of read.seen) {
    if (first > next) gaps.push(span(next, first - 1));
    next = Math.max(next, last + 1);
  }
  const lines = read.lines ?? next - 1;
  if (next <= lines) gaps.push(span(next, lines));
  if (gaps.length === 0) return undefined;
  const shown = gaps.slice(0, 3).join(", ") + (gaps.length > 3 ? `, and ${gaps.length - 3} more ranges` : "");
  return `line${gaps.length === 1 && !shown.includes("-") ? "" : "s"} ${shown} of ${lines}`;
}

function span(first: number, last: number): string {
  return first === last ? String(first) : `${first}-${last}`;
}

function mergeRanges(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [first, last] of sorted) {
    const top = out.at(-1);
    if (top && first <= top[1] + 1) top[1] = Math.max(top[1], last);
    else out.push([first, last]);
  }
  return out;
}
