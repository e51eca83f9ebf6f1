// hearth.contextSize lowered below the conversation's length between two messages (the model
// slot reloads the model at the new size, as the runtime does on the settings change), through
// the real embedded runtime: a generated tiny Qwen3.5 model, real tokenizer and template. The
// next message is answered from the turns that fit, the chat is told, and nothing is lost.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { EmbeddedBackend } from "../../../src/models/llama-cpp/embedded-backend.ts";
import { applyTranscriptEvent, newTranscript } from "../../../src/protocol/transcript.ts";
import { chatTurn } from "../../fixtures/chat-turn.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";

describe("hearth.contextSize lowered below the conversation's length", () => {
  const loaded: EmbeddedBackend[] = [];
  after(async () => {
    for (const backend of loaded) await backend.dispose();
  });

  it("answers the next message from the turns that fit, says so, and keeps every message", { timeout: 300_000 }, async () => {
    const modelPath = await ensureTinyModel({ arch: "qwen35", script: "Let me see.\n</think>\n\nIt fits now." });
    const large = new EmbeddedBackend({ modelPath, contextSize: 16384, threads: 1, gpu: false });
    loaded.push(large);
    await large.load();
    // Four pasted logs of about 3,200 tokens each, after a short first message (the task, which is never dropped).
    let conversation = (await chatTurn([], "Why does the build fail?", large)).outcome.messages;
    for (const n of [1, 2, 3, 4]) {
      const turn = await chatTurn(conversation, `Log ${n}:\n${`a log line that goes on and on ${n}\n`.repeat(400)}`, large);
      assert.equal(turn.outcome.result.stopReason, "answered", turn.outcome.result.message);
      conversation = turn.outcome.messages;
    }
    const used = await large.countTokens(conversation, []);
    assert.ok(used > 12_000, `the conversation takes ${used} tokens`);
    await large.dispose();

    const small = new EmbeddedBackend({ modelPath, contextSize: 8192, threads: 1, gpu: false });
    loaded.push(small);
    assert.equal((await small.load()).contextSize, 8192);
    const next = await chatTurn(conversation, "And now?", small);
    const transcript = newTranscript("c");
    for (const event of next.events) applyTranscriptEvent(transcript, event);
    const notices = transcript.items.flatMap((i) => (i.kind === "notice" ? [`${i.level}: ${i.text}`] : []));
    assert.ok(notices.some((n) => /^info: The conversation did not fit the model's context \(8,192 tokens\) even condensed: Hearth dropped its \d+ oldest messages/.test(n)), JSON.stringify(notices));
    assert.equal(next.outcome.result.stopReason, "answered", next.outcome.result.message);
    for (const m of conversation) assert.ok(next.outcome.messages.some((kept) => kept.role === m.role && kept.content === m.content), `kept: ${m.role} ${String(m.content).slice(0, 30)}`);
  });

  // The first message (the task, never dropped) a pasted log longer than the lowered context:
  // "start a new chat" alone left the conversation behind, though the size it had went on with it.
  it("whose first message alone is longer says to set it larger, and the size it had goes on with the conversation", { timeout: 300_000 }, async () => {
    const modelPath = await ensureTinyModel({ arch: "qwen35", script: "Let me see.\n</think>\n\nIt fits now." });
    const large = new EmbeddedBackend({ modelPath, contextSize: 16384, threads: 1, gpu: false });
    loaded.push(large);
    await large.load();
    const first = await chatTurn([], `Why does this fail?\n${"a log line that goes on and on\n".repeat(1300)}`, large);
    assert.equal(first.outcome.result.stopReason, "answered", first.outcome.result.message);
    await large.dispose();

    const small = new EmbeddedBackend({ modelPath, contextSize: 8192, threads: 1, gpu: false });
    loaded.push(small);
    await small.load();
    const refused = await chatTurn(first.outcome.messages, "And now?", small);
    assert.equal(refused.outcome.result.stopReason, "model-error");
    assert.equal(refused.outcome.result.message, "the conversation (more than 8192 tokens) does not fit in the context (8192 tokens). Your message was not added to the conversation: the conversation is too long for the model's context even without it (it takes more than the 8,192 tokens): start a new chat, or set hearth.contextSize larger — as large as when the conversation grew — to go on with it");
    assert.deepEqual(refused.outcome.messages, first.outcome.messages, "nothing added, nothing lost");
    await small.dispose();

    const advised = new EmbeddedBackend({ modelPath, contextSize: 16384, threads: 1, gpu: false });
    loaded.push(advised);
    await advised.load();
    const next = await chatTurn(first.outcome.messages, "And now?", advised);
    assert.equal(next.outcome.result.stopReason, "answered", next.outcome.result.message);
  });
});
