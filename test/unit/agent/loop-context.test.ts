// Keeping a run inside the model's context: tool results are condensed before a turn would
// not fit, whatever their age. The scripted backend (its context size and its own stand-in
// tokenizer) drives the real loop with the real tools on files in a temp folder.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_CONDENSE, condenseToolResults, dropTurns, droppableTurns, promptOf } from "../../../src/agent/condense.ts";
import { Agent, type AgentEvent } from "../../../src/agent/loop.ts";
import { BackendError, type ChatMessage, type ChatRequest, type ChatStreamEvent, DoesNotFitError, type ToolDefinition } from "../../../src/models/index.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { AGENT_TOOLS, DiskWorkspace } from "../../../src/tools/index.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { linesFilling, writeMidFile } from "./helpers/context-fill.ts";
import { scriptedAgent } from "./helpers/scripted-agent.ts";

// The tools' definitions alone take about 3,900 of the stand-in tokenizer's tokens; each file about 3,000.
const CONTEXT = 10_000;
const bigFile = (name: string) => Array.from({ length: 400 }, (_, i) => `${name}_value_${i} = ${i}`).join("\n") + "\n";

async function run(turns: readonly ScriptedTurn[], history: ChatMessage[] = []): Promise<{ agent: Agent; events: AgentEvent[] }> {
  const dir = tempDir("hearth-agent-context-");
  for (const name of ["a", "b", "c"]) writeFileSync(join(dir, `${name}.py`), bigFile(name));
  const { agent, events } = await scriptedAgent(dir, turns, { script: { contextSize: CONTEXT }, history });
  await agent.run("Find where b_value_7 is set.");
  return { agent, events: events.filter((e) => e.type !== "model") };
}

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
const finish = { toolCalls: [{ name: "finish", arguments: { summary: "found it" } }] };

