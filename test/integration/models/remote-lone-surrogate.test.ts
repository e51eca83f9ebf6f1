/**
 * Half a surrogate pair in what goes to a remote server (a chat message pasted from a program
 * that cut an emoji, an MCP server's result): JSON.stringify writes it as a lone \uD83D escape,
 * which llama-server's JSON parser refuses, so the whole request failed. Against a real HTTP
 * server on 127.0.0.1 that refuses such a body as llama-server does.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { collectTurn } from "../../../src/models/backend.ts";
import { RemoteBackend } from "../../../src/models/remote.ts";

/** A \uD800-\uDFFF escape that is not a high half followed by a low one. */
const LONE_ESCAPE = /\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}/;

describe("remote backend: half a surrogate pair in a message", () => {
  let server: Server;
  let base: string;
  const seen: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        if (req.url === "/v1/models") return void res.end(JSON.stringify({ data: [{ id: "qwen3.5-test" }] }));
        if (req.url !== "/v1/chat/completions") return void res.writeHead(404).end();
        // As llama-server (nlohmann's parser: "surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF").
        if (LONE_ESCAPE.test(body)) return void res.writeHead(500, { "Content-Type": "application/json" }).end(JSON.stringify({ error: { code: 500, message: "[json.exception.parse_error.101] invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF", type: "server_error" } }));
        const messages = (JSON.parse(body) as { messages: Array<{ content: string }> }).messages;
        seen.push(messages.at(-1)!.content);
        res.writeHead(200, { "Content-Type": "text/event-stream" });
        res.end(`data: ${JSON.stringify({ choices: [{ delta: { content: "ok" }, finish_reason: "stop" }] })}\n\ndata: [DONE]\n\n`);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => server.close());

  it("is sent as U+FFFD, and the server answers; whole pairs (an emoji, a CJK extension letter) go as they are", async () => {
    const text = "日本語のログ: 失敗 \uD83D then \uDE00 alone; whole: 😀 𠀀";
    const turn = await collectTurn(new RemoteBackend({ baseUrl: base }).chat({ messages: [{ role: "user", content: text }] }));
    assert.equal(turn.message.content, "ok");
    assert.equal(seen.at(-1), "日本語のログ: 失敗 \uFFFD then \uFFFD alone; whole: 😀 𠀀");
  });
});
