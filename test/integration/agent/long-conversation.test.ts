// A conversation of more messages than a JavaScript call takes arguments (about 120,000 in
// Node), as an import or weeks of turns give: the store keeps it (conversation-store.test.ts),
// and the next message sent there must run, its oldest turns dropped from the prompt, not
// end in "Maximum call stack size exceeded" every time. Scripted backend, real checkpoints.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatMessage } from "../../../src/models/index.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import { chatTurn } from "../../fixtures/chat-turn.ts";

const MESSAGES = 200_000;

describe("a conversation of more messages than a call takes arguments", () => {
  it("continues: the message is answered, the oldest turns dropped from the prompt and kept in the conversation", { timeout: 120_000 }, async () => {
    // As an import leaves it: an empty system prompt, which the run replaces with this workspace's.
    const messages: ChatMessage[] = [{ role: "system", content: "" }];
    for (let i = 0; i < MESSAGES / 2; i++) messages.push({ role: "user", content: `question ${i}` }, { role: "assistant", content: `answer ${i}` });
    const backend = new ScriptedBackend({ turns: [{ text: "Here is the answer." }], contextSize: 32_768 });
    await backend.load();
    const { outcome, events } = await chatTurn(messages, "And the last one?", backend);
    assert.equal(outcome.result.stopReason, "answered", outcome.result.message);
    assert.ok(events.some((e) => e.type === "notice" && /dropped its \d+ oldest messages/.test(e.text)), "the oldest turns are dropped from the prompt");
    assert.equal(outcome.messages.length, MESSAGES + 3, "every message kept, then the question and its answer");
    assert.equal(outcome.messages.at(-1)?.content, "Here is the answer.");
  });
});
