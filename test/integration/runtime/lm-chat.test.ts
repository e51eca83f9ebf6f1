/**
 * Hearth's model for VS Code's chat through the built runtime (out/runtime.mjs) over LSP,
 * as the extension's Language Model Chat Provider uses it: `hearth/lm/chat` streams a
 * generated model's reply as `hearth/lm/part`s, tool calls for VS Code's tool schemas come
 * through the Qwen grammar, `$/cancelRequest` stops generation, and
 * `hearth/lm/countTokens` is the model's own tokenizer count.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { CancellationTokenSource, DidChangeConfigurationNotification, LSPErrorCodes, type ResponseError } from "vscode-languageserver-protocol";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { LmChatRequest, LmCountTokensRequest, type LmMessage, LmPartNotification, type LmPartParams, type LmTool } from "../../../src/protocol/lm.ts";
import { HearthErrorCode, ModelLoadRequest } from "../../../src/protocol/lsp-ext.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { cpuLlama } from "../models/llama.ts";

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");
if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);

const BASE = { threads: 1, contextSize: 4096 };
const REPLY = "Hello from Hearth.";
const CALL = "<tool_call>\n<function=read_file>\n<parameter=path>\nsrc/main.ts\n</parameter>\n<parameter=limit>\n20\n</parameter>\n</function>\n</tool_call>";
const TOOLS: LmTool[] = [
  { name: "read_file", description: "Read a file.", inputSchema: { type: "object", properties: { path: { type: "string" }, limit: { type: "integer" } }, required: ["path"] } },
];
const ASK: LmMessage[] = [{ role: "user", parts: [{ type: "text", text: "Show me src/main.ts" }] }];

interface Lm {
  runtime: RuntimeProcess;
  parts: LmPartParams[];
  /** Checked after every part (vscode-jsonrpc keeps one handler per method). */
  waiters: Array<() => void>;
}

const running: RuntimeProcess[] = [];
after(async () => {
  for (const r of running) await r.close(1000).catch(() => undefined);
});

/** A runtime with `model` loaded, recording every `hearth/lm/part`. */
async function start(model?: string): Promise<Lm> {
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: { ...BASE, ...(model ? { modelPath: model } : {}) } } });
  running.push(runtime);
  const lm: Lm = { runtime, parts: [], waiters: [] };
  runtime.connection.onNotification(LmPartNotification, (params) => {
    lm.parts.push(params);
    for (const waiter of [...lm.waiters]) waiter();
  });
  if (model) assert.equal((await runtime.connection.sendRequest(ModelLoadRequest, {})).kind, "ready");
  return lm;
}

function textOf(parts: readonly LmPartParams[], runId: string): string {
  return parts.filter((p) => p.runId === runId).map((p) => (p.part.type === "text" ? p.part.text : "")).join("");
}

/** Resolves once `condition` holds; checked on every part notification. */
function untilPart(lm: Lm, condition: () => boolean): Promise<void> {
  return new Promise((resolveWait) => {
    const check = () => {
      if (!condition()) return;
      lm.waiters.splice(lm.waiters.indexOf(check), 1);
      resolveWait();
    };
    lm.waiters.push(check);
    check();
  });
}

describe("hearth/lm/chat with a generated model", () => {
  it("streams the model's reply as text parts with the run id, then resolves with the stop reason", async () => {
    const lm = await start(await ensureTinyModel({ arch: "qwen35", script: REPLY }));
    const result = await lm.runtime.connection.sendRequest(LmChatRequest, { runId: "hello", messages: ASK, maxTokens: 64 });
    assert.equal(result.stopReason, "endOfTurn");
    assert.equal(textOf(lm.parts, "hello").trim(), REPLY);
    assert.ok(lm.parts.every((p) => p.runId === "hello" && p.part.type === "text"));
    assert.ok((result.usage?.generatedTokens ?? 0) > 0);
  });

  it("a tool call for VS Code's tool schema comes as one toolCall part with its arguments typed by the schema, and the round trip continues", async () => {
    const lm = await start(await ensureTinyModel({ arch: "qwen35", script: CALL }));
    const result = await lm.runtime.connection.sendRequest(LmChatRequest, { runId: "call", messages: ASK, tools: TOOLS, maxTokens: 64 });
    assert.equal(result.stopReason, "toolCalls");
    const calls = lm.parts.filter((p) => p.part.type === "toolCall").map((p) => p.part);
    assert.equal(calls.length, 1);
    const call = calls[0]!;
    assert.ok(call.type === "toolCall");
    assert.deepEqual([call.name, call.input], ["read_file", { path: "src/main.ts", limit: 20 }]);
    assert.match(call.callId, /\S/);
    // VS Code sends the call and its result back: the runtime takes the whole round trip.
    const next = await lm.runtime.connection.sendRequest(LmChatRequest, {
      runId: "after",
      messages: [...ASK, { role: "assistant", parts: [call] }, { role: "user", parts: [{ type: "toolResult", callId: call.callId, content: "export {};" }] }],
      tools: TOOLS,
      maxTokens: 8,
    });
    assert.ok(["toolCalls", "endOfTurn", "maxTokens"].includes(next.stopReason));
  });

  it("$/cancelRequest stops generation: RequestCancelled, and the next request is answered", async () => {
    // Random weights and no script: the model writes until its budget is spent.
    const lm = await start(await ensureTinyModel({ arch: "qwen35" }));
    const source = new CancellationTokenSource();
    const pending = lm.runtime.connection.sendRequest(LmChatRequest, { runId: "long", messages: ASK, maxTokens: 3000 }, source.token);
    await untilPart(lm, () => lm.parts.some((p) => p.runId === "long"));
    source.cancel();
    await assert.rejects(pending, (error: ResponseError<unknown>) => error.code === LSPErrorCodes.RequestCancelled);
    const next = await lm.runtime.connection.sendRequest(LmChatRequest, { runId: "short", messages: ASK, maxTokens: 4 });
    assert.equal(next.stopReason, "maxTokens");
    assert.equal(next.usage?.generatedTokens, 4);
  });

  it("hearth/lm/countTokens counts with the model's tokenizer", async () => {
    const file = await ensureTinyModel({ arch: "qwen35" });
    const lm = await start(file);
    const text = "function add(a, b) {\n  return a + b; // <|im_end|> stays text\n}";
    const llama = await cpuLlama();
    const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
    try {
      const expected = model.tokenize(text, false).length;
      assert.ok(expected > 10);
      assert.deepEqual(await lm.runtime.connection.sendRequest(LmCountTokensRequest, { text }), { tokens: expected });
      const message: LmMessage = { role: "user", parts: [{ type: "text", text }] };
      assert.deepEqual(await lm.runtime.connection.sendRequest(LmCountTokensRequest, { message }), { tokens: expected });
    } finally {
      await model.dispose();
    }
  });
});

