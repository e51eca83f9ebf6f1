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
/** Whether a URL is reached directly while a proxy is in use (NO_PROXY, loopback). */
let direct: (url: URL) => boolean = () => false;

/**
 * The proxies the process's requests now use (`shown`: without their passwords) and the hosts
 * reached directly. Returns the proxies as a log line names them (undefined: none): the https
 * one, and the http one after it where it is another.
 */
export function setProxyInUse(shown: ProxiesInUse, noProxy: readonly string[]): string | undefined {
  active = shown;
  direct = shown.http || shown.https ? reachedDirectly(noProxy) : () => false;
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

/** TLS codes that say the server's certificate comes from an authority not trusted here (Node's names). */
const UNTRUSTED_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT", "CERT_UNTRUSTED", "CERT_REJECTED",
]);

/**
 * Set in the runtime's environment by the extension (extension/system-certificates.ts) when
 * its NODE_EXTRA_CA_CERTS names a file of the system's certificates it made: the file the
 * user's own NODE_EXTRA_CA_CERTS named, "" for none.
 */
export const USER_EXTRA_CA_VARIABLE = "HEARTH_USER_EXTRA_CA_CERTS";

/** The file NODE_EXTRA_CA_CERTS named when the process started (Node reads it then, and only then); the user's, not the extension's. */
let extraCertificates: string | undefined = (typeof process === "undefined" ? undefined : process.env.NODE_EXTRA_CA_CERTS)?.trim() || undefined;
/** Whether the system's certificates were given too (a runtime VS Code started). */
let systemGiven = false;
/** This system's own CA bundle (Linux), which a plain Node does not read: a company CA IT installed is in it. */
let systemBundle: string | undefined;

/** Where Linux distributions keep the system's CA bundle (the list Go's crypto/x509 reads). */
export const LINUX_CA_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Arch, Gentoo
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // Fedora, RHEL 7+
  "/etc/pki/tls/certs/ca-bundle.crt", // older Fedora / RHEL
  "/etc/ssl/ca-bundle.pem", // openSUSE
  "/etc/ssl/cert.pem", // Alpine
] as const;

/**
 * Notes what NODE_EXTRA_CA_CERTS gave this process at its start (models/proxy.ts, at start),
 * for {@link networkProblem}'s words: `env`'s, or the user's file behind the system's the
 * extension added ({@link USER_EXTRA_CA_VARIABLE}). `bundle`: this system's CA bundle, if it has one
 * ({@link LINUX_CA_BUNDLES}), offered as NODE_EXTRA_CA_CERTS when none is given.
 */
export function setExtraCertificates(env: Readonly<Record<string, string | undefined>>, bundle?: string): void {
  systemBundle = bundle;
  const user = env[USER_EXTRA_CA_VARIABLE];
  systemGiven = user !== undefined;
  extraCertificates = (user ?? env.NODE_EXTRA_CA_CERTS)?.trim() || undefined;
}

/**
 * What a certificate problem of `host` (`code`, Node's `message`) is and what to do, or
 * undefined when `code` is none. An expired certificate or one for other names is no missing
 * company CA: NODE_EXTRA_CA_CERTS cannot help there, so it is not offered.
 */
