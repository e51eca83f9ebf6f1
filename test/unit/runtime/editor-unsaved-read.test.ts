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
    assert.match(result.text, /calc\.py has unsaved changes in the editor: this is the text there, not the file on disk, which commands and tests read until the user saves it/);
  });

  it("says nothing of a file open without unsaved changes, or not open", async () => {
    const ctx = setup({ "calc.py": { text: "def add(a, b):\n    return a - b\n", dirty: false } });
    const result = await runTool(readFileTool, { path: "calc.py" }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.doesNotMatch(result.text, /unsaved/);
    const closed = await runTool(readFileTool, { path: "calc.py" }, setup({}));
    assert.doesNotMatch(closed.text, /unsaved/);
  });
});
