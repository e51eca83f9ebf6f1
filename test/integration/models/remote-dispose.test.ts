/**
 * A server's backend let go (hearth.serverUrl changed, a reload) while a request of it waits on
 * a silent server (a hung one, one still reading a long prompt): every request ends at once and
 * its connection is closed — the connect a first reply waits on, an inline completion, a token
 * count — not only a streamed reply. A real HTTP server on 127.0.0.1 that never answers the one
 * path under test; the limits' clock is a hand-moved one that never moves, so no timeout ends
 * the request instead.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, it } from "node:test";
import { RemoteBackend } from "../../../src/models/remote.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";

/** A llama-server that answers everything but `silent`, which it reads and never answers. */
async function serverSilentOn(silent: string): Promise<{ server: Server; base: string; asked: Promise<void>; closed: Promise<void> }> {
  let asked!: () => void;
  let closed!: () => void;
  const askedP = new Promise<void>((done) => (asked = done));
  const closedP = new Promise<void>((done) => (closed = done));
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.url === silent) {
        res.on("close", closed);
        return asked();
      }
      const json = (body: unknown) => void res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(body));
      if (req.url === "/v1/models") return json({ data: [{ id: "m" }] });
      if (req.url === "/props") return json({ default_generation_settings: { n_ctx: 32768 } });
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, asked: askedP, closed: closedP };
}

describe("remote backend disposed while a request waits on a silent server", () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      server.close();
    }
  });

  const cases: Array<[string, string, (backend: RemoteBackend) => Promise<unknown>]> = [
    ["the connect a reply waits on (/v1/models)", "/v1/models", async (b) => {
      for await (const _ of b.chat({ messages: [{ role: "user", content: "hi" }], thinking: false })) void _;
    }],
    ["an inline completion (/infill)", "/infill", (b) => b.complete({ prefix: "let x = ", suffix: "" })],
    ["a token count (/tokenize)", "/tokenize", (b) => b.tokenize("alpha beta")],
  ];
  for (const [what, path, use] of cases) {
    it(`${what}: it ends, and the server's connection is closed`, { timeout: 20_000 }, async () => {
      const { server, base, asked, closed } = await serverSilentOn(path);
      servers.push(server);
      const backend = new RemoteBackend({ baseUrl: base, clock: new FakeClock() });
      const request = use(backend);
      request.catch(() => undefined);
      await asked;
      await backend.dispose();
      await assert.rejects(request, /let go of the server/);
      await closed;
    });
  }
});
