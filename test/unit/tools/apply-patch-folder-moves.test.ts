/**
 * apply_patch where a file becomes a folder of the same name (`git mv d d/x`, or "delete d,
 * create d/x") and where a rename empties a folder: the result must be git apply's, checked
 * against real `git apply` on a copy of the same files.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { planPatch } from "../../../src/tools/patch/plan.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { tempDir, workspaceWith } from "./helpers/setup.ts";

const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Every file under `root` (not .git) with its text, and every folder, as one sorted list. */
function tree(root: string, under = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, under), { withFileTypes: true })) {
    const rel = under ? `${under}/${entry.name}` : entry.name;
    if (rel === ".git") continue;
    if (entry.isDirectory()) out.push(`${rel}/`, ...tree(root, rel));
    else out.push(`${rel}: ${readFileSync(join(root, rel), "utf8")}`);
  }
  return out.sort();
}

/** Hearth's result of `patch` on `files`, and git apply's on a copy; both trees. */
async function both(files: Record<string, string>, patch: string) {
  const { root, ctx } = workspaceWith(files);
  const copy = tempDir();
  cpSync(root, copy, { recursive: true });
  git(copy, "init", "-q");
  writeFileSync(join(copy, ".git", "p.diff"), patch);
  git(copy, "apply", join(".git", "p.diff"));
  const result = await runTool(applyPatchTool, { patch }, ctx);
  return { result, hearth: tree(root), git: tree(copy), root };
}

const rename = (from: string, to: string) => `diff --git a/${from} b/${to}\nsimilarity index 100%\nrename from ${from}\nrename to ${to}\n`;
const remove = (path: string, line: string) => `diff --git a/${path} b/${path}\ndeleted file mode 100644\n--- a/${path}\n+++ /dev/null\n@@ -1 +0,0 @@\n-${line}\n`;
const create = (path: string, line: string) => `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+${line}\n`;

