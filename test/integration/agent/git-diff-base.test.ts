// git_diff tells the model what it changed. With checkpoints on, it diffed from the oldest
// checkpoint the workspace's shadow repository holds, so a new chat (or a later hearth fix)
// showed the model the user's own edits and earlier conversations' changes as its own — an
// invitation to "clean them up". It diffs from the run's first checkpoint.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { runFix } from "../../../src/agent/fix.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import type { ChatMessage } from "../../../src/protocol/chat.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });
const TURNS: ScriptedTurn[] = [
  call("write_file", { path: "agent.txt", content: "the agent's line\n" }),
  call("git_diff", {}),
  call("finish", { summary: "done" }),
];

/** A workspace whose shadow repository already holds an older checkpoint, then edited by hand. */
async function workspace(t: TestContext): Promise<{ repo: string; storageDir: string }> {
  const repo = mkdtempSync(join(tmpdir(), "hearth-diff-base-"));
  const storageDir = mkdtempSync(join(tmpdir(), "hearth-diff-base-state-"));
  t.after(() => { for (const dir of [repo, storageDir]) rmSync(dir, { recursive: true, force: true }); });
  writeFileSync(join(repo, "user.txt"), "as it was\n");
  await (await CheckpointStore.open({ workspaceRoot: repo, storageDir })).create("an earlier conversation");
  writeFileSync(join(repo, "user.txt"), "the user's own edit\n");
  return { repo, storageDir };
}

/** What git_diff answered the model. */
function gitDiffText(messages: readonly ChatMessage[]): string {
  const answer = messages.find((m) => m.role === "tool" && m.name === "git_diff");
  assert.ok(answer, "git_diff ran");
  return answer.content;
}

describe("git_diff shows the run's changes, not what happened before it", () => {
  it("in a chat run", async (t) => {
    const { repo, storageDir } = await workspace(t);
    const outcome = await runConversationTurn({
      mode: "chat", text: "add a line", messages: [], policy: "auto-all",
      workspace: new DiskWorkspace(repo),
      checkpoints: await CheckpointStore.open({ workspaceRoot: repo, storageDir }),
      backend: async () => new ScriptedBackend({ turns: TURNS }),
      approve: async () => true,
      onEvent: () => undefined,
      signal: new AbortController().signal,
    });
    const text = gitDiffText(outcome.messages);
    assert.match(text, /^\+the agent's line$/m);
    assert.doesNotMatch(text, /user\.txt|the user's own edit/);
  });

  it("in hearth fix", async (t) => {
    const { repo, storageDir } = await workspace(t);
    const answers: ChatMessage[] = [];
    const result = await runFix({
      repo, issue: "add a line", backend: new ScriptedBackend({ turns: TURNS }), storageDir, policy: "auto-all",
      onEvent: (e) => { if (e.type === "toolEnd") answers.push({ role: "tool", toolCallId: e.call.id, name: e.call.name, content: e.result.text }); },
    });
    const text = gitDiffText(answers);
    assert.match(text, /^\+the agent's line$/m);
    assert.doesNotMatch(text, /user\.txt|the user's own edit/);
    assert.doesNotMatch(result.patch, /user\.txt/);
  });
});
