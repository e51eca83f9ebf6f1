/**
 * The company proxy Hearth's own requests go through: model downloads, the CUDA package
 * install, `hearth fix`'s GitHub fetch and a `hearth.serverUrl` server. Node's `fetch`
 * connects directly and reads no HTTPS_PROXY; `useProxy` installs undici's
 * EnvHttpProxyAgent as the process's dispatcher (the one Node's own `fetch` uses), so every
 * `fetch` in the process goes through the proxy named, except hosts in NO_PROXY (as curl reads
 * it: `reachedDirectly`, address ranges included) and loopback.
 * undici is loaded only then (a chunk of the runtime's and the CLI's bundles, some 540 KB
 * that took a third of a second of every start): with no proxy named it is never read.
 *
 * Where the proxy is named: the environment (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, either
 * case) for the CLI; in VS Code also `http.proxy` (which wins, as it does for VS Code itself)
 * and `http.noProxy`, which the extension hands the runtime in {@link NETWORK_VARIABLE}.
 *
 * Certificates: a TLS-inspecting company CA is given with NODE_EXTRA_CA_CERTS (Node reads it
 * at start). `http.proxyStrictSSL: false` is not followed: a model file's only check is the
 * hash its server announces over the same connection, and the CUDA packages are native code
 * that runs, so an unchecked certificate would let whoever is in the middle swap both.
 */
import { existsSync } from "node:fs";
import type { Dispatcher } from "undici";
import { environmentProxy, NETWORK_VARIABLE, type ProxySettings, takeProxySettings } from "../protocol/proxy-settings.ts";

import { LINUX_CA_BUNDLES, PROXY_CLOSED_CODE, reachedDirectly, setExtraCertificates, setProxyInUse, shownProxy } from "../protocol/network-problem.ts";

export { NETWORK_VARIABLE, type ProxySettings } from "../protocol/proxy-settings.ts";
export { networkProblem, proxied, shownProxy, throughProxy } from "../protocol/network-problem.ts";

/** Where requests go: the proxies per scheme and the hosts reached directly. */
export interface ProxyRoute {
  readonly httpProxy?: string;
  readonly httpsProxy?: string;
  /** Comma-separated, as NO_PROXY is written; always holds loopback. */
  readonly noProxy: string;
}

/**
 * Loopback is never proxied: a local server, llama-server on this machine, the tests' servers.
 * 0.0.0.0 and :: (llama-server --host 0.0.0.0 prints "listening on http://0.0.0.0:8080", and users
 * paste it) and ::ffff:127.0.0.1 reach this machine too: a proxy would connect to its own.
 */
const LOOPBACK = ["localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0", "::", "::ffff:127.0.0.1"];

/**
 * The route `env` and `settings` (VS Code's, and the environment proxies with a password the
 * extension handed over) name: `settings.proxy` wins over the environment.
 */
export function proxyRoute(env: NodeJS.ProcessEnv, settings: ProxySettings = {}): ProxyRoute {
  const named = settings.proxy?.trim() || undefined;
  const httpProxy = named ?? settings.httpProxy ?? environmentProxy(env, "HTTP_PROXY");
  const httpsProxy = named ?? settings.httpsProxy ?? environmentProxy(env, "HTTPS_PROXY") ?? httpProxy;
  const noProxy = [...(environmentProxy(env, "NO_PROXY") ?? "").split(","), ...(settings.noProxy ?? []), ...LOOPBACK]
    .map((host) => host.trim())
    .filter((host) => host !== "");
  return { ...(httpProxy ? { httpProxy } : {}), ...(httpsProxy ? { httpsProxy } : {}), noProxy: [...new Set(noProxy)].join(",") };
}

/** Whether {@link useProxy} replaced the process's dispatcher. */
let installed = false;

/**
 * Sends every `fetch` of this process through `route`'s proxy (none named: directly, as
 * before) once the promise it returns is settled: await it before the first request. Returns
 * the proxy as it may be shown, or undefined. A proxy that is not an http(s) URL is refused
 * in words, naming the variable or setting to fix.
 */
export async function useProxy(route: ProxyRoute): Promise<string | undefined> {
  const proxies = [route.httpProxy, route.httpsProxy].filter((proxy): proxy is string => proxy !== undefined);
  for (const proxy of proxies) {
    if (!URL.canParse(proxy) || !/^https?:$/.test(new URL(proxy).protocol)) {
      throw new Error(`The proxy ${shownProxy(proxy)} (HTTPS_PROXY, HTTP_PROXY or VS Code's http.proxy) is not an http:// or https:// address; fix it, or unset it to connect directly.`);
    }
  }
  if (proxies.length === 0) {
    // Node's own dispatcher is left alone unless a proxy replaced it (and undici unread).
    if (installed) {
      const { Agent, setGlobalDispatcher } = await loadUndici();
      setGlobalDispatcher(new Agent());
    }
    installed = false;
    return setProxyInUse({}, []);
  }
  const { Agent, Dispatcher, EnvHttpProxyAgent, Pool, setGlobalDispatcher } = await loadUndici();
  installed = true;
  // NO_PROXY is read here (reachedDirectly, as curl reads it), not by EnvHttpProxyAgent: it knows no
  // address ranges (10.0.0.0/8 was proxied), nor '*' beside other entries (NO_PROXY=* joined with loopback).
  const throughProxies = new EnvHttpProxyAgent({
    ...(route.httpProxy ? { httpProxy: route.httpProxy } : {}),
    ...(route.httpsProxy ? { httpsProxy: route.httpsProxy } : {}),
    noProxy: "",
    clientFactory: (origin: URL, options: object) => proxyConnections(new Pool(origin, options)),
  });
  setGlobalDispatcher(new (routed(Dispatcher))(reachedDirectly(route.noProxy.split(",")), new Agent(), throughProxies));
  // Each scheme's own: an http:// request goes through HTTP_PROXY's proxy, or none (EnvHttpProxyAgent).
  const http = route.httpProxy && shownProxy(route.httpProxy);
  const https = route.httpsProxy && shownProxy(route.httpsProxy);
  return setProxyInUse({ ...(http ? { http } : {}), ...(https ? { https } : {}) }, route.noProxy.split(","));
}

