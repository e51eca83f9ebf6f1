// Which proxy Hearth's own requests use (models/proxy.ts): the environment's (either case),
// VS Code's http.proxy winning over it, NO_PROXY and http.noProxy together, loopback never
// proxied; a proxy is shown without its user:password; a bad proxy address is refused in words.
import assert from "node:assert/strict";
import { after, afterEach, describe, it } from "node:test";
import { networkProblem, proxied, proxyRoute, shownProxy, useEnvironmentProxy, useProxy } from "../../../src/models/proxy.ts";
import { runtimeEnvironment } from "../../../src/extension/runtime-env.ts";
import { setExtraCertificates } from "../../../src/protocol/network-problem.ts";
import { NETWORK_VARIABLE, takeProxySettings } from "../../../src/protocol/proxy-settings.ts";

describe("proxyRoute", () => {
  it("takes the environment's proxies in either case, HTTPS_PROXY falling back to HTTP_PROXY", () => {
    assert.deepEqual(proxyRoute({ http_proxy: "http://p:3128" }), { httpProxy: "http://p:3128", httpsProxy: "http://p:3128", noProxy: "localhost,127.0.0.1,::1,[::1],0.0.0.0,::,::ffff:127.0.0.1" });
    assert.equal(proxyRoute({ HTTPS_PROXY: "http://s:1", HTTP_PROXY: "http://h:1" }).httpsProxy, "http://s:1");
  });

  it("lets VS Code's http.proxy win and joins NO_PROXY, http.noProxy and loopback", () => {
    const route = proxyRoute({ HTTPS_PROXY: "http://env:1", NO_PROXY: "intranet.corp, .local" }, { proxy: "http://vscode:8080", noProxy: ["git.corp"] });
    assert.equal(route.httpsProxy, "http://vscode:8080");
    assert.equal(route.httpProxy, "http://vscode:8080");
    assert.equal(route.noProxy, "intranet.corp,.local,git.corp,localhost,127.0.0.1,::1,[::1],0.0.0.0,::,::ffff:127.0.0.1");
  });

  it("in the runtime the extension starts, is the route the extension host's environment names, passwords and all", () => {
    // A proxy with a password is kept out of the runtime's environment and handed over in NETWORK_VARIABLE.
    const hosts: NodeJS.ProcessEnv[] = [
      { HTTPS_PROXY: "http://ada:pw@upper:1", https_proxy: "http://bob:pw@lower:1" },
      { HTTPS_PROXY: "http://ada:pw@upper:1", https_proxy: "http://lower:1" },
      { HTTPS_PROXY: "http://upper:1", https_proxy: "http://bob:pw@lower:1" },
      { HTTPS_PROXY: "http://ada:pw@secure:1", HTTP_PROXY: "http://plain:2" },
      { HTTP_PROXY: "http://ada:pw@plain:2", HTTPS_PROXY: "http://secure:1" },
      { http_proxy: "http://ada:pw@plain:2", NO_PROXY: "intranet.corp" },
    ];
    for (const host of hosts) {
      const runtimeEnv = runtimeEnvironment({ PATH: "/usr/bin", ...host }, "linux");
      assert.deepEqual(proxyRoute(runtimeEnv, takeProxySettings(runtimeEnv)), proxyRoute(host), JSON.stringify(host));
      assert.ok(!Object.values(runtimeEnv).some((value) => value?.includes("pw")), JSON.stringify(runtimeEnv));
    }
  });

  it("names no proxy when none is set", () => {
    assert.deepEqual(proxyRoute({}), { noProxy: "localhost,127.0.0.1,::1,[::1],0.0.0.0,::,::ffff:127.0.0.1" });
  });
});

describe("useProxy", () => {
  it("proxies every host but loopback and NO_PROXY's, and refuses an address that is not http(s) without showing its password", async () => {
    assert.equal(await useProxy(proxyRoute({ HTTPS_PROXY: "http://ada:pw@proxy.corp:3128", NO_PROXY: "*.intranet.corp,git.corp:443" })), "http://proxy.corp:3128");
    assert.equal(proxied("https://huggingface.co/x"), true);
    for (const url of ["http://127.0.0.1:8080/v1", "http://localhost:1/", "http://[::1]:8080/", "https://a.intranet.corp/", "https://git.corp/"]) assert.equal(proxied(url), false, url);
    await assert.rejects(useProxy(proxyRoute({ HTTPS_PROXY: "socks5://ada:pw@proxy.corp:1080" })), (error: Error) => /socks5:\/\/proxy\.corp:1080.*not an http/.test(error.message) && !error.message.includes("pw"));
    const env: NodeJS.ProcessEnv = { [NETWORK_VARIABLE]: JSON.stringify({ proxy: "ftp://x:pw@y" }) };
    const refused = useEnvironmentProxy(env);
    assert.equal(env[NETWORK_VARIABLE], undefined, "out of the environment before the proxy is loaded");
    assert.match(await refused, /Requests connect directly/);
    assert.equal(await useEnvironmentProxy({}), "");
    assert.equal(proxied("https://huggingface.co/x"), false, "no proxy now");
  });
});

