// Files in the encodings a real repository holds, through every tool that reads or writes
// text: the bytes outside the edited region must come back exactly (BOM, encoding, line
// ends), and what read_file shows must be what edit_file matches.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { editFileTool } from "../../../src/tools/edit-file.ts";
import { readFileTool } from "../../../src/tools/read-file.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { writeFileTool } from "../../../src/tools/write-file.ts";
import { workspaceWith } from "./helpers/setup.ts";

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe("UTF-8 with a BOM", () => {
  // Two BOMs (a file concatenated from BOM files): the decoder dropped the second as a BOM
  // of its own, and every edit wrote the file back one BOM short.
  it("keeps a second BOM, which is text, through edit_file, write_file and apply_patch", async () => {
    const file = Buffer.concat([BOM, BOM, Buffer.from("x = 1\ny = 2\n")]);
    const { root, ctx } = workspaceWith({ "a.py": file, "b.py": file, "c.py": file });
    const bytes = (name: string) => readFileSync(join(root, name));
    const expected = Buffer.concat([BOM, BOM, Buffer.from("x = 1\ny = 3\n")]);
    const e = await runTool(editFileTool, { path: "a.py", old_text: "y = 2", new_text: "y = 3" }, ctx);
    assert.equal(e.ok, true, e.text);
    assert.deepEqual(bytes("a.py"), expected);
    const read = await runTool(readFileTool, { path: "b.py" }, ctx);
    assert.equal(read.text, "1| \ufeffx = 1\n2| y = 2");
    const w = await runTool(writeFileTool, { path: "b.py", content: "\ufeffx = 1\ny = 3\n" }, ctx);
    assert.equal(w.ok, true, w.text);
    assert.deepEqual(bytes("b.py"), expected);
    const p = await runTool(applyPatchTool, { patch: "--- a/c.py\n+++ b/c.py\n@@ -1,2 +1,2 @@\n \ufeffx = 1\n-y = 2\n+y = 3\n" }, ctx);
    assert.equal(p.ok, true, p.text);
    assert.deepEqual(bytes("c.py"), expected);
  });
});
