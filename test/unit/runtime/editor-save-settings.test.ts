// The agent's writes through the editor when VS Code's save changes them further: the user's
// save settings (files.trimTrailingWhitespace, files.insertFinalNewline, editor.formatOnSave,
// files.eol on a new file) run on the save Hearth asks for after each edit. The model's record
// of the file then follows what was saved, and the model is told, so its next write_file is
// not refused as if the user had edited the file.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import type { Position, WorkspaceEdit } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { type EditorHost, EditorWorkspace } from "../../../src/runtime/editor-workspace.ts";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { DiskWorkspace } from "../../../src/tools/disk-workspace.ts";
import { editFileTool } from "../../../src/tools/edit-file.ts";
import type { FileReads } from "../../../src/tools/file-reads.ts";
import { readFileTool } from "../../../src/tools/read-file.ts";
import { writeFileTool } from "../../../src/tools/write-file.ts";
import { type WorkspaceChange, runTool } from "../../../src/tools/index.ts";

/** An editor whose save runs the user's save participants (`participant`) over the buffer, as VS Code's explicit save does. */
class SavingEditor implements EditorHost {
  readonly docs = new Map<string, { text: string; dirty: boolean; version: number; bom?: boolean }>();
  constructor(private readonly participant: (text: string) => string) {}

  openDocument(uri: string) {
    return this.docs.get(uri);
  }

  async applyEdit(edit: WorkspaceEdit) {
    for (const change of edit.documentChanges ?? []) {
      if ("kind" in change) {
        if (change.kind === "create") this.docs.set(change.uri, { text: "", dirty: true, version: 1 });
        continue;
      }
      const uri = change.textDocument.uri;
      const doc = this.docs.get(uri) ?? opened(fileURLToPath(uri));
      for (const e of change.edits) {
        if (!("newText" in e)) continue;
        const start = offset(doc.text, e.range.start);
        doc.text = doc.text.slice(0, start) + e.newText + doc.text.slice(offset(doc.text, e.range.end));
      }
      doc.dirty = true;
      doc.version++;
      this.docs.set(uri, doc);
    }
    return { applied: true };
  }

  async save(uris: readonly string[]) {
    for (const uri of uris) {
      const doc = this.docs.get(uri);
      if (!doc?.dirty) continue;
      doc.text = this.participant(doc.text);
      // As VS Code saves a file opened with a BOM: with it; its text holds none.
      writeFileSync(fileURLToPath(uri), doc.bom ? `\uFEFF${doc.text}` : doc.text);
      doc.dirty = false;
      doc.version++;
    }
    return { notSaved: [] };
  }
}

/** A closed file as VS Code opens it: UTF-8, a BOM dropped from its text (and kept for its save). */
function opened(path: string) {
  const text = readFileSync(path, "utf8");
  return { text: text.replace(/^\uFEFF/, ""), dirty: false, version: 1, bom: text.startsWith("\uFEFF") };
}

function offset(text: string, pos: Position): number {
  return TextDocument.create("file:///x", "plaintext", 0, text).offsetAt(pos);
}

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** files.trimTrailingWhitespace and files.insertFinalNewline, as VS Code's save applies them. */
const trimAndEnd = (text: string) => text.replace(/[ \t]+$/gm, "").replace(/([^\n])$/, "$1\n");

function setup(files: Record<string, string>, participant = trimAndEnd) {
  const root = mkdtempSync(join(tmpdir(), "hearth-save-settings-"));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
  const reads: FileReads = new Map();
  const ws = new EditorWorkspace(root, new SavingEditor(participant));
  return { root, ctx: { workspace: ws, signal: new AbortController().signal, reads } };
}

