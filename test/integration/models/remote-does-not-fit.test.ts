/**
 * A prompt longer than an OpenAI-compatible server's context: the server refuses it with an
 * ordinary HTTP error in its own words (llama-server, vLLM, SGLang, LM Studio, Ollama,
 * OpenAI). The remote backend must report it as the embedded backend does
 * (DoesNotFitError, with the sizes the server names), so the agent loop takes a message
 * that does not fit out of the conversation and the next message is answered. Real HTTP
 * servers on 127.0.0.1: one written here that answers with each server's exact words, and
 * llama.cpp's own llama-server (built once per machine: test/fixtures/llama-server/setup.sh).
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { Agent, type AgentEvent } from "../../../src/agent/loop.ts";
import { BackendError, collectTurn, DoesNotFitError } from "../../../src/models/backend.ts";
import { contextOverflow } from "../../../src/models/openai-wire.ts";
import { RemoteBackend } from "../../../src/models/remote.ts";
import { AGENT_TOOLS, DiskWorkspace } from "../../../src/tools/index.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** llama-server's exact answer (llama.cpp as node-llama-cpp ships it) to a prompt past its context. */
function llamaServerRefusal(tokens: number, context: number): string {
  return JSON.stringify({ error: { code: 400, message: `request (${tokens} tokens) exceeds the available context size (${context} tokens), try increasing it`, type: "exceed_context_size_error", n_prompt_tokens: tokens, n_ctx: context } });
}

