/**
 * git_diff without checkpoints (`hearth chat` runs tools so): `git diff HEAD` of the
 * user's repository, read-only.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gitDiffTool } from "../../../src/tools/git-diff.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { workspaceWith } from "./helpers/setup.ts";

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=u", "-c", "user.email=u@u", ...args], { cwd, encoding: "utf8" });
}

function repoWith(files: Record<string, string>) {
  const made = workspaceWith(files);
  git(made.root, "init", "-q");
  git(made.root, "add", "-A");
  git(made.root, "commit", "-qm", "base");
  return made;
}

describe("git_diff without checkpoints", () => {
  it("non-ASCII text is whole however git's output is cut into chunks", async () => {
    // About 1.5 MB of three-byte characters: the pipe delivers it in many chunks, some ending inside one.
    const line = "€".repeat(99);
    const { root, ctx } = repoWith({ "notes.txt": "start\n" });
    writeFileSync(join(root, "notes.txt"), `start\n${`${line}\n`.repeat(5000)}`);
    const result = await runTool(gitDiffTool, {}, ctx);
    assert.equal(result.ok, true, result.text);
    const diff = (result.data as { diff: string }).diff;
    assert.equal(diff.includes("\uFFFD"), false, "a character split between two chunks was decoded as U+FFFD");
    assert.equal(diff.split("\n").filter((l) => l === `+${line}`).length, 5000);
  });

  it("a file the agent created (untracked) is in the diff, not 'No changes.'", async () => {
    const { root, ctx } = repoWith({ "a.py": "x = 1\n", ".gitignore": "build/\n" });
    writeFileSync(join(root, "new.py"), "def f():\n    return 2\n");
    mkdirSync(join(root, "build"));
    writeFileSync(join(root, "build/out.txt"), "ignored\n");
    const result = await runTool(gitDiffTool, {}, ctx);
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /^diff --git a\/new\.py b\/new\.py\nnew file mode 100644\n(index .*\n)?--- \/dev\/null\n\+\+\+ b\/new\.py\n@@ -0,0 \+1,2 @@\n\+def f\(\):\n\+    return 2\n$/);
    assert.doesNotMatch(result.text, /build/);
    writeFileSync(join(root, "big.csv"), "1,2\n".repeat(300_000));
    assert.match((await runTool(gitDiffTool, {}, ctx)).text, /^\[new file big\.csv: 1200000 bytes, not shown\]$/m);
    rmSync(join(root, "big.csv"));
    assert.equal(git(root, "status", "--porcelain"), "?? new.py\n", "the user's index is not touched");
  });

  it("a path argument is a path, not a pattern: [id].tsx is that file", async () => {
    const { root, ctx } = repoWith({ "app/[id].tsx": "a\n", "app/i.tsx": "b\n" });
    writeFileSync(join(root, "app/[id].tsx"), "A\n");
    writeFileSync(join(root, "app/i.tsx"), "B\n");
    writeFileSync(join(root, "app/d.tsx"), "new\n");
    const result = await runTool(gitDiffTool, { path: "app/[id].tsx" }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /^diff --git a\/app\/\[id\]\.tsx b\/app\/\[id\]\.tsx$/m);
    assert.doesNotMatch(result.text, /i\.tsx|d\.tsx/);
  });
});
