// A workspace that holds git repositories of its own (a folder of clones opened as one
// workspace, a vendored checkout): checkpoints never look into them (checkpoints.ts stageAll:
// git would run each one's own fsmonitor and filters), so a change a command makes there
// (sed -i, a formatter run in each clone) is in no review, git_diff or Undo. A new chat says so
// once, as it does for files over the size limit. Real git, real checkpoints, the scripted
// backend through runConversationTurn.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { type AgentWireEvent } from "../../../src/protocol/agent.ts";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { committedRepo, git } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

it("a conversation in a folder of repositories says once which of them its checkpoints leave out", { timeout: 60_000 }, async () => {
  const work = tempDir("hearth-nested-notice-");
  const root = join(work, "projects");
  mkdirSync(root);
  writeFileSync(join(root, "notes.txt"), "todo\n");
  for (const name of ["api", "docs", "web", "tools/cli"]) committedRepo(join(root, name), { "main.py": "v = 1\n" });
  mkdirSync(join(root, "scratch"));
  writeFileSync(join(root, "scratch/main.py"), "v = 1\n");
  git(join(root, "scratch"), "init", "-q"); // no commit yet: git add refuses the whole tree for it
  const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(work, "state") });
  const notices: string[] = [];
  for (const [text, messages] of [["hi", []], ["again", [{ role: "system" as const, content: "s" }, { role: "user" as const, content: "hi" }]]] as const) {
    await runConversationTurn({
      mode: "chat", text, messages: [...messages], workspace: new DiskWorkspace(root), checkpoints,
      backend: async () => new ScriptedBackend({ turns: [{ text: "Hello." }], contextSize: 65_536 }),
      policy: "ask", approve: async () => false, signal: new AbortController().signal,
      onEvent: (event: AgentWireEvent) => { if (event.type === "notice") notices.push(event.text); },
    });
  }
  assert.deepEqual(notices, [
    "Checkpoints leave out 5 folders that are git repositories of their own (api, docs, scratch and 2 more): Undo and Restore bring back the agent's edits there, but not a change a command makes in them; git in each folder shows those.",
  ]);
});