/**
 * A dispatcher class (over undici's `Dispatcher`, loaded lazily) that sends each request to
 * `direct` where `isDirect` says its origin is reached directly, else to `proxies`; closing
 * or destroying it closes or destroys both.
 */
function routed(base: typeof Dispatcher) {
  return class RoutedDispatcher extends base {
    constructor(
      private readonly isDirect: (url: URL) => boolean,
      private readonly direct: Dispatcher,
      private readonly proxies: Dispatcher,
    ) {
      super();
    }

    override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      const direct = options.origin !== undefined && this.isDirect(new URL(String(options.origin)));
      return (direct ? this.direct : this.proxies).dispatch(options, handler);
    }

    override close(): Promise<void>;
    override close(callback: () => void): void;
    override close(callback?: () => void): Promise<void> | void {
      const closed = Promise.all([this.direct.close(), this.proxies.close()]).then(() => undefined);
      if (!callback) return closed;
      void closed.then(callback, callback);
    }

    override destroy(): Promise<void>;
    override destroy(error: Error | null): Promise<void>;
    override destroy(callback: () => void): void;
    override destroy(error: Error | null, callback: () => void): void;
    override destroy(first?: Error | null | (() => void), second?: () => void): Promise<void> | void {
      const error = typeof first === "function" ? null : (first ?? null);
      const callback = typeof first === "function" ? first : second;
      const destroyed = Promise.all([this.direct.destroy(error), this.proxies.destroy(error)]).then(() => undefined);
      if (!callback) return destroyed;
      void destroyed.then(callback, callback);
    }
  };
}

/**
 * undici's exports. undici is CommonJS: in the bundles its chunk exports `module.exports` as
 * `default` alone (esbuild), where Node also gives each name, so the names are read from
 * `default`; a named import there was undefined and no proxy was ever installed.
 */
async function loadUndici(): Promise<typeof import("undici")> {
  const loaded: unknown = await import("undici");
  return ((loaded as { default?: unknown }).default ?? loaded) as typeof import("undici");
}

/**
 * The connections to the proxy, as undici's own (a Pool), except that a CONNECT the proxy
 * ends without an answer fails the request. undici takes that close (UND_ERR_SOCKET) for a
 * socket error worth retrying and reconnects at once, for ever: thousands of connections a
 * second, the process spinning and the request never ending (undici 7.30). A proxy that
 * closes on CONNECT is refusing the host or wants a sign-in it does not ask for.
 */
function proxyConnections(pool: Dispatcher): Dispatcher {
  const connect = pool.connect.bind(pool) as (connectOptions: Dispatcher.ConnectOptions) => Promise<Dispatcher.ConnectData>;
  pool.connect = ((connectOptions: Dispatcher.ConnectOptions, callback?: unknown) => {
    if (callback !== undefined) throw new TypeError("proxyConnections answers connect() with a promise only");
    return connect(connectOptions).catch((error: unknown) => {
      if ((error as { code?: unknown } | undefined)?.code !== "UND_ERR_SOCKET") throw error;
      throw Object.assign(new Error(`the proxy closed the connection without answering CONNECT ${connectOptions.path}`, { cause: error }), { code: PROXY_CLOSED_CODE });
    });
  }) as Dispatcher["connect"];
  return pool;
}

/**
 * A process's start: the proxy its environment (and {@link NETWORK_VARIABLE}, taken out of
 * it) names, used for every `fetch` once the promise is settled: await it before the first
 * request. {@link NETWORK_VARIABLE} is out of `env` when this returns, before it settles.
 * Also notes the file NODE_EXTRA_CA_CERTS names, for a certificate problem's words.
 * Resolves to the line to log: which proxy is used (without its password), why a named one
 * is not (starting "The proxy", ending "Requests connect directly."), or "" (none named).
 */
export async function useEnvironmentProxy(env: NodeJS.ProcessEnv): Promise<string> {
  // Node read it at this process's start: a certificate problem's words say the file it names did not help.
  setExtraCertificates(env, process.platform === "linux" ? LINUX_CA_BUNDLES.find((file) => existsSync(file)) : undefined);
  const route = proxyRoute(env, takeProxySettings(env));
  try {
    const proxy = await useProxy(route);
    return proxy ? `requests go through the proxy ${proxy} (not: ${route.noProxy})` : "";
  } catch (error) {
    const message = (error as Error).message;
    const why = message.startsWith("The proxy") ? message : `The proxy ${shownProxy(route.httpsProxy ?? route.httpProxy ?? "")} could not be set up (${message}).`;
    return `${why} Requests connect directly.`;
  }
}
