// EditorWorkspace against an in-memory editor that applies LSP WorkspaceEdits the way VS
// Code does: edits land in buffers (a closed file is opened), and only a save writes disk.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import type { Position, TextDocumentEdit, TextEdit, WorkspaceEdit } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { type EditorHost, EditorWorkspace } from "../../../src/runtime/editor-workspace.ts";
import { isoDate } from "../../../src/protocol/memory.ts";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { editFileTool } from "../../../src/tools/edit-file.ts";
import { rememberTool } from "../../../src/tools/remember.ts";
import { writeFileTool } from "../../../src/tools/write-file.ts";
import { ToolError, runTool } from "../../../src/tools/index.ts";
import { notebookText } from "../../fixtures/notebook.ts";

class MemoryEditor implements EditorHost {
  readonly docs = new Map<string, { text: string; dirty: boolean; utf16?: boolean; version?: number }>();
  readonly edits: WorkspaceEdit[] = [];
  refuse = false;
  /** Files whose save fails as VS Code's does (`TextDocument.save()` answers false): the text stays in the buffer. */
  readonly unsavable = new Set<string>();
  /** Files VS Code saves on its own (files.autoSave not "off" for them): saveAutoSaved saves these. */
  readonly autoSaved = new Set<string>();
  /** Files open in VS Code's notebook editor with unsaved cells (a NotebookDocument, not a text document). */
  readonly unsavedNotebookUris = new Set<string>();
  /** A notebook's unsaved cells, as its file holds them once saved. */
  readonly notebookCells = new Map<string, string>();
  /** Runs once just before the next edit is applied: another writer getting in first. */
  beforeNextEdit: (() => void) | undefined;

  openDocument(uri: string) {
    return this.docs.get(uri);
  }

  async applyEdit(edit: WorkspaceEdit) {
    this.edits.push(edit);
    this.beforeNextEdit?.();
    this.beforeNextEdit = undefined;
    if (this.refuse) return { applied: false, failureReason: "the file is read-only" };
    // Like vscode-languageclient: a text edit for a version the open document is no longer at
    // is refused, and the whole edit with it, without a reason.
    const outdated = (edit.documentChanges ?? []).some((c) => !("kind" in c) && typeof c.textDocument.version === "number" && this.docs.has(c.textDocument.uri) && this.docs.get(c.textDocument.uri)!.version !== c.textDocument.version);
    if (outdated) return { applied: false };
    // Like VS Code: creating a file that exists without overwrite fails the whole edit, and
    // the language client answers applied: false with no reason.
    const clash = (edit.documentChanges ?? []).some((c) => "kind" in c && c.kind === "create" && !c.options?.overwrite && !c.options?.ignoreIfExists && existsSync(fileURLToPath(c.uri)));
    if (clash) return { applied: false };
    for (const change of edit.documentChanges ?? []) {
      if ("kind" in change) {
        const path = fileURLToPath(change.kind === "rename" ? change.oldUri : change.uri);
        // Like VS Code: file operations happen on disk at once, text edits in buffers.
        if (change.kind === "create") this.docs.set(change.uri, { text: "", dirty: true });
        if (change.kind === "delete") rmSync(path), this.docs.delete(change.uri);
        // VS Code's file service makes the folders a moved file's new name needs.
        if (change.kind === "rename") mkdirSync(dirname(fileURLToPath(change.newUri)), { recursive: true }), renameSync(path, fileURLToPath(change.newUri));
        continue;
      }
      this.applyText(change);
    }
    return { applied: true };
  }

  async save(uris: readonly string[]) {
    const notSaved: string[] = [];
    for (const uri of uris) {
      const doc = this.docs.get(uri);
      if (!doc) continue; // never opened: nothing unsaved
      if (this.unsavable.has(uri)) {
        notSaved.push(uri);
        continue;
      }
      // Like VS Code: a file opened as UTF-16 (by its BOM) is saved as UTF-16 with its BOM.
      mkdirSync(dirname(fileURLToPath(uri)), { recursive: true });
      writeFileSync(fileURLToPath(uri), doc.utf16 ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(doc.text, "utf16le")]) : doc.text);
      doc.dirty = false;
    }
    return { notSaved };
  }

  async unsavedNotebooks(uris: readonly string[]) {
    return { unsaved: uris.filter((uri) => this.unsavedNotebookUris.has(uri)) };
  }

  async saveAutoSaved(uris: readonly string[]) {
    const due = uris.filter((uri) => this.autoSaved.has(uri) && this.docs.get(uri)?.dirty);
    const { notSaved } = await this.save(due);
    // A notebook with unsaved cells: saved as VS Code saves it (NotebookDocument.save()), its cells written to disk.
    const notebooks = uris.filter((uri) => this.autoSaved.has(uri) && this.unsavedNotebookUris.has(uri) && !this.unsavable.has(uri));
    for (const uri of notebooks) {
      writeFileSync(fileURLToPath(uri), this.notebookCells.get(uri) ?? readFileSync(fileURLToPath(uri)));
      this.unsavedNotebookUris.delete(uri);
    }
    return { saved: [...due.filter((uri) => !notSaved.includes(uri)), ...notebooks] };
  }

  private applyText(change: TextDocumentEdit) {
    const uri = change.textDocument.uri;
    const doc = this.docs.get(uri) ?? openFile(fileURLToPath(uri));
    for (const edit of change.edits) {
      if (!("newText" in edit)) continue; // snippet edits: not something Hearth sends
      const start = offset(doc.text, edit.range.start);
      doc.text = doc.text.slice(0, start) + edit.newText + doc.text.slice(offset(doc.text, edit.range.end));
    }
    doc.dirty = true;
    this.docs.set(uri, doc);
  }
}

