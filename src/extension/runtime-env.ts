/**
 * The environment the runtime process is started with: an allowlist, not the editor's
 * whole environment. The runtime runs the model's commands and tests, so whatever it has,
 * a command the model writes can print. It gets what it and those commands need to find
 * programs, native libraries, GPUs and toolchains — never $HEARTH_API_KEY (the CLI's way
 * to give a key; in VS Code the key comes only from secret storage, for the configured
 * server's origin, in `initializationOptions.serverApiKey`) nor any other key, token or
 * password the editor was started with. Nor NODE_OPTIONS, which would be the runtime's own:
 * it reaches the agent's commands in {@link USER_NODE_OPTIONS_VARIABLE} instead.
 *
 * No "vscode" import: unit tests call it with a made-up environment.
 */
import { USER_NODE_OPTIONS_VARIABLE } from "../protocol/node-options.ts";
import { programSearchEnv } from "../protocol/program-search.ts";
import { environmentProxy, NETWORK_VARIABLE, type ProxySettings } from "../protocol/proxy-settings.ts";

/** Names kept as they are (compared upper-case: Windows names are case-insensitive). */
const KEEP = new Set([
  // who, where, which language
  "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TMP", "TEMP",
  // Windows: programs and shells do not start without these
  "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "USERPROFILE", "USERNAME", "APPDATA", "LOCALAPPDATA",
  "PROGRAMDATA", "PROGRAMFILES", "PROGRAMFILES(X86)", "PROGRAMW6432", "COMMONPROGRAMFILES", "HOMEDRIVE", "HOMEPATH",
  "NUMBER_OF_PROCESSORS", "PROCESSOR_ARCHITECTURE", "OS",
  // native libraries (node-llama-cpp's binaries, CUDA / ROCm runtimes)
  "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "DYLD_FALLBACK_LIBRARY_PATH",
  // model downloads behind a company proxy or CA
  "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "HF_ENDPOINT", "HF_HOME",
  // toolchains the agent's commands and test runs use
  "JAVA_HOME", "GOPATH", "GOROOT", "GOCACHE", "GOMODCACHE", "CARGO_HOME", "RUSTUP_HOME", "VIRTUAL_ENV", "CONDA_PREFIX",
  "PYENV_ROOT", "NVM_DIR", "PNPM_HOME", "DOTNET_ROOT",
]);

/** Families kept by prefix: locale, XDG folders, GPU runtimes and Hearth's own settings. */
const KEEP_PREFIXES = ["LC_", "XDG_", "CUDA_", "NVIDIA_", "HIP_", "ROCR_", "ROCM_", "HSA_", "VK_", "GGML_", "NODE_LLAMA_CPP_", "HEARTH_"];

/** A name that says it holds a secret is dropped even in a kept family (HEARTH_API_KEY). */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE/i;

/**
 * The runtime's environment, built from the extension host's (`platform`: whose path rules).
 * `proxy`: VS Code's `http.proxy` / `http.noProxy`. They, and an environment proxy whose
 * password keeps it out of the list, reach the runtime in {@link NETWORK_VARIABLE}, which the
 * runtime takes out of its environment before it starts any command (models/proxy.ts).
 */
export function runtimeEnvironment(parent: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, proxy: ProxySettings = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value !== undefined && kept(name, value)) env[name] = value;
  }
  const network = networkSettings(parent, proxy);
  if (Object.keys(network).length > 0) env[NETWORK_VARIABLE] = JSON.stringify(network);
  // The extension host is Electron: without this the runtime would start as an app.
  env.ELECTRON_RUN_AS_NODE = "1";
  // Not the runtime's own (it is Node: --inspect, --require, a small heap would be its), but
  // the agent's commands and MCP servers get them back (protocol/node-options.ts).
  const nodeOptions = Object.entries(parent).find(([name]) => name.toUpperCase() === "NODE_OPTIONS")?.[1];
  if (nodeOptions) env[USER_NODE_OPTIONS_VARIABLE] = nodeOptions;
  else delete env[USER_NODE_OPTIONS_VARIABLE];
  // Programs and libraries from absolute folders only, never the repository's own (program-search.ts).
  return programSearchEnv(env, platform);
}

/**
 * VS Code's proxy, and each of the environment's HTTP_PROXY / HTTPS_PROXY that has a password
 * (the list drops it), read as the runtime would read them: the runtime's own requests use
 * the same proxy for each scheme as if it had the extension host's environment.
 */
function networkSettings(parent: NodeJS.ProcessEnv, proxy: ProxySettings): ProxySettings {
  const named = proxy.proxy?.trim() || undefined;
  const withPassword = (name: "HTTP_PROXY" | "HTTPS_PROXY"): string | undefined => {
    const value = environmentProxy(parent, name);
    return value !== undefined && PASSWORD_IN_URL.test(value) ? value : undefined;
  };
  // VS Code's proxy wins for both schemes: the environment's passwords stay behind.
  const httpProxy = named ? undefined : withPassword("HTTP_PROXY");
  const httpsProxy = named ? undefined : withPassword("HTTPS_PROXY");
  const noProxy = (proxy.noProxy ?? []).map((host) => host.trim()).filter((host) => host !== "");
  return {
    ...(named ? { proxy: named } : {}),
    ...(httpProxy ? { httpProxy } : {}),
    ...(httpsProxy ? { httpsProxy } : {}),
    ...(noProxy.length ? { noProxy } : {}),
  };
}

/** A URL with user:password@ in it. */
const PASSWORD_IN_URL = /\/\/[^/@]*:[^/@]*@/;

function kept(name: string, value: string): boolean {
  const upper = name.toUpperCase();
  if (SECRET_NAME.test(upper)) return false;
  if (!KEEP.has(upper) && !KEEP_PREFIXES.some((prefix) => upper.startsWith(prefix))) return false;
  // A proxy URL with user:password@ carries a password in its value.
  return !(upper.endsWith("_PROXY") && PASSWORD_IN_URL.test(value));
}
