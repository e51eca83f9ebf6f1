/**
 * The proxy VS Code's settings name, as the extension hands it to the runtime: in the
 * environment variable {@link NETWORK_VARIABLE} (JSON), which the runtime takes out of its
 * own environment at start (models/proxy.ts), so the commands the agent runs never inherit
 * a proxy's password. The extension's runtime-env.ts writes it, models/proxy.ts reads it.
 */

/** The environment variable that carries {@link ProxySettings} to the runtime. */
export const NETWORK_VARIABLE = "HEARTH_NETWORK";

/** A proxy as VS Code names it (`http.proxy`, `http.noProxy`), and the environment's proxies that carry a password. */
export interface ProxySettings {
  /** VS Code's proxy URL, possibly with user:password; it wins over HTTPS_PROXY / HTTP_PROXY. */
  readonly proxy?: string;
  /** Hosts reached directly, besides NO_PROXY's and loopback. */
  readonly noProxy?: readonly string[];
  /** HTTP_PROXY as {@link environmentProxy} reads it, when it has a password (the runtime's environment drops it). */
  readonly httpProxy?: string;
  /** HTTPS_PROXY likewise. */
  readonly httpsProxy?: string;
}

/**
 * The proxy variable `name` (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) of `env`, the lower-case one
 * first, as curl reads them (http_proxy lower-case only; most tools both). The one reading of
 * them: the extension (what it hands the runtime) and models/proxy.ts (the route) agree.
 */
export function environmentProxy(env: NodeJS.ProcessEnv, name: "HTTP_PROXY" | "HTTPS_PROXY" | "NO_PROXY"): string | undefined {
  return env[name.toLowerCase()]?.trim() || env[name]?.trim() || undefined;
}

/** {@link NETWORK_VARIABLE}'s settings, read and taken out of `env` (a value that is not JSON: none). */
export function takeProxySettings(env: NodeJS.ProcessEnv): ProxySettings {
  const text = env[NETWORK_VARIABLE];
  delete env[NETWORK_VARIABLE];
  if (!text) return {};
  try {
    const value = JSON.parse(text) as { proxy?: unknown; noProxy?: unknown; httpProxy?: unknown; httpsProxy?: unknown };
    return {
      ...(typeof value.proxy === "string" ? { proxy: value.proxy } : {}),
      ...(typeof value.httpProxy === "string" ? { httpProxy: value.httpProxy } : {}),
      ...(typeof value.httpsProxy === "string" ? { httpsProxy: value.httpsProxy } : {}),
      ...(Array.isArray(value.noProxy) ? { noProxy: value.noProxy.filter((host): host is string => typeof host === "string") } : {}),
    };
  } catch {
    return {};
  }
}