/** A closed file as VS Code opens it: UTF-16 by its BOM, else UTF-8 (its BOM dropped). */
function openFile(path: string): { text: string; dirty: boolean; utf16?: boolean } {
  const bytes = readFileSync(path);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: bytes.subarray(2).toString("utf16le"), dirty: false, utf16: true };
  return { text: new TextDecoder().decode(bytes), dirty: false };
}

// VS Code's own line model: CR LF, LF and a lone CR each end a line, and a position past
// a line's end is clamped to it (vscode-languageserver-textdocument does what VS Code does).
function offset(text: string, pos: Position): number {
  return TextDocument.create("file:///x", "plaintext", 0, text).offsetAt(pos);
}

// Every workspace a test makes is removed when the file's tests are done.
const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function setup(files: Record<string, string | Uint8Array>) {
  const root = mkdtempSync(join(tmpdir(), "hearth-editor-ws-"));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
  const editor = new MemoryEditor();
  return { root, editor, ws: new EditorWorkspace(root, editor), uri: (name: string) => `file://${root}/${name}` };
}

const ctx = (ws: EditorWorkspace) => ({ workspace: ws, signal: new AbortController().signal });

describe("EditorWorkspace", () => {
  it("turns edit_file into one minimal text edit in the editor, then saves it to disk", async () => {
    const { root, editor, ws } = setup({ "calc.py": "def add(a, b):\n    return a - b\n" });
    const result = await runTool(editFileTool, { path: "calc.py", old_text: "return a - b", new_text: "return a + b" }, ctx(ws));
    assert.ok(result.ok, result.text);
    assert.equal(editor.edits.length, 1);
    const edit = editor.edits[0]!.documentChanges![0] as TextDocumentEdit;
    assert.deepEqual(edit.edits, [{ range: { start: { line: 1, character: 13 }, end: { line: 1, character: 14 } }, newText: "+" }]);
    assert.equal(readFileSync(join(root, "calc.py"), "utf8"), "def add(a, b):\n    return a + b\n");
  });

  it("reads the user's unsaved editor text, not the disk", async () => {
    const { ws, editor, uri } = setup({ "a.ts": "on disk\n" });
    editor.docs.set(uri("a.ts"), { text: "in the editor\n", dirty: false });
    assert.equal(new TextDecoder().decode(await ws.read("a.ts")), "in the editor\n");
  });

  it("never writes a file with the user's unsaved changes", async () => {
    const { root, ws, editor, uri } = setup({ "a.ts": "const x = 1;\n" });
    editor.docs.set(uri("a.ts"), { text: "const x = 1; // typing…\n", dirty: true });
    const result = await runTool(editFileTool, { path: "a.ts", old_text: "const x = 1;", new_text: "const x = 2;" }, ctx(ws));
    assert.equal(result.ok ? "" : result.code, "stale-file");
    assert.match(result.text, /unsaved changes/);
    assert.equal(editor.edits.length, 0);
    assert.equal(readFileSync(join(root, "a.ts"), "utf8"), "const x = 1;\n");
  });

  // The user deleted the file in the explorer while it was open: VS Code keeps its editor,
  // "(deleted)", with the text. The agent was told of "unsaved changes" to save or discard,
  // which the user could not see; saving would bring back the file they deleted.
  it("a file deleted from disk while open in the editor is refused as deleted, not as unsaved changes", async () => {
    const { root, ws, editor, uri } = setup({});
    editor.docs.set(uri("gone.ts"), { text: "const x = 1;\n", dirty: true, version: 3 });
    const result = await runTool(writeFileTool, { path: "gone.ts", content: "const x = 2;\n" }, ctx(ws));
    assert.equal(!result.ok && result.code, "stale-file", result.text);
    assert.match(result.text, /gone\.ts was deleted from disk, but its text is still open in the editor/);
    assert.doesNotMatch(result.text, /unsaved changes/);
    assert.equal(editor.edits.length, 0);
    assert.equal(existsSync(join(root, "gone.ts")), false);
  });

  it("applies a batch as one edit: a new file, a change and a rename together", async () => {
    const { root, ws, editor } = setup({ "a.txt": "one\ntwo\n", "b.txt": "bee\n" });
    await ws.apply([
      { kind: "write", path: "new.txt", content: new TextEncoder().encode("fresh\n") },
      { kind: "write", path: "a.txt", content: new TextEncoder().encode("one\n2\n") },
      { kind: "rename", from: "b.txt", to: "c.txt" },
    ]);
    assert.equal(editor.edits.length, 1);
    const kinds = editor.edits[0]!.documentChanges!.map((c) => ("kind" in c ? c.kind : "text"));
    assert.deepEqual(kinds, ["create", "text", "text", "rename"]);
    assert.equal(readFileSync(join(root, "new.txt"), "utf8"), "fresh\n");
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "one\n2\n");
    assert.deepEqual([existsSync(join(root, "b.txt")), readFileSync(join(root, "c.txt"), "utf8")], [false, "bee\n"]);
  });

  it("when the editor refuses the edit, nothing is saved and the tool gets a clear error", async () => {
    const { root, ws, editor } = setup({ "a.txt": "one\n" });
    editor.refuse = true;
    await assert.rejects(ws.write("a.txt", new TextEncoder().encode("two\n")), /did not apply the change: the file is read-only; nothing was written/);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "one\n");
  });

  // A stray CR (a pasted Windows line, a fixture, a classic Mac file) is a line break in
  // VS Code but was not in the edit's range: every edit after it landed a line off.
  it("places an edit after a lone CR where VS Code has it", async () => {
    const { root, ws } = setup({ "m.py": "a = 1\r# note\nb = 2\nc = 3\n", "mac.txt": "one\rtwo\rthree\r" });
    const result = await runTool(editFileTool, { path: "m.py", old_text: "b = 2", new_text: "b = 20" }, ctx(ws));
    assert.ok(result.ok, result.text);
    assert.equal(readFileSync(join(root, "m.py"), "utf8"), "a = 1\r# note\nb = 20\nc = 3\n");
    await ws.write("mac.txt", new TextEncoder().encode("one\rtwo\rTHREE\r"));
    assert.equal(readFileSync(join(root, "mac.txt"), "utf8"), "one\rtwo\rTHREE\r");
  });

  // A UTF-16 file with a BOM (a .reg export, a PowerShell 5 redirection): VS Code opens and
  // saves it as UTF-16; the edit was refused because the editor workspace decoded UTF-8 only.
  it("edits a closed UTF-16 file with a BOM through the editor, and it stays UTF-16", async () => {
    const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    const { root, ws } = setup({ "a.reg": utf16('[HKEY_CURRENT_USER\\Café]\r\n"Name"="old"\r\n') });
    const result = await runTool(editFileTool, { path: "a.reg", old_text: '"Name"="old"', new_text: '"Name"="new"' }, ctx(ws));
    assert.ok(result.ok, result.text);
    assert.deepEqual(readFileSync(join(root, "a.reg")), utf16('[HKEY_CURRENT_USER\\Café]\r\n"Name"="new"\r\n'));
  });

  it("keeps CR LF pairs and surrogate pairs whole in the replaced range", async () => {
    const { root, ws, editor } = setup({ "w.txt": "a\r\nb\r\n", "e.txt": "x😀y" });
    await ws.write("w.txt", new TextEncoder().encode("a\nb\r\n"));
    const crlf = (editor.edits[0]!.documentChanges![0] as TextDocumentEdit).edits[0] as TextEdit;
    assert.deepEqual([crlf.range.start, crlf.newText], [{ line: 0, character: 1 }, "\n"]);
    assert.equal(readFileSync(join(root, "w.txt"), "utf8"), "a\nb\r\n");
    await ws.write("e.txt", new TextEncoder().encode("x😃y"));
    assert.equal(readFileSync(join(root, "e.txt"), "utf8"), "x😃y");
  });

  it("refuses paths outside the workspace and non-UTF-8 content before touching the editor", async () => {
    const { ws, editor } = setup({});
    await assert.rejects(ws.write("../escape.txt", new Uint8Array([65])), /outside the workspace/);
    await assert.rejects(ws.write("bin.dat", new Uint8Array([0xff, 0xfe, 0x00])), /UTF-8/);
    assert.equal(editor.edits.length, 0);
    assert.equal(existsSync(join(tmpdir(), "escape.txt")), false);
  });

  // The user types in the open file (or a format-on-save extension edits it) while the
  // agent's edit is on its way: its range, computed on the text before, landed in the wrong
  // place and the save that follows wrote the mix to disk.
  it("an edit for an open file names the version it was made for, so one that changed meanwhile is not edited", async () => {
    const { root, editor, ws, uri } = setup({ "calc.py": "def add(a, b):\n    return a - b\n" });
    editor.docs.set(uri("calc.py"), { text: "def add(a, b):\n    return a - b\n", dirty: false, version: 7 });
    editor.beforeNextEdit = () => editor.docs.set(uri("calc.py"), { text: "# Adds two numbers.\ndef add(a, b):\n    return a - b\n", dirty: true, version: 8 });
    const result = await runTool(editFileTool, { path: "calc.py", old_text: "return a - b", new_text: "return a + b" }, ctx(ws));
    assert.equal(!result.ok && result.code, "io-error", result.text);
    assert.match(result.text, /edited in the editor meanwhile: read it again\); nothing was written/);
    assert.equal(editor.docs.get(uri("calc.py"))!.text, "# Adds two numbers.\ndef add(a, b):\n    return a - b\n");
    assert.equal(readFileSync(join(root, "calc.py"), "utf8"), "def add(a, b):\n    return a - b\n");
  });

  it("an open file saved with other text after the edit read it (format on save, the user's save) is not edited", async () => {
    const { root, editor, ws, uri } = setup({ "calc.py": "def add(a, b):\n    return a - b\n" });
    editor.docs.set(uri("calc.py"), { text: "def add(a, b):\n    return a - b\n", dirty: false, version: 7 });
    const theirs = "# Adds two numbers.\ndef add(a, b):\n    return a - b\n";
    const read = ws.read.bind(ws);
    ws.read = async (path: string) => {
      const bytes = await read(path);
      editor.docs.set(uri("calc.py"), { text: theirs, dirty: false, version: 8 });
      writeFileSync(join(root, "calc.py"), theirs);
      return bytes;
    };
    const result = await runTool(editFileTool, { path: "calc.py", old_text: "return a - b", new_text: "return a + b" }, ctx(ws));
    assert.equal(!result.ok && result.code, "stale-file", result.text);
    assert.match(result.text, /calc\.py" changed while the edit was made.*nothing was written/);
    assert.equal(editor.edits.length, 0);
    assert.equal(editor.docs.get(uri("calc.py"))!.text, theirs);
    assert.equal(readFileSync(join(root, "calc.py"), "utf8"), theirs);
  });

  // VS Code's save fails (a read-only file such as a Perforce one not checked out, the disk
  // changed since the file was opened: "the content of the file is newer", a full disk) and
  // TextDocument.save() answers false: the edit stays in the buffer only. The tool said it
  // had changed the file, so the agent ran the tests on the old file, and its next edit was
  // refused for "unsaved changes" that were its own.
  it("says the change was not saved when the editor's save fails: it is in the editor only", async () => {
    const { root, editor, ws, uri } = setup({ "calc.py": "def add(a, b):\n    return a - b\n" });
    editor.unsavable.add(uri("calc.py"));
    const result = await runTool(editFileTool, { path: "calc.py", old_text: "return a - b", new_text: "return a + b" }, ctx(ws));
    assert.equal(!result.ok && result.code, "io-error", result.text);
    assert.match(result.text, /VS Code did not save calc\.py after the change: it is in the editor, not on disk/);
    assert.equal(editor.docs.get(uri("calc.py"))!.text, "def add(a, b):\n    return a + b\n");
    assert.equal(readFileSync(join(root, "calc.py"), "utf8"), "def add(a, b):\n    return a - b\n");
    editor.unsavable.clear();
    editor.unsavable.add(uri("new.md"));
    await assert.rejects(ws.create("new.md", new TextEncoder().encode("mine\n")), /VS Code did not save new\.md after the change/);
  });

  // A file nobody may write (mode 0444: generated or vendored code) is refused by the disk
  // workspace, root or not; in VS Code the edit went into the buffer and the save wrote it
  // (VS Code as root, or its "Overwrite" on the failed save makes the file writable).
  it("refuses a read-only file (mode 0444) as the disk workspace does, before the editor sees an edit", async () => {
    const { root, editor, ws, uri } = setup({ "gen.ts": "export const v = 1;\n", "lock.ts": "x\n", "keep.ts": "y\n" });
    for (const name of ["gen.ts", "lock.ts", "keep.ts"]) chmodSync(join(root, name), 0o444);
    editor.docs.set(uri("gen.ts"), { text: "export const v = 1;\n", dirty: false, version: 1 });
    const result = await runTool(editFileTool, { path: "gen.ts", old_text: "v = 1", new_text: "v = 2" }, ctx(ws));
    assert.equal(!result.ok && result.code, "io-error", result.text);
    assert.match(result.text, /"gen\.ts" is read-only \(mode 0444\): nothing was written/);
    await assert.rejects(ws.delete("lock.ts"), /"lock\.ts" is read-only/);
    await assert.rejects(ws.rename("keep.ts", "moved.ts"), /"keep\.ts" is read-only/);
    assert.equal(editor.edits.length, 0);
    assert.equal(readFileSync(join(root, "gen.ts"), "utf8"), "export const v = 1;\n");
  });

  // apply_patch's dry run answered "would apply" for what the real call then refused (the
  // user's unsaved text, a read-only file), so the model sent it for real and met the refusal.
  it("an apply_patch dry run refuses what the real call would (unsaved changes, a read-only file), sending no edit", async () => {
    const { root, editor, ws, uri } = setup({ "a.ts": "a\n", "gen.ts": "g\n" });
    editor.docs.set(uri("a.ts"), { text: "a\n", dirty: true, version: 1 });
    chmodSync(join(root, "gen.ts"), 0o444);
    for (const [name, said] of [["a.ts", /a\.ts has unsaved changes/], ["gen.ts", /"gen\.ts" is read-only/]] as const) {
      const first = name === "a.ts" ? "a" : "g";
      const patch = `--- a/${name}\n+++ b/${name}\n@@ -1 +1 @@\n-${first}\n+${first.toUpperCase()}\n`;
      for (const dry_run of [true, false]) {
        const result = await runTool(applyPatchTool, { patch, dry_run }, ctx(ws));
        assert.equal(result.ok, false, `${name} dry_run ${dry_run}: ${result.text}`);
        assert.match(result.text, said);
      }
    }
    assert.equal(editor.edits.length, 0);
    assert.equal(readFileSync(join(root, "gen.ts"), "utf8"), "g\n");
  });

  // A Latin-1 file the user opened with its encoding (files.encoding, Reopen with Encoding):
  // VS Code saves a character that encoding cannot hold as "?", so the agent's "→" reached
  // the disk as "?" with the tool saying it was written. The disk workspace refuses it.
  it("refuses a character a file open in a one-byte encoding may not hold, and takes one already in it", async () => {
    const latin1 = Buffer.from("caf\xe9 = 1\nname = \"\u20ac\"\n", "latin1");
    const { root, editor, ws, uri } = setup({ "menu.py": latin1 });
    editor.docs.set(uri("menu.py"), { text: "café = 1\nname = \"\u20ac\"\n", dirty: false, version: 1 });
    const result = await runTool(editFileTool, { path: "menu.py", old_text: "café = 1", new_text: "café = 1  # → 2" }, ctx(ws));
    assert.equal(!result.ok && result.code, "unsupported-encoding", result.text);
    assert.match(result.text, /menu\.py is open in the editor in a one-byte encoding.*"→" \(U\+2192\).*nothing was written/);
    assert.equal(editor.edits.length, 0);
    assert.deepEqual(readFileSync(join(root, "menu.py")), latin1);
    // A move with a change (apply_patch's "Move to") keeps the document, and its encoding, too.
    await assert.rejects(ws.apply([{ kind: "rename", from: "menu.py", to: "carte.py", content: new TextEncoder().encode("café = 1  # → 2\n") }]), /menu\.py is open in the editor in a one-byte encoding/);
    assert.equal(editor.edits.length, 0);
    const kept = await runTool(editFileTool, { path: "menu.py", old_text: "café = 1", new_text: "café = \"\u20ac\" # à" }, ctx(ws));
    assert.ok(kept.ok, kept.text);
    assert.equal(editor.edits.length, 1);
  });

  // A closed Windows-1252 file (the user's files.encoding: windows1252): the refusal told the
  // model to have the user "Reopen with Encoding" a file that was not open. It says the file is
  // not open and to open it; once open in its encoding, the same edit is taken.
  it("refuses an edit to a closed file that is not UTF-8 by saying to open it, and takes the edit once it is open", async () => {
    const cp1252 = Buffer.from("caf\xe9 = 1\nx = 2\n", "latin1");
    const { root, editor, ws, uri } = setup({ "menu.py": cp1252 });
    const result = await runTool(editFileTool, { path: "menu.py", old_text: "x = 2", new_text: "x = 3" }, ctx(ws));
    assert.equal(!result.ok && result.code, "unsupported-encoding", result.text);
    assert.match(result.text, /menu\.py is not UTF-8 .* and is not open in the editor.*nothing was written.*open it in VS Code.*try again while it is open/);
    assert.doesNotMatch(result.text, /ask the user to open the file in VS Code with its encoding \(Reopen with Encoding\)/);
    assert.equal(editor.edits.length, 0);
    assert.deepEqual(readFileSync(join(root, "menu.py")), cp1252);
    // A move with a change of the closed file says the same.
    await assert.rejects(ws.apply([{ kind: "rename", from: "menu.py", to: "carte.py", content: cp1252 }]), /menu\.py is not UTF-8 .* not open in the editor/);
    // Opened by the user in its encoding: the same edit goes through the editor.
    editor.docs.set(uri("menu.py"), { text: "café = 1\nx = 2\n", dirty: false, version: 1 });
    const taken = await runTool(editFileTool, { path: "menu.py", old_text: "x = 2", new_text: "x = 3" }, ctx(ws));
    assert.ok(taken.ok, taken.text);
    assert.equal(editor.docs.get(uri("menu.py"))!.text, "café = 1\nx = 3\n");
  });

  // A Latin-1 file open in VS Code as UTF-8 (its default): each byte that is not UTF-8 shows
  // as U+FFFD, and saving the agent's edit wrote EF BF BD over every "é" of the file.
  it("refuses to edit a file the editor opened as UTF-8 though it is not (its text holds U+FFFD for bytes it could not read)", async () => {
    const latin1 = Buffer.from("caf\xe9 = 1\nx = 2\n", "latin1");
    const { root, editor, ws, uri } = setup({ "menu.py": latin1 });
    editor.docs.set(uri("menu.py"), openFile(join(root, "menu.py")));
    const result = await runTool(editFileTool, { path: "menu.py", old_text: "x = 2", new_text: "x = 3" }, ctx(ws));
    assert.equal(!result.ok && result.code, "unsupported-encoding", result.text);
    assert.match(result.text, /menu\.py is open in the editor as UTF-8, which it is not.*Reopen with Encoding/);
    assert.equal(editor.edits.length, 0);
    assert.deepEqual(readFileSync(join(root, "menu.py")), latin1);
  });
});

