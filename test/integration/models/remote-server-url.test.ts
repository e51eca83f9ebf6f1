/**
 * hearth.serverUrl / --server as users write it, against real HTTP servers on loopback
 * (127.0.0.1, and ::1 where this machine has it): an endpoint pasted whole
 * (`…/v1/chat/completions`, `…/v1/models`), stray spaces, https:// for a plain-HTTP server and
 * the reverse; localhost when the server listens on the other family.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { lookup } from "node:dns/promises";
import { after, before, describe, it } from "node:test";
import { collectTurn } from "../../../src/models/backend.ts";
import { RemoteBackend } from "../../../src/models/remote.ts";
import { serverUrlProblem } from "../../../src/protocol/server-url.ts";
import { makeCertificates } from "../../fixtures/certificates.ts";

/** A minimal OpenAI-compatible server on `host` that records the paths asked. */
async function openAiServer(host: string): Promise<{ server: Server; port: number; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? "");
    req.resume();
    if (req.url === "/v1/models") return void res.end(JSON.stringify({ data: [{ id: "served-model" }] }));
    if (req.url === "/v1/chat/completions") {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: "hello" } }] })}\r\n\r\n`);
      res.write(`data: ${JSON.stringify({ choices: [{ delta: {}, finish_reason: "stop" }] })}\r\n\r\ndata: [DONE]\r\n\r\n`);
      return void res.end();
    }
    res.writeHead(404).end("not found");
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port, paths };
}

describe("hearth.serverUrl as users paste it", () => {
  let served: Awaited<ReturnType<typeof openAiServer>>;
  before(async () => {
    served = await openAiServer("127.0.0.1");
  });
  after(() => served.server.close());

  // LM Studio's server page lists /v1/responses and /v1/embeddings beside these, each one to copy.
  for (const written of ["/v1/chat/completions", "/v1/chat/completions/", "/v1/models", "/v1/completions", "/v1/responses", "/v1/embeddings", "/v1/", "/v1", ""]) {
    it(`http://127.0.0.1:PORT${written} connects and chats at /v1`, async () => {
      served.paths.length = 0;
      const backend = new RemoteBackend({ baseUrl: `http://127.0.0.1:${served.port}${written}` });
      try {
        const info = await backend.load();
        assert.equal(info.name, "served-model");
        const turn = await collectTurn(backend.chat({ messages: [{ role: "user", content: "hi" }], tools: [] }));
        assert.equal(turn.message.content, "hello");
        assert.ok(served.paths.includes("/v1/models") && served.paths.includes("/v1/chat/completions"), served.paths.join(" "));
        assert.ok(served.paths.every((path) => !path.includes("/v1/chat/completions/") && !path.startsWith("/v1/models/")), served.paths.join(" "));
      } finally {
        await backend.dispose();
      }
    });
  }

  // WHATWG URLs (so fetch) read these as http://127.0.0.1:PORT/v1; taken before this check existed, and still.
  for (const written of ["http:/127.0.0.1:PORT/v1", "http:127.0.0.1:PORT/v1"]) {
    it(`${written} (the // mistyped) is taken and connects`, async () => {
      const url = written.replace("PORT", String(served.port));
      assert.equal(serverUrlProblem(url), undefined);
      served.paths.length = 0;
      const backend = new RemoteBackend({ baseUrl: url });
      try {
        assert.equal((await backend.load()).name, "served-model");
        const turn = await collectTurn(backend.chat({ messages: [{ role: "user", content: "hi" }], tools: [] }));
        assert.equal(turn.message.content, "hello");
      } finally {
        await backend.dispose();
      }
    });
  }

  it("spaces around the URL (pasted into the setting) are not part of it", async () => {
    served.paths.length = 0;
    const backend = new RemoteBackend({ baseUrl: `  http://localhost:${served.port}/v1/ \n` });
    try {
      assert.equal((await backend.load()).name, "served-model");
      assert.ok(served.paths.includes("/v1/models"), served.paths.join(" "));
    } finally {
      await backend.dispose();
    }
  });
});

