/**
 * The agent's `Workspace` when Hearth runs inside VS Code: reads see the user's unsaved
 * editor text, and every write becomes one LSP `workspace/applyEdit` — visible in the
 * editor, undoable with Ctrl+Z, all changes of a batch in one edit — followed by a save, so
 * the tests the agent runs next see what it wrote.
 *
 * A file with unsaved changes of the user's is never written: the write is refused with a
 * message asking to save or discard first (overwriting it would mix the agent's change
 * with work the user has not kept yet) — unless VS Code auto-saves that file anyway, when
 * `flushAutoSave` has the editor save it before the write's checkpoint —, nor one the editor opened as UTF-8 though it is not
 * (its unreadable bytes would be saved as U+FFFD), nor a new character beyond Latin-1 into one
 * open in a one-byte encoding (VS Code would save it as "?"). An edit to an open document names the
 * version its text was read at, so the editor refuses it if the user typed meanwhile. Path checks (outside the workspace, symlinks out)
 * are the disk workspace's, which also serves stat and list; every path an edit touches
 * first passes `checkWritable` on the root on disk (never into `.git`, whatever the case or
 * link), and a file it writes, deletes or moves `checkNotReadOnly` (mode 0444, another user's),
 * all of a batch before the editor sees anything.
 */
import { relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CreateFile, DeleteFile, Range, RenameFile, TextDocumentEdit, WorkspaceEdit } from "vscode-languageserver/node";
import { DiskWorkspace, ToolError, type Workspace, type WorkspaceChange } from "../tools/index.ts";
import { checkNotReadOnly } from "../tools/disk-workspace.ts";
import { type TextFile, decodeText } from "../tools/text-file.ts";
import { BatchNames, alreadyThere, checkFileTarget, checkNotFolder, checkRenameTarget, checkUnchanged, checkWritable } from "../tools/workspace.ts";

/** What the runtime needs from the editor; server→client requests in production, in memory in tests. */
export interface EditorHost {
  /**
   * An open document's current text, whether it has unsaved changes, and the version the
   * editor gave that text (an edit names it, so the editor refuses it once the text changed);
   * undefined when not open.
   */
  openDocument(uri: string): { readonly text: string; readonly dirty: boolean; readonly version?: number } | undefined;
  /** Applies one edit in the editor. */
  applyEdit(edit: WorkspaceEdit, label: string): Promise<{ readonly applied: boolean; readonly failureReason?: string }>;
  /** Saves these documents (the ones an edit touched); answers those whose save failed (void: all saved). */
  save(uris: readonly string[]): Promise<{ readonly notSaved?: readonly string[] } | null | void>;
  /**
   * Saves those of these documents (open, with unsaved changes: text, or a notebook in the
   * notebook editor) that the editor saves on its own anyway (VS Code's `files.autoSave` on
   * for them); answers those saved. An older client
   * has no such request: it fails, and nothing is saved.
   */
  saveAutoSaved?(uris: readonly string[]): Promise<{ readonly saved?: readonly string[] } | null | void>;
  /**
   * Those of these files open in the editor's notebook editor with unsaved changes (a notebook
   * has no text document for its file, so `openDocument` never says so). An older client has
   * no such request: it fails, and none is taken to be.
   */
  unsavedNotebooks?(uris: readonly string[]): Promise<{ readonly unsaved?: readonly string[] } | null | void>;
}

export class EditorWorkspace implements Workspace {
  private readonly disk: DiskWorkspace;
  /** Each write ends in the editor's save, which runs the user's save settings over it (`afterWrite`). */
  readonly editorSaves = true as const;

  constructor(
    readonly root: string,
    private readonly host: EditorHost,
    /** Shown in the editor's undo stack and the edit's label. */
    private readonly label = "Hearth",
  ) {
    this.disk = new DiskWorkspace(root);
  }

  resolve(path: string): Promise<string> {
    return this.disk.resolve(path);
  }

  async read(path: string): Promise<Uint8Array> {
    const rel = await this.resolve(path);
    const open = this.host.openDocument(this.uri(rel));
    return open ? new TextEncoder().encode(open.text) : this.disk.read(rel);
  }

  stat(path: string) {
    return this.disk.stat(path);
  }

  /** Whether `read` gives the user's unsaved editor text of `path` (resolved), not the disk's. */
  unsaved(path: string): boolean {
    return this.host.openDocument(this.uri(path))?.dirty === true;
  }

  list(dir: string) {
    return this.disk.list(dir);
  }

