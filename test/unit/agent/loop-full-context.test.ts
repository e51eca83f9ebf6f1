// The agent loop at the edge of its context: what happens when condensing is not enough,
// when the room left is too small for a thinking model, and when Stop comes while the
// conversation is being condensed. The scripted backend (its own stand-in tokenizer) drives
// the real loop with the real tools on files in a temp folder.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatMessage, ChatRequest, ChatStreamEvent, ToolDefinition } from "../../../src/models/index.ts";
import { DoesNotFitError } from "../../../src/models/index.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import { AGENT_TOOLS } from "../../../src/tools/index.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { scriptedAgent } from "./helpers/scripted-agent.ts";

const CONTEXT = 10_000;

/** The scripted backend refusing a prompt of the context's size or more, as the embedded one does. */
class BoundedBackend extends ScriptedBackend {
  override async *chat(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    const used = await this.countTokens(request.messages, request.tools);
    if (used >= CONTEXT) throw new DoesNotFitError("the conversation", CONTEXT, used);
    yield* super.chat(request);
  }
}

const lines = (name: string, n = 40) => Array.from({ length: n }, (_, i) => `${name}_${i} = ${i}`).join("\n");

/** An earlier exchange: six files read, each long enough to condense, and an answer. */
function readEarlier(): ChatMessage[] {
  const history: ChatMessage[] = [{ role: "user", content: "read them" }];
  for (const name of ["a", "b", "c", "d", "e", "f"]) {
    const id = `old_${name}`;
    history.push({ role: "assistant", content: "", toolCalls: [{ id, name: "read_file", arguments: { path: `${name}.py` } }] });
    history.push({ role: "tool", toolCallId: id, name: "read_file", content: lines(name) });
  }
  history.push({ role: "assistant", content: "I read them." });
  return history;
}

/** A pasted log sized by the backend's own count: after the system prompt, `history` and the tools, it leaves between `min` and `max` tokens. */
async function paste(backend: ScriptedBackend, history: readonly ChatMessage[], min: number, max: number): Promise<string> {
  const tools = AGENT_TOOLS.map((t) => t.definition);
  const text = (n: number) => `Why does this fail?\n${"log line\n".repeat(n)}`;
  const left = async (n: number) => CONTEXT - (await ScriptedBackend.prototype.countTokens.call(backend, [{ role: "system", content: "You are a test agent." }, ...history, { role: "user", content: text(n) }], tools));
  let [low, high] = [0, CONTEXT];
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if ((await left(mid)) >= min) low = mid;
    else high = mid;
  }
  const l = await left(low);
  assert.ok(l >= min && l <= max, `the paste leaves ${l} tokens`);
  return text(low);
}

describe("Stop while the conversation is condensed", () => {
  it("a message that leaves little room, stopped while older results are condensed for it, stays in the conversation like any stopped message", async () => {
    const stop = new AbortController();
    let counts = 0;
    /** The second count (of the condensed copy) is where Stop comes. */
    class StopWhileCondensing extends BoundedBackend {
      override countTokens(messages: readonly ChatMessage[], tools?: readonly ToolDefinition[], signal?: AbortSignal): Promise<number> {
        if (++counts === 2) {
          stop.abort();
          return Promise.reject(signal?.reason as Error);
        }
        return super.countTokens(messages, tools, signal);
      }
    }
    const backend = new StopWhileCondensing({ turns: [{ text: "It fits now." }], contextSize: CONTEXT });
    await backend.load();
    const { agent, events } = await scriptedAgent(tempDir("hearth-agent-full-"), [], { backend, history: readEarlier() });
    // Within a few hundred tokens of the context's end: condensed for, or refused.
    const message = await paste(backend, readEarlier(), 100, 400);
    const result = await agent.run(message, stop.signal);
    assert.equal(result.stopReason, "cancelled", result.message);
    assert.ok(counts >= 2, "Stop came while condensing");
    assert.equal(agent.messages.at(-1)?.content, message, "the stopped message stays, as a message stopped at any other moment");
    assert.ok(!events.some((e) => e.type === "turn"));
  });
});