describe("NO_PROXY's address ranges, as curl reads them", () => {
  after(() => useProxy(proxyRoute({})));

  it("reaches an address given in a range, IPv4 or IPv6, directly, and a name only by its own entry", async () => {
    await useProxy(proxyRoute({ HTTPS_PROXY: "http://proxy.corp:3128", HTTP_PROXY: "http://proxy.corp:3128", NO_PROXY: "10.0.0.0/8, fd00::/8,192.168.1.7,2001:db8::5,*.lan:8443" }));
    for (const url of ["https://10.1.2.3/x", "http://10.255.255.255:8080/v1", "http://[fd12:3456::1]:8080/", "https://[fdff::]/", "http://192.168.1.7/", "http://[2001:db8:0:0::5]/", "https://a.lan:8443/"]) {
      assert.equal(proxied(url), false, url);
    }
    for (const url of ["https://11.0.0.1/", "https://9.255.255.255/", "http://[fe80::1]/", "http://[fc00::1]/", "http://192.168.1.8/", "http://[2001:db8::6]/", "https://a.lan/", "https://10.corp/", "https://10.0.0.0.example/"]) {
      assert.equal(proxied(url), true, url);
    }
  });

  it("takes '*' among the entries (NO_PROXY=* and loopback joined) as every host", async () => {
    await useProxy(proxyRoute({ HTTPS_PROXY: "http://proxy.corp:3128", NO_PROXY: "*" }));
    for (const url of ["https://huggingface.co/x", "https://10.1.2.3/", "https://[2001:db8::1]/"]) assert.equal(proxied(url), false, url);
  });
});

describe("the proxy of each scheme", () => {
  afterEach(() => useProxy(proxyRoute({})));
  const refused = (url: string): unknown => new TypeError("fetch failed", { cause: Object.assign(new Error(`connect ECONNREFUSED ${url}`), { code: "ECONNREFUSED" }) });

  it("a request on http:// with HTTPS_PROXY alone connects directly, so its failure is not the proxy's", async () => {
    // EnvHttpProxyAgent sends http:// requests through HTTP_PROXY only: none named, they connect directly.
    assert.equal(await useProxy(proxyRoute({ HTTPS_PROXY: "http://ada:pw@secure.corp:1" })), "http://secure.corp:1");
    assert.equal(proxied("https://huggingface.co/x"), true);
    assert.equal(proxied("http://gpu-box:8080/v1"), false, "hearth.serverUrl on http:// is reached directly");
    assert.equal(networkProblem("http://gpu-box:8080/v1", refused("gpu-box:8080")), undefined, "a server that is down is not 'cannot reach the proxy'");
  });

  it("a failure on http:// names HTTP_PROXY's proxy, one on https:// HTTPS_PROXY's", async () => {
    const shown = await useProxy(proxyRoute({ HTTPS_PROXY: "http://ada:pw@secure.corp:1", HTTP_PROXY: "http://bob:pw@plain.corp:2" }));
    assert.match(shown ?? "", /secure\.corp:1/);
    assert.match(shown ?? "", /plain\.corp:2/, "the log names both proxies");
    assert.doesNotMatch(shown ?? "", /pw/);
    assert.match(networkProblem("http://gpu-box:8080/v1", refused("plain.corp:2")) ?? "", /^cannot reach the proxy http:\/\/plain\.corp:2 /);
    assert.match(networkProblem("https://huggingface.co/x", refused("secure.corp:1")) ?? "", /^cannot reach the proxy http:\/\/secure\.corp:1 /);
  });
});

describe("shownProxy and networkProblem", () => {
  it("never shows a proxy's user:password", () => {
    assert.equal(shownProxy("http://ada:p%40ss@proxy.corp:3128/"), "http://proxy.corp:3128");
    assert.equal(shownProxy("not a url//ada:pw@host"), "not a url//host");
  });

  it("names a certificate problem and NODE_EXTRA_CA_CERTS, and leaves other errors to the caller", () => {
    const cert = Object.assign(new Error("unable to verify the first certificate"), { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    setExtraCertificates({});
    assert.match(networkProblem("https://cdn.example/x", new TypeError("fetch failed", { cause: cert })) ?? "", /certificate of cdn\.example is from an authority this machine does not trust.*NODE_EXTRA_CA_CERTS=\/path\/to\/company-ca\.pem/);
    setExtraCertificates({ NODE_EXTRA_CA_CERTS: "/etc/corp-ca.pem" });
    assert.match(networkProblem("https://cdn.example/x", new TypeError("fetch failed", { cause: cert })) ?? "", /NODE_EXTRA_CA_CERTS names \/etc\/corp-ca\.pem, but that file does not hold the authority/);
    setExtraCertificates({});
    assert.equal(networkProblem("https://cdn.example/x", new TypeError("fetch failed", { cause: Object.assign(new Error("x"), { code: "ENOTFOUND" }) })), undefined);
  });
});
