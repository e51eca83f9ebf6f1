// hearth fix while the user moves the checkout's HEAD (a git checkout, a commit) between the
// agent's steps: the patch is a diff from the run's start, so git's changes would be in it.
// Real git in the user's repository, the real fix run and checkpoints, the scripted model.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runFix } from "../../../src/agent/fix.ts";
import type { AgentEvent } from "../../../src/agent/loop.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { git, repoWithBranch } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

/** A repository on its first branch with a branch `other` that deletes, adds and changes a file. */
function twoBranches(dir: string): { root: string; first: string } {
  const root = repoWithBranch(join(dir, "work"), { "a.txt": "base\n", "only-main.txt": "main's\n", "shared.txt": "main's version\n" }, { deleted: ["only-main.txt"], written: { "only-other.txt": "other's\n", "shared.txt": "other's version\n" } });
  return { root, first: git(root, "branch", "--show-current").trim() };
}

const editThenLook = [call("edit_file", { path: "a.txt", old_text: "base", new_text: "the agent's" }), call("list_files", {}), call("finish", { summary: "done" })];

/** After the agent's edit of a.txt has ended, `user` runs (the model is thinking). */
function afterTheEdit(user: () => void): (event: AgentEvent) => void {
  return (event) => {
    if (event.type === "toolEnd" && event.call.name === "edit_file") user();
  };
}

describe("hearth fix while the user's HEAD moves", () => {
  it("makes no patch when the user switched branches while the model thought, and names the files git changed", async () => {
    const dir = tempDir("hearth-fix-head-moved-");
    const { root, first } = twoBranches(dir);
    const result = await runFix({ repo: root, issue: "fix a", backend: new ScriptedBackend({ turns: editThenLook }), storageDir: join(dir, "state"), policy: "auto-all", onEvent: afterTheEdit(() => git(root, "checkout", "-q", "other")) });
    assert.equal(result.patch, "");
    assert.deepEqual(result.changedFiles, []);
    assert.equal(result.headMoved?.from.ref, `refs/heads/${first}`);
    assert.equal(result.headMoved?.to.ref, "refs/heads/other");
    assert.deepEqual(result.headMoved?.files, ["only-main.txt", "only-other.txt", "shared.txt"]);
  });

  it("keeps the patch when the agent's own command switched branches: that change is the agent's", async () => {
    const dir = tempDir("hearth-fix-head-moved-");
    const { root } = twoBranches(dir);
    const turns = [call("run_command", { command: "git checkout -q other" }), call("finish", { summary: "done" })];
    const result = await runFix({ repo: root, issue: "fix a", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
    assert.equal(result.headMoved, undefined);
    assert.deepEqual(result.changedFiles, ["only-main.txt", "only-other.txt", "shared.txt"]);
  });

  it("keeps the patch when the user committed the agent's edit during the run: git moved HEAD but wrote no file", async () => {
    const dir = tempDir("hearth-fix-head-moved-");
    const { root } = twoBranches(dir);
    const result = await runFix({ repo: root, issue: "fix a", backend: new ScriptedBackend({ turns: editThenLook }), storageDir: join(dir, "state"), policy: "auto-all", onEvent: afterTheEdit(() => git(root, "commit", "-qam", "the user's commit")) });
    assert.equal(result.headMoved, undefined);
    assert.deepEqual(result.changedFiles, ["a.txt"]);
    assert.match(result.patch, /^\+the agent's$/m);
  });
});