describe("EditorWorkspace.create: a file only where none is", () => {
  it("creates a new file as one create-without-overwrite edit and saves it; a file already there gets no edit at all", async () => {
    const { root, ws, editor } = setup({ "taken.md": "theirs\n" });
    assert.equal(await ws.create("new.md", new TextEncoder().encode("mine\n")), true);
    assert.equal(readFileSync(join(root, "new.md"), "utf8"), "mine\n");
    const [create] = editor.edits[0]!.documentChanges!;
    assert.deepEqual(create, { kind: "create", uri: `file://${root}/new.md`, options: { overwrite: false } });
    assert.equal(await ws.create("taken.md", new TextEncoder().encode("mine\n")), false);
    assert.equal(editor.edits.length, 1);
    assert.equal(readFileSync(join(root, "taken.md"), "utf8"), "theirs\n");
  });

  it("a file another writer makes between the check and the editor's edit is kept, and create says the name is taken", async () => {
    const { root, ws, editor } = setup({});
    editor.beforeNextEdit = () => writeFileSync(join(root, "late.md"), "theirs\n");
    assert.equal(await ws.create("late.md", new TextEncoder().encode("mine\n")), false);
    assert.equal(readFileSync(join(root, "late.md"), "utf8"), "theirs\n");
  });

  it("remember, racing Add Project Memory in another window for one name, takes the next number instead of failing", async () => {
    const { root, ws, editor } = setup({});
    const date = isoDate(new Date());
    const theirs = join(root, ".hearth", "memory", `${date}-lint-first.md`);
    editor.beforeNextEdit = () => {
      mkdirSync(join(root, ".hearth", "memory"), { recursive: true });
      writeFileSync(theirs, "---\ntitle: Lint first\n---\n\nBy hand.\n");
    };
    const result = await runTool(rememberTool, { title: "Lint first", fact: "Run the linter before committing." }, ctx(ws));
    assert.ok(result.ok, result.text);
    assert.match(result.text, new RegExp(`${date}-lint-first-2\\.md`));
    assert.equal(readFileSync(theirs, "utf8"), "---\ntitle: Lint first\n---\n\nBy hand.\n");
    assert.match(readFileSync(join(root, ".hearth", "memory", `${date}-lint-first-2.md`), "utf8"), /Run the linter/);
  });
});

