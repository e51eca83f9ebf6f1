/**
 * `ChatRequest.requireToolCall` (VS Code's tool mode "required") on the backends that can
 * honour it: the remote backend asks an OpenAI-compatible server (a real HTTP server on
 * 127.0.0.1) for `tool_choice: "required"`; the embedded backend's grammar (through the
 * built runtime and `hearth/lm/chat`) does not let a generated model end its turn without
 * a call.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { spawnRuntime, type RuntimeProcess } from "../../../src/cli/runtime-connection.ts";
import { collectTurn } from "../../../src/models/backend.ts";
import { RemoteBackend } from "../../../src/models/remote.ts";
import type { ToolDefinition } from "../../../src/models/types.ts";
import { LmChatRequest, type LmTool } from "../../../src/protocol/lm.ts";
import { ModelLoadRequest } from "../../../src/protocol/lsp-ext.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";

const TOOLS: ToolDefinition[] = [{ name: "read_file", description: "Read a file.", parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } }];

describe("requireToolCall on the remote backend", () => {
  let server: Server;
  let base: string;
  const bodies: Array<Record<string, unknown>> = [];
  before(async () => {
    server = createServer((req, res) => void answer(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    if (req.url === "/v1/models") return void res.end(JSON.stringify({ data: [{ id: "qwen3.5-test" }] }));
    if (req.url === "/props") return void res.end(JSON.stringify({ default_generation_settings: { n_ctx: 8192 } }));
    bodies.push(JSON.parse(raw) as Record<string, unknown>);
    res.writeHead(200, { "Content-Type": "text/event-stream" });
    const call = { index: 0, id: "call_1", function: { name: "read_file", arguments: '{"path": "a.ts"}' } };
    res.write(`data: ${JSON.stringify({ choices: [{ delta: { tool_calls: [call] }, finish_reason: "tool_calls" }] })}\n\n`);
    res.end("data: [DONE]\n\n");
  }

  it("sends tool_choice 'required' only when the request requires a call", async () => {
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    const messages = [{ role: "user" as const, content: "Read a.ts" }];
    await collectTurn(backend.chat({ messages, tools: TOOLS, requireToolCall: true }));
    await collectTurn(backend.chat({ messages, tools: TOOLS }));
    assert.deepEqual(bodies.map((b) => b.tool_choice), ["required", undefined]);
    await backend.dispose();
  });
});

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");

describe("requireToolCall on the embedded backend", () => {
  let runtime: RuntimeProcess;
  before(async () => {
    if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);
    // A model that answers with text and ends its turn.
    const model = await ensureTinyModel({ arch: "qwen35", script: "Hello from Hearth." });
    runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: { threads: 1, contextSize: 4096, modelPath: model } } });
    assert.equal((await runtime.connection.sendRequest(ModelLoadRequest, {})).kind, "ready");
  });
  after(async () => runtime?.close(1000).catch(() => undefined));

  it("the model ends its turn after its text in 'auto' mode, and cannot without a call in 'required' mode", async () => {
    const tools: LmTool[] = [{ name: "read_file", description: "Read a file.", inputSchema: TOOLS[0]!.parameters }];
    const messages = [{ role: "user" as const, parts: [{ type: "text" as const, text: "Hi" }] }];
    const auto = await runtime.connection.sendRequest(LmChatRequest, { runId: "auto", messages, tools, maxTokens: 24 });
    assert.equal(auto.stopReason, "endOfTurn");
    const required = await runtime.connection.sendRequest(LmChatRequest, { runId: "required", messages, tools, toolMode: "required", maxTokens: 24 });
    assert.notEqual(required.stopReason, "endOfTurn");
  });
});
