// read_file of a file open in VS Code with the user's unsaved changes shows the editor's text:
// the model is told so, as the commands and tests it runs next read the file on disk.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, describe, it } from "node:test";
import { type EditorHost, EditorWorkspace } from "../../../src/runtime/editor-workspace.ts";
import { readFileTool } from "../../../src/tools/read-file.ts";
import { searchTool } from "../../../src/tools/search.ts";
import { runTool } from "../../../src/tools/index.ts";

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function setup(open: Record<string, { text: string; dirty: boolean }>) {
  const root = mkdtempSync(join(tmpdir(), "hearth-unsaved-read-"));
  roots.push(root);
  writeFileSync(join(root, "calc.py"), "def add(a, b):\n    return a - b\n");
  const docs = new Map(Object.entries(open).map(([name, doc]) => [pathToFileURL(join(root, name)).toString(), doc]));
  const host: EditorHost = { openDocument: (uri) => docs.get(uri), applyEdit: async () => ({ applied: false }), save: async () => ({ notSaved: [] }) };
  return { workspace: new EditorWorkspace(root, host), signal: new AbortController().signal };
}

describe("read_file of a file with unsaved editor changes", () => {
  it("shows the editor's text and says it is not the file on disk", async () => {
    const ctx = setup({ "calc.py": { text: "def add(a, b):\n    return a + b\n", dirty: true } });
    const result = await runTool(readFileTool, { path: "calc.py" }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /return a \+ b/);
    assert.match(result.text, /calc\.py has unsaved changes in the editor: this is the text there, not the file on disk, which commands and tests read until it is saved \(by the user, or by the editor's auto-save where it is on\)\.\]/);
    assert.doesNotMatch(result.text, /until the user saves/, "with files.autoSave the editor saves it, not the user");
  });

  it("says nothing of a file open without unsaved changes, or not open", async () => {
    const ctx = setup({ "calc.py": { text: "def add(a, b):\n    return a - b\n", dirty: false } });
    const result = await runTool(readFileTool, { path: "calc.py" }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.doesNotMatch(result.text, /unsaved/);
    const closed = await runTool(readFileTool, { path: "calc.py" }, setup({}));
    assert.doesNotMatch(closed.text, /unsaved/);
  });

  it("says so of a part of the file (start_line, end_line) and of a file emptied in the editor", async () => {
    const ranged = await runTool(readFileTool, { path: "calc.py", start_line: 2, end_line: 2 }, setup({ "calc.py": { text: "def add(a, b):\n    return a + b\n", dirty: true } }));
    assert.match(ranged.text, /return a \+ b[\s\S]*calc\.py has unsaved changes in the editor/);
    const emptied = await runTool(readFileTool, { path: "calc.py" }, setup({ "calc.py": { text: "", dirty: true } }));
    assert.equal(emptied.ok, true, emptied.text);
    assert.match(emptied.text, /calc\.py is empty\.\n\[Hearth: calc\.py has unsaved changes in the editor: this is the text there, not the file on disk/);
  });
});

// search finds lines in the same editor text read_file shows: a hit there is not on disk either.
describe("search hits in a file with unsaved editor changes", () => {
  it("says which files' hits are the editor's text, and nothing where the file is saved", async () => {
    const ctx = setup({ "calc.py": { text: "def add(a, b):\n    return a + b\n", dirty: true } });
    const result = await runTool(searchTool, { pattern: "return" }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /calc\.py:2:\s+return a \+ b/);
    assert.match(result.text, /\[Hearth: calc\.py has unsaved changes in the editor: the lines found there are its text in the editor, not the file on disk, which commands and tests read until it is saved \(by the user, or by the editor's auto-save where it is on\)\.\]/);
    const saved = await runTool(searchTool, { pattern: "return" }, setup({ "calc.py": { text: "def add(a, b):\n    return a - b\n", dirty: false } }));
    assert.match(saved.text, /calc\.py:2:/);
    assert.doesNotMatch(saved.text, /unsaved/);
  });

  it("names two such files together, in the plural", async () => {
    const ctx = setup({ "calc.py": { text: "def add(a, b):\n    return a + b\n", dirty: true }, "util.py": { text: "def one():\n    return 1\n", dirty: true } });
    writeFileSync(join(ctx.workspace.root, "util.py"), "def one():\n    return 0\n");
    const result = await runTool(searchTool, { pattern: "return" }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /\[Hearth: calc\.py, util\.py have unsaved changes in the editor: the lines found there are their text in the editor, not the files on disk, which commands and tests read until they are saved \(by the user, or by the editor's auto-save where it is on\)\.\]/);
  });
});
