// A conversation of more messages than a JavaScript call takes arguments (about 120,000 in
// Node), as an import or weeks of turns give: the store keeps it (conversation-store.test.ts),
// and the next message sent there must run, its oldest turns dropped from the prompt, not
// end in "Maximum call stack size exceeded" every time. Scripted backend, real checkpoints.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import type { ChatMessage } from "../../../src/models/index.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";

const MESSAGES = 200_000;

describe("a conversation of more messages than a call takes arguments", () => {
  it("continues: the message is answered, the oldest turns dropped from the prompt and kept in the conversation", { timeout: 120_000 }, async (t) => {
    const root = mkdtempSync(join(tmpdir(), "hearth-long-conversation-"));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const repo = join(root, "repo");
    mkdirSync(repo);
    // As an import leaves it: an empty system prompt, which the run replaces with this workspace's.
    const messages: ChatMessage[] = [{ role: "system", content: "" }];
    for (let i = 0; i < MESSAGES / 2; i++) messages.push({ role: "user", content: `question ${i}` }, { role: "assistant", content: `answer ${i}` });
    const backend = new ScriptedBackend({ turns: [{ text: "Here is the answer." }], contextSize: 32_768 });
    await backend.load();
    const events: AgentWireEvent[] = [];
    const outcome = await runConversationTurn({
      mode: "chat", text: "And the last one?", messages, policy: "ask",
      workspace: new DiskWorkspace(repo),
      checkpoints: await CheckpointStore.open({ workspaceRoot: repo, storageDir: join(root, "state") }),
      backend: async () => backend,
      approve: async () => false,
      onEvent: (e) => events.push(e),
      signal: new AbortController().signal,
    });
    assert.equal(outcome.result.stopReason, "answered", outcome.result.message);
    assert.ok(events.some((e) => e.type === "notice" && /dropped its \d+ oldest messages/.test(e.text)), "the oldest turns are dropped from the prompt");
    assert.equal(outcome.messages.length, MESSAGES + 3, "every message kept, then the question and its answer");
    assert.equal(outcome.messages.at(-1)?.content, "Here is the answer.");
  });
});