  write(path: string, content: Uint8Array): Promise<void> {
    return this.apply([{ kind: "write", path, content }]);
  }

  /**
   * One create-without-overwrite edit, then a save. VS Code refuses the edit when the file
   * exists by then (another window or `hearth fix` made it since the check): the name is
   * taken, not an error.
   */
  async create(path: string, content: Uint8Array): Promise<boolean> {
    const rel = await this.writable(path);
    await checkFileTarget(this.root, this.abs(rel), path);
    if (await this.taken(rel)) return false;
    const uri = this.uri(rel);
    const text = decode(content, rel);
    const edit: WorkspaceEdit = { documentChanges: [{ kind: "create", uri, options: { overwrite: false } }, { textDocument: { uri, version: null }, edits: [{ range: at(0, 0), newText: text }] }] };
    const result = await this.host.applyEdit(edit, this.label);
    if (!result.applied) {
      if (await this.taken(rel)) return false;
      throw new ToolError("io-error", `the editor did not create ${rel}${result.failureReason ? `: ${result.failureReason}` : ""}; nothing was written`);
    }
    await this.save([uri]);
    return true;
  }

  delete(path: string): Promise<void> {
    return this.apply([{ kind: "delete", path }]);
  }

  rename(from: string, to: string): Promise<void> {
    return this.apply([{ kind: "rename", from, to }]);
  }

  /** All changes as one WorkspaceEdit: the editor applies all of them or none. */
  async apply(changes: readonly WorkspaceChange[]): Promise<void> {
    const { documentChanges, touched } = await this.edit(changes);
    const result = await this.host.applyEdit({ documentChanges }, this.label);
    if (!result.applied) throw notApplied(result.failureReason, documentChanges);
    await this.save(touched);
  }

  /** `apply`'s checks of the whole batch, nothing written: a dry run refuses what `apply` would. */
  async check(changes: readonly WorkspaceChange[]): Promise<void> {
    await this.edit(changes);
  }

  /** The batch's checks, then its WorkspaceEdit and the files to save after it. */
  private async edit(changes: readonly WorkspaceChange[]): Promise<{ documentChanges: (TextDocumentEdit | CreateFile | RenameFile | DeleteFile)[]; touched: string[] }> {
    const documentChanges: (TextDocumentEdit | CreateFile | RenameFile | DeleteFile)[] = [];
    const touched: string[] = [];
    // Paths an earlier change of the batch deletes or moves away: a rename may then land there.
    const freed = new Set<string>();
    const batch = new BatchNames();
    for (const change of changes) {
      if (change.kind === "write") {
        const { rel, real } = await checkWritable(this.root, change.path);
        await checkFileTarget(this.root, this.abs(rel), change.path, batch);
        await checkNotReadOnly(real, change.path);
        await batch.fill(this.abs(rel));
        // The text the editor holds now (or the disk, for a closed file), as the tool read it.
        if (change.expected) checkUnchanged(change.path, change.expected, await this.read(rel).catch(() => undefined));
        documentChanges.push(...(await this.writeOps(rel, change.content)));
        touched.push(this.uri(rel));
        freed.delete(rel);
      } else if (change.kind === "delete") {
        const rel = await this.writable(change.path);
        await this.checkRemovable(rel, change.path);
        await this.refuseDirty(rel);
        documentChanges.push({ kind: "delete", uri: this.uri(rel) });
        freed.add(rel);
        await batch.free(this.abs(rel));
      } else {
        const [from, to] = [await this.writable(change.from), await this.writable(change.to)];
        await this.checkRemovable(from, change.from);
        await checkRenameTarget(this.root, this.abs(to), change.to, batch);
        if (!freed.has(to) && (await this.disk.stat(to)) !== undefined) throw alreadyThere(change.to, "file");
        freed.add(from);
        freed.delete(to);
        await batch.free(this.abs(from));
        await batch.fill(this.abs(to));
        await this.refuseDirty(from);
        documentChanges.push({ kind: "rename", oldUri: this.uri(from), newUri: this.uri(to), options: { overwrite: false } });
        if (change.content) {
          await this.refuseMisread(from);
          documentChanges.push(await this.movedText(from, to, change.content));
        }
        touched.push(this.uri(to));
      }
    }
    return { documentChanges, touched };
  }

