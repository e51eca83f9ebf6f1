// A model that repeats itself until the context ends ("I will now read the file.\n" over and
// over, or "the the the …" in its thinking), driven through the real agent loop by the scripted
// backend: the generation is stopped a few thousand characters into the loop (the backend's
// own chunks counted against the loop it would have sent), the model is told and asked again,
// and a second loop ends the run, saying why. The chat run shows it, with the loop collapsed.
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { Agent, type AgentEvent } from "../../../src/agent/loop.ts";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import type { ChatRequest, ChatStreamEvent } from "../../../src/models/index.ts";
import { type ModelScript, ScriptedBackend } from "../../../src/models/scripted.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import { AGENT_TOOLS, CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { startApp } from "../../unit/webview/dom-env.ts";
import { conversation, event, transcript } from "../../unit/webview/fixtures.ts";

const FIXTURE = resolve(import.meta.dirname, "../../fixtures/agent/python-calc");
const LINE = "I will now read the file.\n";
/** About 65,000 tokens of the same line: what a looping model goes on with until the context ends. */
const TEXT_LOOP = "Let me look at calc.py.\n" + LINE.repeat(10_000);
const THOUGHT_LOOP = "The user wants the bug fixed. So the " + "the ".repeat(60_000);
const CHUNK = 8;