describe("condensing", () => {
  it("results of one reply that together overflow the context are condensed too, not only those older than the newest four", async () => {
    const { agent, events } = await run([{ toolCalls: [read("a.py"), read("b.py"), read("c.py")] }, finish]);
    const [, second] = usedAtTurns(events);
    // Under the condensing threshold (0.8) once the older results give way, or under 0.9 with the
    // newest file kept whole to answer from (the next test): the tools' own definitions (about
    // 3,900 tokens, more as tools describe more) decide which.
    assert.ok(second! > 0 && second! <= CONTEXT * 0.9, `the second turn began with ${second} tokens of ${CONTEXT}`);
    assert.ok(events.some((e) => e.type === "condensed"));
    // What the model needs stays: the system prompt, the task, and every call with its (condensed) result.
    assert.deepEqual(agent.messages.slice(0, 2).map((m) => m.content), ["You are a test agent.", "Find where b_value_7 is set."]);
    const results = agent.messages.filter((m) => m.role === "tool");
    assert.deepEqual(results.map((m) => m.role === "tool" && m.toolCallId), ["call_1", "call_2", "call_3", "call_4"]);
    assert.match(results[0]!.content, /condensed this output.*call read_file again/);
    assert.match(results[1]!.content, /condensed this output.*call read_file again/);
  });

  it("the file the model just read stays whole while the turn leaves room to answer; past that it gives way too", async () => {
    // One file and the tools take about 86% of the context: over the threshold for older
    // results, but nothing older to condense. Condensed there, the model would see 12 of its
    // lines and be told to read it again — the same read, condensed again, in a loop.
    const readOne = async (lines: number) => {
      const dir = tempDir("hearth-agent-context-");
      writeMidFile(dir, lines);
      const { agent, events } = await scriptedAgent(dir, [{ toolCalls: [read("mid.py")] }, finish], { script: { contextSize: CONTEXT } });
      await agent.run("Find where v7 is set.");
      const reported = events.flatMap((e) => (e.type === "context" ? [e.usedTokens] : []));
      return { result: agent.messages.find((m) => m.role === "tool")!.content, before: reported[1]!, events };
    };
    const lines = await linesFilling(CONTEXT, 0.85);
    const fits = await readOne(lines);
    assert.ok(fits.before > CONTEXT * 0.8 && fits.before < CONTEXT * 0.9, `the second turn began with ${fits.before} tokens of ${CONTEXT}`);
    assert.doesNotMatch(fits.result, /condensed/);
    assert.match(fits.result, new RegExp(`${lines}\\| v${lines - 1} = ${lines - 1}`));
    assert.ok(!fits.events.some((e) => e.type === "condensed"));
    const tight = await readOne(await linesFilling(CONTEXT, 0.96));
    assert.ok(tight.before > CONTEXT * 0.9, `the second turn began with ${tight.before} tokens of ${CONTEXT}`);
    // Read whole again, it would come back condensed again: the note says to read a part.
    assert.match(tight.result, /condensed this output.*call read_file again with start_line\/end_line for the lines you need/);
  });

  it("a continued conversation already near the limit is condensed before the run's first turn", async () => {
    const history: ChatMessage[] = [{ role: "user", content: "read them" }];
    for (const name of ["a", "b", "c", "a", "b", "c"]) {
      const id = `old_${history.length}`;
      history.push({ role: "assistant", content: "", toolCalls: [{ id, name: "read_file", arguments: { path: `${name}.py` } }] });
      history.push({ role: "tool", toolCallId: id, name: "read_file", content: bigFile(name) });
    }
    history.push({ role: "assistant", content: "I read them." });
    const { events } = await run([{ text: "b_value_7 is set in b.py, line 8." }], history);
    const [first] = usedAtTurns(events);
    assert.ok(first! > 0 && first! <= CONTEXT * 0.8, `the first turn began with ${first} tokens of ${CONTEXT}`);
  });

  it("files the model wrote earlier are condensed in its old calls too: writing file after file does not overflow the context", async () => {
    const write = (name: string) => ({ toolCalls: [{ name: "write_file", arguments: { path: `new_${name}.py`, content: bigFile(name) } }] });
    const { agent, events } = await run([write("d"), write("e"), write("f"), write("g"), finish]);
    const used = usedAtTurns(events);
    assert.ok(used.every((n) => n <= CONTEXT * 0.8), `turns began with ${used.join(", ")} tokens of ${CONTEXT}`);
    // The newest write is whole; an older one keeps its first and last lines and says what was left out.
    const calls = agent.messages.flatMap((m) => (m.role === "assistant" ? m.toolCalls ?? [] : []));
    assert.equal(calls[3]!.arguments.content, bigFile("g"));
    assert.match(String(calls[0]!.arguments.content), /^d_value_0 = 0\n[^]*\[Hearth condensed this argument to save context: \d+ of 401 lines omitted\][^]*d_value_399 = 399\n$/);
    // The chat's notice says so: what was condensed is the calls' arguments (their results are short).
    const condensed = events.filter((e) => e.type === "condensed");
    assert.ok(condensed.length > 0 && condensed.every((e) => e.kinds.includes("arguments")), JSON.stringify(condensed));
  });
});


/**
 * The scripted backend with a real context's limit: a prompt of the context's size or more
 * is refused as the embedded backend refuses it (DoesNotFitError), before any reply.
 */
class BoundedBackend extends ScriptedBackend {
  override async *chat(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    const used = await this.countTokens(request.messages, request.tools);
    if (used >= CONTEXT) throw new DoesNotFitError("the conversation", CONTEXT, used);
    yield* super.chat(request);
  }
}