describe("EditorWorkspace refuses what the disk cannot take before the editor sees an edit", () => {
  // VS Code applies a WorkspaceEdit's file operations one by one: one that fails halfway
  // (a folder where a file should go) would leave the ones before it applied.
  for (const [what, change, message] of [
    ["a write under a file", { kind: "write", path: "a.txt/c.txt", content: new TextEncoder().encode("C\n") }, /"a\.txt\/c\.txt" cannot be written: "a\.txt" is a file, not a folder/],
    ["a write under a file's folder", { kind: "write", path: "a.txt/d/c.txt", content: new TextEncoder().encode("C\n") }, /"a\.txt" is a file, not a folder/],
    ["a write over a folder", { kind: "write", path: "src", content: new TextEncoder().encode("C\n") }, /^"src" is a directory/],
    ["a rename under a file", { kind: "rename", from: "b.txt", to: "a.txt/b.txt" }, /"a\.txt" is a file, not a folder/],
    ["a rename onto a folder", { kind: "rename", from: "b.txt", to: "src" }, /^cannot rename to "src": a folder is already there/],
    ["a delete of a folder", { kind: "delete", path: "src" }, /^"src" is a directory/],
  ] as const) {
    it(`${what}: a clear error, and no edit of the batch is sent`, async () => {
      const { root, editor, ws } = setup({ "a.txt": "A\n", "b.txt": "B\n" });
      mkdirSync(join(root, "src"));
      writeFileSync(join(root, "src/keep.txt"), "K\n");
      await assert.rejects(ws.apply([{ kind: "write", path: "new.txt", content: new TextEncoder().encode("N\n") }, change]), (e: unknown) => e instanceof ToolError && message.test(e.message));
      assert.equal(editor.edits.length, 0);
      assert.equal(existsSync(join(root, "new.txt")), false);
      assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "A\n");
      assert.equal(readFileSync(join(root, "src/keep.txt"), "utf8"), "K\n");
    });
  }
});

