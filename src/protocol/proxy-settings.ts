/**
 * The proxy VS Code's settings name, as the extension hands it to the runtime: in the
 * environment variable {@link NETWORK_VARIABLE} (JSON), which the runtime takes out of its
 * own environment at start (models/proxy.ts), so the commands the agent runs never inherit
 * a proxy's password. The extension's runtime-env.ts writes it, models/proxy.ts reads it.
 */

/** The environment variable that carries {@link ProxySettings} to the runtime. */
export const NETWORK_VARIABLE = "HEARTH_NETWORK";

/** A proxy as VS Code names it (`http.proxy`, `http.noProxy`), or an environment proxy with a password. */
export interface ProxySettings {
  /** The proxy URL, possibly with user:password; it wins over HTTPS_PROXY / HTTP_PROXY. */
  readonly proxy?: string;
  /** Hosts reached directly, besides NO_PROXY's and loopback. */
  readonly noProxy?: readonly string[];
}

/** {@link NETWORK_VARIABLE}'s settings, read and taken out of `env` (a value that is not JSON: none). */
export function takeProxySettings(env: NodeJS.ProcessEnv): ProxySettings {
  const text = env[NETWORK_VARIABLE];
  delete env[NETWORK_VARIABLE];
  if (!text) return {};
  try {
    const value = JSON.parse(text) as { proxy?: unknown; noProxy?: unknown };
    return {
      ...(typeof value.proxy === "string" ? { proxy: value.proxy } : {}),
      ...(Array.isArray(value.noProxy) ? { noProxy: value.noProxy.filter((host): host is string => typeof host === "string") } : {}),
    };
  } catch {
    return {};
  }
}