describe("a message too long for the context", () => {
  it("is refused before anything of the conversation is condensed: the earlier results stay whole", async () => {
    const dir = tempDir("hearth-agent-context-");
    const lines = (name: string) => Array.from({ length: 40 }, (_, i) => `${name}_${i} = ${i}`).join("\n");
    const history: ChatMessage[] = [{ role: "user", content: "read them" }];
    for (const name of ["a", "b", "c", "d", "e", "f"]) {
      const id = `old_${name}`;
      history.push({ role: "assistant", content: "", toolCalls: [{ id, name: "read_file", arguments: { path: `${name}.py` } }] });
      history.push({ role: "tool", toolCallId: id, name: "read_file", content: lines(name) });
    }
    history.push({ role: "assistant", content: "I read them." });
    const backend = new BoundedBackend({ turns: [{ text: "It fits now." }], contextSize: CONTEXT });
    await backend.load();
    const { agent, events } = await scriptedAgent(dir, [], { backend, history });
    const before = structuredClone(agent.messages);
    const pasted = "a log line that goes on and on\n".repeat(2000);
    const refused = await agent.run(`Why does this fail?\n${pasted}`);
    assert.equal(refused.stopReason, "model-error");
    assert.match(refused.message, /Your message was not added to the conversation: send a shorter one/);
    assert.deepEqual(agent.messages, before);
    assert.ok(!events.some((e) => e.type === "condensed"), "no condensing was reported for a message that was refused");
    const next = await agent.run("Why does it fail?");
    assert.deepEqual([next.stopReason, next.message], ["answered", "It fits now."]);
  });
});

describe("counting the context", () => {
  it("Stop while the conversation is being counted ends the run: no made-up count for the meter, no model turn", async () => {
    const stop = new AbortController();
    /** Counting takes long (a big conversation, a busy server): Stop comes while it counts. */
    class SlowCount extends ScriptedBackend {
      override countTokens(_messages: readonly ChatMessage[], _tools?: readonly ToolDefinition[], signal?: AbortSignal): Promise<number> {
        return new Promise((_, reject) => {
          signal?.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
          stop.abort();
        });
      }
    }
    const backend = new SlowCount({ turns: [{ text: "Hello." }], contextSize: CONTEXT });
    await backend.load();
    const { agent, events } = await scriptedAgent(tempDir("hearth-agent-context-"), [], { backend });
    const result = await agent.run("hi", stop.signal);
    assert.equal(result.stopReason, "cancelled");
    assert.deepEqual(events.filter((e) => e.type === "context" || e.type === "turn"), []);
  });
});

describe("a run whose tokens cannot be counted", () => {
  it("is condensed from an estimate, said to be one, instead of overflowing the context", async () => {
    /** A server that stopped answering its tokenize endpoint; its chat still refuses a prompt past the context. */
    class UncountedBackend extends BoundedBackend {
      override async countTokens(): Promise<number> {
        throw new BackendError("the server at http://127.0.0.1:9 did not answer");
      }
      override async *chat(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
        const used = await super.countTokens(request.messages, request.tools);
        if (used >= CONTEXT) throw new DoesNotFitError("the conversation", CONTEXT, used);
        yield* ScriptedBackend.prototype.chat.call(this, request);
      }
    }
    const dir = tempDir("hearth-agent-context-");
    // About 3,000 tokens each: the three together and the tools overflow the context's 10,000.
    const file = (name: string) => Array.from({ length: 250 }, (_, i) => `${name}_configuration_value_${i} = "${name}_default_constant_${i}"`).join("\n") + "\n";
    for (const name of ["a", "b", "c"]) writeFileSync(join(dir, `${name}.py`), file(name));
    const backend = new UncountedBackend({ turns: [{ toolCalls: [read("a.py"), read("b.py"), read("c.py")] }, finish], contextSize: CONTEXT });
    await backend.load();
    const { agent, events } = await scriptedAgent(dir, [], { backend });
    const result = await agent.run("Find where b_configuration_value_7 is set.");
    assert.deepEqual([result.stopReason, result.message], ["finished", "found it"]);
    const condensed = events.filter((e) => e.type === "condensed");
    assert.deepEqual(condensed, [{ type: "condensed", messages: 2, kinds: ["results"], estimated: true }]);
    // The meter still hears that the count failed, and why: an estimate is not shown as a count.
    const counts = events.filter((e) => e.type === "context");
    assert.ok(counts.length > 0 && counts.every((e) => e.usedTokens === undefined && /did not answer/.test(e.countError ?? "")), JSON.stringify(counts));
    assert.match(agent.messages.find((m) => m.role === "tool")!.content, /condensed this output/);
  });
});

