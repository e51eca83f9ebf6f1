/**
 * The remote backend's `/tokenize` against a server that answers as llama-server does (a
 * real HTTP server on 127.0.0.1): it counts `content`, and a body without `content` (vLLM's
 * `prompt`) is answered `{"tokens": []}`, not refused. One transient 400 for `content` must
 * not make every later count 0.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { estimateTokenCount, RemoteBackend } from "../../../src/models/remote.ts";

describe("remote backend: /tokenize of a llama-server after a transient 400", () => {
  let server: Server;
  let base: string;
  /** How many of the next `content` requests are answered 400. */
  let failContent = 0;
  const fields: string[] = [];

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
    if (req.url === "/v1/models") return json(200, { object: "list", data: [{ id: "qwen", object: "model", meta: { n_ctx_train: 262144 } }] });
    if (req.url === "/props") return json(200, { default_generation_settings: { n_ctx: 32768 } });
    if (req.url === "/tokenize") {
      const body = JSON.parse(raw) as { content?: unknown };
      fields.push(typeof body.content === "string" ? "content" : "prompt");
      // llama-server's handler: `content` is tokenized; a body without it gets no tokens.
      if (typeof body.content !== "string") return json(200, { tokens: [] });
      if (failContent > 0) {
        failContent--;
        return json(400, { error: { code: 400, message: "Invalid request", type: "invalid_request_error" } });
      }
      // One token per word: far from the estimate, so the two cannot be mistaken.
      return json(200, { tokens: body.content.split(/\s+/).filter(Boolean).map((_, i) => i) });
    }
    json(404, { error: { code: 404, message: "File Not Found", type: "not_found_error" } });
  }

  it("a 400 for `content` then `{tokens: []}` for `prompt`: that text is estimated, not 0, and the next text is counted by `content` again", async () => {
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    await backend.load();
    fields.length = 0;
    failContent = 1;
    const text = "alpha beta gamma delta epsilon";
    assert.equal((await backend.tokenize(text)).length, estimateTokenCount(text), "the estimate, not 0 tokens");
    assert.deepEqual(fields, ["content", "prompt"]);
    const state = backend.state();
    assert.ok(state.kind === "ready" && state.info.estimatedTokens === true, "that count is said to be an estimate");
    fields.length = 0;
    assert.equal((await backend.tokenize("one two three")).length, 3, "the server counts again");
    assert.deepEqual(fields, ["content"], "`prompt` was not adopted");
    const after = backend.state();
    assert.ok(after.kind === "ready" && after.info.estimatedTokens !== true, "exact again");
  });

  it("an empty text is 0 tokens without a retry", async () => {
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    await backend.load();
    fields.length = 0;
    assert.equal((await backend.tokenize("")).length, 0);
    assert.deepEqual(fields, ["content"]);
  });
});
