/**
 * The remote backend against a server that answers as LM Studio does (a real HTTP server on
 * 127.0.0.1 with its exact shapes, from its REST API docs): `/v1/models` with ids only, an
 * unknown path answered 200 with `{"error": "Unexpected endpoint or method. …"}` (so
 * `/props`, `/tokenize` and Ollama's `/api/version` are no use), and its own
 * `GET /api/v0/models`: `max_context_length` for every model, `loaded_context_length` for a
 * loaded one — the context it actually runs with.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { RemoteBackend } from "../../../src/models/remote.ts";

const MODEL = "qwen/qwen3-8b";

describe("remote backend against LM Studio's answers", () => {
  let server: Server;
  let base: string;
  let loadedWith: number | undefined = 4096;

  before(async () => {
    server = createServer((req, res) => {
      const json = (body: unknown) => void res.writeHead(200, { "Content-Type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
      if (req.url === "/v1/models") return json({ data: [{ id: MODEL, object: "model", owned_by: "organization_owner" }, { id: "text-embedding-nomic-embed-text-v1.5", object: "model", owned_by: "organization_owner" }], object: "list" });
      if (req.url === "/api/v0/models") {
        return json({
          object: "list",
          data: [
            { id: MODEL, object: "model", type: "llm", publisher: "qwen", arch: "qwen3", compatibility_type: "gguf", quantization: "Q4_K_M", state: loadedWith ? "loaded" : "not-loaded", max_context_length: 40960, ...(loadedWith ? { loaded_context_length: loadedWith } : {}) },
            { id: "text-embedding-nomic-embed-text-v1.5", object: "model", type: "embeddings", publisher: "nomic-ai", arch: "nomic-bert", compatibility_type: "gguf", quantization: "Q4_K_M", state: "not-loaded", max_context_length: 2048 },
          ],
        });
      }
      json({ error: `Unexpected endpoint or method. (${req.method} ${req.url})` });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it("the context is the loaded model's (/api/v0/models loaded_context_length), with a warning when it is small", async () => {
    loadedWith = 4096;
    const info = await new RemoteBackend({ baseUrl: `${base}/v1` }).load();
    assert.equal(info.contextSize, 4096);
    assert.equal(info.trainContextSize, 40960);
    assert.match(info.contextWarning ?? "", /LM Studio runs qwen\/qwen3-8b with 4,096 tokens of context/);
    assert.match(info.contextWarning ?? "", /--context-length/);
  });

  it("a model loaded with a large context: that context, no warning", async () => {
    loadedWith = 32768;
    const info = await new RemoteBackend({ baseUrl: `${base}/v1` }).load();
    assert.equal(info.contextSize, 32768);
    assert.equal(info.contextWarning, undefined);
  });

  it("a model not loaded yet: unknown (LM Studio loads it with its own setting), never the model's maximum", async () => {
    loadedWith = undefined;
    const info = await new RemoteBackend({ baseUrl: `${base}/v1` }).load();
    assert.equal(info.contextSize, 0);
    assert.equal(info.trainContextSize, 40960);
  });
});
