// Loopback as users write it, with a company proxy set (HTTP_PROXY, NO_PROXY unset): llama-server
// started with --host 0.0.0.0 prints "listening on http://0.0.0.0:8080", and a user pastes that;
// [::] and [::ffff:127.0.0.1] are this machine too. A proxy elsewhere would connect to its own
// 0.0.0.0, so these must be reached directly, as localhost, 127.0.0.1 and [::1] are. A real server
// listening on every address (both families) and a real CONNECT proxy on 127.0.0.1 that records
// what it was asked for and tunnels it to the server, so only the record tells the two apart.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { describe, it } from "node:test";
import { proxied, proxyRoute, useProxy } from "../../../src/models/proxy.ts";
import { serverBehindProxy } from "../../fixtures/connect-proxy.ts";
import { RemoteBackend } from "../../../src/models/remote.ts";

/** Why a plain connection to `host`:`port` fails (its error code), without any proxy; undefined when it connects. */
function directProblem(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, host, () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe("loopback written as 0.0.0.0, [::] or [::ffff:127.0.0.1] is never sent to the proxy", () => {
  // Listening on every address (both families); the proxy tunnels to 127.0.0.1.
  const { tunnels, proxyPort, serverPort } = serverBehindProxy("::", (_req, res) => void res.end(JSON.stringify({ data: [{ id: "loopback-model" }] })), { upstreamHost: "127.0.0.1" });

  // The control: without it, a proxy never installed would pass every case below.
  it("http://127.0.0.2:PORT/v1 (this machine too, but not in Hearth's loopback list) goes through the proxy", async () => {
    await useProxy(proxyRoute({ HTTP_PROXY: `http://127.0.0.1:${proxyPort()}` }));
    tunnels.length = 0;
    const port = serverPort();
    const backend = new RemoteBackend({ baseUrl: `http://127.0.0.2:${port}/v1` });
    try {
      assert.equal((await backend.load()).name, "loopback-model");
    } finally {
      await backend.dispose();
    }
    // One CONNECT per connection the backend opens (the model list, /props…), each to 127.0.0.2.
    assert.ok(tunnels.length > 0, "went directly");
    assert.deepEqual([...new Set(tunnels)], [`127.0.0.2:${port}`]);
  });

  for (const host of ["0.0.0.0", "[::]", "[::ffff:127.0.0.1]", "127.0.0.1", "[::1]", "localhost"]) {
    it(`http://${host}:PORT/v1 connects directly`, async (t) => {
      // Where IPv6 is off (docker's default network, some CI), [::1] and [::] reach nothing even directly.
      const unreachable = await directProblem(host.replace(/^\[|\]$/g, ""), serverPort());
      if (unreachable) return t.skip(`this machine cannot connect to ${host} even directly (${unreachable}): IPv6 is off here, as in containers on docker's default network`);
      await useProxy(proxyRoute({ HTTP_PROXY: `http://127.0.0.1:${proxyPort()}`, HTTPS_PROXY: `http://127.0.0.1:${proxyPort()}` }));
      tunnels.length = 0;
      const url = `http://${host}:${serverPort()}/v1`;
      const backend = new RemoteBackend({ baseUrl: url });
      try {
        assert.equal((await backend.load()).name, "loopback-model");
      } finally {
        await backend.dispose();
      }
      assert.deepEqual(tunnels, [], "went through the proxy");
      assert.equal(proxied(url), false, "messages would say 'through the proxy'");
    });
  }
});
