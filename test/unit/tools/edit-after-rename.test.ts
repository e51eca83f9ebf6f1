// The model reads a file, then the user renames or deletes it in the explorer (or a command,
// a branch switch, does), and the model's next edit or patch quotes the file it read: "does not exist;
// use write_file to create a new file" steered it to make the old file again beside the
// renamed one. Real files, the real read_file and edit_file over one record of reads.
import assert from "node:assert/strict";
import { existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { editFileTool } from "../../../src/tools/edit-file.ts";
import { readFileTool } from "../../../src/tools/read-file.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { writeFileTool } from "../../../src/tools/write-file.ts";
import { workspaceWith } from "./helpers/setup.ts";

const GONE = /"geo\.py" no longer exists: it was there when you last read or edited it, so it was deleted or renamed since \(by the user, a command or another program\)\. Do not create it again unless the task needs it back: find where it went with list_files or search, or ask the user\./;

describe("edit_file, apply_patch and read_file on a file renamed or deleted since the model read it", () => {
  it("says the file went away since it was read, not to create it, and writes nothing", async () => {
    const { root, ctx } = workspaceWith({ "geo.py": "def area(r):\n    return 3.14*r*r\n" });
    assert.equal((await runTool(readFileTool, { path: "geo.py" }, ctx)).ok, true);
    renameSync(join(root, "geo.py"), join(root, "shapes.py"));

    const edit = await runTool(editFileTool, { path: "geo.py", old_text: "3.14", new_text: "math.pi" }, ctx);
    assert.equal(!edit.ok && edit.code, "not-found");
    assert.match(edit.text, GONE);
    assert.doesNotMatch(edit.text, /use write_file/);
    const patch = await runTool(applyPatchTool, { patch: "--- a/geo.py\n+++ b/geo.py\n@@ -1,2 +1,2 @@\n def area(r):\n-    return 3.14*r*r\n+    return math.pi*r*r\n" }, ctx);
    assert.equal(!patch.ok && patch.code, "patch-failed");
    assert.match(patch.text, GONE);
    const read = await runTool(readFileTool, { path: "geo.py" }, ctx);
    assert.equal(!read.ok && read.code, "not-found");
    assert.match(read.text, GONE);
    assert.equal(existsSync(join(root, "geo.py")), false);
  });

  it("write_file of a file the model read that the user deleted or renamed since: refused once, nothing written; again, it is created", async () => {
    const { root, ctx } = workspaceWith({ "geo.py": "def area(r):\n    return 3.14*r*r\n" });
    assert.equal((await runTool(readFileTool, { path: "geo.py" }, ctx)).ok, true);
    renameSync(join(root, "geo.py"), join(root, "shapes.py"));

    const content = "import math\n\ndef area(r):\n    return math.pi*r*r\n";
    const write = await runTool(writeFileTool, { path: "geo.py", content }, ctx);
    assert.equal(!write.ok && write.code, "stale-file");
    assert.match(write.text, GONE);
    assert.match(write.text, /If the task does need it back, write_file it again: it is then created\./);
    assert.equal(existsSync(join(root, "geo.py")), false);
    // The model, told so, decides the task needs it back.
    const again = await runTool(writeFileTool, { path: "geo.py", content }, ctx);
    assert.equal(again.ok, true);
    assert.equal(readFileSync(join(root, "geo.py"), "utf8"), content);
  });

  it("still offers write_file for a file the model never saw", async () => {
    const { ctx } = workspaceWith({});
    const edit = await runTool(editFileTool, { path: "geo.py", old_text: "3.14", new_text: "math.pi" }, ctx);
    assert.match(edit.text, /"geo\.py" does not exist; use write_file to create a new file/);
  });
});
