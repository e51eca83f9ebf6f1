/**
 * A patch made by `git diff` where the user's config sets diff.mnemonicPrefix (a widely
 * recommended setting): its paths start i/ and w/ (git diff), c/ and w/ (git diff HEAD), c/
 * and i/ (--cached), o/ and w/, 1/ and 2/ (--no-index), not a/ and b/. git apply strips them as
 * it strips a/ and b/; apply_patch and hearth apply-patch read `diff --git i/calc.py
 * w/calc.py` as a rename of a file "i/calc.py", which does not exist, and refused the patch.
 * Real git makes each patch; it is applied to the files as they were before.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { tempDir, workspaceWith, writeFiles } from "./helpers/setup.ts";

const BEFORE: Record<string, string> = {
  "lib/calc.py": "def add(a, b):\n    return a - b\n",
  "my notes.txt": "one\n",
  "old.txt": "gone\n",
  "moved.py": Array.from({ length: 12 }, (_, i) => `line ${i}\n`).join(""),
};

const AFTER: Record<string, string> = {
  "lib/calc.py": "def add(a, b):\n    return a + b\n",
  "my notes.txt": "one\ntwo\n",
  "src/moved.py": BEFORE["moved.py"]!.replace("line 3\n", "line three\n"),
  "new.py": "print('new')\n",
};

const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "diff.mnemonicPrefix=true", "-c", "core.quotePath=true", ...args], { cwd, encoding: "utf8" });

/** `git <args>` (a diff) in a repository holding BEFORE, committed, with AFTER in the work tree (`stage`: and the index). */
function mnemonicDiff(stage: boolean, ...args: string[]): string {
  const dir = tempDir("hearth-mnemonic-");
  writeFiles(dir, BEFORE);
  git(dir, "init", "-q");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "before");
  for (const path of Object.keys(BEFORE)) rmSync(join(dir, path));
  writeFiles(dir, AFTER);
  // Unstaged, the new files are marked intent-to-add (git add -N) so that git diff shows them.
  git(dir, "add", ...(stage ? ["-A"] : ["-N", "--", ...Object.keys(AFTER).filter((path) => !(path in BEFORE))]));
  return git(dir, ...args);
}

describe("apply_patch: a git diff made with diff.mnemonicPrefix", () => {
  for (const [name, stage, args, prefixes] of [
    ["git diff (i/ w/)", false, ["diff", "-M"], /^diff --git i\/lib\/calc\.py w\/lib\/calc\.py$/m],
    ["git diff HEAD (c/ w/)", false, ["diff", "-M", "HEAD"], /^diff --git c\/lib\/calc\.py w\/lib\/calc\.py$/m],
    ["git diff --cached (c/ i/)", true, ["diff", "-M", "--cached"], /^diff --git c\/lib\/calc\.py i\/lib\/calc\.py$/m],
  ] as const) {
    it(`applies ${name}: changes, a name with a space, a deletion, a rename, a new file`, async () => {
      const patch = mnemonicDiff(stage, ...args);
      assert.match(patch, prefixes);
      const { root, ctx } = workspaceWith(BEFORE);
      const result = await runTool(applyPatchTool, { patch }, ctx);
      assert.equal(result.ok, true, result.text);
      for (const [path, text] of Object.entries(AFTER)) assert.equal(readFileSync(join(root, path), "utf8"), text, path);
      assert.throws(() => readFileSync(join(root, "old.txt")));
      assert.throws(() => readFileSync(join(root, "moved.py")));
    });
  }

  it("applies git diff --no-index's 1/ and 2/", async () => {
    const dir = tempDir("hearth-mnemonic-");
    writeFileSync(join(dir, "calc.py"), BEFORE["lib/calc.py"]!);
    writeFileSync(join(dir, "fixed.py"), AFTER["lib/calc.py"]!);
    let patch = "";
    try {
      git(dir, "diff", "--no-index", "calc.py", "fixed.py");
    } catch (error) {
      patch = (error as { stdout: string }).stdout; // exit 1: the files differ
    }
    assert.match(patch, /^diff --git 1\/calc\.py 2\/fixed\.py$/m);
    // As with a/ and b/: the two names differ, so it is calc.py renamed to fixed.py with the change.
    const { root, ctx } = workspaceWith({ "calc.py": BEFORE["lib/calc.py"]! });
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "fixed.py"), "utf8"), AFTER["lib/calc.py"]);
  });

  it("keeps a path whose first folder is one letter where the header is no mnemonic pair (diff.noprefix: c/x.py on both sides)", async () => {
    const { root, ctx } = workspaceWith({ "c/x.py": "a\n" });
    const patch = "diff --git c/x.py c/x.py\n--- c/x.py\n+++ c/x.py\n@@ -1 +1 @@\n-a\n+b\n";
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(readFileSync(join(root, "c/x.py"), "utf8"), "b\n");
  });
});