describe("EditorWorkspace renames onto a file", () => {
  it("refuses a rename onto an existing file before any edit, and allows it when the batch deletes that file first", async () => {
    const { root, editor, ws } = setup({ "a.txt": "A\n", "b.txt": "B\n" });
    await assert.rejects(ws.apply([{ kind: "write", path: "new.txt", content: new TextEncoder().encode("N\n") }, { kind: "rename", from: "a.txt", to: "b.txt" }]), /^ToolError: cannot rename to "b\.txt": a file is already there/);
    assert.equal(editor.edits.length, 0);
    await ws.apply([{ kind: "delete", path: "b.txt" }, { kind: "rename", from: "a.txt", to: "b.txt" }]);
    assert.equal(readFileSync(join(root, "b.txt"), "utf8"), "A\n");
    assert.equal(existsSync(join(root, "a.txt")), false);
  });

  it("takes a file becoming a folder of its own name (`git mv d d/x` as apply_patch plans it) and refuses a file under a file the batch keeps", async () => {
    const { editor, ws } = setup({ d: "D\n", e: "E\n" });
    const X = new TextEncoder().encode("X\n");
    await ws.apply([{ kind: "rename", from: "d", to: "d.aside" }, { kind: "rename", from: "d.aside", to: "d/x" }, { kind: "delete", path: "e" }, { kind: "write", path: "e/y", content: X }]);
    assert.equal(editor.edits.length, 1);
    await assert.rejects(ws.apply([{ kind: "write", path: "n", content: X }, { kind: "write", path: "n/z", content: X }]), /^ToolError: "n\/z" cannot be written: "n" is a file, not a folder/);
    assert.equal(editor.edits.length, 1, "nothing sent for the refused batch");
  });
});

