// The user keeps working while a chat run goes on: saves a file the agent never touches,
// makes one, deletes one, between two of the agent's steps. Real files, real git under the
// checkpoints, the real run loop and the scripted model: the run's changes — the review's
// files ("Hearth changed N files", each with its diff and Reject) — are the agent's alone.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { restoreCheckpoint } from "../../../src/agent/checkpoint-restore.ts";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { committedRepo } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

describe("a run during which the user saves, makes and deletes files the agent does not touch", () => {
  it("reviews the agent's edit alone, and its Reject leaves the user's work", async () => {
    const dir = tempDir("hearth-user-edits-");
    const root = committedRepo(join(dir, "work"), { "a.txt": "base\n", "notes.md": "# notes\n", "old.txt": "old\n" });
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
    const turns = [call("edit_file", { path: "a.txt", old_text: "base", new_text: "the agent's" }), call("list_files", {}), call("finish", { summary: "done" })];
    // The user, once the agent's edit is made, while the model thinks.
    const user = (e: AgentWireEvent) => {
      if (e.type !== "toolEnd" || !e.changedFiles?.includes("a.txt")) return;
      writeFileSync(join(root, "notes.md"), "# notes\nthe user's line\n");
      writeFileSync(join(root, "mine.txt"), "the user's new file\n");
      rmSync(join(root, "old.txt"));
    };
    const outcome = await runConversationTurn({
      mode: "chat", text: "fix a", messages: [], policy: "auto-all",
      workspace: new DiskWorkspace(root),
      checkpoints,
      backend: async () => new ScriptedBackend({ turns }),
      approve: async () => true,
      onEvent: user,
      signal: new AbortController().signal,
    });
    const { result } = outcome;
    assert.deepEqual(result.changedFiles, ["a.txt"]);

    // The review's Reject, as the chat sends it: the agent's edit goes, the user's work stays.
    const disk = new DiskWorkspace(root);
    const restored = await restoreCheckpoint({ checkpoints, checkpoint: result.startCheckpoint!, paths: result.changedFiles, disk, target: disk });
    assert.deepEqual(restored.restored, ["a.txt"]);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "base\n");
    assert.equal(readFileSync(join(root, "notes.md"), "utf8"), "# notes\nthe user's line\n");
    assert.equal(readFileSync(join(root, "mine.txt"), "utf8"), "the user's new file\n");
    assert.equal(existsSync(join(root, "old.txt")), false);
  });

  it("keeps in the review what the agent's command made, and a file the agent edited that the user saved after", async () => {
    const dir = tempDir("hearth-user-edits-");
    const root = committedRepo(join(dir, "work"), { "a.txt": "base\n" });
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
    const turns = [
      call("edit_file", { path: "a.txt", old_text: "base", new_text: "the agent's" }),
      call("run_command", { command: "echo built > made.txt" }),
      call("finish", { summary: "done" }),
    ];
    const { result } = await runConversationTurn({
      mode: "chat", text: "fix a", messages: [], policy: "auto-all",
      workspace: new DiskWorkspace(root),
      checkpoints,
      backend: async () => new ScriptedBackend({ turns }),
      approve: async () => true,
      // The user adds a line to the agent's file once its edit is made.
      onEvent: (e) => e.type === "toolEnd" && e.changedFiles?.includes("a.txt") && writeFileSync(join(root, "a.txt"), "the agent's\nthe user's\n"),
      signal: new AbortController().signal,
    });
    assert.deepEqual([...result.changedFiles].sort(), ["a.txt", "made.txt"]);
    // The user saved a.txt only after the agent's write: its diff starts from a.txt as the run found it.
    const base = result.diffBases?.["a.txt"] ?? result.startCheckpoint!;
    assert.equal(Buffer.from((await checkpoints.fileAt(base, "a.txt"))!).toString(), "base\n");
  });

  it("starts the review's diff of a file the user saved before the agent's first write just before that write", async () => {
    const dir = tempDir("hearth-user-edits-");
    const root = committedRepo(join(dir, "work"), { "a.txt": "base\n" });
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
    const turns = [call("edit_file", { path: "a.txt", old_text: "base", new_text: "the agent's" }), call("finish", { summary: "done" })];
    const { result } = await runConversationTurn({
      mode: "chat", text: "fix a", messages: [], policy: "ask",
      workspace: new DiskWorkspace(root),
      checkpoints,
      backend: async () => new ScriptedBackend({ turns }),
      // While the edit waits for the user's yes, they save a line of their own at the top.
      approve: async () => {
        writeFileSync(join(root, "a.txt"), "the user's line\nbase\n");
        return true;
      },
      onEvent: () => undefined,
      signal: new AbortController().signal,
    });
    assert.deepEqual(result.changedFiles, ["a.txt"]);
    const base = result.diffBases?.["a.txt"];
    assert.ok(base && base !== result.startCheckpoint, "the diff starts at the run's start, where the user's line is Hearth's");
    assert.equal(Buffer.from((await checkpoints.fileAt(base, "a.txt"))!).toString(), "the user's line\nbase\n");
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "the user's line\nthe agent's\n");
  });
});
