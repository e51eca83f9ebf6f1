// A chat turn through runConversationTurn (the editor's path: real workspace and checkpoints)
// with the real remote backend against a server answering as Ollama does
// (test/fixtures/models/ollama-server.ts), its events replayed into the real chat page
// (jsdom). Ollama cuts the front of a prompt past its context silently, and has no /tokenize:
// the user must hear about a context too small for the agent, and see estimated counts as such.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, beforeEach, describe, it, type TestContext } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import type { ChatMessage } from "../../../src/models/index.ts";
import { RemoteBackend } from "../../../src/models/remote.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { defaultOllama, type FakeOllama, startFakeOllama } from "../../fixtures/models/ollama-server.ts";
import { startApp } from "../../unit/webview/dom-env.ts";
import { conversation, event, transcript } from "../../unit/webview/fixtures.ts";

const FIXTURE = resolve(import.meta.dirname, "../../fixtures/agent/python-calc");

function folder(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("a chat with Ollama as the server", () => {
  let ollama: FakeOllama;
  before(async () => {
    ollama = await startFakeOllama();
  }, { timeout: 60_000 });
  after(() => ollama.close(), { timeout: 60_000 });
  beforeEach(() => {
    ollama.scenario = defaultOllama();
  }, { timeout: 60_000 });

  async function chat(t: TestContext, messages: ChatMessage[] = [], text = "hi") {
    const root = folder(t, "hearth-ollama-ws-");
    cpSync(FIXTURE, root, { recursive: true });
    const backend = new RemoteBackend({ baseUrl: `${ollama.base}/v1` });
    await backend.load();
    const events: AgentWireEvent[] = [];
    const { root: page, app } = startApp();
    app.receive(conversation(transcript([], { runId: "r1" })));
    const outcome = await runConversationTurn({
      mode: "chat", text, messages,
      workspace: new DiskWorkspace(root),
      checkpoints: await CheckpointStore.open({ workspaceRoot: root, storageDir: folder(t, "hearth-ollama-state-") }),
      backend: async () => backend,
      policy: "ask",
      approve: async () => false,
      onEvent: (e) => events.push(e),
      signal: new AbortController().signal,
    });
    for (const e of events) app.receive(event(e));
    return { outcome, events, page };
  }

  it("a new conversation warns that Ollama's context is too small for the agent, and how to raise it", { timeout: 60_000 }, async (t) => {
    ollama.scenario.loadsWith = 8192;
    const { events, page } = await chat(t);
    const warnings = events.filter((e) => e.type === "notice" && e.level === "warning" && /OLLAMA_CONTEXT_LENGTH/.test(e.text));
    assert.equal(warnings.length, 1, JSON.stringify(events.filter((e) => e.type === "notice")));
    assert.match(page.textContent ?? "", /Ollama runs qwen3:8b with 8,192 tokens of context/);
    // One notice on the context, not also Hearth's "is small … shows less" beside it.
    assert.deepEqual(events.filter((e) => e.type === "notice" && /context/.test(e.text)).length, 1, JSON.stringify(events.filter((e) => e.type === "notice")));
  });

  it("Ollama has no /tokenize: the counts are estimates, and the meter says so (~) instead of showing them as exact", { timeout: 60_000 }, async (t) => {
    ollama.scenario.loadsWith = 32768;
    const { events, page } = await chat(t);
    const counts = events.filter((e) => e.type === "context");
    assert.ok(counts.length > 0 && counts.every((e) => e.usedTokens !== undefined && e.estimated === true), JSON.stringify(counts));
    const meter = page.querySelector<HTMLElement>("[data-context-meter]")!;
    assert.equal(meter.hidden, false);
    assert.match(meter.textContent ?? "", /~[\d.]+k? \/ 32\.8k tokens · ~\d+%/);
    assert.match(meter.title, /estimate/);
  });

  it("a message that fits Ollama's context is sent, not refused by the estimate that errs high", { timeout: 60_000 }, async (t) => {
    // Ollama's default of 4,096 tokens (0.6.7 to 0.15.4): this message and the agent's
    // instructions and tools are about 2,700 of Qwen's tokens, 1,400 left for the reply; the
    // estimate counts about 3,650 — 440 left, under the 512 a first turn must leave. A message the
    // estimate puts past the whole context goes to Ollama all the same: an estimate is no
    // ground to refuse one, only to condense early.
    ollama.scenario.loadsWith = 4096;
    const { outcome } = await chat(t, [], `hi ${"Please look at this stack trace line.\n".repeat(32)}`);
    assert.deepEqual([outcome.result.stopReason, outcome.result.message], ["answered", "Hello."]);
  });

  it("no warning with a context large enough", { timeout: 60_000 }, async (t) => {
    ollama.scenario.loadsWith = 32768;
    const { events } = await chat(t);
    assert.deepEqual(events.filter((e) => e.type === "notice" && e.level === "warning"), []);
  });
});