describe("apply_patch: a file that becomes a folder of its own name", () => {
  it("`git mv d d/x` (git's own diff of it) applies as git apply does", async () => {
    const made = tempDir();
    git(made, "init", "-q");
    writeFileSync(join(made, "d"), "D\n");
    git(made, "add", "d");
    git(made, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "d");
    git(made, "mv", "d", "tmp-d");
    git(made, "mv", "tmp-d", "d/x".replace("d/x", "x"));
    execFileSync("mkdir", ["d"], { cwd: made });
    git(made, "mv", "x", "d/x");
    const patch = git(made, "diff", "--cached", "-M");
    assert.match(patch, /rename from d\nrename to d\/x/);
    const { result, hearth, git: expected } = await both({ d: "D\n" }, patch);
    assert.equal(result.ok, true, result.text);
    assert.deepEqual(hearth, expected);
    assert.deepEqual(hearth, ["d/", "d/x: D\n"]);
  });

  it("a rename of d to d/x that also changes it carries the change", async () => {
    const patch = `diff --git a/d b/d/x\nsimilarity index 50%\nrename from d\nrename to d/x\n--- a/d\n+++ b/d/x\n@@ -1 +1 @@\n-D\n+E\n`;
    const { result, hearth, git: expected } = await both({ d: "D\n" }, patch);
    assert.equal(result.ok, true, result.text);
    assert.deepEqual(hearth, expected);
  });

  it("deleting d and creating d/x applies as git apply does", async () => {
    const { result, hearth, git: expected } = await both({ d: "D\n" }, remove("d", "D") + create("d/x", "X"));
    assert.equal(result.ok, true, result.text);
    assert.deepEqual(hearth, expected);
    assert.deepEqual(hearth, ["d/", "d/x: X\n"]);
  });

  it("a patch making both a file d and a file d/x is refused at the plan, naming both, as git apply refuses it", async () => {
    const { root, ctx } = workspaceWith({ keep: "k\n" });
    const patch = create("d", "D") + create("d/x", "X");
    const copy = tempDir();
    git(copy, "init", "-q");
    writeFileSync(join(copy, ".git", "p.diff"), patch);
    assert.throws(() => git(copy, "apply", join(".git", "p.diff")), /d\/x.*Not a directory/s);
    const plan = await planPatch(ctx.workspace, patch);
    assert.equal(plan.ok, false);
    const refused = plan.files.find((f) => !f.ok)!;
    assert.equal(refused.reason, `"d/x" cannot be made: the patch also makes "d" a file, and a file cannot hold files`);
    const result = await runTool(applyPatchTool, { patch }, ctx);
    assert.equal(result.ok, false);
    assert.doesNotMatch(result.text, /EEXIST|hearth-tmp|\/tmp\//);
    assert.deepEqual(tree(root), ["keep: k\n"]);
  });

  it("a file created under a file the patch leaves in place is refused at the plan", async () => {
    const { ctx } = workspaceWith({ d: "D\n" });
    const plan = await planPatch(ctx.workspace, create("d/x", "X"));
    assert.equal(plan.ok, false);
    assert.equal(plan.files[0]!.reason, `"d/x" cannot be made: "d" is a file, and a file cannot hold files`);
  });
});

describe("apply_patch: folders a rename or delete empties", () => {
  it("a rename x/a -> y/z/a removes the emptied x/, as git apply does; the root and other folders stay", async () => {
    const { result, hearth, git: expected } = await both({ "x/w/a": "A\n", "keep/k": "k\n" }, rename("x/w/a", "y/z/a"));
    assert.equal(result.ok, true, result.text);
    assert.deepEqual(hearth, expected);
    assert.deepEqual(hearth, ["keep/", "keep/k: k\n", "y/", "y/z/", "y/z/a: A\n"]);
  });

  it("a delete that empties a folder removes it; a folder with other files stays", async () => {
    const { result, hearth, git: expected } = await both({ "x/a": "A\n", "s/b": "B\n", "s/c": "C\n" }, remove("x/a", "A") + remove("s/b", "B"));
    assert.equal(result.ok, true, result.text);
    assert.deepEqual(hearth, expected);
    assert.deepEqual(hearth, ["s/", "s/c: C\n"]);
  });

  it("a batch that fails after the rename (a move onto a file still there) puts the emptied folders back, with their modes", async () => {
    const { root, ctx } = workspaceWith({ "x/w/a": "A\n", "k.txt": "k\n", "there.txt": "t\n" });
    chmodSync(join(root, "x/w"), 0o750);
    await assert.rejects(
      ctx.workspace.apply([{ kind: "rename", from: "x/w/a", to: "y/a" }, { kind: "rename", from: "k.txt", to: "there.txt" }]),
      /cannot rename to "there\.txt": a file is already there/,
    );
    assert.equal(readFileSync(join(root, "x/w/a"), "utf8"), "A\n");
    assert.equal(statSync(join(root, "x/w")).mode & 0o777, 0o750);
    assert.equal(existsSync(join(root, "y")), false);
    assert.deepEqual(tree(root), ["k.txt: k\n", "there.txt: t\n", "x/", "x/w/", "x/w/a: A\n"]);
  });

  it("a batch that fails after a delete that emptied folders puts them back, outermost first, with their modes, and the file in them", async () => {
    const { root, ctx } = workspaceWith({ "x/w/a": "A\n", "k.txt": "k\n", "there.txt": "t\n" });
    chmodSync(join(root, "x"), 0o751);
    chmodSync(join(root, "x/w"), 0o750);
    await assert.rejects(
      ctx.workspace.apply([{ kind: "delete", path: "x/w/a" }, { kind: "rename", from: "k.txt", to: "there.txt" }]),
      /cannot rename to "there\.txt": a file is already there/,
    );
    assert.equal(statSync(join(root, "x")).mode & 0o777, 0o751);
    assert.equal(statSync(join(root, "x/w")).mode & 0o777, 0o750);
    assert.deepEqual(tree(root), ["k.txt: k\n", "there.txt: t\n", "x/", "x/w/", "x/w/a: A\n"]);
  });

  it("a patch deleting the workspace's last file leaves the workspace folder itself, as git apply leaves the top of the tree", async () => {
    const { root, ctx } = workspaceWith({ "only.txt": "o\n" });
    const result = await runTool(applyPatchTool, { patch: remove("only.txt", "o") }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.equal(statSync(root).isDirectory(), true);
    assert.deepEqual(tree(root), []);
  });
});
