// The context meter when the conversation's tokens cannot be counted (the backend's
// countTokens fails: a server that stopped answering, a model being unloaded): a chat turn
// through runConversationTurn (the editor's path, the scripted backend, a real workspace and
// checkpoints), its events replayed into the real chat page (jsdom). The meter must not say
// the context is empty when nobody knows how full it is.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { BackendError, type ChatMessage, type ChatRequest, type ChatStreamEvent, type ToolDefinition } from "../../../src/models/index.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { startApp } from "../../unit/webview/dom-env.ts";
import { conversation, event, transcript } from "../../unit/webview/fixtures.ts";

const FIXTURE = resolve(import.meta.dirname, "../../fixtures/agent/python-calc");

function folder(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A scripted model whose token count fails, as a remote server's /tokenize does when the server stops answering. */
class UncountableBackend extends ScriptedBackend {
  override async countTokens(_messages: readonly ChatMessage[], _tools?: readonly ToolDefinition[]): Promise<number> {
    throw new BackendError("the server at http://127.0.0.1:9 did not answer");
  }
}

describe("context meter", () => {
  it("says the count is unknown, and why, when the tokens cannot be counted — never an empty context", { timeout: 60_000 }, async (t) => {
    const root = folder(t, "hearth-count-ws-");
    cpSync(FIXTURE, root, { recursive: true });
    const backend = new UncountableBackend({ turns: [{ text: "Hello." }], contextSize: 8192 });
    await backend.load();
    const events: AgentWireEvent[] = [];
    const { root: page, app } = startApp();
    app.receive(conversation(transcript([], { runId: "r1" })));
    await runConversationTurn({
      mode: "chat",
      text: "hi",
      messages: [],
      workspace: new DiskWorkspace(root),
      checkpoints: await CheckpointStore.open({ workspaceRoot: root, storageDir: folder(t, "hearth-count-state-") }),
      backend: async () => backend,
      policy: "ask",
      approve: async () => false,
      onEvent: (e) => events.push(e),
      signal: new AbortController().signal,
    });
    const counts = events.filter((e) => e.type === "context");
    assert.ok(counts.length > 0, "the meter hears about the context");
    assert.ok(counts.every((e) => e.usedTokens === undefined), `no count is made up: ${JSON.stringify(counts)}`);
    for (const e of events) app.receive(event(e));
    const meter = page.querySelector<HTMLElement>("[data-context-meter]")!;
    assert.equal(meter.hidden, false);
    assert.equal(meter.dataset.level, "unknown");
    assert.doesNotMatch(meter.textContent ?? "", /\b0 \/|0%/);
    assert.match(meter.textContent ?? "", /\? \/ 8\.2k tokens · could not count/);
    assert.match(meter.title, /could not be counted: the server at http:\/\/127\.0\.0\.1:9 did not answer/);
    assert.equal(meter.querySelector("meter"), null, "no empty bar");
  });

  it("a conversation near the limit is still condensed when its tokens cannot be counted, and the chat says it went by an estimate", { timeout: 60_000 }, async (t) => {
    const root = folder(t, "hearth-count-ws-");
    cpSync(FIXTURE, root, { recursive: true });
    const backend = new UncountableBackend({ turns: [{ text: "Hello." }], contextSize: 8192 });
    await backend.load();
    // Six long results read earlier: well past 80% of the 8,192 tokens by any count.
    const messages: ChatMessage[] = [{ role: "system", content: "You are Hearth." }, { role: "user", content: "read them" }];
    for (let i = 0; i < 6; i++) {
      const id = `old_${i}`;
      messages.push({ role: "assistant", content: "", toolCalls: [{ id, name: "read_file", arguments: { path: `m${i}.py` } }] });
      messages.push({ role: "tool", toolCallId: id, name: "read_file", content: Array.from({ length: 120 }, (_, l) => `module_${i}_value_${l} = compute(${l})`).join("\n") });
    }
    messages.push({ role: "assistant", content: "I read them." });
    const events: AgentWireEvent[] = [];
    const { root: page, app } = startApp();
    app.receive(conversation(transcript([], { runId: "r1" })));
    const outcome = await runConversationTurn({
      mode: "chat",
      text: "and now?",
      messages,
      workspace: new DiskWorkspace(root),
      checkpoints: await CheckpointStore.open({ workspaceRoot: root, storageDir: folder(t, "hearth-count-state-") }),
      backend: async () => backend,
      policy: "ask",
      approve: async () => false,
      onEvent: (e) => events.push(e),
      signal: new AbortController().signal,
    });
    assert.equal(outcome.result.stopReason, "answered");
    const condensed = events.filter((e) => e.type === "condensed");
    assert.ok(condensed.length === 1 && condensed[0]!.estimated === true, JSON.stringify(condensed));
    assert.match(outcome.messages.find((m) => m.role === "tool")!.content, /condensed this output/);
    for (const e of events) app.receive(event(e));
    assert.match(page.textContent ?? "", /Older tool results were condensed to stay within the context \(\d+ messages; the tokens could not be counted, so by an estimate\)/);
  });

  it("Stop ends the run while a server that stopped answering would keep the count waiting", { timeout: 60_000 }, async (t) => {
    const root = folder(t, "hearth-count-ws-");
    cpSync(FIXTURE, root, { recursive: true });
    const stop = new AbortController();
    /** A server that no longer answers: a request waits until it is cancelled (or, with no way to cancel it, until its timeout). */
    class DeadServer extends ScriptedBackend {
      override async *chat(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
        stop.abort(); // the user gives up on the reply
        yield* super.chat(request);
      }
      override countTokens(_messages: readonly ChatMessage[], _tools?: readonly ToolDefinition[], signal?: AbortSignal): Promise<number> {
        if (!stop.signal.aborted) return Promise.resolve(100);
        return new Promise((_, reject) => {
          if (signal?.aborted) reject(signal.reason as Error);
          signal?.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
        });
      }
    }
    const backend = new DeadServer({ turns: [{ text: "Hello." }], contextSize: 8192 });
    await backend.load();
    const events: AgentWireEvent[] = [];
    const outcome = await runConversationTurn({
      mode: "chat",
      text: "hi",
      messages: [],
      workspace: new DiskWorkspace(root),
      checkpoints: await CheckpointStore.open({ workspaceRoot: root, storageDir: folder(t, "hearth-count-state-") }),
      backend: async () => backend,
      policy: "ask",
      approve: async () => false,
      onEvent: (e) => events.push(e),
      signal: stop.signal,
    });
    assert.equal(outcome.result.stopReason, "cancelled");
    assert.equal(events.at(-1)?.type, "end");
    // The meter keeps the last count it had: a cancelled count is not a failed one.
    assert.deepEqual(events.filter((e) => e.type === "context"), [{ type: "context", usedTokens: 100, contextSize: 8192 }]);
  });
});