describe("EditorWorkspace never writes into .git (issue 13)", () => {
  const FSMONITOR = new TextEncoder().encode("[core]\n\tfsmonitor = touch /tmp/hearth-pwned\n");

  /** A real git repository with links into its .git folder, and an editor over it. */
  function attackRepo(t: { after(fn: () => void): void }) {
    const root = mkdtempSync(join(tmpdir(), "hearth-editor-ws-git-"));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    execFileSync("git", ["init", "-q", root]);
    mkdirSync(join(root, "sub/.git"), { recursive: true });
    writeFileSync(join(root, "sub/.git/config"), "[core]\n");
    writeFileSync(join(root, "a.txt"), "A\n");
    symlinkSync(join(root, ".git/config"), join(root, "settings.ini"));
    symlinkSync(join(root, ".git"), join(root, "gitlink"));
    const editor = new MemoryEditor();
    return { root, editor, ws: new EditorWorkspace(root, editor), config: readFileSync(join(root, ".git/config")) };
  }

  const isProtected = (e: unknown) => e instanceof ToolError && e.code === "protected-path";

  for (const path of [".git/config", ".GIT/config", "settings.ini", "gitlink/hooks/post-checkout", "sub/.git/config", ".git./config"]) {
    it(`refuses to write "${path}" before the editor sees an edit`, async (t) => {
      const { root, editor, ws, config } = attackRepo(t);
      await assert.rejects(ws.write(path, FSMONITOR), isProtected);
      assert.equal(editor.edits.length, 0);
      assert.deepEqual(readFileSync(join(root, ".git/config")), config);
      assert.equal(existsSync(join(root, ".git/hooks/post-checkout")), false);
      assert.equal(readFileSync(join(root, "sub/.git/config"), "utf8"), "[core]\n");
    });
  }

  it("refuses deletes and both ends of renames that reach .git, sending no edit", async (t) => {
    const { root, editor, ws, config } = attackRepo(t);
    await assert.rejects(ws.delete("settings.ini"), isProtected);
    await assert.rejects(ws.rename("settings.ini", "b.ini"), isProtected);
    await assert.rejects(ws.rename("a.txt", "gitlink/hooks/post-checkout"), isProtected);
    await assert.rejects(ws.apply([{ kind: "write", path: "ok.txt", content: FSMONITOR }, { kind: "rename", from: "a.txt", to: ".Git/config" }]), isProtected);
    assert.equal(editor.edits.length, 0);
    assert.deepEqual(readFileSync(join(root, ".git/config")), config);
    assert.equal(existsSync(join(root, "ok.txt")), false);
  });
});

