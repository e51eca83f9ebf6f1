/**
 * The company proxy Hearth's own requests go through: model downloads, the CUDA package
 * install, `hearth fix`'s GitHub fetch and a `hearth.serverUrl` server. Node's `fetch`
 * connects directly and reads no HTTPS_PROXY; `useProxy` installs undici's
 * EnvHttpProxyAgent as the process's dispatcher (the one Node's own `fetch` uses), so every
 * `fetch` in the process goes through the proxy named, except hosts in NO_PROXY and loopback.
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
import { EnvHttpProxyAgent, setGlobalDispatcher } from "undici";
import { NETWORK_VARIABLE, type ProxySettings, takeProxySettings } from "../protocol/proxy-settings.ts";

export { NETWORK_VARIABLE, type ProxySettings } from "../protocol/proxy-settings.ts";

/** Where requests go: the proxies per scheme and the hosts reached directly. */
export interface ProxyRoute {
  readonly httpProxy?: string;
  readonly httpsProxy?: string;
  /** Comma-separated, as NO_PROXY is written; always holds loopback. */
  readonly noProxy: string;
}

/** Loopback is never proxied: a local server, llama-server on this machine, the tests' servers. */
const LOOPBACK = ["localhost", "127.0.0.1", "::1", "[::1]"];

/** The route `env` and VS Code's `settings` name (`settings.proxy` wins over the environment). */
export function proxyRoute(env: NodeJS.ProcessEnv, settings: ProxySettings = {}): ProxyRoute {
  const named = settings.proxy?.trim() || undefined;
  const httpProxy = named ?? variable(env, "HTTP_PROXY");
  const httpsProxy = named ?? variable(env, "HTTPS_PROXY") ?? httpProxy;
  const noProxy = [...(variable(env, "NO_PROXY") ?? "").split(","), ...(settings.noProxy ?? []), ...LOOPBACK]
    .map((host) => host.trim())
    .filter((host) => host !== "");
  return { ...(httpProxy ? { httpProxy } : {}), ...(httpsProxy ? { httpsProxy } : {}), noProxy: [...new Set(noProxy)].join(",") };
}

/** `name` from `env` in either case (curl reads http_proxy lower-case only; most tools both). */
function variable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name.toLowerCase()]?.trim() || env[name]?.trim() || undefined;
}

/** The proxy the process's requests use now, shown without its user:password; undefined: direct. */
let active: string | undefined;
/** The hosts reached directly while {@link active} is set. */
let direct: readonly string[] = [];

/**
 * Sends every `fetch` of this process through `route`'s proxy (none named: directly, as
 * before). Returns the proxy as it may be shown, or undefined. A proxy that is not an
 * http(s) URL is refused in words, naming the variable or setting to fix.
 */
export function useProxy(route: ProxyRoute): string | undefined {
  const proxies = [route.httpProxy, route.httpsProxy].filter((proxy): proxy is string => proxy !== undefined);
  for (const proxy of proxies) {
    if (!URL.canParse(proxy) || !/^https?:$/.test(new URL(proxy).protocol)) {
      throw new Error(`The proxy ${shownProxy(proxy)} (HTTPS_PROXY, HTTP_PROXY or VS Code's http.proxy) is not an http:// or https:// address; fix it, or unset it to connect directly.`);
    }
  }
  direct = route.noProxy.split(",").map(bareHost).filter((host) => host !== "");
  if (proxies.length === 0) return (active = undefined);
  setGlobalDispatcher(
    new EnvHttpProxyAgent({
      ...(route.httpProxy ? { httpProxy: route.httpProxy } : {}),
      ...(route.httpsProxy ? { httpsProxy: route.httpsProxy } : {}),
      noProxy: route.noProxy,
    }),
  );
  active = shownProxy(route.httpsProxy ?? route.httpProxy ?? "");
  return active;
}

/** `proxy` without its user:password (a proxy URL may carry them; messages and logs never do). */
export function shownProxy(proxy: string): string {
  if (!URL.canParse(proxy)) return proxy.replace(/\/\/[^/@]*@/, "//");
  const url = new URL(proxy);
  url.username = "";
  url.password = "";
  return url.href.replace(/\/$/, "");
}

/** TLS codes that say the server's certificate was not trusted (Node's names). */
const CERT_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT", "CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID", "CERT_UNTRUSTED", "CERT_REJECTED", "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/**
 * Why a request to `url` failed, when the proxy or a certificate is why and trying again does
 * not help: the proxy by name (without its password) and what it said, or the certificate
 * problem and NODE_EXTRA_CA_CERTS. Undefined for anything else (the caller says it its own way).
 */
export function networkProblem(url: string, error: unknown): string | undefined {
  const host = URL.canParse(url) ? new URL(url).host : url;
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && CERT_CODES.has(code)) {
      return `the certificate of ${host} is not trusted (${code}: ${cause.message})${active ? `; the proxy ${active} may be inspecting HTTPS with a company certificate` : ""}. ` +
        "If your company uses its own certificate authority, give its certificate file with NODE_EXTRA_CA_CERTS (then restart VS Code or run hearth again); " +
        "Hearth never turns certificate checks off (http.proxyStrictSSL: false is not followed): what it downloads could be swapped unnoticed";
    }
    const tunnel = /Proxy response \((\d+)\) !== 200/.exec(cause.message);
    if (tunnel && active) {
      const status = Number(tunnel[1]);
      if (status === 407) return `the proxy ${active} asks for a sign-in (407 Proxy Authentication Required): put user:password in the proxy address (http://user:password@host:port), or ask your IT which proxy to use`;
      return `the proxy ${active} refused to connect to ${host} (it answered ${status} to CONNECT): the proxy's rules may block it; ask your IT, or add the host to NO_PROXY if it is reached without the proxy`;
    }
    // Through a proxy the only connection made is to the proxy (it looks the server up itself).
    if (typeof code === "string" && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT/.test(code) && proxied(url)) {
      return `cannot reach the proxy ${active} (${code}): check HTTPS_PROXY / HTTP_PROXY or VS Code's http.proxy, or unset them to connect directly`;
    }
  }
  return undefined;
}

/**
 * " through the proxy …" when a request to `url` goes through one, else "": for a message on
 * a connection that broke mid-answer (a proxy that closes long transfers, a download resumed).
 */
export function throughProxy(url: string): string {
  return proxied(url) ? ` through the proxy ${active}` : "";
}

/** Whether a request to `url` goes through the active proxy (not loopback, not in NO_PROXY). */
export function proxied(url: string): boolean {
  if (!active || !URL.canParse(url)) return false;
  const host = new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return !direct.some((entry) => entry === "*" || entry === host || host.endsWith(`.${entry}`));
}

/** A NO_PROXY entry as a bare lower-case host: no leading "*." or ".", no port, no brackets. */
function bareHost(entry: string): string {
  const host = entry.trim().toLowerCase().replace(/^\*?\./, "");
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1]!;
  return host.split(":").length === 2 ? host.split(":")[0]! : host;
}


/**
 * A process's start: the proxy its environment (and {@link NETWORK_VARIABLE}, taken out of
 * it) names, used for every `fetch` from now on. Returns the line to log: which proxy is
 * used (without its password), why a named one is not, or "" (none named).
 */
export function useEnvironmentProxy(env: NodeJS.ProcessEnv): string {
  const route = proxyRoute(env, takeProxySettings(env));
  try {
    const proxy = useProxy(route);
    return proxy ? `requests go through the proxy ${proxy} (not: ${route.noProxy})` : "";
  } catch (error) {
    return `${(error as Error).message} Requests connect directly.`;
  }
}
