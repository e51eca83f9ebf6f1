// A chat or Fix This Issue in a linked worktree whose repository was moved (its .git file names
// <old place>/.git/worktrees/NAME): git stops at that file and reads no repository, so the
// agent's git commands failed and the history read nothing, and the chat said not a word of it.
// The conversation's first message now says so once, with the way out. Real git (git worktree
// add, then the repository moved); the scripted backend through runConversationTurn.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import { type AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { committedRepo, git } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

async function notices(root: string, state: string): Promise<string[]> {
  const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: state });
  const said: string[] = [];
  for (const [text, messages] of [["fix add", []], ["again", [{ role: "system" as const, content: "s" }, { role: "user" as const, content: "fix add" }]]] as const) {
    await runConversationTurn({
      mode: "fix", text, messages: [...messages], workspace: new DiskWorkspace(root), checkpoints,
      backend: async () => new ScriptedBackend({ turns: [{ text: "Done." }], contextSize: 65_536 }),
      policy: "ask", approve: async () => false, signal: new AbortController().signal,
      onEvent: (event: AgentWireEvent) => { if (event.type === "notice") said.push(event.text); },
    });
  }
  return said;
}

it("a conversation in a worktree whose repository was moved says once that git finds no repository there, and how to mend it", { timeout: 60_000 }, async () => {
  const work = tempDir("hearth-git-link-notice-");
  const repo = committedRepo(join(work, "repo"), { "calc.py": "def add(a, b):\n    return a - b\n" });
  const tree = join(work, "tree");
  git(repo, "worktree", "add", "-q", tree);
  assert.deepEqual((await notices(tree, join(work, "state-before"))).filter((n) => /\.git file/.test(n)), []);
  renameSync(repo, join(work, "moved"));
  const said = (await notices(tree, join(work, "state-after"))).filter((n) => /\.git file/.test(n));
  assert.equal(said.length, 1, JSON.stringify(said));
  assert.equal(said[0], `the .git file ${join(tree, ".git")} names ${join(repo, ".git", "worktrees", "tree")} as its git folder, which is not there or holds no repository (a worktree or submodule whose repository was moved or deleted), so git finds no repository here: the agent's git commands fail and the project's history is not read. To have them, mend it from its repository's new place (for a worktree: git worktree repair ${tree}, run in that repository), or remove ${join(tree, ".git")} if this folder is no checkout any more, and start a new conversation.`);
  // The way out said works: repaired from the new place, git reads the worktree again and nothing more is said.
  // git before 2.29 has no worktree repair: the rest is shown where it has.
  if (spawnSync("git", ["worktree", "repair", tree], { cwd: join(work, "moved") }).status !== 0) return;
  assert.deepEqual((await notices(tree, join(work, "state-repaired"))).filter((n) => /\.git file/.test(n)), []);
});
