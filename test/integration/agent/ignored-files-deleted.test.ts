// A chat or Fix This Issue run whose command deleted files git ignores — `git clean -fdx`
// taking the user's .env with dist/ and node_modules/, an `rm -rf node_modules` —: Hearth's
// checkpoints never hold ignored files (but those the edit tools write), so the review listed
// none of them, its Reject and Restore checkpoint could not bring them back, and nothing but
// the command's own output said they were gone. The run's end now says so. Real git, real
// files, the real run loop, the scripted model, the review's Reject and a whole restore as the
// runtime does them.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { restoreCheckpoint } from "../../../src/agent/checkpoint-restore.ts";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { committedRepo } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

async function run(dir: string, command: string) {
  const root = committedRepo(join(dir, "work"), { "calc.py": "x = 1\n", ".gitignore": ".env\ndist/\nnode_modules/\n" });
  writeFileSync(join(root, ".env"), "SECRET=only-here\n");
  mkdirSync(join(root, "dist"));
  writeFileSync(join(root, "dist", "app.js"), "built\n");
  mkdirSync(join(root, "node_modules", "left-pad"), { recursive: true });
  writeFileSync(join(root, "node_modules", "left-pad", "index.js"), "module.exports = 1;\n");
  const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  const turns = [call("run_command", { command }), call("edit_file", { path: "calc.py", old_text: "x = 1", new_text: "x = 2" }), call("finish", { summary: "done" })];
  const notices: string[] = [];
  const { result } = await runConversationTurn({
    mode: "chat", text: "clean up and fix", messages: [], policy: "auto-all",
    workspace: new DiskWorkspace(root), checkpoints,
    backend: async () => new ScriptedBackend({ turns }),
    approve: async () => true,
    onEvent: (e) => { if (e.type === "notice" && /ignore/.test(e.text)) notices.push(e.text); },
    signal: new AbortController().signal,
  });
  return { root, checkpoints, result, notices };
}

describe("ignored files a run's command deleted", () => {
  it("are named at the run's end, with that neither Reject nor Restore checkpoint brings them back (they do not)", { timeout: 120_000 }, async () => {
    const { root, checkpoints, result, notices } = await run(tempDir("hearth-ignored-gone-"), "git clean -fdx");
    assert.deepEqual(result.changedFiles, ["calc.py"]);
    assert.deepEqual(notices, ["Files git ignores are gone since this run started (deleted by its commands — git clean -x, rm -rf, a build that empties its folder — or by hand): .env, dist/, node_modules/. Hearth's checkpoints do not hold ignored files, so neither a Reject nor Restore checkpoint brings them back, and the review does not list them: make them again (reinstall, rebuild) or restore them from a backup."]);
    // What the notice says is so: the Reject puts calc.py back and nothing else; a whole restore (no paths: Restore checkpoint) neither.
    const disk = new DiskWorkspace(root);
    const rejected = await restoreCheckpoint({ checkpoints, checkpoint: result.startCheckpoint!, paths: result.changedFiles, until: result.endCheckpoint, disk, target: disk });
    assert.deepEqual(rejected, { restored: ["calc.py"], notRestored: [] });
    await restoreCheckpoint({ checkpoints, checkpoint: result.startCheckpoint!, disk, target: disk });
    assert.equal(readFileSync(join(root, "calc.py"), "utf8"), "x = 1\n");
    assert.deepEqual([".env", "dist", "node_modules"].filter((path) => existsSync(join(root, path))), []);
  });

  it("says nothing where a build emptied dist/ and made it again, or a command deleted a tracked file (the review holds that)", { timeout: 120_000 }, async () => {
    const { notices, result } = await run(tempDir("hearth-ignored-rebuilt-"), "rm -rf dist && mkdir dist && echo rebuilt > dist/app.js && rm calc.py && git checkout calc.py");
    assert.deepEqual(result.changedFiles, ["calc.py"]);
    assert.deepEqual(notices, []);
  });
});
