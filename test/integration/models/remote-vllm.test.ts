/**
 * The remote backend against a server that answers as vLLM does (a real HTTP server on
 * 127.0.0.1 with vLLM's exact shapes): no llama-server `/props`, the context in
 * `/v1/models` (`max_model_len`), and a `/tokenize` that takes `prompt` (not llama-server's
 * `content`) and answers `{count, max_model_len, tokens}`.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { Agent, type AgentEvent } from "../../../src/agent/loop.ts";
import { collectTurn } from "../../../src/models/backend.ts";
import { RemoteBackend } from "../../../src/models/remote.ts";
import { AGENT_TOOLS, DiskWorkspace } from "../../../src/tools/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

function models(id: string): unknown {
  return { object: "list", data: [{ id, object: "model", created: 1775658203, owned_by: "vllm", root: "/models/qwen", parent: null, max_model_len: 65536, permission: [] }] };
}

describe("remote backend against vLLM's answers", () => {
  let server: Server;
  let base: string;
  /** The texts /tokenize counted, and how many requests it had. */
  const tokenized: string[] = [];
  let tokenizeRequests = 0;
  /** The model the server serves now, and the models chat requests named. */
  let served = "Qwen/Qwen3.5-27B";
  const asked: string[] = [];

  before(async () => {
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const json = (status: number, body: unknown) => void res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    if (req.url === "/v1/models") return json(200, models(served));
    if (req.url === "/tokenize") {
      tokenizeRequests++;
      const body = JSON.parse(raw) as { prompt?: unknown };
      // vLLM's request model: `prompt` (or `messages`) is required.
      if (typeof body.prompt !== "string") return json(400, { object: "error", message: "[{'type': 'missing', 'loc': ('body', 'TokenizeCompletionRequest', 'prompt'), 'msg': 'Field required'}]", type: "BadRequestError", param: null, code: 400 });
      tokenized.push(body.prompt);
      // One token per word: far from the 4-characters-per-token estimate, so the two cannot be mistaken.
      const tokens = body.prompt.split(/\s+/).filter(Boolean).map((_, i) => i);
      return json(200, { count: tokens.length, max_model_len: 65536, tokens, token_strs: null });
    }
    if (req.url === "/v1/chat/completions") {
      const { model } = JSON.parse(raw) as { model: string };
      asked.push(model);
      // vLLM's answer for a model it does not serve.
      if (model !== served) return json(404, { object: "error", message: `The model \`${model}\` does not exist.`, type: "NotFoundError", param: null, code: 404 });
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      return void res.end(`data: ${JSON.stringify({ choices: [{ delta: { content: "Done." }, finish_reason: "stop" }] })}\n\ndata: [DONE]\n\n`);
    }
    json(404, { detail: "Not Found" });
  }

  it("the context size is vLLM's max_model_len, so the agent's meter and condensing have one", async () => {
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    assert.equal((await backend.load()).contextSize, 65536);
    const events: AgentEvent[] = [];
    const agent = new Agent({
      backend, tools: AGENT_TOOLS, toolContext: { workspace: new DiskWorkspace(tempDir("hearth-vllm-")) },
      systemPrompt: "You are Hearth.", policy: "ask", budget: { maxSteps: 1 }, onEvent: (e) => events.push(e),
    });
    assert.equal((await agent.run("hi")).message, "Done.");
    const meter = events.find((e) => e.type === "context");
    assert.ok(meter?.type === "context" && meter.contextSize === 65536, JSON.stringify(meter));
  });

  it("tokens are counted by vLLM's /tokenize (it takes `prompt`), not estimated at 4 characters a token; the field that works is remembered", async () => {
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    assert.equal((await backend.tokenize("alpha beta gamma delta epsilon")).length, 5);
    tokenizeRequests = 0;
    const used = await backend.countTokens([{ role: "system", content: "You are Hearth." }, { role: "user", content: "hi there" }]);
    assert.equal(tokenizeRequests, 1);
    assert.match(tokenized.at(-1)!, /<\|im_start\|>user\nhi there<\|im_end\|>/);
    assert.equal(used, tokenized.at(-1)!.split(/\s+/).filter(Boolean).length);
  });

  it("a server restarted with another model: the next turn connects again and is answered by the model it serves now", async () => {
    served = "Qwen/Qwen3.5-27B";
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    assert.equal((await backend.load()).name, "Qwen/Qwen3.5-27B");
    served = "Qwen/Qwen3.6-35B-A3B";
    asked.length = 0;
    const turn = await collectTurn(backend.chat({ messages: [{ role: "user", content: "hi" }] }));
    assert.equal(turn.message.content, "Done.");
    assert.deepEqual(asked, ["Qwen/Qwen3.5-27B", "Qwen/Qwen3.6-35B-A3B"]);
    const state = backend.state();
    assert.ok(state.kind === "ready" && state.info.name === "Qwen/Qwen3.6-35B-A3B", JSON.stringify(state));
  });
});
