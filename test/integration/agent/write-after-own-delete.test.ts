// write_file of a file the model read that is gone now (5d495ffc): refused once when the user
// deleted or renamed it while the model thought, since made again from the model's memory it
// would undo that unseen — but not when the agent's own command deleted it (rm, then a new
// version), which the model knows of: that write goes through at once. Real files, real git
// under the checkpoints, the real run loop, commands and tools, the scripted model.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { committedRepo } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });
const NEW = "the new config\n";

async function run(turns: ScriptedTurn[], user: (e: AgentWireEvent, root: string) => void) {
  const dir = tempDir("hearth-own-delete-");
  const root = committedRepo(join(dir, "work"), { "config.txt": "the old config\n" });
  const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  const ends: Extract<AgentWireEvent, { type: "toolEnd" }>[] = [];
  await runConversationTurn({
    mode: "chat", text: "renew the config", messages: [], policy: "auto-all",
    workspace: new DiskWorkspace(root),
    checkpoints,
    backend: async () => new ScriptedBackend({ turns }),
    approve: async () => true,
    onEvent: (e) => {
      if (e.type === "toolEnd") ends.push(e);
      user(e, root);
    },
    signal: new AbortController().signal,
  });
  return { root, ends };
}

describe("write_file of a file read earlier that is gone now", () => {
  it("goes through at once when the agent's own command deleted it", async () => {
    const { root, ends } = await run([
      call("read_file", { path: "config.txt" }),
      call("run_command", { command: "rm config.txt" }),
      call("write_file", { path: "config.txt", content: NEW }),
      call("finish", { summary: "done" }),
    ], () => undefined);
    assert.equal(ends[2]!.ok, true, ends[2]!.preview);
    assert.equal(readFileSync(join(root, "config.txt"), "utf8"), NEW);
  });

  it("is refused once when the user deleted it while the model thought", async () => {
    const { root, ends } = await run([
      call("read_file", { path: "config.txt" }),
      call("list_files", {}),
      call("write_file", { path: "config.txt", content: NEW }),
      call("finish", { summary: "done" }),
    ], (e, root) => {
      // Once the model has read it, the user deletes it in the explorer.
      if (e.type === "toolEnd" && existsSync(join(root, "config.txt"))) rmSync(join(root, "config.txt"));
    });
    assert.equal(ends[2]!.ok, false);
    assert.match(ends[2]!.preview ?? "", /"config\.txt" no longer exists: it was there when you last read or edited it, so it was deleted or renamed since/);
    assert.equal(existsSync(join(root, "config.txt")), false);
  });
});

