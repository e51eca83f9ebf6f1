// Settings the user changes while a run works, through the built runtime over LSP as the
// extension sends them (workspace/didChangeConfiguration): the scripted backend replays the
// model's turns, the real tools work in a copy of the calculator fixture.
import assert from "node:assert/strict";
import { copyFileSync, cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { DidChangeConfigurationNotification } from "vscode-languageserver-protocol";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import type { ModelScript } from "../../../src/models/scripted.ts";
import { AgentApproveRequest, AgentRunRequest } from "../../../src/protocol/agent.ts";
import { StatusRequest } from "../../../src/protocol/lsp-ext.ts";
import { BackendError, findPreset, findQuantization } from "../../../src/models/index.ts";
import { DEFAULT_SETTINGS } from "../../../src/protocol/settings.ts";
import { RuntimeSession, SETTINGS_SETTLE_MS } from "../../../src/runtime/session.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");
if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);
const FIXTURE = resolve(import.meta.dirname, "../../fixtures/agent/python-calc");

const running: RuntimeProcess[] = [];
const servers: Server[] = [];
after(async () => {
  await Promise.all(running.map((r) => r.close(1000).catch(() => undefined)));
  for (const server of servers) server.close();
});

/** An OpenAI-compatible server on 127.0.0.1 that streams `turns` in order, one a chat request; `chats` counts those. */
async function openAiServer(turns: ReadonlyArray<Record<string, unknown>>): Promise<{ url: string; chats: () => number }> {
  let chats = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.method === "GET" && req.url === "/v1/models") {
        res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ data: [{ id: "m", max_model_len: 32768 }] }));
      } else if (req.method === "POST" && req.url === "/v1/chat/completions") {
        const delta = turns[Math.min(chats++, turns.length - 1)]!;
        const finish = delta.tool_calls ? "tool_calls" : "stop";
        res.writeHead(200, { "Content-Type": "text/event-stream" });
        res.end(`data: ${JSON.stringify({ choices: [{ delta, finish_reason: null }] })}\n\ndata: ${JSON.stringify({ choices: [{ delta: {}, finish_reason: finish }] })}\n\ndata: [DONE]\n\n`);
      } else {
        res.writeHead(404).end("not found");
      }
    });
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, chats: () => chats };
}

const COMMAND = { name: "run_command", arguments: { command: "true" } };
const FIX_ADD = { name: "edit_file", arguments: { path: "calc.py", old_text: "return a - b", new_text: "return a + b" } };

/** A runtime on a copy of the fixture with `script` as its model and `settings` as the user's. */
async function start(script: ModelScript, settings: Record<string, unknown>): Promise<{ runtime: RuntimeProcess; root: string; settings: Record<string, unknown> }> {
  const root = tempDir("hearth-midrun-ws-");
  cpSync(FIXTURE, root, { recursive: true });
  const storage = tempDir("hearth-midrun-storage-");
  const modelPath = join(storage, "model.json");
  writeFileSync(modelPath, JSON.stringify(script));
  const all = { modelPath, ...settings };
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: root, initializationOptions: { settings: all, storagePath: storage } });
  running.push(runtime);
  return { runtime, root, settings: all };
}