  /**
   * The user's unsaved changes to files a write is about to make, saved first where VS Code
   * saves them on its own (auto-save): with `afterDelay`, a file the user typed in a second
   * ago was refused as "unsaved changes" that were about to be saved anyway. Called before
   * the write's checkpoint, which then holds the user's typing (Undo this step keeps it, and
   * so do a Reject of the run and Restore checkpoint: a file goes back to how it was just
   * before the agent first wrote it, agent/checkpoint-restore.ts). So are a notebook's unsaved
   * cells (open in the notebook editor, no text document: `unsavedNotebooks` names it). A file
   * deleted from disk while open (saving would bring it back) or open as UTF-8 though it is
   * not (saving would write U+FFFD over its bytes) is left to the refusals below.
   */
  async flushAutoSave(paths: readonly string[]): Promise<void> {
    if (!this.host.saveAutoSaved) return;
    const uris: string[] = [];
    const notOpen: string[] = [];
    for (const rel of paths) {
      const open = this.host.openDocument(this.uri(rel));
      if ((open && !open.dirty) || (await this.disk.stat(rel))?.type !== "file") continue;
      if (!open) notOpen.push(this.uri(rel));
      else if (open.text.includes("\uFFFD") && !editorReadsWhole(await this.disk.read(rel).catch(() => new Uint8Array()), rel)) continue;
      else uris.push(this.uri(rel));
    }
    // A file open in the notebook editor has no text document: its unsaved cells are saved the same way.
    if (notOpen.length && this.host.unsavedNotebooks) {
      const unsaved = (await this.host.unsavedNotebooks(notOpen).catch(() => undefined))?.unsaved ?? [];
      uris.push(...notOpen.filter((uri) => unsaved.includes(uri)));
    }
    // An older client, or a save that failed: the write then refuses the unsaved changes as before.
    if (uris.length) await this.host.saveAutoSaved(uris).catch(() => undefined);
  }

  /** A file a change deletes or moves away: not a folder, not read-only (as on disk). */
  private async checkRemovable(rel: string, path: string): Promise<void> {
    await checkNotFolder(this.abs(rel), path);
    await checkNotReadOnly(this.abs(rel), path);
  }

  /**
   * Saves what an edit touched. A save VS Code could not make (a read-only file, one changed
   * on disk since it was opened, a full disk) leaves the change in the editor only: said, not
   * passed off as written, since commands and tests read the disk.
   */
  private async save(uris: readonly string[]): Promise<void> {
    const notSaved = (await this.host.save(uris))?.notSaved ?? [];
    if (notSaved.length === 0) return;
    // Named with "/" as the batch's paths are (a restore matches them: checkpoint-restore.ts).
    const rels = notSaved.map((uri) => relative(this.root, fileURLToPath(uri)).split(sep).join("/"));
    const names = rels.join(", ");
    // The others of a change over several files are saved: on disk, changed. (Compared as paths: the client may spell a URI its own way.)
    const saved = uris.map((uri) => relative(this.root, fileURLToPath(uri)).split(sep).join("/")).filter((rel) => !rels.includes(rel));
    throw new ToolError(
      "io-error",
      `VS Code did not save ${names} after the change: it is in the editor, not on disk, so commands and tests still see the file as it was ` +
        "(VS Code says why: a read-only file, or one changed on disk since it was opened). The user can save it there, or revert it to drop the change" +
        (saved.length ? `. The change to ${saved.join(", ")} is saved` : ""),
      // `notSaved` lets a restore, which the user asked for, say it to them (checkpoint-restore.ts).
      { notSaved: rels },
    );
  }

  /** The one containment check every write path runs (outside the root, `.git`, links to either). */
  private async writable(path: string): Promise<string> {
    return (await checkWritable(this.root, path)).rel;
  }

  private async writeOps(rel: string, content: Uint8Array): Promise<(TextDocumentEdit | CreateFile)[]> {
    const onDisk = (await this.disk.stat(rel))?.type === "file";
    const text = decode(content, rel, onDisk && !this.host.openDocument(this.uri(rel)));
    const exists = onDisk || this.host.openDocument(this.uri(rel)) !== undefined;
    if (!exists) {
      const uri = this.uri(rel);
      return [{ kind: "create", uri, options: { overwrite: false } }, { textDocument: { uri, version: null }, edits: [{ range: at(0, 0), newText: text }] }];
    }
    await this.refuseDirty(rel);
    await this.refuseMisread(rel);
    const open = this.host.openDocument(this.uri(rel));
    if (open) await this.refuseUnsavable(rel, open.text, text);
    if (open) return [fullReplace(this.uri(rel), open.text, text, open.version)];
    return [fullReplace(this.uri(rel), await this.currentText(rel), text)];
  }