describe("hearth/lm/* failures", () => {
  let lm: Lm;
  before(async () => {
    lm = await start();
  });

  it("no model: ModelUnavailable with the runtime's reason, for chat and token counts", async () => {
    const isUnavailable = (error: ResponseError<unknown>) => error.code === HearthErrorCode.ModelUnavailable && /no model/.test(error.message);
    await assert.rejects(lm.runtime.connection.sendRequest(LmChatRequest, { runId: "x", messages: ASK }), isUnavailable);
    await assert.rejects(lm.runtime.connection.sendRequest(LmCountTokensRequest, { text: "hi" }), isUnavailable);
  });

  it("a tool schema Hearth cannot use: InvalidInput naming the tool, and nothing is generated", async () => {
    const script = await ensureTinyModel({ arch: "qwen35", script: REPLY });
    await lm.runtime.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { hearth: { ...BASE, modelPath: script } } });
    assert.equal((await lm.runtime.connection.sendRequest(ModelLoadRequest, {})).kind, "ready");
    await assert.rejects(
      lm.runtime.connection.sendRequest(LmChatRequest, { runId: "bad", messages: ASK, tools: [{ name: "grep", description: "Search.", inputSchema: { type: "string" } }] }),
      (error: ResponseError<unknown>) => error.code === HearthErrorCode.InvalidInput && /^Tool 'grep' takes "string" input/.test(error.message),
    );
    assert.equal(lm.parts.filter((p) => p.runId === "bad").length, 0);
  });

  it("a conversation too long for the context is this request's failure, not 'no model' (which VS Code's callers read as the model being gone)", async () => {
    // The model is loaded by the test above.
    const long: LmMessage[] = [{ role: "user", parts: [{ type: "text", text: "word ".repeat(6000) }] }];
    await assert.rejects(
      lm.runtime.connection.sendRequest(LmChatRequest, { runId: "long", messages: long }),
      (error: ResponseError<unknown>) => error.code !== HearthErrorCode.ModelUnavailable && /^Hearth's model could not answer this request: the conversation \((more than )?\d+ tokens\) does not fit in the context \(4096 tokens\)/.test(error.message),
    );
    const result = await lm.runtime.connection.sendRequest(LmChatRequest, { runId: "after-long", messages: ASK, maxTokens: 64 });
    assert.equal(result.stopReason, "endOfTurn");
  });
});

describe("hearth/lm/* while the model loads", () => {
  // A caller that stops waiting (VS Code's chat Stop, another extension's token) waited until
  // the model had loaded, minutes for a large GGUF: the request only then noticed the cancel.
  it("a chat or token count cancelled before the model is ready ends at once with RequestCancelled", { timeout: 60_000 }, async () => {
    let release!: () => void;
    const held = new Promise<void>((resolveHeld) => (release = resolveHeld));
    let asked!: () => void;
    const modelsAsked = new Promise<void>((resolveAsked) => (asked = resolveAsked));
    // A server whose model list comes only when the test says: the model is loading until then.
    const server = createServer((req, res) => {
      if (req.url !== "/v1/models") return void res.writeHead(404).end();
      asked();
      void held.then(() => res.end(JSON.stringify({ data: [{ id: "slow" }] })));
    });
    await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
    try {
      const serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: { ...BASE, serverUrl } } });
      running.push(runtime);
      const chatToken = new CancellationTokenSource();
      const countToken = new CancellationTokenSource();
      const chat = runtime.connection.sendRequest(LmChatRequest, { runId: "early", messages: ASK, maxTokens: 4 }, chatToken.token);
      const count = runtime.connection.sendRequest(LmCountTokensRequest, { text: "hi" }, countToken.token);
      await modelsAsked;
      chatToken.cancel();
      countToken.cancel();
      const isCancelled = (error: ResponseError<unknown>) => error.code === LSPErrorCodes.RequestCancelled;
      await assert.rejects(chat, isCancelled);
      await assert.rejects(count, isCancelled);
    } finally {
      release();
      server.closeAllConnections();
      server.close();
    }
  });
});