function certificateProblem(host: string, code: string, message: string, proxy: string | undefined): string | undefined {
  const said = `${code}: ${message.trim().replace(/[:\s]+$/, "")}`;
  if (code === "CERT_HAS_EXPIRED") {
    return `the certificate of ${host} has expired (${said}), or this machine's date is wrong: check the date and time here; if they are right, whoever runs ${host} must renew its certificate (Hearth never accepts an expired one)`;
  }
  if (code === "CERT_NOT_YET_VALID") return `the certificate of ${host} is not valid yet (${said}): this machine's date and time are probably behind; set them right, then try again`;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return `the certificate ${host} answered with is made out for other names (${said}): use the name the certificate is for in the address (HF_ENDPOINT, hearth.serverUrl, --server); if the address is right, something in between (a proxy, a captive portal) answered in ${host}'s place`;
  }
  if (!UNTRUSTED_CODES.has(code)) return undefined;
  const what = `the certificate of ${host} is from an authority this machine does not trust (${said}), often a company's TLS inspection${proxy ? ` (here perhaps by the proxy ${proxy})` : ""}. `;
  const system = systemGiven ? "The certificates this system trusts (which VS Code gave Hearth's runtime) do not hold it either. " : "";
  const todo = extraCertificates
    ? `${system}NODE_EXTRA_CA_CERTS names ${extraCertificates}, but that file does not hold the authority that signed it (or could not be read: Node warns at start): ask your IT for the company's root certificate (a PEM file) and name that file instead (one file may hold several certificates, one after another)`
    : `${systemGiven ? "The certificates this system trusts (which VS Code gave Hearth's runtime) do not hold it. " : ""}` +
      (systemBundle && !systemGiven ? `If this system trusts it (curl or a browser here reach the address), name this system's own list: NODE_EXTRA_CA_CERTS=${systemBundle}. Otherwise g` : "G") +
      "ive that authority's certificate (a PEM file; your IT has it) with NODE_EXTRA_CA_CERTS=/path/to/company-ca.pem: for hearth in its environment; for VS Code in the environment VS Code starts from, then restart it " +
      "(or add it to the system's certificates, which VS Code gives Hearth's runtime where it can read them: on Linux, and with VS Code's newer Node elsewhere)";
  return `${what}${todo}. Hearth never turns certificate checks off, so http.proxyStrictSSL: false is not followed`;
}

/**
 * Node started with `--no-experimental-fetch` (in the shell's NODE_OPTIONS, an old workaround
 * for a library's own fetch) has no fetch: every request failed as 'cannot reach the server …
 * (fetch is not defined)', the server up. The CLI process and `hearth fix`'s agent run with the
 * shell's NODE_OPTIONS (the runtime is started without them: protocol/node-options.ts).
 */
const FETCH_TURNED_OFF =
  "this Node was started without fetch (--no-experimental-fetch, most likely in NODE_OPTIONS), which Hearth needs to make requests: run hearth without that option (NODE_OPTIONS= hearth …, or take it out of NODE_OPTIONS)";

function fetchTurnedOff(error: unknown): boolean {
  return typeof globalThis.fetch !== "function" && error instanceof ReferenceError && /\bfetch is not defined/.test(error.message);
}

/**
 * Why a request to `url` failed, when the proxy or a certificate is why and trying again does
 * not help: the proxy by name (without its password) and what it said, or the certificate
 * problem and what to do. Undefined for anything else (the caller says it its own way).
 */
export function networkProblem(url: string, error: unknown): string | undefined {
  if (fetchTurnedOff(error)) return FETCH_TURNED_OFF;
  const host = URL.canParse(url) ? new URL(url).host : url;
  const proxy = schemeProxy(url);
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    const certificate = typeof code === "string" ? certificateProblem(host, code, cause.message, proxied(url) ? proxy : undefined) : undefined;
    if (certificate) return certificate;
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
  return schemeProxy(url) !== undefined && !direct(new URL(url));
}

/** A NO_PROXY entry: every host, a name (and its subdomains), or an address range; a port when it names one. */
type NoProxyEntry = { readonly all: true } | { readonly name: string; readonly port?: number } | { readonly address: readonly number[]; readonly bits: number; readonly port?: number };

/**
 * Which URLs NO_PROXY's entries (`noProxy`, and VS Code's http.noProxy) send directly, as
 * curl reads them: `*` is every host; a name is that host and its subdomains (a leading "."
 * or "*." aside); an address, or a range of them (`10.0.0.0/8`, `fd00::/8`, `[::1]`), is
 * matched by a URL whose host is an address (a name is never looked up to match a range).
 * An entry with a port (`git.corp:443`, `[fd00::1]:8080`) holds for that port alone, as
 * undici reads it. models/proxy.ts routes requests with this; `proxied` says them with it.
 */
