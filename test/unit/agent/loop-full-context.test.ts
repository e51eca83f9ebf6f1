// The agent loop at the edge of its context: what happens when condensing is not enough,
// when the room left is too small for a thinking model, and when Stop comes while the
// conversation is being condensed. The scripted backend (its own stand-in tokenizer) drives
// the real loop with the real tools on files in a temp folder.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { checkMessages, exportConversation } from "../../../src/agent/handoff.ts";
import type { AgentEvent } from "../../../src/agent/loop.ts";
import type { ChatMessage, ChatRequest, ChatStreamEvent, ToolDefinition } from "../../../src/models/index.ts";
import { DoesNotFitError } from "../../../src/models/index.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { AGENT_TOOLS } from "../../../src/tools/index.ts";
import { mcpTools } from "../../../src/tools/mcp/index.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { linesFilling, writeMidFile } from "./helpers/context-fill.ts";
import { scriptedAgent } from "./helpers/scripted-agent.ts";

const CONTEXT = 10_000;

/** The scripted backend refusing a prompt of the context's size or more, as the embedded one does. */
class BoundedBackend extends ScriptedBackend {
  /** The messages of each prompt the model got. */
  readonly prompts: (readonly ChatMessage[])[] = [];
  override async *chat(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    this.prompts.push(structuredClone(request.messages));
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

/** The context the conversation took when each model turn began (the last report before it). */
function usedAtTurns(events: readonly AgentEvent[]): number[] {
  let used = 0;
  const out: number[] = [];
  for (const e of events) {
    if (e.type === "context" && e.usedTokens !== undefined) used = e.usedTokens;
    if (e.type === "turn") out.push(used);
  }
  return out;
}

const read = (path: string) => ({ name: "read_file", arguments: { path } });
const finish: ScriptedTurn = { toolCalls: [{ name: "finish", arguments: { summary: "found it" } }] };
/**
 * About `tokens` of the stand-in tokenizer's tokens of prose: what a reply says is never condensed.
 * Each sentence names its own part: one sentence over and over is a model's loop, which the loop stops (models/runaway.ts).
 */
const prose = (tokens: number) => Array.from({ length: Math.ceil(tokens / 16) }, (_, i) => `I checked part ${i} and it looks fine `).join("");

describe("a conversation still too long with everything condensed", () => {
  it("drops its oldest turns, keeping the task and the latest turns, tells the model and the user, and runs on", async () => {
    // Each reply says about 500 tokens besides its short read: fourteen of them and the
    // tools (about 3,900) overflow 10,000 tokens, with nothing left to condense.
    const dir = tempDir("hearth-agent-full-");
    const names = Array.from({ length: 14 }, (_, i) => `m${i}`);
    for (const name of names) writeFileSync(join(dir, `${name}.py`), `${name} = 1\n`);
    const turns: ScriptedTurn[] = [...names.map((name) => ({ text: prose(500), toolCalls: [read(`${name}.py`)] })), finish];
    const backend = new BoundedBackend({ turns, contextSize: CONTEXT });
    await backend.load();
    const { agent, events } = await scriptedAgent(dir, [], { backend });
    const task = "Which module sets m13?";
    const result = await agent.run(task);
    assert.deepEqual([result.stopReason, result.message], ["finished", "found it"]);
    const used = usedAtTurns(events);
    assert.ok(used.every((n) => n < CONTEXT), `turns began with ${used.join(", ")} tokens of ${CONTEXT}`);
    // The model's last prompt: the task first, then one note where the dropped turns were —
    // what they were — and no empty stand-ins for the messages it no longer holds.
    const prompt = backend.prompts.at(-1)!;
    assert.equal(prompt[1]!.content, task);
    assert.match(prompt[2]!.content, /^\[Hearth dropped \d+ older messages here to fit the context: \d+ of your replies, with \d+ tool calls \(read_file m0\.py, read_file m1\.py, /);
    assert.equal(prompt.filter((m) => m.content.startsWith("[Hearth dropped")).length, 1, "one note for the run of dropped turns");
    assert.ok(!prompt.some((m) => m.role === "user" && m.content === ""), "no empty stand-ins in the prompt");
    assert.ok(prompt.length < agent.messages.length);
    // The latest turns are whole: the last reads and their results.
    const results = prompt.flatMap((m) => (m.role === "tool" ? [m.content] : []));
    assert.match(results.at(-1)!, /m13 = 1/);
    // The conversation itself (what the store saves, exports and the history show) keeps every
    // message whole, in its place (the chat rewinds by message index), the dropped ones marked.
    assert.equal(agent.messages.length, 2 + 2 * turns.length);
    assert.equal(agent.messages[1]!.content, task);
    assert.ok(agent.messages.every((m) => m.content !== "" || (m.role === "assistant" && m.toolCalls)), "no message emptied");
    assert.ok(agent.messages.some((m) => m.role === "tool" && m.content.includes("m0 = 1")), "the first read's result is kept");
    assert.ok(agent.messages.some((m) => m.dropped), "the dropped messages are marked");
    // A store or an import takes it, marks included: the next run's prompt leaves them out too.
    assert.deepEqual(checkMessages(agent.messages), agent.messages);
    // The user is told in the chat what was dropped.
    // (Nearly full, the replies went without thinking for a while: told once, tested below.)
    const told = events.flatMap((e) => (e.type === "dropped" ? [e.message] : []));
    assert.ok(!events.some((e) => e.type === "steer" && e.message.includes("dropped")), "information, not steering");
    assert.ok(told.length > 0);
    for (const notice of told) assert.match(notice, /^The conversation did not fit the model's context \(10,000 tokens\) even condensed: Hearth dropped its \d+ oldest messages \(\d+ model replies, \d+ tool calls and their results\), keeping your message and the latest turns\. The model was told\.$/);
  });

  it("a continued conversation is not refused for its length: a new message is taken with the oldest turns dropped", async () => {
    const history: ChatMessage[] = [{ role: "user", content: "Explain the modules." }];
    for (let i = 0; i < 12; i++) history.push({ role: "user", content: `And module ${i}?` }, { role: "assistant", content: prose(500) });
    const backend = new BoundedBackend({ turns: [{ text: "Module 10 reads the settings." }], contextSize: CONTEXT });
    await backend.load();
    const { agent, events } = await scriptedAgent(tempDir("hearth-agent-full-"), [], { backend, history });
    const result = await agent.run("And module 10?");
    assert.deepEqual([result.stopReason, result.message], ["answered", "Module 10 reads the settings."]);
    assert.equal(agent.messages[1]!.content, "Explain the modules.");
    assert.equal(agent.messages.at(-2)!.content, "And module 10?");
    assert.equal(agent.messages.length, 1 + history.length + 2);
    assert.match(backend.prompts.at(-1)![2]!.content, /^\[Hearth dropped \d+ older messages here to fit the context: \d+ of your replies, and \d+ earlier messages of the user\./);
    // The user's earlier messages stay in the conversation, word for word: only the prompt leaves them out.
    for (const m of history) assert.ok(agent.messages.some((kept) => kept.role === m.role && kept.content === m.content), `kept: ${m.content.slice(0, 30)}`);
    assert.ok(!backend.prompts.at(-1)!.some((m) => m.content === "And module 0?"));
    // An export of it carries them too, not empty messages.
    const file = exportConversation(agent.messages, { title: "modules", exportedAt: "2026-12-05T00:00:00.000Z" });
    assert.match(file, /## User\n\nAnd module 0\?/);
    assert.doesNotMatch(file, /_\(empty\)_/);
    assert.ok(events.some((e) => e.type === "dropped" && /dropped its \d+ oldest messages/.test(e.message)));
  });

  it("ends, saying how large the task and the latest turn are against the context, only when even they do not fit", async () => {
    const dir = tempDir("hearth-agent-full-");
    writeFileSync(join(dir, "a.py"), "a = 1\n");
    const backend = new BoundedBackend({ turns: [{ text: prose(7000), toolCalls: [read("a.py")] }, finish], contextSize: CONTEXT });
    await backend.load();
    const { agent } = await scriptedAgent(dir, [], { backend });
    const result = await agent.run("Where is a set?");
    assert.equal(result.stopReason, "model-error");
    assert.match(result.message, /^the task \(\d+ tokens\) and the latest turn \(\d+ tokens\) with Hearth's instructions and tools \(\d+ tokens\) take \d{2},\d{3} tokens, more than the model's context \(10,000 tokens\) holds, with everything between them dropped and older results condensed: start a new chat, or restore an earlier message to go on from there$/);
  });

  it("names the MCP tools' share of the prompt, and turning servers off, when they are what fills the context", async () => {
    const dir = tempDir("hearth-agent-full-");
    writeFileSync(join(dir, "a.py"), "a = 1\n");
    // Ten tools with long descriptions: a new chat would carry them all again.
    const listed = Array.from({ length: 10 }, (_, i) => ({ name: `query_${i}`, description: `Runs query ${i} against the warehouse. `.repeat(12), inputSchema: { type: "object", properties: { sql: { type: "string" } } } }));
    const mcp = mcpTools({ name: "warehouse", tools: listed, call: async () => ({ content: [] }) }, new Set(AGENT_TOOLS.map((t) => t.definition.name)));
    assert.equal(mcp.tools.length, 10);
    const backend = new BoundedBackend({ turns: [{ text: prose(4500), toolCalls: [read("a.py")] }, finish], contextSize: CONTEXT });
    await backend.load();
    const { agent } = await scriptedAgent(dir, [], { backend, tools: [...AGENT_TOOLS, ...mcp.tools] });
    const result = await agent.run("Where is a set?");
    assert.equal(result.stopReason, "model-error");
    const match = /^the task \(\d+ tokens\) and the latest turn \(\d+ tokens\) with Hearth's instructions and tools \((\d+) tokens\) take (\d{2},\d{3}) tokens, more than the model's context \(10,000 tokens\) holds, with everything between them dropped and older results condensed: 10 MCP tools take ([\d,]+) of those tokens \(their descriptions and schemas are in every turn's prompt\): turn off the MCP servers this task does not need, or have them offer fewer tools, then start a new chat, or restore an earlier message to go on from there$/.exec(result.message);
    assert.ok(match, result.message);
    // Their share is what they add to the prompt: the prompt without them fits.
    const mcpTokens = Number(match[3]!.replace(/,/g, ""));
    const withoutMcp = await backend.countTokens([{ role: "system", content: "You are a test agent." }, { role: "user", content: "" }], AGENT_TOOLS.map((t) => t.definition));
    assert.equal(mcpTokens, Number(match[1]) - withoutMcp);
    assert.ok(Number(match[2]!.replace(/,/g, "")) - mcpTokens < CONTEXT);
  });
});

/**
 * A backend that keeps room for the answer: it refuses a prompt of `limit` tokens or more,
 * under the context's size, without saying how many it counted (llama-server's overflow
 * error carries no count, nor does the embedded backend's when tokenizing fails).
 */
class ReservingBackend extends ScriptedBackend {
  constructor(script: ConstructorParameters<typeof ScriptedBackend>[0], private readonly limit: number) {
    super(script);
  }
  override async *chat(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    if ((await this.countTokens(request.messages, request.tools)) >= this.limit) throw new DoesNotFitError("the conversation", CONTEXT);
    yield* super.chat(request);
  }
}

describe("a too-large run's message when the backend refuses under the context's size", () => {
  /** An MCP tool whose schema has `fields` described fields. */
  const toolOf = (i: number, fields: number) => ({ name: `query_${i}`, description: "Runs a query.", inputSchema: { type: "object", properties: Object.fromEntries(Array.from({ length: fields }, (_, f) => [`field_${f}`, { type: "string", description: "A column of the warehouse to read." }])) } });
  const run = async (mcpListed: ReturnType<typeof toolOf>[], limit: number, proseTokens: number) => {
    const dir = tempDir("hearth-agent-full-");
    writeFileSync(join(dir, "a.py"), "a = 1\n");
    const mcp = mcpTools({ name: "warehouse", tools: mcpListed, call: async () => ({ content: [] }) }, new Set(AGENT_TOOLS.map((t) => t.definition.name)));
    const backend = new ReservingBackend({ turns: [{ text: prose(proseTokens), toolCalls: [read("a.py")] }, finish], contextSize: CONTEXT }, limit);
    await backend.load();
    const { agent } = await scriptedAgent(dir, [], { backend, tools: [...AGENT_TOOLS, ...mcp.tools] });
    const result = await agent.run("Where is a set?");
    assert.equal(result.stopReason, "model-error");
    const total = Number(/take ([\d,]+) tokens, (?:more|too many)/.exec(result.message)![1]!.replace(/,/g, ""));
    assert.ok(total < CONTEXT, `counted ${total}: the backend refused it under the context's size`);
    // Not "take 9,239 tokens, more than the model's context (10,000 tokens) holds".
    assert.match(result.message, /take [\d,]+ tokens, too many for the model's context \(10,000 tokens\) with room left for its answer, with everything between them dropped/);
    return result.message;
  };

  it("names no MCP tools where there are none ('0 MCP tools take 0 of those tokens')", async () => {
    const message = await run([], 6000, 5000);
    assert.doesNotMatch(message, /MCP/);
    assert.match(message, /older results condensed: start a new chat, or restore an earlier message to go on from there$/);
  });

  it("does not blame one small MCP tool: without it the prompt is still refused", async () => {
    const message = await run([toolOf(0, 2)], 6000, 5000);
    assert.doesNotMatch(message, /MCP/);
  });

  it("names one MCP tool taking a quarter of the context in the singular", async () => {
    const message = await run([toolOf(0, 64)], 7500, 2000);
    assert.match(message, /: 1 MCP tool takes [\d,]+ of those tokens \(its description and schema are in every turn's prompt\): turn off the MCP servers/);
  });
});

/**
 * The scripted backend with a real context's end: a reply stops at the context's last token
 * (stopReason maxTokens), counted with the backend's own stand-in tokenizer, as the embedded
 * backend stops it. `thinking` records what each turn asked for.
 */
class ContextEndBackend extends BoundedBackend {
  readonly thinking: boolean[] = [];
  override async *chat(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    this.thinking.push(request.thinking ?? true);
    let room = CONTEXT - (await this.countTokens(request.messages, request.tools));
    for await (const event of super.chat(request)) {
      if (event.type === "thinking" || event.type === "text") {
        room -= (await this.tokenize(event.text)).length;
        if (room < 0) {
          yield { type: "done", stopReason: "maxTokens" };
          return;
        }
      }
      yield event;
    }
  }
}

describe("a thinking model near the context's end", () => {
  /** About `tokens` of the stand-in tokenizer's tokens of thinking (each sentence its own: one repeated is a loop, models/runaway.ts). */
  const thought = (tokens: number) => Array.from({ length: Math.ceil(tokens / 18) }, (_, i) => `Let me weigh where value ${i} could be set `).join("");

  it("answers without thinking when the room left is too little to think in, and the user is told once", async () => {
    // One read sized to take the conversation to about 85% of the context: kept whole, it
    // leaves 1,000-2,000 tokens, less than the model thinks before its next call.
    const dir = tempDir("hearth-agent-full-");
    writeMidFile(dir, await linesFilling(CONTEXT, 0.85));
    const backend = new ContextEndBackend({ turns: [{ thinking: thought(100), toolCalls: [read("mid.py")] }, { thinking: thought(2500), ...finish }], contextSize: CONTEXT });
    await backend.load();
    const { agent, events } = await scriptedAgent(dir, [], { backend });
    const result = await agent.run("Find where v7 is set.");
    assert.deepEqual([result.stopReason, result.message], ["finished", "found it"]);
    assert.deepEqual(backend.thinking, [true, false]);
    const told = events.filter((e) => e.type === "steer").map((e) => e.message);
    assert.equal(told.length, 1, JSON.stringify(told));
    assert.match(told[0]!, /^The model's context has \d,?\d{3} tokens left for its reply, too few to think first \(a reply that thinks needs about 2,500\): it answers without thinking while the context is this full\.$/);
  });

  it("a reply whose thinking runs past the room left is asked again without thinking, not ended as 'hit the token limit'", async () => {
    const dir = tempDir("hearth-agent-full-");
    writeFileSync(join(dir, "a.py"), "a = 1\n");
    const backend = new ContextEndBackend({ turns: [{ thinking: thought(7000), toolCalls: [read("a.py")] }, { toolCalls: [read("a.py")] }, finish], contextSize: CONTEXT });
    await backend.load();
    const { agent, events } = await scriptedAgent(dir, [], { backend });
    const result = await agent.run("Where is a set?");
    assert.deepEqual([result.stopReason, result.message], ["finished", "found it"]);
    // Thinking stays off for the rest of the run: the model thinks longer than the room it has.
    assert.deepEqual(backend.thinking, [true, false, false]);
    // The cut-off thinking is not kept: the model starts its reply again.
    assert.ok(!agent.messages.some((m) => m.role === "assistant" && m.thinking), "no cut-off thinking in the conversation");
    const told = events.filter((e) => e.type === "steer").map((e) => e.message);
    assert.deepEqual(told.length, 1, JSON.stringify(told));
    assert.match(told[0]!, /^The model's thinking ran to the end of its context \(\d,?\d{3} tokens were left\) before it answered or acted: it goes on without thinking for the rest of this run\.$/);
  });
});