  /** The text edit of a file moved with a change: VS Code moves its document, encoding and all. */
  private async movedText(from: string, to: string, content: Uint8Array): Promise<TextDocumentEdit> {
    const [before, after] = [await this.currentText(from), decode(content, to, !this.host.openDocument(this.uri(from)))];
    if (this.host.openDocument(this.uri(from))) await this.refuseUnsavable(from, before, after);
    return fullReplace(this.uri(to), before, after);
  }

  private async currentText(rel: string): Promise<string> {
    return decode(await this.read(rel), rel, !this.host.openDocument(this.uri(rel)));
  }

  /** Throws as `apply` would for the first of `paths` with unsaved changes (a restore from several checkpoints checks before its first apply). */
  async refuseUnsaved(paths: readonly string[]): Promise<void> {
    for (const path of paths) await this.refuseDirty(path);
  }

  /** Whether a file is at `rel`, on disk or open in the editor (a new file not saved yet). */
  private async taken(rel: string): Promise<boolean> {
    return (await this.disk.stat(rel)) !== undefined || this.host.openDocument(this.uri(rel)) !== undefined;
  }

  private async refuseDirty(rel: string): Promise<void> {
    if (!this.host.openDocument(this.uri(rel))?.dirty) return this.refuseUnsavedNotebook(rel);
    // Deleted in the explorer while open: VS Code keeps the editor, "(deleted)", with no unsaved mark to see.
    if ((await this.disk.stat(rel)) === undefined) {
      throw new ToolError("stale-file", `${rel} was deleted from disk, but its text is still open in the editor; ask the user whether to save it again or close it`, { unsaved: rel, deleted: true });
    }
    // Written for the model; `unsaved` lets a restore, which the user asked for, say it to them (checkpoint-restore.ts).
    throw new ToolError("stale-file", `${rel} has unsaved changes in the editor; ask the user to save or discard them first`, { unsaved: rel });
  }

  /** A notebook open in the editor's notebook editor with unsaved cells: written under them, the user's next save would drop the agent's change (or the agent's the user's). */
  private async refuseUnsavedNotebook(rel: string): Promise<void> {
    const uri = this.uri(rel);
    const answer = await this.host.unsavedNotebooks?.([uri]).catch(() => undefined);
    if (!answer?.unsaved?.includes(uri)) return;
    throw new ToolError("stale-file", `${rel} has unsaved changes in the notebook editor; ask the user to save or revert them first`, { unsaved: rel });
  }

  /**
   * A document VS Code opened as UTF-8 (its default) though the file is not (Latin-1,
   * Windows-1252): each byte it could not read is U+FFFD in its text, and saving an edit
   * wrote EF BF BD over every one of them. Opened with the file's encoding, no U+FFFD.
   */
  private async refuseMisread(rel: string): Promise<void> {
    if (!this.host.openDocument(this.uri(rel))?.text.includes("\uFFFD")) return;
    const bytes = await this.disk.read(rel).catch(() => undefined);
    if (bytes === undefined || editorReadsWhole(bytes, rel)) return;
    throw new ToolError(
      "unsupported-encoding",
      `${rel} is open in the editor as UTF-8, which it is not: the characters it could not read show as "\uFFFD", and saving an edit would write that over each of them; nothing was written. ` +
        "Ask the user to reopen it with its encoding (Reopen with Encoding, e.g. Western (Windows 1252)) or to close it, and try again",
    );
  }