export function reachedDirectly(noProxy: readonly string[]): (url: URL) => boolean {
  const entries = noProxy.flatMap((entry) => entry.split(/\s+/)).map(noProxyEntry).filter((entry): entry is NoProxyEntry => entry !== undefined);
  return (url) => {
    const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
    const port = Number(url.port) || (url.protocol === "https:" ? 443 : url.protocol === "http:" ? 80 : 0);
    const address = ipAddress(host);
    return entries.some((entry) => {
      if ("all" in entry) return true;
      if (entry.port !== undefined && entry.port !== port) return false;
      if ("name" in entry) return address === undefined && (host === entry.name || host.endsWith(`.${entry.name}`));
      return address !== undefined && address.length === entry.address.length && samePrefix(address, entry.address, entry.bits);
    });
  };
}

function noProxyEntry(text: string): NoProxyEntry | undefined {
  const entry = text.trim().toLowerCase();
  if (entry === "*") return { all: true };
  // [v6], [v6]:port, [v6]/bits; v6 or v6/bits unbracketed (more than one ":"); v4 or a name, :port optional.
  const bracketed = /^\[([^\]]+)\](?::(\d+)|\/(\d+))?$/.exec(entry);
  const [, hostPart, portText, bitsText] = bracketed ?? (entry.split(":").length > 2 ? /^([^/]+)()(?:\/(\d+))?$/.exec(entry) : /^([^:/]+)(?::(\d+))?(?:\/(\d+))?$/.exec(entry)) ?? [];
  if (hostPart === undefined) return undefined;
  const port = portText ? { port: Number(portText) } : {};
  const address = ipAddress(hostPart);
  if (address !== undefined) {
    const bits = bitsText === undefined ? address.length * 8 : Number(bitsText);
    return bits <= address.length * 8 ? { address, bits, ...port } : undefined;
  }
  if (bitsText !== undefined) return undefined; // a range of something that is not an address
  const name = hostPart.replace(/^\*?\./, "").replace(/\.$/, "");
  return name === "" ? undefined : { name, ...port };
}

/** An IPv4 (4 bytes) or IPv6 (16 bytes) address's bytes; undefined for a name. A zone (%eth0) is left aside. */
function ipAddress(text: string): number[] | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const bytes = v4.slice(1).map(Number);
    return bytes.every((byte) => byte <= 255) ? bytes : undefined;
  }
  if (!text.includes(":")) return undefined;
  let body = text.replace(/%.*$/, "");
  const tail = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(body); // ::ffff:10.1.2.3
  if (tail) {
    const v4bytes = ipAddress(tail[2]!);
    if (!v4bytes) return undefined;
    body = `${tail[1]}${((v4bytes[0]! << 8) | v4bytes[1]!).toString(16)}:${((v4bytes[2]! << 8) | v4bytes[3]!).toString(16)}`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const groups = halves.map((half) => (half === "" ? [] : half.split(":")));
  const count = groups[0]!.length + (groups[1]?.length ?? 0);
  if (halves.length === 2 ? count > 7 : count !== 8) return undefined;
  const all = [...groups[0]!, ...Array<string>(8 - count).fill("0"), ...(groups[1] ?? [])];
  if (!all.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined;
  return all.flatMap((group) => [parseInt(group, 16) >> 8, parseInt(group, 16) & 0xff]);
}

function samePrefix(a: readonly number[], b: readonly number[], bits: number): boolean {
  for (let i = 0; i * 8 < bits; i++) {
    const mask = bits - i * 8 >= 8 ? 0xff : (0xff << (8 - (bits - i * 8))) & 0xff;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}

/**
 * What to do about an answer 511 Network Authentication Required: RFC 6585's status for a
 * captive portal, the network answering instead of the server asked. `then`: how to try again.
 */
export function captivePortalWords(then: string): string {
  return `This network wants you to sign in first (a captive portal: a hotel's or guest network's): open any web page in a browser, sign in there, then ${then}`;
}
