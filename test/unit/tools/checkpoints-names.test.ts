// Checkpoints of a workspace whose file and folder names read as something else to git: a
// revision (HEAD), an option (-rf, --output=x.txt). A cloned reproduction or a stranger's
// branch chooses its names; git takes a name that is also a revision as ambiguous unless
// `--` ends the revisions.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { agentOn } from "./helpers/checkpoint-agent.ts";

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=u", "-c", "user.email=u@u", ...args], { cwd, encoding: "utf8" });
}

describe("checkpoints of files whose names git could read as revisions or options", () => {
  it("snapshots, lists, diffs and restores a workspace holding files named HEAD, -rf and --output=x.txt", async () => {
    const { root, store, call } = await agentOn({ HEAD: "h = 1\n", "-rf": "r = 1\n", "--output=x.txt": "o = 1\n", "main.py": "m = 1\n" });
    // The user's own repository, whose HEAD moves between checkpoints (its message records it).
    git(root, "init", "-q");
    git(root, "add", "--", ".");
    git(root, "commit", "-qm", "one");
    const start = await store.create("start");
    await call("edit_file", { path: "HEAD", old_text: "h = 1", new_text: "h = 2" });
    await call("edit_file", { path: "-rf", old_text: "r = 1", new_text: "r = 2" });
    writeFileSync(join(root, "main.py"), "m = 2\n");
    git(root, "commit", "-qam", "two");
    await call("edit_file", { path: "--output=x.txt", old_text: "o = 1", new_text: "o = 2" });
    await store.create("after edit_file", ["--output=x.txt"]);

    assert.deepEqual((await store.changedFiles(start.id)).sort(), ["--output=x.txt", "-rf", "HEAD", "main.py"]);
    const diff = await store.diff(start.id);
    assert.match(diff, /^-h = 1$\n^\+h = 2$/m);
    assert.match(diff, /^-o = 1$\n^\+o = 2$/m);
    assert.deepEqual(await store.unrecorded(["HEAD", "-rf", "--output=x.txt"]), []);
    assert.equal((await store.list()).at(-1)!.id, start.id);
    const moved = await store.headMoved(start.id, (await store.list())[0]!.id);
    assert.equal(moved?.to.commit, git(root, "rev-parse", "--verify", "HEAD").trim());
    await store.restore(start.id);
    assert.equal(readFileSync(join(root, "HEAD"), "utf8"), "h = 1\n");
    assert.equal(readFileSync(join(root, "-rf"), "utf8"), "r = 1\n");
    assert.equal(readFileSync(join(root, "--output=x.txt"), "utf8"), "o = 1\n");
    assert.equal(existsSync(join(root, "x.txt")), false, "a name was taken as git's --output option");
  });
});

describe("checkpoints of files whose names look like a Windows drive", () => {
  it("checkpoints and undoes an edit of a:b.txt, a relative name the tools take as one (only X:/ is a drive)", async () => {
    const { root, store, call } = await agentOn({ "a:b.txt": "v = 1\n", "c:": "w = 1\n" });
    const start = await store.create("start");
    await call("edit_file", { path: "a:b.txt", old_text: "v = 1", new_text: "v = 2" });
    await call("edit_file", { path: "c:", old_text: "w = 1", new_text: "w = 2" });
    await store.create("after edit_file", ["c:"]);
    assert.deepEqual((await store.changedFiles(start.id)).sort(), ["a:b.txt", "c:"]);
    await store.restore(start.id);
    assert.equal(readFileSync(join(root, "a:b.txt"), "utf8"), "v = 1\n");
    assert.equal(readFileSync(join(root, "c:"), "utf8"), "w = 1\n");
  });
});
