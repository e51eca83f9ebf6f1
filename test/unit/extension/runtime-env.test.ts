// The runtime process gets a minimal environment: what it and the commands it runs need to
// find programs, libraries and GPUs — not the editor's secrets. $HEARTH_API_KEY is for the
// CLI only; in VS Code the key comes from secret storage for the configured server.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runtimeEnvironment } from "../../../src/extension/runtime-env.ts";
import { USER_NODE_OPTIONS_VARIABLE } from "../../../src/protocol/node-options.ts";
import { NETWORK_VARIABLE, takeProxySettings } from "../../../src/protocol/proxy-settings.ts";

const PARENT: NodeJS.ProcessEnv = {
  PATH: "/usr/local/bin:/usr/bin",
  HOME: "/home/ada",
  LANG: "en_GB.UTF-8",
  LC_ALL: "en_GB.UTF-8",
  TMPDIR: "/tmp/ada",
  XDG_CACHE_HOME: "/home/ada/.cache",
  LD_LIBRARY_PATH: "/usr/local/cuda/lib64",
  CUDA_VISIBLE_DEVICES: "0",
  CUDA_PATH: "/usr/local/cuda",
  GGML_CUDA_NO_PINNED: "1",
  NODE_LLAMA_CPP_GPU: "cuda",
  JAVA_HOME: "/usr/lib/jvm/17",
  VIRTUAL_ENV: "/home/ada/venv",
  NODE_EXTRA_CA_CERTS: "/etc/corp-ca.pem",
  HTTPS_PROXY: "http://proxy.corp:3128",
  HEARTH_LOG_LEVEL: "debug",
  HEARTH_HOME: "/home/ada/hearth",
  // secrets and editor plumbing: none of these may reach the runtime
  HEARTH_API_KEY: "team-secret",
  HEARTH_SERVER_TOKEN: "another-secret",
  OPENAI_API_KEY: "sk-openai",
  GITHUB_TOKEN: "ghp_secret",
  AWS_SECRET_ACCESS_KEY: "aws-secret",
  AWS_ACCESS_KEY_ID: "AKIA",
  DATABASE_PASSWORD: "hunter2",
  NPM_CONFIG__AUTH: "npm-auth",
  SSH_AUTH_SOCK: "/tmp/ssh-agent.sock",
  VSCODE_GIT_IPC_HANDLE: "/run/vscode-git.sock",
  GIT_ASKPASS: "/opt/vscode/askpass.sh",
  NODE_OPTIONS: "--require /tmp/hook.js",
  http_proxy: "http://ada:secret@proxy.corp:3128",
};

