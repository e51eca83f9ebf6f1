/**
 * A request that failed because of the proxy or a certificate, said by name: for every
 * folder whose requests go through the process's proxy (models/proxy.ts installs it and
 * tells this module with `setProxyInUse`): downloads, the remote server, GitHub's issues.
 * The proxy is shown without its user:password. No Node imports: only what an error says.
 */

/**
 * The proxies the process's requests use now, shown without their user:password: `https` for
 * https:// requests, `http` for http:// ones (EnvHttpProxyAgent's HTTPS_PROXY and HTTP_PROXY;
 * a scheme without one connects directly). Neither: every request connects directly.
 */
export interface ProxiesInUse {
  readonly http?: string;
  readonly https?: string;
}

let active: ProxiesInUse = {};
/** The hosts reached directly while a proxy is in use. */
let direct: readonly string[] = [];

/**
 * The proxies the process's requests now use (`shown`: without their passwords) and the hosts
 * reached directly. Returns the proxies as a log line names them (undefined: none): the https
 * one, and the http one after it where it is another.
 */
export function setProxyInUse(shown: ProxiesInUse, noProxy: readonly string[]): string | undefined {
  active = shown;
  direct = shown.http || shown.https ? noProxy.map(bareHost).filter((host) => host !== "") : [];
  const { http, https } = shown;
  if (!https || !http || https === http) return https ?? http;
  return `${https} (http:// requests: ${http})`;
}

/** The proxy of `url`'s scheme (NO_PROXY aside), shown without its password; undefined: that scheme connects directly. */
function schemeProxy(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const { protocol } = new URL(url);
  return protocol === "https:" ? active.https : protocol === "http:" ? active.http : undefined;
}

/** `proxy` without its user:password (a proxy URL may carry them; messages and logs never do). */
export function shownProxy(proxy: string): string {
  if (!URL.canParse(proxy)) return proxy.replace(/\/\/[^/@]*@/, "//");
  const url = new URL(proxy);
  url.username = "";
  url.password = "";
  return url.href.replace(/\/$/, "");
}

/** The code of the error models/proxy.ts gives a request whose CONNECT the proxy closed without answering. */
export const PROXY_CLOSED_CODE = "HEARTH_PROXY_CLOSED";

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
  const proxy = schemeProxy(url);
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && CERT_CODES.has(code)) {
      return `the certificate of ${host} is not trusted (${code}: ${cause.message})${proxy ? `; the proxy ${proxy} may be inspecting HTTPS with a company certificate` : ""}. ` +
        "If your company uses its own certificate authority, give its certificate file with NODE_EXTRA_CA_CERTS (then restart VS Code or run hearth again); " +
        "Hearth never turns certificate checks off (http.proxyStrictSSL: false is not followed): what it downloads could be swapped unnoticed";
    }
    const tunnel = /Proxy response \((\d+)\) !== 200/.exec(cause.message);
    if (tunnel && proxy) {
      const status = Number(tunnel[1]);
      if (status === 407) return `the proxy ${proxy} asks for a sign-in (407 Proxy Authentication Required): put user:password in the proxy address (http://user:password@host:port), or ask your IT which proxy to use`;
      return `the proxy ${proxy} refused to connect to ${host} (it answered ${status} to CONNECT): the proxy's rules may block it; ask your IT, or add the host to NO_PROXY if it is reached without the proxy`;
    }
    if (code === PROXY_CLOSED_CODE && proxy) {
      return `the proxy ${proxy} closed the connection without answering the request to connect to ${host}: it may block ${host}, or want a sign-in it does not ask for; ask your IT, or add the host to NO_PROXY if it is reached without the proxy`;
    }
    // Through a proxy the only connection made is to the proxy (it looks the server up itself).
    if (typeof code === "string" && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT/.test(code) && proxied(url)) {
      return `cannot reach the proxy ${proxy} (${code}): check HTTPS_PROXY / HTTP_PROXY or VS Code's http.proxy, or unset them to connect directly`;
    }
  }
  return undefined;
}

/**
 * " through the proxy …" when a request to `url` goes through one, else "": for a message on
 * a connection that broke mid-answer (a proxy that closes long transfers, a download resumed).
 */
export function throughProxy(url: string): string {
  return proxied(url) ? ` through the proxy ${schemeProxy(url)}` : "";
}

/** Whether a request to `url` goes through a proxy: its scheme's, unless its host is loopback or in NO_PROXY. */
export function proxied(url: string): boolean {
  if (!schemeProxy(url)) return false;
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
