/**
 * A patch made by git format-patch (what git am takes, and mailing lists and many projects'
 * contribution guides send) ends in its e-mail signature: a line "-- " and git's version. After
 * the last hunk it was read as one more removed line ("- "), so that hunk matched nowhere and
 * hearth apply-patch refused the patch ('1 of 1 hunk(s) did not apply'), which git apply and
 * git am apply: the hunk's counts end it before the signature. Real git makes the patch.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { tempDir, workspaceWith } from "./helpers/setup.ts";

const BEFORE = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n";
const AFTER = BEFORE.replace("return a - b", "return a + b");

it("applies git format-patch's output, whose e-mail signature ('-- ' and git's version) follows the last hunk", async () => {
  const dir = tempDir("hearth-format-patch-");
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: dir, encoding: "utf8" });
  writeFileSync(join(dir, "calc.py"), BEFORE);
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "one");
  writeFileSync(join(dir, "calc.py"), AFTER);
  git("commit", "-qam", "add adds");
  const patch = git("format-patch", "-1", "--stdout");
  assert.match(patch, /\n-- \n\d+\.\d+/);
  const { root, ctx } = workspaceWith({ "calc.py": BEFORE });
  const result = await runTool(applyPatchTool, { patch }, ctx);
  assert.equal(result.ok, true, result.text);
  assert.equal(readFileSync(join(root, "calc.py"), "utf8"), AFTER);
});

it("still reads '-- ' as a removed line '- ' where the hunk's counts take it in, or a hunk line follows it", async () => {
  const list = "# Notes\n- \n- item\n";
  const { root, ctx } = workspaceWith({ "notes.md": list, "more.md": list });
  const counted = "--- a/notes.md\n+++ b/notes.md\n@@ -1,3 +1,2 @@\n # Notes\n-- \n - item\n";
  assert.equal((await runTool(applyPatchTool, { patch: counted }, ctx)).ok, true);
  assert.equal(readFileSync(join(root, "notes.md"), "utf8"), "# Notes\n- item\n");
  const followed = "--- a/more.md\n+++ b/more.md\n@@ -1 +1 @@\n # Notes\n-- \n - item\n";
  const result = await runTool(applyPatchTool, { patch: followed }, ctx);
  assert.equal(result.ok, true, result.text);
  assert.equal(readFileSync(join(root, "more.md"), "utf8"), "# Notes\n- item\n");
});