describe("a message that leaves too little room for a reply", () => {
  const lines = (name: string) => Array.from({ length: 40 }, (_, i) => `${name}_${i} = ${i}`).join("\n");
  /** Six results read earlier, each long enough to condense. */
  const readEarlier = (): ChatMessage[] => {
    const history: ChatMessage[] = [{ role: "user", content: "read them" }];
    for (const name of ["a", "b", "c", "d", "e", "f"]) {
      const id = `old_${name}`;
      history.push({ role: "assistant", content: "", toolCalls: [{ id, name: "read_file", arguments: { path: `${name}.py` } }] });
      history.push({ role: "tool", toolCallId: id, name: "read_file", content: lines(name) });
    }
    history.push({ role: "assistant", content: "I read them." });
    return history;
  };

  /**
   * A pasted log sized by the backend's own count: the conversation `history` and the message
   * (condensed as far as the loop can, with `condensed`) leave between `min` and `max` tokens.
   */
  async function paste(backend: ScriptedBackend, history: ChatMessage[], room: { min: number; max: number }, condensed = false): Promise<string> {
    const tools = AGENT_TOOLS.map((t) => t.definition);
    const text = (n: number) => `Why does this fail?\n${"log line\n".repeat(n)}`;
    const left = async (n: number) => {
      const messages: ChatMessage[] = structuredClone([{ role: "system", content: "You are a test agent." }, ...history, { role: "user", content: text(n) }]);
      if (condensed) condenseToolResults(messages, { ...DEFAULT_CONDENSE, keepRecent: 0 });
      return CONTEXT - (await backend.countTokens(messages, tools));
    };
    let [low, high] = [0, CONTEXT];
    while (high - low > 1) {
      const mid = (low + high) >> 1;
      if ((await left(mid)) >= room.min) low = mid;
      else high = mid;
    }
    const l = await left(low);
    assert.ok(l >= room.min && l <= room.max, `the paste leaves ${l} tokens`);
    return text(low);
  }

  async function agentWith(history: ChatMessage[]) {
    const backend = new BoundedBackend({ turns: [{ text: "It fits now." }], contextSize: CONTEXT });
    await backend.load();
    return { backend, ...(await scriptedAgent(tempDir("hearth-agent-context-"), [], { backend, history })) };
  }

  it("is refused before its run's first turn, saying how much room it left, and changes nothing of the conversation", async () => {
    const { backend, agent, events } = await agentWith([]);
    const refused = await agent.run(await paste(backend, [], { min: 1, max: 100 }));
    assert.equal(refused.stopReason, "model-error");
    assert.equal(refused.steps, 0);
    assert.match(refused.message, /^the conversation with your message leaves \d+ tokens? of the model's context \(10000 tokens\) for its reply, and a reply needs at least 512\. Your message was not added to the conversation: send a shorter one/);
    assert.deepEqual(agent.messages.map((m) => m.role), ["system"]);
    assert.ok(!events.some((e) => e.type === "turn"), "no model turn began");
    const next = await agent.run("Why does it fail?");
    assert.deepEqual([next.stopReason, next.message], ["answered", "It fits now."]);
  });

  it("is taken when condensing older results makes the room", async () => {
    const history = readEarlier();
    const { backend, agent, events } = await agentWith(history);
    const message = await paste(backend, history, { min: 1, max: 100 });
    const answered = await agent.run(message);
    assert.deepEqual([answered.stopReason, answered.message], ["answered", "It fits now."]);
    assert.ok(events.some((e) => e.type === "condensed"));
    assert.ok(agent.messages.some((m) => m.role === "user" && m.content === message));
  });

  it("is taken with the oldest turns dropped when even condensing the older results leaves too little", async () => {
    const history = readEarlier();
    const { backend, agent, events } = await agentWith(history);
    const message = await paste(backend, history, { min: 1, max: 400 }, true);
    const answered = await agent.run(message);
    assert.deepEqual([answered.stopReason, answered.message], ["answered", "It fits now."]);
    assert.deepEqual(agent.messages.slice(0, 2).map((m) => m.content), ["You are a test agent.", "read them"]);
    // The earlier messages stay in the conversation, in their places; the model reads a note in their place.
    assert.deepEqual(agent.messages.slice(1, history.length + 1).map((m) => m.role), history.map((m) => m.role));
    assert.equal(agent.messages[history.length]!.content, "I read them.");
    assert.match(promptOf(agent.messages)[2]!.content, /^\[Hearth dropped \d+ older messages here to fit the context/);
    assert.ok(events.some((e) => e.type === "dropped" && /dropped its \d+ oldest messages/.test(e.message)));
  });

  it("is refused, the earlier conversation left whole, when even dropping its older turns leaves too little", async () => {
    const history = readEarlier();
    const { backend, agent, events } = await agentWith(history);
    const before = structuredClone(agent.messages);
    // Too large beside what is left with every older turn dropped: nothing dropped makes the room.
    const dropped = structuredClone(history);
    dropTurns(dropped, droppableTurns(dropped, dropped.length, -1));
    const refused = await agent.run(await paste(backend, [...promptOf(dropped)], { min: 1, max: 100 }));
    assert.equal(refused.stopReason, "model-error");
    assert.match(refused.message, /leaves \d+ tokens? of the model's context \(10000 tokens\) for its reply even with older turns dropped, and a reply needs at least 512\. Your message was not added to the conversation: send a shorter one/);
    assert.deepEqual(agent.messages, before);
    assert.ok(!events.some((e) => e.type === "condensed" || e.type === "steer" || e.type === "dropped"));
  });
});

describe("a result with few, very long lines", () => {
  it("a minified file read in a small context is condensed like any long result, not left to overflow it", async () => {
    // One line of 60,000 characters: read_file shows its first 48,000 (about 24,000 of the
    // stand-in tokenizer's tokens, more than the whole context), in two lines with its note.
    const dir = tempDir("hearth-agent-context-");
    writeFileSync(join(dir, "bundle.min.js"), Array.from({ length: 6000 }, (_, i) => `v${i}=f(${i});`).join("") + "\n");
    const backend = new BoundedBackend({ turns: [{ toolCalls: [read("bundle.min.js")] }, finish], contextSize: CONTEXT });
    await backend.load();
    const { agent, events } = await scriptedAgent(dir, [], { backend });
    const result = await agent.run("What does v7 hold?");
    assert.deepEqual([result.stopReason, result.message], ["finished", "found it"]);
    assert.ok(events.some((e) => e.type === "condensed"));
    const shown = agent.messages.find((m) => m.role === "tool")!.content;
    assert.match(shown, /^\[Hearth condensed this output to save context: \d+ of \d+ characters omitted; call read_file again/);
    assert.match(shown, /^1\| v0=f\(0\);v1=f\(1\);/m, "its start stays");
    assert.match(shown, /read on with run_command: sed -n '1p'[^]*\]$/, "and its end, read_file's note on how to read on");
    assert.ok(shown.length < 5_000, `${shown.length} characters kept`);
  });
});

describe("a run whose older results are all condensed already", () => {
  it("sheds the thinking of its older turns before the context overflows: a model that thinks at length runs on", async () => {
    // Each turn thinks about 1,000 of the stand-in tokenizer's tokens and reads a short file:
    // nothing to condense in the results, while the thinking of the run's turns stays in its prompt.
    const dir = tempDir("hearth-agent-context-");
    const names = ["a", "b", "c", "d", "e", "f", "g", "h"];
    for (const name of names) writeFileSync(join(dir, `${name}.py`), `${name} = 1\n`);
    const thinking = (name: string) => Array.from({ length: 60 }, (_, i) => `Let me consider what ${name} holds, step ${i}.`).join("\n");
    const turns: ScriptedTurn[] = [...names.map((name) => ({ thinking: thinking(name), toolCalls: [read(`${name}.py`)] })), finish];
    const backend = new BoundedBackend({ turns, contextSize: CONTEXT });
    await backend.load();
    const { agent, events } = await scriptedAgent(dir, [], { backend });
    const result = await agent.run("Which file sets h?");
    assert.deepEqual([result.stopReason, result.message], ["finished", "found it"]);
    const used = usedAtTurns(events.filter((e) => e.type !== "model"));
    assert.ok(used.every((n) => n < CONTEXT), `turns began with ${used.join(", ")} tokens of ${CONTEXT}`);
    // The newest turns keep their thinking; the oldest gave it up.
    const thoughts = agent.messages.flatMap((m) => (m.role === "assistant" && m.toolCalls ? [m.thinking ?? ""] : []));
    assert.equal(thoughts[names.length - 1]!.trim(), thinking("h"));
    assert.equal(thoughts[0], "");
    // The chat's notice says it was the thinking, not tool results (each a short file, never condensed).
    const condensed = events.filter((e) => e.type === "condensed");
    assert.ok(condensed.length > 0, "condensing was reported");
    assert.deepEqual([...new Set(condensed.flatMap((e) => e.kinds))], ["thinking"]);
  });
});

/** A tool standing for other work: 60 lines a call, enough to push earlier results out of a small context. */
const pad = {
  definition: { name: "pad", description: "Other work.", parameters: { type: "object" as const, properties: { n: { type: "number" as const } } } },
  effect: "read" as const,
  execute: async (input: Record<string, unknown>) => ({ text: Array.from({ length: 60 }, (_, i) => `pad ${String(input.n)} line ${i} alpha beta gamma delta`).join("\n") }),
};
const call = (name: string, args: Record<string, string | number>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });
/** Six calls of other work. */
const work = (k: number) => Array.from({ length: 6 }, (_, i) => call("pad", { n: k * 10 + i }));

describe("a file read again after its earlier reads were condensed", () => {
  it("is no repetition: the model is not told it has what it no longer sees, and the run is not stopped for it", async () => {
    const dir = tempDir("hearth-agent-reread-");
    writeFileSync(join(dir, "big.txt"), Array.from({ length: 120 }, (_, i) => `row ${i} of the big file with words`).join("\n"));
    // Other work in between, enough to push the earlier read out of the context (condensed, then dropped).
    const readBig = call("read_file", { path: "big.txt" });
    const { agent, events } = await scriptedAgent(dir, [readBig, ...work(1), readBig, ...work(2), readBig, ...work(3), call("finish", { summary: "done" })], {
      tools: [...AGENT_TOOLS, pad],
      budget: { maxSteps: 100 },
      script: { contextSize: 6000 },
      thinking: false,
    });
    const result = await agent.run("Summarize big.txt as you go.");
    assert.ok(events.some((e) => e.type === "condensed"), "the earlier reads were condensed");
    assert.equal(result.stopReason, "finished", result.message);
    assert.ok(!events.some((e) => e.type === "steer" && /read_file with the same arguments/.test(e.message)));
  });
});

describe("a small file read again each time its result was condensed for its age", () => {
  it("is not stopped as a result too large for the context, however often it comes back", async () => {
    const dir = tempDir("hearth-agent-reread-small-");
    writeFileSync(join(dir, "notes.txt"), Array.from({ length: 20 }, (_, i) => `note ${i} of the small file`).join("\n"));
    const readNotes = call("read_file", { path: "notes.txt" });
    const turns = [1, 2, 3, 4, 5].flatMap((k) => [readNotes, ...work(k)]);
    const { agent, events } = await scriptedAgent(dir, [...turns, call("finish", { summary: "done" })], {
      tools: [...AGENT_TOOLS, pad],
      budget: { maxSteps: 100 },
      script: { contextSize: 6000 },
      thinking: false,
    });
    const result = await agent.run("Keep notes.txt in mind as you go.");
    assert.ok(events.some((e) => e.type === "condensed"), "the earlier reads were condensed");
    assert.equal(result.stopReason, "finished", result.message);
  });
});

describe("the same call again while its result is still whole", () => {
  it("is repetition, stopped at the third, even where the server numbers each reply's calls afresh", async () => {
    /** A server that names every reply's first call call_0 (as some OpenAI-compatible servers do). */
    class CallZero extends ScriptedBackend {
      override async *chat(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
        for await (const event of super.chat(request)) yield event.type === "toolCall" ? { ...event, call: { ...event.call, id: "call_0" } } : event;
      }
    }
    const dir = tempDir("hearth-agent-call-zero-");
    writeFileSync(join(dir, "a.py"), bigFile("a"));
    const turns = [{ toolCalls: [read("a.py")] }, { toolCalls: [read("a.py")] }, { toolCalls: [read("a.py")] }, finish];
    const backend = new CallZero({ turns });
    await backend.load();
    const agent = new Agent({ backend, tools: AGENT_TOOLS, toolContext: { workspace: new DiskWorkspace(dir) }, systemPrompt: "You are a test agent.", policy: "auto-all" });
    const result = await agent.run("Read a.py.");
    assert.equal(result.stopReason, "repetition");
  });
});

describe("a file too large for the context, read whole again and again", () => {
  it("is stopped as a loop after a few reads that each came back condensed, not left to spend every step", async () => {
    const dir = tempDir("hearth-agent-reread-loop-");
    writeFileSync(join(dir, "huge.py"), Array.from({ length: 3 }, (_, k) => bigFile(`part${k}`)).join(""));
    const turns = [...Array.from({ length: 12 }, () => ({ toolCalls: [read("huge.py")] })), finish];
    const { agent } = await scriptedAgent(dir, turns, { script: { contextSize: CONTEXT }, budget: { maxSteps: 30 }, thinking: false });
    const result = await agent.run("Read huge.py.");
    assert.equal(result.stopReason, "repetition", result.message);
    assert.match(result.message, /read_file .*condensed/);
    assert.ok(result.steps <= 5, `${result.steps} steps`);
  });

  it("is stopped as a loop too when the model does something else between the reads", async () => {
    const dir = tempDir("hearth-agent-reread-between-");
    writeFileSync(join(dir, "huge.py"), Array.from({ length: 3 }, (_, k) => bigFile(`part${k}`)).join(""));
    for (let k = 0; k < 12; k++) writeFileSync(join(dir, `s${k}.py`), `x = ${k}\n`);
    const turns = [...Array.from({ length: 12 }, (_, k) => [{ toolCalls: [read("huge.py")] }, { toolCalls: [read(`s${k}.py`)] }]).flat(), finish];
    const { agent } = await scriptedAgent(dir, turns, { script: { contextSize: CONTEXT }, budget: { maxSteps: 40 }, thinking: false });
    const result = await agent.run("Read huge.py.");
    assert.equal(result.stopReason, "repetition", result.message);
    assert.match(result.message, /read_file .*condensed/);
  });
});

describe("a file the model read whole, whose result was condensed or dropped since", () => {
  const big = Array.from({ length: 120 }, (_, i) => `row ${i} of the big file with words`).join("\n");
  const script = [call("read_file", { path: "big.txt" }), ...work(1), ...work(2), call("write_file", { path: "big.txt", content: "row 0 as remembered\n" }), call("finish", { summary: "done" })];

  it("is not replaced whole from memory: write_file asks for it to be read again, and the file keeps every line", async () => {
    const dir = tempDir("hearth-agent-forgotten-read-");
    writeFileSync(join(dir, "big.txt"), big);
    const { agent, events } = await scriptedAgent(dir, script, { tools: [...AGENT_TOOLS, pad], budget: { maxSteps: 100 }, script: { contextSize: 6000 }, thinking: false });
    await agent.run("Tidy big.txt.");
    assert.ok(events.some((e) => e.type === "condensed"), "the read was condensed");
    const write = events.find((e) => e.type === "toolEnd" && e.call.name === "write_file");
    assert.ok(write?.type === "toolEnd" && !write.result.ok, "write_file was refused");
    assert.match(write.result.text, /no longer shows "big\.txt" whole/);
    assert.equal(readFileSync(join(dir, "big.txt"), "utf8"), big);
  });

  it("is replaced when the context kept the read whole", async () => {
    const dir = tempDir("hearth-agent-kept-read-");
    writeFileSync(join(dir, "big.txt"), big);
    const { agent, events } = await scriptedAgent(dir, script, { tools: [...AGENT_TOOLS, pad], budget: { maxSteps: 100 }, script: { contextSize: 200_000 }, thinking: false });
    await agent.run("Tidy big.txt.");
    assert.ok(!events.some((e) => e.type === "condensed"));
    assert.equal(readFileSync(join(dir, "big.txt"), "utf8"), "row 0 as remembered\n");
  });
});
