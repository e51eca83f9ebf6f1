// A continued chat whose earlier turns no longer fit the model's context, run as the editor
// runs a message (runConversationTurn): the oldest turns are dropped from the prompt, and the
// chat hears it as information — not as a warning — while the conversation keeps every message.
// Scripted backend that refuses a prompt past its context as the embedded one does, real
// checkpoints in a temp folder.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ChatMessage, type ChatRequest, type ChatStreamEvent, DoesNotFitError } from "../../../src/models/index.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import { applyTranscriptEvent, newTranscript } from "../../../src/protocol/transcript.ts";
import { chatTurn } from "../../fixtures/chat-turn.ts";

const CONTEXT = 10_000;

class BoundedBackend extends ScriptedBackend {
  override async *chat(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    const used = await this.countTokens(request.messages, request.tools);
    if (used >= CONTEXT) throw new DoesNotFitError("the conversation", CONTEXT, used);
    yield* super.chat(request);
  }
}

/** About `tokens` of the stand-in tokenizer's tokens of prose. */
const prose = (tokens: number) => "I checked this part and it looks fine ".repeat(Math.ceil(tokens / 16));

describe("a continued chat past the model's context", () => {
  it("drops the oldest turns from the prompt, tells the chat as information, and keeps every message of the conversation", async () => {
    const messages: ChatMessage[] = [{ role: "system", content: "You are Hearth." }, { role: "user", content: "Explain the modules." }];
    for (let i = 0; i < 12; i++) messages.push({ role: "user", content: `And module ${i}?` }, { role: "assistant", content: prose(500) });
    const backend = new BoundedBackend({ turns: [{ text: "Module 10 reads the settings." }], contextSize: CONTEXT });
    await backend.load();
    const { outcome, events } = await chatTurn(messages, "And module 10?", backend);
    assert.equal(outcome.result.stopReason, "answered", outcome.result.message);
    const transcript = newTranscript("c");
    for (const event of events) applyTranscriptEvent(transcript, event);
    const notices = transcript.items.flatMap((i) => (i.kind === "notice" && /dropped its \d+ oldest messages/.test(i.text) ? [i] : []));
    assert.equal(notices.length, 1, JSON.stringify(transcript.items.filter((i) => i.kind === "notice")));
    assert.equal(notices[0]!.level, "info", "information, not a warning");
    assert.ok(!events.some((e) => e.type === "steer" && /dropped/.test(e.message)));
    // The conversation the store saves keeps each earlier message whole.
    for (const m of messages.slice(1)) assert.ok(outcome.messages.some((kept) => kept.content === m.content), `kept: ${m.content.slice(0, 20)}`);
    // The meter counts what the model reads: under the context, not the whole record.
    const meter = events.filter((e) => e.type === "context").at(-1);
    assert.ok(meter?.type === "context" && meter.usedTokens !== undefined && meter.usedTokens < CONTEXT, JSON.stringify(meter));
  });
});