describe("https:// written for a plain-HTTP server, and http:// for an HTTPS one", () => {
  const certificates = makeCertificates(["IP:127.0.0.1"]);
  const plain = createServer((_req, res) => void res.end(JSON.stringify({ data: [{ id: "m" }] })));
  const secure = createHttpsServer({ key: certificates.key, cert: certificates.cert }, (_req, res) => void res.end(JSON.stringify({ data: [{ id: "m" }] })));
  before(async () => {
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    await new Promise<void>((resolve) => secure.listen(0, "127.0.0.1", resolve));
  });
  after(() => {
    plain.close();
    secure.close();
  });

  it("https:// to a plain-HTTP server says to write http://", async () => {
    const port = (plain.address() as AddressInfo).port;
    const backend = new RemoteBackend({ baseUrl: `https://127.0.0.1:${port}/v1` });
    await assert.rejects(backend.load(), (error: Error) => {
      assert.match(error.message, new RegExp(`^cannot reach the server at https://127\\.0\\.0\\.1:${port}: it answers plain HTTP, not HTTPS \\(ERR_SSL_WRONG_VERSION_NUMBER\\); write http://127\\.0\\.0\\.1:${port}/v1 in hearth\\.serverUrl \\(--server\\)$`));
      return true;
    });
    await backend.dispose();
  });

  it("http:// to an HTTPS server says https:// may be what to write", async () => {
    const port = (secure.address() as AddressInfo).port;
    const backend = new RemoteBackend({ baseUrl: `http://127.0.0.1:${port}/v1` });
    await assert.rejects(backend.load(), (error: Error) => {
      assert.match(error.message, new RegExp(`^cannot reach the server at http://127\\.0\\.0\\.1:${port}: it closed the connection without answering \\(UND_ERR_SOCKET\\); if it serves HTTPS, write https://127\\.0\\.0\\.1:${port}/v1 in hearth\\.serverUrl \\(--server\\)$`));
      return true;
    });
    await backend.dispose();
  });
});

describe("localhost when the server listens on the other family only", () => {
  // Most often nothing runs on the port at all: that comes first, never the other family's address.
  it("a refusal at localhost where nothing listens on either family says to start the server", async (t) => {
    const families = new Set((await lookup("localhost", { all: true })).map((address) => address.family));
    if (families.size !== 1) return t.skip(`localhost is both 127.0.0.1 and ::1 here (${[...families].join(", ")}): Node tries both and says ECONNREFUSED alone`);
    // A port just freed on both families (listened on, then closed): nothing listens there.
    const freed = createServer();
    await new Promise<void>((resolve) => freed.listen(0, "::", resolve));
    const port = (freed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => freed.close(() => resolve()));
    const backend = new RemoteBackend({ baseUrl: `http://localhost:${port}/v1` });
    await assert.rejects(backend.load(), (error: Error) => {
      assert.equal(error.message, `cannot reach the server at http://localhost:${port}: nothing listens on port ${port} (ECONNREFUSED): start the server, or correct the port in hearth.serverUrl (--server)`);
      return true;
    });
    await backend.dispose();
  });

  it("a refusal at localhost names the address to write instead", async (t) => {
    const families = new Set((await lookup("localhost", { all: true })).map((address) => address.family));
    if (families.size !== 1) return t.skip(`localhost is both 127.0.0.1 and ::1 here (${[...families].join(", ")}): Node tries both, so nothing is refused`);
    const other = families.has(4) ? "::1" : "127.0.0.1";
    let served: Awaited<ReturnType<typeof openAiServer>>;
    try {
      served = await openAiServer(other);
    } catch (error) {
      return t.skip(`cannot listen on ${other} here (${(error as Error).message})`);
    }
    try {
      const backend = new RemoteBackend({ baseUrl: `http://localhost:${served.port}/v1` });
      const written = other === "::1" ? `http://\\[::1\\]:${served.port}/v1` : `http://127\\.0\\.0\\.1:${served.port}/v1`;
      await assert.rejects(backend.load(), (error: Error) => {
        assert.match(error.message, new RegExp(`^cannot reach the server at http://localhost:${served.port}: nothing listens on port ${served.port} at [0-9.:]+, which is all localhost is on this machine \\(ECONNREFUSED\\), but something does at ${other.replace(/\./g, "\\.")}: write ${written} in hearth\\.serverUrl \\(--server\\)$`));
        return true;
      });
      await backend.dispose();
      // What it says to write works.
      const fixed = new RemoteBackend({ baseUrl: `http://${other === "::1" ? "[::1]" : other}:${served.port}/v1` });
      assert.equal((await fixed.load()).name, "served-model");
      await fixed.dispose();
    } finally {
      served.server.close();
    }
  });
});
