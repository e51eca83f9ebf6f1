// A hearth.serverUrl server behind a company proxy (models/proxy.ts): the remote backend's
// requests go through a real CONNECT proxy on 127.0.0.1 that resolves llm.test itself, so a
// direct connection cannot work; a proxy that wants another password is named with its 407,
// never as "cannot reach the server" alone, and its password is never shown.
import assert from "node:assert/strict";
import { type AddressInfo, createServer as createTcpServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { BackendError, collectTurn } from "../../../src/models/backend.ts";
import { proxied, proxyRoute, useEnvironmentProxy, useProxy } from "../../../src/models/proxy.ts";
import { runtimeEnvironment } from "../../../src/extension/runtime-env.ts";
import { NETWORK_VARIABLE } from "../../../src/protocol/proxy-settings.ts";
import { RemoteBackend } from "../../../src/models/remote.ts";
import { serverBehindProxy } from "../../fixtures/connect-proxy.ts";

describe("a remote server through a company proxy", () => {
  const { tunnels, proxyPort } = serverBehindProxy("127.0.0.1", (req, res) => {
    if (req.url === "/v1/chat/completions") {
      res.setHeader("content-type", "text/event-stream");
      const chunk = { choices: [{ index: 0, delta: { content: "hello through the proxy" }, finish_reason: "stop" }] };
      return void res.end(`data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`);
    }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ data: [{ id: "m" }] }));
  }, { signIn: "worker:right-pass" });
  const proxyAt = (password: string): string => `http://worker:${password}@127.0.0.1:${proxyPort()}`;

  it("talks to the server through the proxy", async () => {
    await useProxy(proxyRoute({ HTTP_PROXY: proxyAt("right-pass") }));
    const backend = new RemoteBackend({ baseUrl: "http://llm.test:8080/v1" });
    const turn = await collectTurn(backend.chat({ messages: [{ role: "user", content: "hi" }] }));
    assert.match(JSON.stringify(turn), /hello through the proxy/);
    assert.ok(tunnels.includes("llm.test:8080"), tunnels.join(" "));
  });

  it("names the proxy's 407 without its password", async () => {
    await useProxy(proxyRoute({ HTTP_PROXY: proxyAt("old-pass") }));
    const backend = new RemoteBackend({ baseUrl: "http://llm.test:8080/v1" });
    await assert.rejects(collectTurn(backend.chat({ messages: [{ role: "user", content: "hi" }] })), (error: Error) => {
      assert.ok(error instanceof BackendError, String(error));
      assert.match(error.message, /the proxy http:\/\/127\.0\.0\.1:\d+ asks for a sign-in \(407 Proxy Authentication Required\)/);
      assert.doesNotMatch(error.message, /old-pass/);
      return true;
    });
  });

  it("uses VS Code's http.proxy as the extension hands it to the runtime, and leaves no password in the environment", async () => {
    await useProxy(proxyRoute({}));
    const env = runtimeEnvironment({ PATH: "/usr/bin" }, "linux", { proxy: proxyAt("right-pass"), noProxy: ["intranet.corp"] });
    assert.match(await useEnvironmentProxy(env), /^requests go through the proxy http:\/\/127\.0\.0\.1:\d+ \(not: intranet\.corp,localhost/);
    assert.equal(env[NETWORK_VARIABLE], undefined);
    assert.ok(!Object.values(env).some((value) => value?.includes("right-pass")), JSON.stringify(env));
    const before = tunnels.length;
    const turn = await collectTurn(new RemoteBackend({ baseUrl: "http://llm.test:8080/v1" }).chat({ messages: [{ role: "user", content: "hi" }] }));
    assert.match(JSON.stringify(turn), /hello through the proxy/);
    assert.ok(tunnels.length > before, "went through the proxy");
  });
});

describe("NO_PROXY's address ranges with a real proxy", () => {
  // A server on 127.0.0.2: loopback to the system, yet no entry of Hearth's own loopback list,
  // so only NO_PROXY's range (as curl reads 127.0.0.0/8) or '*' keeps it off the proxy.
  const { tunnels, proxyPort, serverPort } = serverBehindProxy("127.0.0.2", (_req, res) => void res.end(JSON.stringify({ data: [{ id: "m" }] })));
  const proxyUrl = (): string => `http://127.0.0.1:${proxyPort()}`;
  const serverUrl = (): string => `http://127.0.0.2:${serverPort()}/v1/models`;

  for (const noProxy of ["127.0.0.0/8", "10.0.0.0/8,127.0.0.0/8", "*"]) {
    it(`connects to an address NO_PROXY=${noProxy} covers directly`, async () => {
      await useProxy(proxyRoute({ HTTP_PROXY: proxyUrl(), NO_PROXY: noProxy }));
      tunnels.length = 0;
      const response = await fetch(serverUrl());
      assert.deepEqual(await response.json(), { data: [{ id: "m" }] });
      assert.deepEqual(tunnels, [], "went through the proxy");
      assert.equal(proxied(serverUrl()), false);
    });
  }

  it("sends an address outside NO_PROXY's ranges through the proxy", async () => {
    await useProxy(proxyRoute({ HTTP_PROXY: proxyUrl(), NO_PROXY: "10.0.0.0/8,127.0.0.0/16,fd00::/8" }));
    tunnels.length = 0;
    const response = await fetch(serverUrl().replace("127.0.0.2", "127.1.0.2"));
    assert.deepEqual(await response.json(), { data: [{ id: "m" }] });
    assert.ok(tunnels.some((tunnel) => tunnel.startsWith("127.1.0.2:")), tunnels.join(" "));
    assert.equal(proxied(serverUrl().replace("127.0.0.2", "127.1.0.2")), true);
  });
});

describe("a proxy that closes the connection on CONNECT without answering", () => {
  // undici takes that for a socket it may retry and reconnects at once, for ever (thousands of
  // connections a second, the runtime spinning): the request must end after the first, in words.
  let connections = 0;
  let reconnecting: () => void = () => {};
  const proxy = createTcpServer((socket) => {
    if (++connections === 20) reconnecting();
    socket.once("data", () => socket.destroy());
  });
  before(() => new Promise<void>((ready) => proxy.listen(0, "127.0.0.1", ready)));
  after(async () => {
    await useProxy(proxyRoute({}));
    proxy.close();
  });

  for (const scheme of ["http", "https"]) {
    it(`ends a request to an ${scheme} server naming the proxy`, async () => {
      connections = 0;
      const proxyUrl = `http://worker:silent-pass@127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      await useProxy(proxyRoute({ HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl }));
      const gaveUp = new Promise<string>((done) => (reconnecting = () => done("still reconnecting after 20 connections")));
      const ended = collectTurn(new RemoteBackend({ baseUrl: `${scheme}://llm.test:8080/v1` }).chat({ messages: [{ role: "user", content: "hi" }] })).then(
        () => "answered",
        (error: Error) => error.message,
      );
      const message = await Promise.race([ended, gaveUp]);
      assert.match(message, /the proxy http:\/\/127\.0\.0\.1:\d+ closed the connection without answering the request to connect to llm\.test:8080/);
      assert.doesNotMatch(message, /silent-pass/);
      assert.ok(connections < 20, `${connections} connections`);
    });
  }
});