describe("runtimeEnvironment", () => {
  const env = runtimeEnvironment(PARENT);

  it("keeps what programs, native libraries, GPUs and toolchains need, and runs as Node", () => {
    for (const name of ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "XDG_CACHE_HOME", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "CUDA_PATH", "GGML_CUDA_NO_PINNED", "NODE_LLAMA_CPP_GPU", "JAVA_HOME", "VIRTUAL_ENV", "NODE_EXTRA_CA_CERTS", "HTTPS_PROXY", "HEARTH_LOG_LEVEL", "HEARTH_HOME"]) {
      assert.equal(env[name], PARENT[name], name);
    }
    assert.equal(env.ELECTRON_RUN_AS_NODE, "1");
  });

  it("drops $HEARTH_API_KEY, other keys, tokens, passwords and the editor's sockets", () => {
    for (const name of ["HEARTH_API_KEY", "HEARTH_SERVER_TOKEN", "OPENAI_API_KEY", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "DATABASE_PASSWORD", "NPM_CONFIG__AUTH", "SSH_AUTH_SOCK", "VSCODE_GIT_IPC_HANDLE", "GIT_ASKPASS", "NODE_OPTIONS"]) {
      assert.equal(env[name], undefined, name);
    }
    // The proxy's password goes only in NETWORK_VARIABLE, which the runtime takes out of its environment at start (below).
    const inherited = Object.entries(env).filter(([name]) => name !== NETWORK_VARIABLE).map(([, value]) => value);
    assert.ok(!inherited.some((v) => /secret|sk-|ghp_|hunter2|AKIA/.test(v ?? "")), JSON.stringify(env));
  });

  it("starts the runtime without NODE_OPTIONS (it is Node), handing them on for the agent's commands; none where the editor has none", () => {
    assert.equal(env.NODE_OPTIONS, undefined);
    assert.equal(env[USER_NODE_OPTIONS_VARIABLE], "--require /tmp/hook.js");
    assert.equal(runtimeEnvironment({ PATH: "/usr/bin", [USER_NODE_OPTIONS_VARIABLE]: "--inspect" })[USER_NODE_OPTIONS_VARIABLE], undefined);
  });

  it("drops a proxy URL that carries a password, and hands it to the runtime alone, which takes it out of the environment its commands inherit", () => {
    assert.equal(env.http_proxy, undefined);
    const runtimeEnv = { ...env };
    assert.deepEqual(takeProxySettings(runtimeEnv), { httpProxy: "http://ada:secret@proxy.corp:3128" });
    assert.equal(runtimeEnv[NETWORK_VARIABLE], undefined);
    assert.ok(!Object.values(runtimeEnv).some((v) => /secret/.test(v ?? "")), JSON.stringify(runtimeEnv));
  });

  it("hands the runtime VS Code's http.proxy and http.noProxy, the proxy winning over the environment's", () => {
    const withSettings = runtimeEnvironment(PARENT, "linux", { proxy: "http://bob:pw@vscode-proxy:8080", noProxy: [" intranet.corp ", ""] });
    assert.deepEqual(takeProxySettings({ ...withSettings }), { proxy: "http://bob:pw@vscode-proxy:8080", noProxy: ["intranet.corp"] });
    assert.equal(runtimeEnvironment({ PATH: "/usr/bin", HTTPS_PROXY: "http://proxy.corp:3128" }, "linux")[NETWORK_VARIABLE], undefined, "a proxy without a password goes as it is");
  });

  it("matches Windows' names whatever their case (Path, SystemRoot, ComSpec)", () => {
    const win = runtimeEnvironment({ Path: "C:\\Windows", SystemRoot: "C:\\Windows", ComSpec: "cmd.exe", PATHEXT: ".EXE", USERPROFILE: "C:\\Users\\ada", APPDATA: "C:\\Users\\ada\\AppData\\Roaming", Hearth_Api_Key: "x" }, "win32");
    assert.deepEqual(Object.keys(win).sort(), ["APPDATA", "ComSpec", "ELECTRON_RUN_AS_NODE", "NoDefaultCurrentDirectoryInExePath", "PATHEXT", "Path", "SystemRoot", "USERPROFILE"]);
  });

  // `export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:/usr/local/cuda/lib64` with the variable unset
  // leaves an empty first entry, which the loader reads as the current folder: every git the
  // runtime runs in a cloned repository (checkpoints, history) would load that repository's
  // libz.so.1. An empty or relative PATH entry runs its ./git.
  it("takes empty and relative entries out of the search paths (they stand for the folder a program runs in)", () => {
    const posix = runtimeEnvironment({ PATH: "/usr/bin::.:bin:/bin:", LD_LIBRARY_PATH: ":/usr/local/cuda/lib64", DYLD_LIBRARY_PATH: "lib", DYLD_FALLBACK_LIBRARY_PATH: "/opt/lib:./lib" }, "linux");
    assert.equal(posix.PATH, "/usr/bin:/bin");
    assert.equal(posix.LD_LIBRARY_PATH, "/usr/local/cuda/lib64");
    assert.equal(posix.DYLD_LIBRARY_PATH, undefined, "nothing left: not set");
    assert.equal(posix.DYLD_FALLBACK_LIBRARY_PATH, "/opt/lib");
    const win = runtimeEnvironment({ Path: "C:\\Windows\\system32;;.;tools;D:\\git\\cmd;" }, "win32");
    assert.equal(win.Path, "C:\\Windows\\system32;D:\\git\\cmd");
    assert.equal(runtimeEnvironment(PARENT, "linux").PATH, PARENT.PATH, "an absolute list stays as it is");
  });

  // Windows' PATH may quote a folder (installers write "C:\Program Files\Git\cmd" so); libuv
  // and cmd.exe take the quotes off. Read as relative, git went missing for the runtime.
  it("keeps a quoted absolute Windows PATH entry, quotes and all", () => {
    const win = runtimeEnvironment({ Path: '"C:\\Program Files\\Git\\cmd";C:\\Windows;"tools";"";".\\bin"' }, "win32");
    assert.equal(win.Path, '"C:\\Program Files\\Git\\cmd";C:\\Windows');
  });

  // A quoted folder may hold a ';' (C:\Tools;v2): libuv's search_path reads a ';' inside the
  // quotes (double or single) as part of the folder, so the entry stays whole, and one whose
  // quote never closes runs to the end of the list.
  it("keeps a quoted Windows PATH folder that holds a ';' as one entry", () => {
    const win = runtimeEnvironment({ Path: '"C:\\Tools;v2\\bin";".;C:\\x";\'C:\\My Tools\';"bin;C:\\y";C:\\Windows;"C:\\open;end' }, "win32");
    assert.equal(win.Path, '"C:\\Tools;v2\\bin";\'C:\\My Tools\';C:\\Windows;"C:\\open;end');
  });

  // Windows runs a bare program name from the folder it runs in before PATH (libuv's
  // search_path, cmd.exe): `git` in a cloned repository would be its own git.exe.
  it("on Windows, has programs found on PATH only, never in the folder they run in", () => {
    assert.equal(runtimeEnvironment({ Path: "C:\\Windows" }, "win32").NoDefaultCurrentDirectoryInExePath, "1");
    assert.equal(runtimeEnvironment({ Path: "C:\\Windows", NoDefaultCurrentDirectoryInExePath: "" }, "win32").NoDefaultCurrentDirectoryInExePath, "1");
    assert.equal(runtimeEnvironment(PARENT, "linux").NoDefaultCurrentDirectoryInExePath, undefined);
  });
});
