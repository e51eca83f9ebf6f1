// The model reads a file, then a formatter on save (Black, Prettier), a code generator or the
// user rewrites it, and the model's next edit_file (or apply_patch) quotes the text it read. Real files, the
// real read_file and edit_file over one record of reads, as a run has.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { editFileTool } from "../../../src/tools/edit-file.ts";
import { readFileTool } from "../../../src/tools/read-file.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { workspaceWith } from "./helpers/setup.ts";

const READ = "def area(r):\n    return 3.14*r*r\n";
const FORMATTED = "def area(r):\n    return 3.14 * r * r\n"; // what Black makes of it

describe("edit_file on a file rewritten since the model read it", () => {
  it("fails saying the file changed since it was read and to read it again, writes nothing, keeps the formatter's change", async () => {
    const { root, ctx } = workspaceWith({ "geo.py": READ });
    assert.equal((await runTool(readFileTool, { path: "geo.py" }, ctx)).ok, true);
    writeFileSync(join(root, "geo.py"), FORMATTED);

    const result = await runTool(editFileTool, { path: "geo.py", old_text: "    return 3.14*r*r", new_text: "    return math.pi*r*r" }, ctx);
    assert.equal(!result.ok && result.code, "no-match");
    assert.match(result.text, /"geo\.py" changed since you last read or edited it \(the user, a formatter on save or another program\): read_file it again/);
    assert.match(result.text, /return 3\.14 \* r \* r/, "the current text, as the closest candidate");
    assert.equal(readFileSync(join(root, "geo.py"), "utf8"), FORMATTED);
  });

  it("says nothing of a change when the file is as the model's own last edit left it", async () => {
    const { ctx } = workspaceWith({ "geo.py": READ });
    await runTool(readFileTool, { path: "geo.py" }, ctx);
    assert.equal((await runTool(editFileTool, { path: "geo.py", old_text: "3.14*r*r", new_text: "3.14 * r * r" }, ctx)).ok, true);
    const result = await runTool(editFileTool, { path: "geo.py", old_text: "return 3.14*r*r", new_text: "x" }, ctx);
    assert.equal(!result.ok && result.code, "no-match");
    assert.doesNotMatch(result.text, /changed since/);
  });
});

describe("apply_patch on a file rewritten since the model read it", () => {
  const patch = "--- a/geo.py\n+++ b/geo.py\n@@ -1,2 +1,2 @@\n def area(r):\n-    return 3.14*r*r\n+    return math.pi*r*r\n";

  it("fails saying which file changed since it was read and to read it again, writes nothing", async () => {
    const { root, ctx } = workspaceWith({ "geo.py": READ, "other.py": "x = 1\n" });
    assert.equal((await runTool(readFileTool, { path: "geo.py" }, ctx)).ok, true);
    writeFileSync(join(root, "geo.py"), FORMATTED);

    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(!result.ok && result.code, "patch-failed");
    assert.match(result.text, /^Error \(patch-failed\): "geo\.py" changed since you last read or edited it \(the user, a formatter on save or another program\): read_file it again and base the hunks on the text it holds now\.\nPatch NOT applied/);
    assert.match(result.text, /return 3\.14 \* r \* r/, "the current text, as the closest candidate");
    assert.equal(readFileSync(join(root, "geo.py"), "utf8"), FORMATTED);
  });

  it("says nothing of a change when the file is as the model read it", async () => {
    const { ctx } = workspaceWith({ "geo.py": FORMATTED });
    await runTool(readFileTool, { path: "geo.py" }, ctx);
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(!result.ok && result.code, "patch-failed");
    assert.doesNotMatch(result.text, /changed since/);
  });
});