describe("settings changed during a run", () => {
  it("a hearth.approvalPolicy tightened to ask while a question waits applies to the run's next calls", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ toolCalls: [COMMAND] }, { toolCalls: [FIX_ADD] }, { text: "Done." }] }, { approvalPolicy: "auto-edit" });
    const asked: string[] = [];
    s.runtime.connection.onRequest(AgentApproveRequest, async (p) => {
      asked.push(p.call.name);
      // The user, asked about the command, sets the policy to ask (as the extension sends it) before answering.
      if (p.call.name === "run_command") await s.runtime.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { hearth: { ...s.settings, approvalPolicy: "ask" } } });
      return { approved: p.call.name === "run_command" };
    });
    const result = await s.runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "check, then fix add", mode: "chat" });
    assert.equal(result.stopReason, "answered");
    assert.deepEqual(asked, ["run_command", "edit_file"], "the edit after the change asks, as ask says");
    assert.match(readFileSync(join(s.root, "calc.py"), "utf8"), /return a - b/, "the edit the user did not allow was not made");
  });

  it("a hearth.approvalPolicy loosened to auto-all during a run stops asking from the next call", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ toolCalls: [COMMAND] }, { toolCalls: [COMMAND] }, { text: "Done." }] }, { approvalPolicy: "ask" });
    const asked: string[] = [];
    s.runtime.connection.onRequest(AgentApproveRequest, async (p) => {
      asked.push(p.call.name);
      if (asked.length === 1) await s.runtime.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { hearth: { ...s.settings, approvalPolicy: "auto-all" } } });
      return { approved: true };
    });
    const result = await s.runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "run it twice", mode: "chat" });
    assert.equal(result.stopReason, "answered");
    assert.deepEqual(asked, ["run_command"], "the second command runs unasked, as auto-all says");
  });

  it("a hearth.serverUrl changed between a run's steps: the run stops saying so, and the old server gets nothing more", { timeout: 120_000 }, async () => {
    const command = { tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "run_command", arguments: JSON.stringify(COMMAND.arguments) } }] };
    const old = await openAiServer([command, { content: "Done on the old server." }]);
    const next = await openAiServer([{ content: "Done on the new server." }]);
    const s = await start({ turns: [] }, { modelPath: "", serverUrl: old.url, approvalPolicy: "ask" });
    s.runtime.connection.onRequest(AgentApproveRequest, async () => {
      // The user points Hearth at another server while the command's question waits, then allows it.
      await s.runtime.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { hearth: { ...s.settings, modelPath: "", serverUrl: next.url } } });
      await s.runtime.connection.sendRequest(StatusRequest); // the settings applied, the old server's backend let go
      return { approved: true };
    });
    const result = await s.runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "run it", mode: "chat" });
    assert.equal(old.chats(), 1, "the conversation went on to the server the user left");
    assert.equal(result.stopReason, "model-error");
    assert.match(result.message, /changed or reloaded .* send the message again/);
  });

  it("a hearth.serverUrl changed while a reply streams: the reply stops saying so, not read on to the end", { timeout: 60_000 }, async (t) => {
    // The old server sends one chunk, then the rest only once the test says (after the change).
    let rest: (() => void) | undefined;
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (req.url === "/v1/models") return void res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ data: [{ id: "m", max_model_len: 32768 }] }));
        if (req.url !== "/v1/chat/completions") return void res.writeHead(404).end();
        res.writeHead(200, { "Content-Type": "text/event-stream" });
        res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: "Hel" }, finish_reason: null }] })}\n\n`);
        rest = () => res.end(`data: ${JSON.stringify({ choices: [{ delta: { content: "lo." }, finish_reason: "stop" }] })}\n\ndata: [DONE]\n\n`);
      });
    });
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const old = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const next = await openAiServer([{ content: "Hi." }]);
    const clock = new FakeClock();
    const session = new RuntimeSession({ serverUrl: old }, () => undefined, { clock });
    t.after(() => session.dispose());
    const stream = (await session.readyBackend()).chat({ messages: [{ role: "user", content: "hi" }], thinking: false })[Symbol.asyncIterator]();
    assert.deepEqual((await stream.next()).value, { type: "text", text: "Hel" }, "the reply started");

    await session.updateSettings({ serverUrl: next.url });
    clock.advance(SETTINGS_SETTLE_MS);
    await session.settledStatus(); // the old server's backend is let go by now
    rest!();
    await assert.rejects(
      (async () => {
        for (let event = await stream.next(); !event.done; event = await stream.next()) assert.notDeepEqual(event.value, { type: "text", text: "lo." }, "the old server's reply was read on");
      })(),
      (error: unknown) => error instanceof BackendError && /changed or reloaded .* send the message again/.test(error.message),
    );
    assert.equal((await session.readyBackend()).kind, "remote", "the new server answers");
  });

  it("a hearth.serverUrl changed while the old server is silent (a long prompt, a hung server): the reply stops saying so, and its connection is closed", { timeout: 30_000 }, async (t) => {
    // The old server sends one chunk, then nothing: a run waiting on it ended only with Stop.
    let closed!: Promise<void>;
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (req.url === "/v1/models") return void res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ data: [{ id: "m", max_model_len: 32768 }] }));
        if (req.url !== "/v1/chat/completions") return void res.writeHead(404).end();
        closed = new Promise((done) => res.on("close", () => done()));
        res.writeHead(200, { "Content-Type": "text/event-stream" });
        res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: "Hel" }, finish_reason: null }] })}\n\n`);
      });
    });
    servers.push(server);
    t.after(() => server.closeAllConnections());
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const old = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const next = await openAiServer([{ content: "Hi." }]);
    const clock = new FakeClock();
    const session = new RuntimeSession({ serverUrl: old }, () => undefined, { clock });
    t.after(() => session.dispose());
    const stream = (await session.readyBackend()).chat({ messages: [{ role: "user", content: "hi" }], thinking: false })[Symbol.asyncIterator]();
    assert.deepEqual((await stream.next()).value, { type: "text", text: "Hel" }, "the reply started");
    const waiting = stream.next();

    await session.updateSettings({ serverUrl: next.url });
    clock.advance(SETTINGS_SETTLE_MS);
    await session.settledStatus(); // the old server's backend is let go by now
    await assert.rejects(waiting, (error: unknown) => error instanceof BackendError && /changed or reloaded .* send the message again/.test(error.message));
    await closed; // the old server is not left working on a reply nobody reads
  });

  it("a setting a server does not use (hearth.contextSize, gpuLayers, kvCacheType, threads) changed between a run's steps: the run goes on on the same server", { timeout: 120_000 }, async () => {
    const command = { tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "run_command", arguments: JSON.stringify(COMMAND.arguments) } }] };
    const server = await openAiServer([command, { content: "Done." }]);
    const s = await start({ turns: [] }, { modelPath: "", serverUrl: server.url, approvalPolicy: "ask" });
    s.runtime.connection.onRequest(AgentApproveRequest, async () => {
      const local = { contextSize: 16384, gpuLayers: 8, kvCacheType: "q8_0", threads: 2 };
      await s.runtime.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { hearth: { ...s.settings, ...local } } });
      await s.runtime.connection.sendRequest(StatusRequest); // the settings applied
      return { approved: true };
    });
    const result = await s.runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "run it", mode: "chat" });
    assert.equal(result.stopReason, "answered", result.message);
    assert.equal(result.message, "Done.");
    assert.equal(server.chats(), 2);
  });
});

describe("two windows on one models folder", () => {
  it("the preset selected in both, downloaded by the other window: this window's next request loads it, not 'no model'", { timeout: 120_000 }, async (t) => {
    const models = tempDir("hearth-midrun-models-");
    let statuses = 0;
    const session = new RuntimeSession({ threads: 1, contextSize: 4096 }, () => void statuses++, { modelsFolder: models });
    t.after(() => session.dispose());
    await assert.rejects(session.readyBackend(), /no model/, "not downloaded yet");
    // Looking again is a stat: nothing checked again, no status sent, while nothing changed (a completion asks at each keystroke).
    const before = statuses;
    for (let i = 0; i < 3; i++) {
      await assert.rejects(session.readyBackend(), /no model/);
      assert.equal(await session.completionBackend(), undefined);
    }
    assert.equal(statuses, before, "a status at each request");
    // The other window's download ends: the file is in the shared folder, and no setting changes
    // (the preset was selected already), so this window hears nothing of it.
    const preset = findPreset(DEFAULT_SETTINGS.modelPreset)!;
    copyFileSync(await ensureTinyModel({ arch: "qwen35" }), join(models, findQuantization(preset)!.file));
    const backend = await session.readyBackend();
    assert.equal(backend.state().kind, "ready");
  });
});
