// The agent edits geo.py; the user then renames it to shapes.py while the model thinks. The
// review holds geo.py (Hearth's edit, gone now), not shapes.py (the user's new name); its
// Reject asks first (review-plan.ts laterChangesQuestion: "geo.py is gone … Rejecting creates
// it again …; a copy renamed elsewhere is left as it is") and, told yes, makes geo.py again as
// it was before the edit and leaves shapes.py alone: nothing the user has is lost. Real files,
// real git under the checkpoints, the real run loop, the scripted model.
import assert from "node:assert/strict";
import { existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { changedSinceExpected, restoreCheckpoint } from "../../../src/agent/checkpoint-restore.ts";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { committedRepo } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

describe("a file the agent edited that the user renamed during the run", () => {
  it("is reviewed under its old name, and its Reject, asked first, makes it again and leaves the renamed copy", async () => {
    const dir = tempDir("hearth-rename-reject-");
    const root = committedRepo(join(dir, "work"), { "geo.py": "area = 3.14\n" });
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
    const turns = [call("edit_file", { path: "geo.py", old_text: "3.14", new_text: "math.pi" }), call("list_files", {}), call("finish", { summary: "done" })];
    const { result } = await runConversationTurn({
      mode: "chat", text: "use pi", messages: [], policy: "auto-all",
      workspace: new DiskWorkspace(root),
      checkpoints,
      backend: async () => new ScriptedBackend({ turns }),
      approve: async () => true,
      onEvent: (e) => e.type === "toolEnd" && e.changedFiles?.includes("geo.py") && renameSync(join(root, "geo.py"), join(root, "shapes.py")),
      signal: new AbortController().signal,
    });
    assert.deepEqual(result.changedFiles, ["geo.py"]);
    assert.deepEqual(await changedSinceExpected(checkpoints, result.startCheckpoint!, result.endCheckpoint!, result.changedFiles), ["geo.py"]);
    const disk = new DiskWorkspace(root);
    const restored = await restoreCheckpoint({ checkpoints, checkpoint: result.startCheckpoint!, paths: result.changedFiles, disk, target: disk });
    assert.deepEqual(restored.restored, ["geo.py"]);
    assert.equal(readFileSync(join(root, "geo.py"), "utf8"), "area = 3.14\n");
    assert.equal(readFileSync(join(root, "shapes.py"), "utf8"), "area = math.pi\n");
    assert.ok(existsSync(join(root, "shapes.py")));
  });
});