// files.autoSave afterDelay (a very common setting): the user types, and VS Code saves a
// second later. An agent edit of that file in between was refused for "unsaved changes" the
// user never has to save. Their typing is now saved first — before the step's checkpoint, so
// a Reject of the agent's edit puts back the file with it.
describe("EditorWorkspace with VS Code's auto-save", () => {
  it("saves the user's typing before the write's checkpoint, then makes the edit", async () => {
    const { root, editor, ws, uri } = setup({ "a.ts": "const x = 1;\n" });
    editor.docs.set(uri("a.ts"), { text: "const x = 1;\nconst y = 2;\n", dirty: true, version: 3 });
    editor.autoSaved.add(uri("a.ts"));
    let atCheckpoint: string | undefined;
    const beforeEffect = async () => void (atCheckpoint = readFileSync(join(root, "a.ts"), "utf8"));
    const result = await runTool(editFileTool, { path: "a.ts", old_text: "const y = 2;", new_text: "const y = 3;" }, { ...ctx(ws), beforeEffect });
    assert.ok(result.ok, result.text);
    assert.equal(atCheckpoint, "const x = 1;\nconst y = 2;\n");
    assert.equal(readFileSync(join(root, "a.ts"), "utf8"), "const x = 1;\nconst y = 3;\n");
  });

  // The dry run refused "a.ts has unsaved changes" where the real call, which saves the typing
  // first, went through: a model told not to send the patch, or one that stopped trusting dry runs.
  it("an apply_patch dry run answers what the real call does: would apply, its typing saved as the real call saves it, no checkpoint, no edit", async () => {
    const { root, editor, ws, uri } = setup({ "a.ts": "const x = 1;\n" });
    editor.docs.set(uri("a.ts"), { text: "const x = 1;\nconst y = 2;\n", dirty: true, version: 3 });
    editor.autoSaved.add(uri("a.ts"));
    const patch = "--- a/a.ts\n+++ b/a.ts\n@@ -1,2 +1,2 @@\n const x = 1;\n-const y = 2;\n+const y = 3;\n";
    const checkpointed: string[] = [];
    const beforeEffect = async (_name: string, _input: unknown, paths: readonly string[]) => void checkpointed.push(...paths);
    const dry = await runTool(applyPatchTool, { patch, dry_run: true }, { ...ctx(ws), beforeEffect });
    assert.ok(dry.ok, dry.text);
    assert.match(dry.text, /would apply/);
    assert.deepEqual(checkpointed, []);
    assert.equal(editor.edits.length, 0);
    assert.equal(readFileSync(join(root, "a.ts"), "utf8"), "const x = 1;\nconst y = 2;\n");
    const real = await runTool(applyPatchTool, { patch }, { ...ctx(ws), beforeEffect });
    assert.ok(real.ok, real.text);
    assert.equal(readFileSync(join(root, "a.ts"), "utf8"), "const x = 1;\nconst y = 3;\n");
  });

  it("saves nothing where auto-save is off, nor a file deleted from disk while open: refused as before", async () => {
    const { root, editor, ws, uri } = setup({ "a.ts": "const x = 1;\n" });
    editor.docs.set(uri("a.ts"), { text: "const x = 1;\nconst y = 2;\n", dirty: true, version: 3 });
    const off = await runTool(editFileTool, { path: "a.ts", old_text: "const y = 2;", new_text: "const y = 3;" }, ctx(ws));
    assert.equal(off.ok, false);
    assert.match(off.text, /a\.ts has unsaved changes in the editor/);
    assert.equal(readFileSync(join(root, "a.ts"), "utf8"), "const x = 1;\n");
    editor.autoSaved.add(uri("gone.ts"));
    editor.docs.set(uri("gone.ts"), { text: "const g = 1;\n", dirty: true, version: 1 });
    const gone = await runTool(writeFileTool, { path: "gone.ts", content: "const g = 2;\n" }, ctx(ws));
    assert.equal(gone.ok, false);
    assert.match(gone.text, /gone\.ts was deleted from disk/);
    assert.equal(existsSync(join(root, "gone.ts")), false);
  });

  it("works with an editor that has no auto-save request (an older client): refused as before", async () => {
    const { root, editor, uri } = setup({ "a.ts": "const x = 1;\n" });
    editor.docs.set(uri("a.ts"), { text: "const x = 1;\nconst y = 2;\n", dirty: true, version: 3 });
    const older: EditorHost = { openDocument: (u) => editor.openDocument(u), applyEdit: (e) => editor.applyEdit(e), save: (u) => editor.save(u), saveAutoSaved: async () => Promise.reject(new Error("Unhandled method hearth/workspace/autoSave")) };
    const result = await runTool(editFileTool, { path: "a.ts", old_text: "const y = 2;", new_text: "const y = 3;" }, ctx(new EditorWorkspace(root, older)));
    assert.equal(result.ok, false);
    assert.match(result.text, /unsaved changes in the editor/);
  });
});

