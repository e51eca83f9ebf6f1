/**
 * The remote backend against a server that answers as Ollama does (test/fixtures/models/
 * ollama-server.ts: Ollama's exact shapes). Ollama's `/v1` says nothing of its context, and
 * Ollama cuts the front of a prompt longer than the context it loaded the model with,
 * silently: the backend must learn that context from Ollama's own API, and say when it is
 * too small for the agent.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { RemoteBackend } from "../../../src/models/remote.ts";
import { defaultOllama, type FakeOllama, startFakeOllama } from "../../fixtures/models/ollama-server.ts";

describe("remote backend against Ollama's answers", () => {
  let ollama: FakeOllama;
  const connect = () => new RemoteBackend({ baseUrl: `${ollama.base}/v1` }).load();

  before(async () => {
    ollama = await startFakeOllama();
  });
  after(() => ollama.close());
  beforeEach(() => {
    ollama.requests.length = 0;
    ollama.scenario = defaultOllama();
  });

  it("the context is the one Ollama loaded the model with (/api/ps), and a small one is a warning naming how to raise it", async () => {
    const info = await connect();
    assert.equal(info.contextSize, 4096);
    assert.equal(info.trainContextSize, 40960);
    assert.match(info.contextWarning ?? "", /4,096 tokens/);
    assert.match(info.contextWarning ?? "", /OLLAMA_CONTEXT_LENGTH=32768/);
    assert.match(info.contextWarning ?? "", /num_ctx/);
  });

  it("counts are estimates that err high (Ollama has no /tokenize), and the backend's info says so", async () => {
    const backend = new RemoteBackend({ baseUrl: `${ollama.base}/v1` });
    await backend.load();
    // Six Chinese characters, a token each; six ASCII characters, three a token.
    assert.equal((await backend.tokenize("汉字的分词器 x = 1")).length, 6 + 2);
    const state = backend.state();
    assert.ok(state.kind === "ready" && state.info.estimatedTokens === true, JSON.stringify(state));
  });

  it("a context large enough for the agent is no warning", async () => {
    ollama.scenario.loadsWith = 32768;
    const info = await connect();
    assert.equal(info.contextSize, 32768);
    assert.equal(info.contextWarning, undefined);
  });

  it("a model not loaded yet is loaded (as its first turn would), then its context read", async () => {
    Object.assign(ollama.scenario, { loaded: false, loadsWith: 8192 });
    assert.equal((await connect()).contextSize, 8192);
    assert.ok(ollama.requests.includes("POST /api/generate"), ollama.requests.join(", "));
  });

  it("an Ollama whose /api/ps does not say (before 0.9.7): the Modelfile's num_ctx, else its default for that version", async () => {
    Object.assign(ollama.scenario, { version: "0.6.8", loadsWith: 12288, psContext: false, numCtx: 12288 });
    assert.equal((await connect()).contextSize, 12288);
    Object.assign(ollama.scenario, { version: "0.6.8", loadsWith: 4096, numCtx: undefined });
    assert.equal((await connect()).contextSize, 4096);
    Object.assign(ollama.scenario, { version: "0.5.7", loadsWith: 2048 });
    const info = await connect();
    assert.equal(info.contextSize, 2048);
    assert.match(info.contextWarning ?? "", /2,048 tokens/);
  });

  it("/api/show answering an error still connects, with the context /api/ps reports", async () => {
    ollama.scenario.showFails = { status: 500, body: JSON.stringify({ error: "unable to load model info" }) };
    const info = await connect();
    assert.equal(info.contextSize, 4096);
    assert.equal(info.trainContextSize, undefined);
    ollama.scenario.showFails = { status: 200, body: "null" };
    assert.equal((await connect()).contextSize, 4096);
  });
});
