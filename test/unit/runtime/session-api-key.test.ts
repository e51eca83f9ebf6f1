// The runtime keeps the server API key it was started with: that key belongs to the server
// configured then (VS Code's secret storage holds keys per origin). When the server URL
// changes to another origin, the key must not follow it. Two real HTTP servers on
// 127.0.0.1 record the Authorization header they get.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { RuntimeSession } from "../../../src/runtime/session.ts";

interface Recorder {
  readonly url: string;
  readonly seen: (string | undefined)[];
  readonly server: Server;
}

async function modelServer(name: string): Promise<Recorder> {
  const seen: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    if (req.url === "/v1/models") return void res.end(JSON.stringify({ data: [{ id: name }] }));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, seen, server };
}

describe("RuntimeSession: the server API key goes only to the origin it was given for", () => {
  let a: Recorder;
  let b: Recorder;
  before(async () => {
    a = await modelServer("model-a");
    b = await modelServer("model-b");
  });
  after(() => {
    a.server.close();
    b.server.close();
  });

  it("sends the key to server A, and not to server B after the URL changes to B", async () => {
    const session = new RuntimeSession({ serverUrl: a.url }, () => undefined, { apiKey: "key-for-a" });
    try {
      const first = await session.loadModel(false);
      assert.ok(first.kind === "ready" && first.name === "model-a", JSON.stringify(first));
      assert.ok(a.seen.length > 0 && a.seen.every((h) => h === "Bearer key-for-a"), JSON.stringify(a.seen));

      await session.updateSettings({ serverUrl: b.url });
      const second = await session.loadModel(false);
      assert.ok(second.kind === "ready" && second.name === "model-b", JSON.stringify(second));
      assert.ok(b.seen.length > 0, "server B was never asked");
      assert.deepEqual([...new Set(b.seen)], [undefined], "server A's key was sent to server B");

      // Back to A (another path on the same origin): its key is sent again.
      a.seen.length = 0;
      await session.updateSettings({ serverUrl: a.url.replace(/\/v1$/, "/v1/") });
      await session.loadModel(false);
      assert.ok(a.seen.length > 0 && a.seen.every((h) => h === "Bearer key-for-a"), JSON.stringify(a.seen));
    } finally {
      await session.dispose();
    }
  });

  it("a key given with no server configured is sent to no server configured later", async () => {
    b.seen.length = 0;
    const session = new RuntimeSession({}, () => undefined, { apiKey: "stray-key" });
    try {
      await session.loadModel(false);
      await session.updateSettings({ serverUrl: b.url });
      const state = await session.loadModel(false);
      assert.equal(state.kind, "ready", JSON.stringify(state));
      assert.deepEqual([...new Set(b.seen)], [undefined]);
    } finally {
      await session.dispose();
    }
  });
});