  /**
   * A file that is not UTF-8, open in a one-byte encoding the user chose (Latin-1, Windows-1252):
   * VS Code saves a character that encoding cannot hold as "?". Which encoding it is the editor
   * does not say, so a new character beyond Latin-1 that the text does not hold already is refused.
   */
  private async refuseUnsavable(rel: string, before: string, after: string): Promise<void> {
    if (!/[^\x00-\xff]/u.test(after)) return;
    const bytes = await this.disk.read(rel).catch(() => undefined);
    if (bytes === undefined || editorReadsWhole(bytes, rel) || utf16WithoutBom(bytes, rel)) return;
    const held = new Set(before);
    const foreign = [...after].find((c) => c.codePointAt(0)! > 0xff && !held.has(c));
    if (foreign === undefined) return;
    const code = `U+${foreign.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
    throw new ToolError(
      "unsupported-encoding",
      `${rel} is open in the editor in a one-byte encoding (it is not UTF-8), and the new text has "${foreign}" (${code}), which that encoding may not hold: VS Code would save it as "?"; nothing was written. ` +
        "Write it with characters the file already has (an escape such as \\u2192 where the language has one), or ask the user to convert the file to UTF-8",
    );
  }

  private abs(rel: string): string {
    return `${this.root}/${rel}`;
  }

  private uri(rel: string): string {
    return pathToFileURL(`${this.root}/${rel}`).toString();
  }
}

/** The editor's refusal of an edit; the language client refuses one for an outdated version without a reason. */
function notApplied(reason: string | undefined, documentChanges: readonly (TextDocumentEdit | CreateFile | RenameFile | DeleteFile)[]): ToolError {
  const typed = !reason && documentChanges.some((c) => !("kind" in c) && c.textDocument.version !== null);
  const why = reason ? `: ${reason}` : typed ? " (a file it changes was edited in the editor meanwhile: read it again)" : "";
  return new ToolError("io-error", `the editor did not apply the change${why}; nothing was written`);
}

/**
 * The smallest single replacement turning `before` into `after` (keeps the editor's undo and
 * cursors sane). With the open document's `version`, the editor refuses it if the text has
 * changed since (the user typing meanwhile): its range would land in the wrong place.
 */
function fullReplace(uri: string, before: string, after: string, version: number | null = null): TextDocumentEdit {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let end = 0;
  while (end < before.length - start && end < after.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  // Never split a CR LF pair or a surrogate pair between the kept and the replaced part.
  while (start > 0 && (isLowSurrogate(before, start) || (before[start - 1] === "\r" && before[start] === "\n"))) start--;
  while (end > 0 && (isLowSurrogate(before, before.length - end) || (before[before.length - end - 1] === "\r" && before[before.length - end] === "\n"))) end--;
  const range: Range = { start: position(before, start), end: position(before, before.length - end) };
  return { textDocument: { uri, version }, edits: [{ range, newText: after.slice(start, after.length - end) }] };
}

function isLowSurrogate(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * LSP position (line, UTF-16 column) of an offset, counted as VS Code counts lines: CR LF,
 * LF and a lone CR each end one (counting LF only put every edit after a stray CR a line off).
 */
function position(text: string, offset: number): Range["start"] {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text[i] === "\n" || (text[i] === "\r" && text[i + 1] !== "\n")) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: offset - lineStart };
}

function at(line: number, character: number): Range {
  return { start: { line, character }, end: { line, character } };
}

/** Whether VS Code reads these bytes without loss on its own: UTF-8, or UTF-16 with a BOM. */
function editorReadsWhole(bytes: Uint8Array, rel: string): boolean {
  try {
    return decodeText(bytes, rel).encoding !== "latin1";
  } catch {
    return false; // binary, or UTF-16 without a BOM
  }
}

/** UTF-16 text with no BOM (the user's files.encoding utf16le or utf16be opened it so): it holds any character. */
function utf16WithoutBom(bytes: Uint8Array, rel: string): boolean {
  try {
    decodeText(bytes, rel);
    return false;
  } catch (error) {
    return error instanceof ToolError && error.code === "unsupported-encoding";
  }
}

/**
 * Text as VS Code has it: UTF-8 (a BOM dropped) or UTF-16 with a BOM, the encodings it
 * recognises on its own. Anything else (latin1 bytes, UTF-16 without a BOM) VS Code would
 * open as UTF-8 and save changed, so it is refused. A `closed` file (on disk, not open in the
 * editor) is one the user can open: VS Code opens it in the encoding files.encoding gives it,
 * which the runtime cannot see, and an edit to it open is written in that encoding.
 */
function decode(content: Uint8Array, rel: string, closed = false): string {
  let file: TextFile | undefined;
  try {
    file = decodeText(content, rel);
  } catch {
    // Binary or unrecognised: refused below.
  }
  if (file && file.encoding !== "latin1") return file.text;
  // Not open: there is nothing to reopen; opened in its encoding, the edit is written in it.
  if (closed && file) {
    throw new ToolError(
      "unsupported-encoding",
      `${rel} is not UTF-8 (a one-byte encoding such as Windows-1252 or Latin-1) and is not open in the editor, which would open it to write it in an encoding Hearth cannot see; nothing was written. ` +
        "Ask the user to open it in VS Code (its accented letters shown right: files.encoding, or Reopen with Encoding if they are not) and try again while it is open; the change is then saved in the file's encoding. Or ask them to convert it to UTF-8",
    );
  }
  throw new ToolError(
    "unsupported-encoding",
    `${rel}: the editor can only take UTF-8 (or UTF-16 with a BOM) text edits; ask the user to open the file in VS Code with its encoding (Reopen with Encoding) and try again, or to convert it to UTF-8`,
  );
}