// A notebook open in VS Code's notebook editor has no text document for its .ipynb, only its
// cells': the runtime, which learns of unsaved text through text documents, saw none, and the
// agent's write landed on disk under the user's unsaved cells (their next save wrote over the
// agent's change, or VS Code said the file had changed on disk).
describe("EditorWorkspace and notebooks with unsaved cells", () => {
  const notebook = notebookText({ imageBytes: 2_000 });

  it("refuses edit_file, write_file, a delete and a rename of a notebook with unsaved cells, sending no edit", async () => {
    const { root, editor, ws, uri } = setup({ "sales.ipynb": notebook });
    editor.unsavedNotebookUris.add(uri("sales.ipynb"));
    const edit = await runTool(editFileTool, { path: "sales.ipynb", old_text: "import pandas as pd", new_text: "import pandas as pandas" }, ctx(ws));
    assert.equal(!edit.ok && edit.code, "stale-file", edit.text);
    assert.match(edit.text, /sales\.ipynb has unsaved changes in the notebook editor; ask the user to save or revert them first/);
    const write = await runTool(writeFileTool, { path: "sales.ipynb", content: notebookText({ imageBytes: 2_000, tableRows: 3 }) }, ctx(ws));
    assert.equal(!write.ok && write.code, "stale-file", write.text);
    await assert.rejects(ws.delete("sales.ipynb"), /unsaved changes in the notebook editor/);
    await assert.rejects(ws.rename("sales.ipynb", "old.ipynb"), /unsaved changes in the notebook editor/);
    await assert.rejects(ws.refuseUnsaved(["sales.ipynb"]), /unsaved changes in the notebook editor/);
    assert.equal(editor.edits.length, 0);
    assert.equal(readFileSync(join(root, "sales.ipynb"), "utf8"), notebook);
  });

  it("edits a notebook whose cells are saved, and one an older editor (no such request) cannot say of, as before", async () => {
    const { root, editor, ws } = setup({ "sales.ipynb": notebook });
    const edit = await runTool(editFileTool, { path: "sales.ipynb", old_text: "import pandas as pd", new_text: "import pandas as pandas" }, ctx(ws));
    assert.ok(edit.ok, edit.text);
    assert.match(readFileSync(join(root, "sales.ipynb"), "utf8"), /import pandas as pandas/);
    const older: EditorHost = { openDocument: (u) => editor.openDocument(u), applyEdit: (e) => editor.applyEdit(e), save: (u) => editor.save(u), unsavedNotebooks: async () => Promise.reject(new Error("Unhandled method hearth/workspace/unsavedNotebooks")) };
    const again = await runTool(editFileTool, { path: "sales.ipynb", old_text: "import pandas as pandas", new_text: "import pandas as pd" }, ctx(new EditorWorkspace(root, older)));
    assert.ok(again.ok, again.text);
    assert.equal(readFileSync(join(root, "sales.ipynb"), "utf8"), notebook);
  });

  // files.autoSave on for the notebook: VS Code would save its cells anyway, as it does text.
  it("saves a notebook's unsaved cells where VS Code auto-saves it, before the write's checkpoint, then edits it", async () => {
    const { root, editor, ws, uri } = setup({ "sales.ipynb": notebook });
    const typed = notebookText({ imageBytes: 2_000, tableRows: 3 });
    editor.unsavedNotebookUris.add(uri("sales.ipynb"));
    editor.notebookCells.set(uri("sales.ipynb"), typed);
    editor.autoSaved.add(uri("sales.ipynb"));
    let atCheckpoint: string | undefined;
    const beforeEffect = async () => void (atCheckpoint = readFileSync(join(root, "sales.ipynb"), "utf8"));
    const edit = await runTool(editFileTool, { path: "sales.ipynb", old_text: "import pandas as pd", new_text: "import pandas as pandas" }, { ...ctx(ws), beforeEffect });
    assert.ok(edit.ok, edit.text);
    assert.equal(atCheckpoint, typed);
    assert.equal(readFileSync(join(root, "sales.ipynb"), "utf8"), typed.replace("import pandas as pd", "import pandas as pandas"));
  });

  it("refuses as before where the notebook's auto-save is off or its save fails", async () => {
    const { root, editor, ws, uri } = setup({ "sales.ipynb": notebook, "locked.ipynb": notebook });
    editor.unsavedNotebookUris.add(uri("sales.ipynb"));
    editor.unsavedNotebookUris.add(uri("locked.ipynb"));
    editor.autoSaved.add(uri("locked.ipynb"));
    editor.unsavable.add(uri("locked.ipynb"));
    for (const path of ["sales.ipynb", "locked.ipynb"]) {
      const edit = await runTool(editFileTool, { path, old_text: "import pandas as pd", new_text: "import pandas as pandas" }, ctx(ws));
      assert.equal(!edit.ok && edit.code, "stale-file", edit.text);
      assert.match(edit.text, /has unsaved changes in the notebook editor/);
      assert.equal(readFileSync(join(root, path), "utf8"), notebook);
    }
    assert.equal(editor.edits.length, 0);
  });
});
