/**
 * read_file on a file a merge, rebase or cherry-pick left with conflict markers (chat runs in
 * such a checkout; hearth fix refuses it, cli/checkout-root.ts): the model is told which lines
 * are git's two sides, not code, and that choosing between them is the user's call.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DiskWorkspace } from "../../../src/tools/disk-workspace.ts";
import { readFileTool } from "../../../src/tools/read-file.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { git, repoWithBranch } from "../../fixtures/git-repos.ts";
import { tempDir, workspaceWith } from "./helpers/setup.ts";

/** A merge tool's test fixture: a file that holds conflict markers on purpose, committed so. */
const FIXTURE = "before\n<<<<<<< ours\nx\n=======\ny\n>>>>>>> theirs\nafter\n";

/** A checkout whose merge of `other` stopped on calc.py (its add() changed on both sides); tests/conflicted.txt is FIXTURE. */
function mergeStopped(): string {
  const root = repoWithBranch(join(tempDir(), "repo"), { "calc.py": "def add(a, b):\n    return a\n\n\ndef sub(a, b):\n    return a - b\n", "tests/conflicted.txt": FIXTURE }, {
    written: { "calc.py": "def add(a, b):\n    return b + a\n\n\ndef sub(a, b):\n    return a - b\n" },
  });
  writeFileSync(join(root, "calc.py"), "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n");
  git(root, "commit", "-qam", "main");
  assert.equal(spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "merge", "-q", "other"], { cwd: root }).status, 1);
  return root;
}

function contextAt(root: string) {
  return { workspace: new DiskWorkspace(root), signal: new AbortController().signal, reads: new Map() };
}

describe("read_file and conflict markers", () => {
  it("names the lines of an unresolved conflict a stopped merge left, and says whose call it is", async () => {
    const root = mergeStopped();
    const r = await runTool(readFileTool, { path: "calc.py" }, contextAt(root));
    assert.equal(r.ok, true, r.text);
    assert.match(r.text, /^ 2\| <<<<<<< HEAD$/m);
    assert.match(r.text, /\n\[Hearth: lines 2-6 of calc\.py are an unresolved merge conflict: git's markers, not code\. Between <<<<<<< and ======= is one side \(HEAD\), between ======= and >>>>>>> the other \(other\)\. Which to keep, or how to combine them, is the user's decision: unless they asked you to resolve it, ask them before editing these lines\. After it is resolved, git still counts the file as conflicted until the user runs git add on it\.\]$/);
  });

  it("says nothing of markers outside the lines shown, and nothing for a file without them", async () => {
    const root = mergeStopped();
    const r = await runTool(readFileTool, { path: "calc.py", start_line: 8, end_line: 9 }, contextAt(root));
    assert.equal(r.ok, true, r.text);
    assert.doesNotMatch(r.text, /conflict/);
    // ======= alone (a reStructuredText heading's underline) is no conflict.
    const { ctx } = workspaceWith({ "README.rst": "Title\n=======\n\n<<<<<<<< not a marker\n" });
    const plain = await runTool(readFileTool, { path: "README.rst" }, ctx);
    assert.doesNotMatch(plain.text, /conflict/);
  });

  it("counts each conflict of a diff3-style file (|||||||) and a range that starts inside one", async () => {
    const text = "a\n<<<<<<< ours\nx\n||||||| base\nw\n=======\ny\n>>>>>>> theirs\nb\n<<<<<<< ours\np\n=======\nq\n>>>>>>> theirs\n";
    const { ctx } = workspaceWith({ "f.txt": text });
    const r = await runTool(readFileTool, { path: "f.txt", start_line: 4 }, ctx);
    assert.match(r.text, /\[Hearth: lines 2-8 and 10-14 of f\.txt are 2 unresolved merge conflicts: git's markers, not code\. Between <<<<<<< and ======= is one side \(ours\), between ======= and >>>>>>> the other \(theirs\); from \|\|\|\|\|\|\| to ======= is their common base\./);
  });

  it("says nothing of markers in a file git does not count conflicted (a merge tool's fixture), in the middle of a merge or not", async () => {
    const root = mergeStopped();
    const during = await runTool(readFileTool, { path: "tests/conflicted.txt" }, contextAt(root));
    assert.equal(during.ok, true, during.text);
    assert.match(during.text, /^2\| <<<<<<< ours$/m);
    assert.doesNotMatch(during.text, /conflict:/);
    git(root, "merge", "--abort");
    const after = await runTool(readFileTool, { path: "tests/conflicted.txt" }, contextAt(root));
    assert.doesNotMatch(after.text, /conflict:/);
  });

  it("names the conflicts a merge under way had git added with their markers still in, and says git took them for resolved; a fixture's markers still get no note", async () => {
    const root = mergeStopped();
    // The slip: git add -A after the merge stopped, nothing resolved. git counts no file conflicted now.
    git(root, "add", "-A");
    assert.equal(git(root, "ls-files", "--unmerged"), "");
    const r = await runTool(readFileTool, { path: "calc.py" }, contextAt(root));
    assert.equal(r.ok, true, r.text);
    assert.match(r.text, /\[Hearth: lines 2-6 of calc\.py are an unresolved merge conflict: git's markers, not code\. /);
    assert.match(r.text, /git add has already marked the file resolved with these markers in it, so the merge would commit them as they are\.\]/);
    assert.doesNotMatch(r.text, /git still counts the file as conflicted/);
    const fixture = await runTool(readFileTool, { path: "tests/conflicted.txt" }, contextAt(root));
    assert.doesNotMatch(fixture.text, /conflict:/);
    // Committed so, with no merge under way, they are the file's content: no note.
    git(root, "commit", "-qm", "merged with markers");
    const committed = await runTool(readFileTool, { path: "calc.py" }, contextAt(root));
    assert.doesNotMatch(committed.text, /\[Hearth: lines/);
  });
});