describe("the agent's writes changed further by VS Code's save", () => {
  it("edit_file, then write_file of the same file: not refused as the user's change; the model is told the save changed it", async () => {
    const { root, ctx } = setup({ "trail.txt": "a = 1   \nb = 2\n" });
    assert.equal((await runTool(readFileTool, { path: "trail.txt" }, ctx)).ok, true);
    const edited = await runTool(editFileTool, { path: "trail.txt", old_text: "b = 2", new_text: "b = 3" }, ctx);
    assert.equal(edited.ok, true, edited.text);
    assert.equal(readFileSync(join(root, "trail.txt"), "utf8"), "a = 1\nb = 3\n", "the save trimmed line 1");
    assert.match(edited.text, /saving "trail\.txt" changed it beyond what was written/);
    const replaced = await runTool(writeFileTool, { path: "trail.txt", content: "a = 1\nb = 4\n" }, ctx);
    assert.equal(replaced.ok, true, replaced.text);
    assert.equal(readFileSync(join(root, "trail.txt"), "utf8"), "a = 1\nb = 4\n");
    assert.doesNotMatch(replaced.text, /changed it beyond/, "a save that changed nothing more is not said");
  });

  it("a new file the save gave a final newline and CRLF line ends (files.eol): written again by write_file", async () => {
    const { root, ctx } = setup({}, (text) => trimAndEnd(text).replace(/\r?\n/g, "\r\n"));
    const created = await runTool(writeFileTool, { path: "new.txt", content: "one\ntwo" }, ctx);
    assert.equal(created.ok, true, created.text);
    assert.equal(readFileSync(join(root, "new.txt"), "utf8"), "one\r\ntwo\r\n");
    assert.match(created.text, /saving "new\.txt" changed it/);
    const again = await runTool(writeFileTool, { path: "new.txt", content: "one\ntwo\nthree" }, ctx);
    assert.equal(again.ok, true, again.text);
    assert.equal(readFileSync(join(root, "new.txt"), "utf8"), "one\r\ntwo\r\nthree\r\n");
  });

  it("apply_patch: a file the save reformatted is then replaced by write_file without a refusal", async () => {
    const { root, ctx } = setup({ "p.txt": "x = 1  \ny = 2\n" });
    assert.equal((await runTool(readFileTool, { path: "p.txt" }, ctx)).ok, true);
    const patch = "--- a/p.txt\n+++ b/p.txt\n@@ -1,2 +1,2 @@\n x = 1  \n-y = 2\n+y = 3\n";
    const patched = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(patched.ok, true, patched.text);
    assert.equal(readFileSync(join(root, "p.txt"), "utf8"), "x = 1\ny = 3\n");
    assert.match(patched.text, /saving "p\.txt" changed it/);
    const replaced = await runTool(writeFileTool, { path: "p.txt", content: "x = 1\ny = 4\n" }, ctx);
    assert.equal(replaced.ok, true, replaced.text);
    assert.ok(existsSync(join(root, "p.txt")));
  });

  it("a file with a BOM the save keeps as it was: nothing said, and write_file after edit_file goes through", async () => {
    const { root, ctx } = setup({ "bom.txt": "\uFEFFa = 1\nb = 2\n" });
    assert.equal((await runTool(readFileTool, { path: "bom.txt" }, ctx)).ok, true);
    const edited = await runTool(editFileTool, { path: "bom.txt", old_text: "b = 2", new_text: "b = 3" }, ctx);
    assert.equal(edited.ok, true, edited.text);
    assert.equal(edited.text, "Edited bom.txt: line 2.");
    const replaced = await runTool(writeFileTool, { path: "bom.txt", content: "a = 1\nb = 4\n" }, ctx);
    assert.equal(replaced.ok, true, replaced.text);
    assert.equal(readFileSync(join(root, "bom.txt"), "utf8"), "\uFEFFa = 1\nb = 4\n");
  });
});

/**
 * A disk workspace (the CLI, the runtime without the editor) beside another program that rewrites
 * a file right after each write of it — a file watcher's formatter, the user in another editor —
 * before the tool's call ends: no save of Hearth's changed it, so the model knows only what it wrote.
 */
class RewrittenDisk extends DiskWorkspace {
  constructor(root: string, private readonly other: (path: string) => void) {
    super(root);
  }
  override async apply(changes: readonly WorkspaceChange[]): Promise<void> {
    await super.apply(changes);
    for (const change of changes) if (change.kind === "write") this.other(join(this.root, change.path));
  }
}

describe("on disk, another program's change right after the agent's write", () => {
  function onDisk(files: Record<string, string>) {
    const root = mkdtempSync(join(tmpdir(), "hearth-save-settings-disk-"));
    roots.push(root);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
    let rewrites = 1;
    const ws = new RewrittenDisk(root, (path) => {
      if (rewrites-- > 0) writeFileSync(path, `${readFileSync(path, "utf8")}// the user's line\n`);
    });
    return { root, ctx: { workspace: ws, signal: new AbortController().signal, reads: new Map() as FileReads } };
  }

  for (const [tool, first] of [
    ["write_file", (ctx: Parameters<typeof runTool>[2]) => runTool(writeFileTool, { path: "a.ts", content: "x = 2\n" }, ctx)],
    ["edit_file", (ctx: Parameters<typeof runTool>[2]) => runTool(editFileTool, { path: "a.ts", old_text: "x = 1", new_text: "x = 2" }, ctx)],
    ["apply_patch", (ctx: Parameters<typeof runTool>[2]) => runTool(applyPatchTool, { patch: "--- a/a.ts\n+++ b/a.ts\n@@ -1 +1 @@\n-x = 1\n+x = 2\n" }, ctx)],
  ] as const) {
    it(`${tool}, then write_file: refused as changed since read (the other program's line is not taken as known), and no word of the editor's save`, async () => {
      const { root, ctx } = onDisk({ "a.ts": "x = 1\n" });
      assert.equal((await runTool(readFileTool, { path: "a.ts" }, ctx)).ok, true);
      const wrote = await first(ctx);
      assert.equal(wrote.ok, true, wrote.text);
      assert.doesNotMatch(wrote.text, /editor|beyond what was written/);
      assert.equal(readFileSync(join(root, "a.ts"), "utf8"), "x = 2\n// the user's line\n");
      const replaced = await runTool(writeFileTool, { path: "a.ts", content: "x = 3\n" }, ctx);
      assert.equal(replaced.ok, false, replaced.text);
      assert.match(replaced.text, /changed since you read it/);
      assert.equal(readFileSync(join(root, "a.ts"), "utf8"), "x = 2\n// the user's line\n", "the user's line kept");
    });
  }
});