function folder(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The scripted backend, counting the text and thinking chunks it streams in each turn and keeping each request's messages. */
class CountingBackend extends ScriptedBackend {
  readonly chunks: number[] = [];
  /** Chunks generated in each turn (the scripted backend's generatedTokens): a call is held back until it is whole, so its chunks are not events. */
  readonly generated: number[] = [];
  readonly requests: ChatRequest["messages"][] = [];
  override async *chat(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    this.requests.push(structuredClone(request.messages));
    const turn = this.chunks.push(0) - 1;
    for await (const e of super.chat(request)) {
      if (e.type === "text" || e.type === "thinking") this.chunks[turn]!++;
      if (e.type === "done") this.generated[turn] = e.usage?.generatedTokens ?? 0;
      yield e;
    }
  }
}

function script(turns: ModelScript["turns"]): ModelScript {
  return { turns, chunkSize: CHUNK, contextSize: 262_144 };
}

function agentOf(backend: CountingBackend, root: string, events: AgentEvent[]): Agent {
  return new Agent({
    backend,
    tools: AGENT_TOOLS,
    toolContext: { workspace: new DiskWorkspace(root) },
    systemPrompt: "You are Hearth.",
    policy: "auto-all",
    budget: { maxSteps: 6 },
    onEvent: (e) => events.push(e),
  });
}

describe("a reply that repeats itself until the context ends", () => {
  it("is stopped a few thousand characters in, the model is told and asked again, and a second loop (in its thinking) ends the run, saying why", { timeout: 60_000 }, async (t) => {
    const root = folder(t, "hearth-runaway-ws-");
    cpSync(FIXTURE, root, { recursive: true });
    const backend = new CountingBackend(script([{ thinking: "I should read it.", text: TEXT_LOOP }, { thinking: THOUGHT_LOOP, text: "Done." }, { text: "never asked for" }]));
    await backend.load();
    const events: AgentEvent[] = [];
    const agent = agentOf(backend, root, events);
    const result = await agent.run("Fix the bug in calc.py.");

    assert.equal(result.stopReason, "repetition", result.message);
    assert.equal(result.steps, 2);
    assert.match(result.message, /^stopped: the model's thinking fell into a loop — the same 4 characters \("the "\) written \d+ times in a row — and Hearth stopped it; it had looped 2 times in this run\. Ask again in other words, start a new chat, or try a larger quantization of the model \(small ones loop more\)\. If you asked for text that repeats \(a line 100 times, a file of identical rows\), ask for a command or a short script that writes it instead: Hearth stops any reply that writes the same stretch 8 times in a row over 3,000 characters\.$/);
    // Each generation stopped early: a few hundred chunks of the tens of thousands the loop would have sent.
    const wouldSend = [Math.ceil(("I should read it.\n</think>\n\n" + TEXT_LOOP).length / CHUNK), Math.ceil((THOUGHT_LOOP + "\n</think>\n\nDone.").length / CHUNK)];
    assert.equal(backend.chunks.length, 2, "asked twice, not a third time");
    for (const [i, sent] of backend.chunks.entries()) assert.ok(sent < 600 && sent < wouldSend[i]! / 40, `turn ${i + 1}: ${sent} chunks sent of ${wouldSend[i]}`);

    // The model was asked again, told why; the conversation keeps the loops collapsed.
    const steer = events.filter((e) => e.type === "steer");
    assert.equal(steer.length, 1);
    assert.match(steer[0]!.message, /^\[Hearth\] Your reply fell into a loop — the same 26 characters \("I will now read the file\.\\n"\) written \d+ times in a row, so Hearth stopped it there and nothing of it was run\. Do not write that again\. If the repeated text is really wanted \(many identical lines\), write it once and have a command or a short script repeat it/);
    assert.equal(backend.requests[1]!.at(-1)!.content, steer[0]!.message, "the second request ends with the note");
    const replies = agent.messages.filter((m) => m.role === "assistant");
    assert.match(replies[0]!.content, /^Let me look at calc\.py\.\nI will now read the file\.\nI will now read the file\.\n\[… the same 26 characters \("I will now read the file\.\\n"\) written \d+ times in a row: Hearth stopped the reply here\]$/);
    assert.match(replies[1]!.thinking!, /^The user wants the bug fixed\. So the the \n\[… the same 4 characters \("the "\) written \d+ times in a row: Hearth stopped the reply here\]$/);
    assert.ok(JSON.stringify(agent.messages).length < 2_000, `the conversation holds ${JSON.stringify(agent.messages).length} characters`);
    // What the user saw streamed stopped with the generation.
    const streamed = events.filter((e) => e.type === "model" && (e.event.type === "text" || e.event.type === "thinking")).length;
    assert.equal(streamed, backend.chunks[0]! + backend.chunks[1]!);
  });

  it("a model that goes on normally after the note finishes the run with its answer", { timeout: 60_000 }, async (t) => {
    const root = folder(t, "hearth-runaway-ws-");
    cpSync(FIXTURE, root, { recursive: true });
    const backend = new CountingBackend(script([{ text: TEXT_LOOP }, { text: "add() subtracts: it should return a + b." }]));
    await backend.load();
    const events: AgentEvent[] = [];
    const result = await agentOf(backend, root, events).run("What is wrong in calc.py?");
    assert.equal(result.stopReason, "answered", result.message);
    assert.equal(result.message, "add() subtracts: it should return a + b.");
    assert.ok(backend.chunks[0]! < 600, `${backend.chunks[0]} chunks`);
  });

  it("a write_file whose content loops is stopped while it is written: nothing of it runs (no file), the model is told and asked again", { timeout: 60_000 }, async (t) => {
    const root = folder(t, "hearth-runaway-ws-");
    cpSync(FIXTURE, root, { recursive: true });
    const content = "def test_add():\n" + "    assert add(1, 2) == 3\n".repeat(20_000);
    const backend = new CountingBackend(script([
      { text: "I will write the tests.", toolCalls: [{ name: "write_file", arguments: { path: "test_loop.py", content } }] },
      { text: "add() subtracts: it should return a + b." },
    ]));
    await backend.load();
    const events: AgentEvent[] = [];
    const agent = agentOf(backend, root, events);
    const result = await agent.run("Write tests for calc.py.");

    assert.equal(result.stopReason, "answered", result.message);
    assert.ok(!existsSync(join(root, "test_loop.py")), "no file was written");
    const wouldSend = Math.ceil(content.length / CHUNK);
    assert.ok(backend.generated[0]! < 600, `${backend.generated[0]} chunks generated of about ${wouldSend}`);
    const steer = events.filter((e) => e.type === "steer");
    assert.equal(steer.length, 1);
    assert.match(steer[0]!.message, /^\[Hearth\] Your call to write_file \(its arguments, while it was written\) fell into a loop — the same 26 characters \(" {4}assert add\(1, 2\) == 3\\n"\) written \d+ times in a row, so Hearth stopped it there and nothing of it was run\. Do not write that again\. If the repeated text is really wanted/);
    assert.equal(backend.requests[1]!.at(-1)!.content, steer[0]!.message, "the second request ends with the note");
    assert.ok(JSON.stringify(agent.messages).length < 3_000, `the conversation holds ${JSON.stringify(agent.messages).length} characters`);
    const error = events.flatMap((e) => (e.type === "model" && e.event.type === "toolCallError" ? [e.event] : []));
    assert.equal(error.length, 1);
    assert.match(error[0]!.raw, /\[… the same 26 characters .* written \d+ times in a row: Hearth stopped the call here\]$/);
  });

  it("a reply that writes the same whole call again and again is stopped: none of its calls run, the model is told and asked again", { timeout: 60_000 }, async (t) => {
    const root = folder(t, "hearth-runaway-ws-");
    cpSync(FIXTURE, root, { recursive: true });
    const calls = Array.from({ length: 2_000 }, () => ({ name: "read_file", arguments: { path: "calc.py" } }));
    const backend = new CountingBackend(script([{ text: "Reading it.", toolCalls: calls }, { text: "add() subtracts: it should return a + b." }]));
    await backend.load();
    const events: AgentEvent[] = [];
    const agent = agentOf(backend, root, events);
    const result = await agent.run("What is wrong in calc.py?");

    assert.equal(result.stopReason, "answered", result.message);
    assert.ok(backend.generated[0]! < 600, `${backend.generated[0]} chunks generated of about ${Math.ceil(2_000 * 90 / CHUNK)}`);
    assert.equal(events.filter((e) => e.type === "toolStart").length, 0, "no call ran");
    const steer = events.filter((e) => e.type === "steer");
    assert.equal(steer.length, 1);
    assert.match(steer[0]!.message, /^\[Hearth\] Your reply \(the same call to read_file again and again\) fell into a loop — the same \d+ characters \(.*read_file.*\) written \d+ times in a row, so Hearth stopped it there and nothing of it was run\./);
    assert.ok(JSON.stringify(agent.messages).length < 3_000, `the conversation holds ${JSON.stringify(agent.messages).length} characters`);
  });

  it("in the chat: the notice is shown and the conversation kept holds the loop collapsed", { timeout: 60_000 }, async (t) => {
    const root = folder(t, "hearth-runaway-ws-");
    cpSync(FIXTURE, root, { recursive: true });
    const backend = new CountingBackend(script([{ text: TEXT_LOOP }, { text: "The bug is in add()." }]));
    await backend.load();
    const events: AgentWireEvent[] = [];
    const { root: page, app } = startApp();
    app.receive(conversation(transcript([], { runId: "r1" })));
    const outcome = await runConversationTurn({
      mode: "chat",
      text: "What is wrong in calc.py?",
      messages: [],
      workspace: new DiskWorkspace(root),
      checkpoints: await CheckpointStore.open({ workspaceRoot: root, storageDir: folder(t, "hearth-runaway-state-") }),
      backend: async () => backend,
      policy: "ask",
      approve: async () => false,
      onEvent: (e) => events.push(e),
      signal: new AbortController().signal,
    });
    assert.equal(outcome.result.stopReason, "answered", outcome.result.message);
    for (const e of events) app.receive(event(e));
    assert.match(page.textContent ?? "", /Your reply fell into a loop — the same 26 characters \("I will now read the file\.\\n"\) written \d+ times in a row, so Hearth stopped it there/);
    assert.match(page.textContent ?? "", /The bug is in add\(\)\./);
    const kept = JSON.stringify(outcome.messages);
    assert.ok(kept.length < 3_000, `the conversation kept holds ${kept.length} characters`);
    assert.match(kept, /Hearth stopped the reply here/);
  });
});
