/**
 * A patch saved from git diff where the user's config sets color.ui=always (or color.diff, or
 * git diff --color): every line of it is wrapped in a terminal's colour codes (ESC [1m diff
 * --git … ESC [m), which `cat` shows as a plain diff. apply_patch and hearth apply-patch said
 * "no unified diff found: expected `--- a/file`, `+++ b/file` and `@@` hunks" of what looks like
 * exactly that: a dead end. git apply refuses it too; the refusal now says why and what to run.
 * Real git makes the patch.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { tempDir, workspaceWith } from "./helpers/setup.ts";

it("a patch in git diff's colours is refused saying so, with the command that makes it without them, and nothing is written", async () => {
  const dir = tempDir("hearth-colours-");
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "color.ui=always", ...args], { cwd: dir, encoding: "utf8" });
  writeFileSync(join(dir, "calc.py"), "def add(a, b):\n    return a - b\n");
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "one");
  writeFileSync(join(dir, "calc.py"), "def add(a, b):\n    return a + b\n");
  const patch = git("diff");
  assert.match(patch, /\x1b\[/);
  const { root, ctx } = workspaceWith({ "calc.py": "def add(a, b):\n    return a - b\n" });
  const result = await runTool(applyPatchTool, { patch }, ctx);
  assert.equal(result.text, "Error (patch-failed): the patch holds a terminal's colour codes (ESC [ … m), as git diff writes them where color.ui or color.diff is always, or with --color; git apply refuses it too. Make it again without them: git diff --no-color");
  assert.equal(readFileSync(join(root, "calc.py"), "utf8"), "def add(a, b):\n    return a - b\n");
});