function sse(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ choices: [{ delta, finish_reason: finish }] })}\n\n`;
}

const PASTED = "a log line that goes on and on\n".repeat(2000);

describe("remote backend: a prompt longer than the server's context", () => {
  let server: Server;
  let base: string;
  let props: Record<string, unknown> | undefined;
  /** The chat answer for a request: [status, body] of an error, or undefined for a short streamed reply. */
  let refuse: (body: { messages: Array<{ content: string }> }) => [number, string] | undefined = () => undefined;

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
    if (req.url === "/v1/models") return void res.end(JSON.stringify({ data: [{ id: "m", meta: { n_ctx_train: 262144 } }] }));
    if (req.url === "/props") return void (props ? res.end(JSON.stringify(props)) : res.writeHead(404).end());
    if (req.url === "/tokenize") {
      const { content } = JSON.parse(raw) as { content: string };
      return void res.end(JSON.stringify({ tokens: Array.from({ length: Math.ceil(content.length / 4) }, () => 1) }));
    }
    if (req.url === "/v1/chat/completions") {
      const refused = refuse(JSON.parse(raw) as { messages: Array<{ content: string }> });
      if (refused) return void res.writeHead(refused[0], { "Content-Type": "application/json; charset=utf-8" }).end(refused[1]);
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      return void res.end(sse({ content: "It fits now." }) + sse({}, "stop") + "data: [DONE]\n\n");
    }
    res.writeHead(404).end();
  }

  /** Refuses a request whose last message is longer than 10,000 characters, answering `body(tokens)`. */
  function refuseLong(status: number, body: (tokens: number) => string): void {
    refuse = (request) => {
      const tokens = Math.ceil(JSON.stringify(request).length / 4);
      return request.messages.at(-1)!.content.length > 10_000 ? [status, body(tokens)] : undefined;
    };
  }

  function agent(backend: RemoteBackend, events: AgentEvent[] = []): Agent {
    return new Agent({
      backend, tools: AGENT_TOOLS, toolContext: { workspace: new DiskWorkspace(tempDir("hearth-remote-fit-")) },
      systemPrompt: "You are Hearth.", policy: "ask", budget: { maxSteps: 2 }, onEvent: (e) => events.push(e),
    });
  }

  it("llama-server's refusal is DoesNotFitError with its sizes; the agent takes the message out and answers the next", async () => {
    props = { default_generation_settings: { n_ctx: 4096 } };
    refuseLong(400, (tokens) => llamaServerRefusal(tokens, 4096));
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    const turn = collectTurn(backend.chat({ messages: [{ role: "user", content: PASTED }] }));
    await assert.rejects(turn, (error: unknown) => {
      assert.ok(error instanceof DoesNotFitError, `not DoesNotFitError: ${String(error)}`);
      assert.equal(error.contextSize, 4096);
      assert.ok(error.tokens! > 4096);
      assert.match(error.message, /^the conversation \(\d+ tokens\) does not fit in the context \(4096 tokens\)$/);
      return true;
    });

    const hearth = agent(backend);
    const refused = await hearth.run(`Why does this fail?\n${PASTED}`);
    assert.equal(refused.stopReason, "model-error");
    assert.match(refused.message, /does not fit in the context \(4096 tokens\)\. Your message was not added to the conversation: send a shorter one/);
    assert.deepEqual(hearth.messages.map((m) => m.role), ["system"]);
    const next = await hearth.run("Why does it fail?");
    assert.deepEqual([next.stopReason, next.message], ["answered", "It fits now."]);
  });

  it("a server whose context is too small for Hearth's instructions and tools says to start the server with a larger one, not to change hearth.contextSize", async () => {
    props = { default_generation_settings: { n_ctx: 1024 } };
    refuse = (request) => [400, llamaServerRefusal(Math.ceil(JSON.stringify(request).length / 4), 1024)];
    const refused = await agent(new RemoteBackend({ baseUrl: `${base}/v1` })).run("hi");
    assert.equal(refused.stopReason, "model-error");
    assert.match(refused.message, /Your message was not added to the conversation: the server's context \(1024 tokens\) is too small for Hearth's instructions and tools — start the server with a larger context \(llama-server -c, vLLM --max-model-len, Ollama's num_ctx\)$/);
    assert.doesNotMatch(refused.message, /hearth\.contextSize/);
  });

  it("each server's own words are read the same way, with the sizes they name", async () => {
    props = undefined;
    const servers: Array<[string, number, string, number, number | undefined]> = [
      ["vLLM", 400, JSON.stringify({ error: { message: "This model's maximum context length is 32768 tokens. However, your request has 40000 input tokens. Please reduce the length of the input messages.", type: "BadRequestError", param: null, code: 400 } }), 32768, 40000],
      ["older vLLM", 400, JSON.stringify({ object: "error", message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4900 in the messages, 100 in the completion). Please reduce the length of the messages or completion.", type: "BadRequestError", param: null, code: 400 }), 4096, 4900],
      ["SGLang", 400, JSON.stringify({ object: "error", message: "The input (9000 tokens) is longer than the model's context length (8192 tokens).", type: "BadRequestError", param: null, code: 400 }), 8192, 9000],
      ["LM Studio", 400, JSON.stringify({ error: "Trying to keep the first 6269 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens, which is not enough. Try to load the model with a larger context length, or provide a shorter input" }), 4096, 6269],
      ["LM Studio, n_keep", 400, JSON.stringify({ error: "The number of tokens to keep from the initial prompt is greater than the context length (n_keep: 13055>= n_ctx: 4096). Try to load the model with a larger context length, or provide a shorter input." }), 4096, 13055],
      ["OpenAI", 400, JSON.stringify({ error: { message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. Please reduce the length of the messages.", type: "invalid_request_error", param: "messages", code: "context_length_exceeded" } }), 128000, 130000],
      ["Ollama (llama-server's answer inside its own)", 400, JSON.stringify({ error: llamaServerRefusal(8889, 4096) }), 4096, 8889],
      ["older llama-server (500, no sizes in the words)", 500, JSON.stringify({ error: { code: 500, message: "the request exceeds the available context size. try increasing the context size or enable context shift", type: "exceed_context_size_error", n_prompt_tokens: 1407, n_ctx: 256 } }), 256, 1407],
    ];
    for (const [name, status, body, contextSize, tokens] of servers) {
      refuseLong(status, () => body);
      const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
      await assert.rejects(collectTurn(backend.chat({ messages: [{ role: "user", content: PASTED }] })), (error: unknown) => {
        assert.ok(error instanceof DoesNotFitError, `${name}: not DoesNotFitError: ${String(error)}`);
        assert.deepEqual([error.contextSize, error.tokens], [contextSize, tokens], name);
        return true;
      });
    }
  });

  it("a refusal without sizes uses the context the server reported; an error that only mentions the context is no DoesNotFitError", async () => {
    props = { default_generation_settings: { n_ctx: 2048 } };
    refuseLong(400, () => JSON.stringify({ error: { code: 400, message: "the request exceeds the available context size, try increasing it", type: "invalid_request_error" } }));
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    await assert.rejects(collectTurn(backend.chat({ messages: [{ role: "user", content: PASTED }] })), (error: unknown) => {
      assert.ok(error instanceof DoesNotFitError, String(error));
      assert.deepEqual([error.contextSize, error.tokens], [2048, undefined]);
      assert.match(error.message, /^the conversation \(more than 2048 tokens\) does not fit in the context \(2048 tokens\)$/);
      return true;
    });
    // vLLM refusing max_tokens for a prompt that fits: the prompt is not what is too long.
    refuseLong(400, () => JSON.stringify({ error: { message: "'max_tokens' or 'max_completion_tokens' is too large: 8000. This model's maximum context length is 4096 tokens and your request has 2778 input tokens (8000 > 4096 - 2778).", type: "BadRequestError", param: null, code: 400 } }));
    await assert.rejects(collectTurn(backend.chat({ messages: [{ role: "user", content: PASTED }] })), (error: unknown) => {
      assert.ok(error instanceof BackendError && !(error instanceof DoesNotFitError), String(error));
      assert.match(error.message, /the server answered 400 for \/v1\/chat\/completions: 'max_tokens' or 'max_completion_tokens' is too large/);
      return true;
    });
  });

  it("an error event inside the stream that says the context is full is DoesNotFitError too", async () => {
    props = { default_generation_settings: { n_ctx: 4096 } };
    refuse = () => undefined;
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    await backend.load();
    refuse = () => [200, `${sse({ content: "Sta" })}data: ${llamaServerRefusal(5000, 4096)}\n\n`];
    await assert.rejects(collectTurn(backend.chat({ messages: [{ role: "user", content: "hi" }] })), (error: unknown) => {
      assert.ok(error instanceof DoesNotFitError, String(error));
      assert.deepEqual([error.contextSize, error.tokens], [4096, 5000]);
      return true;
    });
  });

  it("LM Studio's 'Reached context length' during a reply is a reply cut at the limit, not a message that does not fit: the message and what was written stay", async () => {
    props = { default_generation_settings: { n_ctx: 4096 } };
    refuse = () => undefined;
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    await backend.load();
    // LM Studio's words when the context fills while the model writes (a model without mid-generation overflow).
    const filled = JSON.stringify({ error: { message: "Reached context length of 4096 tokens with model (arch: qwen35moe) that does not currently support mid-generation context overflow. Try reloading with a larger context length or shortening the prompt/chat." } });
    refuse = () => [200, `${sse({ content: "The cause is in " })}${sse({ content: "the parser, which" })}data: ${filled}\n\n`];
    const turn = await collectTurn(backend.chat({ messages: [{ role: "user", content: "hi" }] }));
    assert.equal(turn.stopReason, "maxTokens");
    assert.equal(turn.message.content, "The cause is in the parser, which");

    const hearth = agent(backend);
    const cut = await hearth.run("Why does the parser fail?");
    assert.deepEqual([cut.stopReason, cut.message], ["max-tokens", "the model's reply hit the token limit"]);
    assert.doesNotMatch(cut.message, /send a shorter one/);
    assert.deepEqual(hearth.messages.slice(1).map((m) => [m.role, m.content]), [["user", "Why does the parser fail?"], ["assistant", "The cause is in the parser, which"]]);
    // A prompt that does not fit is still refused as one (LM Studio's words for it).
    assert.ok(contextOverflow(JSON.stringify({ error: "Trying to keep the first 6269 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens, which is not enough." })));
    assert.equal(contextOverflow(filled), undefined);
  });

  it("a server that enforces a smaller context than /props said: the refusal's size becomes the backend's, so the next run counts against it", async () => {
    props = { default_generation_settings: { n_ctx: 32768 } };
    refuseLong(400, (tokens) => llamaServerRefusal(tokens, 4096));
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    assert.equal((await backend.load()).contextSize, 32768);
    const events: AgentEvent[] = [];
    const hearth = agent(backend, events);
    const refused = await hearth.run(`Why does this fail?\n${PASTED}`);
    assert.match(refused.message, /does not fit in the context \(4096 tokens\)\. Your message was not added/);
    const state = backend.state();
    assert.ok(state.kind === "ready" && state.info.contextSize === 4096, JSON.stringify(state));
    events.length = 0;
    await hearth.run("Why does it fail?");
    const meter = events.filter((e) => e.type === "context");
    assert.ok(meter.length > 0 && meter.every((e) => e.type === "context" && e.contextSize === 4096), JSON.stringify(meter));
  });
});

describe("remote backend: llama-server refusing a prompt longer than its context", () => {
  let child: ChildProcess | undefined;
  let base = "";

  before(async () => {
    const binary = execFileSync(resolve(import.meta.dirname, "../../fixtures/llama-server/setup.sh"), { encoding: "utf8", timeout: 30 * 60_000, stdio: ["ignore", "pipe", "inherit"] }).trim();
    const model = await ensureTinyModel({ arch: "qwen35", script: "Let me see.\n</think>\n\nIt fits now." });
    const port = 20000 + Math.floor(Math.random() * 20000);
    child = spawn(binary, ["-m", model, "--jinja", "-t", "1", "-c", "4096", "--host", "127.0.0.1", "--port", String(port)], {
      env: { ...process.env, LD_LIBRARY_PATH: dirname(binary) }, stdio: ["ignore", "ignore", "pipe"],
    });
    base = `http://127.0.0.1:${port}`;
    for (;;) {
      const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (child.exitCode !== null) throw new Error(`llama-server exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, { timeout: 30 * 60_000 });
  after(() => child?.kill(), { timeout: 30 * 60_000 });

  it("through the agent loop: the message is refused with the sizes, left out of the conversation, and the next one is answered", { timeout: 30 * 60_000 }, async () => {
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    const hearth = new Agent({
      backend, tools: AGENT_TOOLS, toolContext: { workspace: new DiskWorkspace(tempDir("hearth-remote-fit-")) },
      systemPrompt: "You are Hearth.", policy: "ask", budget: { maxSteps: 2 },
    });
    const refused = await hearth.run(`Why does this fail?\n${PASTED}`);
    assert.equal(refused.stopReason, "model-error");
    assert.match(refused.message, /^the conversation \(\d+ tokens\) does not fit in the context \(4096 tokens\)\. Your message was not added to the conversation: send a shorter one/);
    assert.deepEqual(hearth.messages.map((m) => m.role), ["system"]);
    const next = await hearth.run("Why does it fail?");
    assert.deepEqual([next.stopReason, next.message], ["answered", "It fits now."]);
  });
});
