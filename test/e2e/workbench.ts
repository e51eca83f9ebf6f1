/**
 * A real VS Code workbench for e2e tests: code-server (VS Code 1.139 with a real Node
 * extension host) with Hearth installed, driven by playwright-core in Debian's chromium.
 * The tools come from `test/e2e/setup.sh` (cached outside the clone). Each workbench gets
 * fresh user-data, extension and XDG folders and runs in its own process group, which
 * `close()` kills whole: code-server's extension hosts otherwise linger.
 */
import type { ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type TestContext, afterEach } from "node:test";
import { type Browser, type FrameLocator, type Page, chromium } from "playwright-core";
// @ts-expect-error: a plain .mjs script without type declarations
import * as codeServer from "../../scripts/code-server.mjs";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const RESULTS_DIR = join(REPO_ROOT, "test-results");
const PKG = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
export const EXTENSION_FOLDER_NAME = `${PKG.publisher}.${PKG.name}-${PKG.version}`;

interface Profile {
  readonly dirs: { user: string; extensions: string; config: string; data: string; tmp: string };
  readonly env: NodeJS.ProcessEnv;
}
const cs = codeServer as {
  assertToolsInstalled(): void;
  prepareProfile(root: string, settings?: Record<string, unknown>): Profile;
  installVsix(profile: Profile, vsix: string): void;
  launchCodeServer(profile: Profile, folder: string, port: number, options?: { untrusted?: boolean }): ChildProcess;
  freePort(): Promise<number>;
  waitForHealth(port: number, server: ChildProcess): Promise<void>;
  killGroup(child: ChildProcess): void;
};

export interface WorkbenchOptions {
  /** Folder to open (code-server's default folder; also what `open` falls back to). */
  readonly folder: string;
  /** What the window opens instead of `folder`: a `.code-workspace` file, or no folder at all. */
  readonly open?: { readonly workspace: string } | "empty";
  /** Install Hearth by linking this extension folder (default: the repository). */
  readonly extensionPath?: string;
  /** Install a VSIX with `--install-extension` instead of linking a folder. */
  readonly vsix?: string;
  /** More extension folders to link (e.g. a benchmark reference extension). */
  readonly extraExtensions?: readonly string[];
  /** User settings merged over the clean defaults. */
  readonly settings?: Record<string, unknown>;
  /**
   * The user settings file's text as the window first reads it, made from the JSON above: for a
   * file a user broke (a syntax error). Written before code-server starts, so VS Code reads it at
   * startup; a write once the window is up can land before VS Code watches the file and go unseen.
   */
  readonly userSettingsText?: (json: string) => string;
  /** Open the folder in Restricted Mode (workspace trust on, the folder not trusted); by default trust is off. */
  readonly untrusted?: boolean;
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

/** A workbench's logs, code-server's output and its page: what a failed test keeps (below). */
interface Kept {
  readonly userDataDir: string;
  readonly page?: Page;
  readonly serverLog: () => string;
}

/** The workbenches started and not closed yet, with how many tests ended while each was open. */
const open = new Map<Kept, { tests: number }>();

/**
 * Keeps, for each workbench given, its logs/ folder (the extension hosts' exthost.log, the "Hearth"
 * output channel's log), code-server's own output and a screenshot under test-results/e2e-logs/
 * `<label>-XXXXXX/`, and says where on stderr and in `t`'s diagnostics: a flake seen once in CI
 * can be read afterwards (close() deletes the user data dir).
 */
async function keepLogs(label: string, workbenches: Iterable<Kept>, why: string, t?: { diagnostic(message: string): void }): Promise<void> {
  const base = join(RESULTS_DIR, "e2e-logs");
  mkdirSync(base, { recursive: true });
  const kept = mkdtempSync(join(base, `${label.replace(/[^\w.-]+/g, "-").slice(0, 60)}-`));
  let n = 0;
  for (const wb of workbenches) {
    const dir = join(kept, `workbench-${++n}`);
    mkdirSync(dir, { recursive: true });
    const logs = join(wb.userDataDir, "logs");
    if (existsSync(logs)) cpSync(logs, join(dir, "logs"), { recursive: true });
    writeFileSync(join(dir, "code-server.txt"), wb.serverLog());
    await wb.page?.screenshot({ path: join(dir, "screen.png"), timeout: 10_000 }).catch(() => undefined);
    // CI keeps only what a run prints: what the window showed and the logs' last lines, so a
    // failure seen only there can still be read.
    console.error(`--- workbench ${n} as its logs were kept ---\n${await shownState(wb.page)}\n${logTails(wb.userDataDir)}`);
  }
  const where = `the workbench's logs of ${why} are kept in ${kept}`;
  t?.diagnostic(where);
  console.error(where);
}

/** The window's title, its notifications, an open quick input and any dialog, as text. */
async function shownState(page: Page | undefined): Promise<string> {
  if (!page) return "(no page)";
  // A string, not a function: tsx's compiled functions call helpers the page does not have.
  const script = `(() => {
    const texts = (selector) => [...document.querySelectorAll(selector)].map((e) => e.innerText.replace(/\\s+/g, " ").trim()).filter(Boolean);
    return [
      "title: " + document.title,
      "notification toasts: " + JSON.stringify(texts(".notifications-toasts .notification-toast")),
      "notification center: " + JSON.stringify(texts(".notifications-center .notification-list-item")),
      "quick input: " + JSON.stringify(texts(".quick-input-widget:not([style*='display: none'])")),
      "dialog: " + JSON.stringify(texts(".monaco-dialog-box")),
    ].join("\\n");
  })()`;
  return page
    .evaluate<string>(script)
    .catch((error: Error) => `(the page did not answer: ${error.message.split("\n")[0]})`);
}

/** The last lines of the Hearth log and of the extension host's log. */
function logTails(userDataDir: string): string {
  const tail = (text: string, lines: number) => text.trimEnd().split("\n").slice(-lines).join("\n");
  return [`Hearth log (last 30 lines):\n${tail(readOutputLog(userDataDir, "Hearth"), 30)}`, `extension host log (last 15 lines):\n${tail(readOutputLog(userDataDir, "remoteexthost"), 15)}`].join("\n");
}

/** This process's test file (node --test runs each in its own process), to name what a hook kept. */
const TEST_FILE = (process.argv.find((a) => a.endsWith(".e2e.ts")) ?? "e2e").replace(/^.*\//, "").replace(/\.e2e\.ts$/, "");

/**
 * A failed e2e test keeps the logs of every workbench still open and names the folder in the
 * failure's output. HEARTH_E2E_KEEP_LOGS=1 keeps them for passed tests too (to compare a passing
 * run with a failing one). A suite's failed before hook runs no afterEach: close() keeps those
 * (no test ended while its workbench was open), and startWorkbench its own (a workbench that never loaded).
 */
afterEach(async (context) => {
  for (const counts of open.values()) counts.tests++;
  const t = context as TestContext & { readonly passed: boolean }; // tests alone; passed: node 20.12, newer than @types/node
  if ((t.passed && !process.env.HEARTH_E2E_KEEP_LOGS) || open.size === 0) return;
  await keepLogs(t.name, open.keys(), `this ${t.passed ? "" : "failed "}test`, t);
});

export async function startWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  cs.assertToolsInstalled();
  const root = mkdtempSync(join(tmpdir(), "hearth-e2e-"));
  const trust = options.untrusted ? { "security.workspace.trust.enabled": true, "security.workspace.trust.startupPrompt": "never" } : {};
  const profile = cs.prepareProfile(root, { ...options.settings, ...trust });
  if (options.userSettingsText) {
    const file = join(profile.dirs.user, "User", "settings.json");
    writeFileSync(file, options.userSettingsText(readFileSync(file, "utf8")));
  }
  if (options.vsix) cs.installVsix(profile, options.vsix);
  else symlinkSync(options.extensionPath ?? REPO_ROOT, join(profile.dirs.extensions, EXTENSION_FOLDER_NAME));
  for (const extra of options.extraExtensions ?? []) {
    const pkg = JSON.parse(readFileSync(join(extra, "package.json"), "utf8"));
    symlinkSync(extra, join(profile.dirs.extensions, `${pkg.publisher}.${pkg.name}-${pkg.version}`));
  }
  const port = await cs.freePort();
  const server = cs.launchCodeServer(profile, options.folder, port, { untrusted: options.untrusted === true });
  let serverLog = "";
  server.stdout!.on("data", (d) => (serverLog += d));
  server.stderr!.on("data", (d) => (serverLog += d));
  let browser: Browser | undefined;
  let page: Page | undefined;
  try {
    await cs.waitForHealth(port, server);
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const what = options.open === "empty" ? "ew=true" : options.open ? `workspace=${encodeURIComponent(options.open.workspace)}` : `folder=${encodeURIComponent(options.folder)}`;
    const url = `http://127.0.0.1:${port}/?${what}`;
    await page.goto(url);
    await page.locator(".monaco-workbench .part.activitybar").waitFor({ timeout: 60_000 });
    return makeWorkbench(page, url, profile.dirs.user, root, server, browser, () => serverLog);
  } catch (error) {
    // A before hook's failure: no afterEach keeps these logs, so they are kept here.
    await keepLogs(`${TEST_FILE}-start`, [{ userDataDir: profile.dirs.user, page, serverLog: () => serverLog }], "a workbench that did not start");
    await browser?.close().catch(() => undefined);
    cs.killGroup(server);
    rmSync(root, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n--- code-server log ---\n${serverLog.slice(-4000)}`);
  }
}

function makeWorkbench(page: Page, url: string, userDataDir: string, root: string, server: ChildProcess, browser: Browser, serverLog: () => string): Workbench {
  const entry: Kept = { userDataDir, page, serverLog };
  open.set(entry, { tests: 0 });
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
      const tests = open.get(entry)?.tests;
      open.delete(entry);
      // Closed with no test ended in it: its suite's before hook failed (node:test runs no
      // afterEach then), or every test of the suite was filtered out.
      if (tests === 0) await keepLogs(`${TEST_FILE}-before-hook`, [entry], "a workbench closed with no test run in it (its suite's before hook failed?)");
      await browser.close().catch(() => undefined);
      cs.killGroup(server);
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

/**
 * Accepts the open quick pick's row holding `text`. Under load the quick input can drop a click
 * it takes while still settling (the pick stayed open with nothing chosen: seen in CI), so the
 * row is clicked again while it is still there, at most 5 times.
 */
export async function pickQuickItem(page: Page, text: string): Promise<void> {
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: text }).first();
  await row.waitFor({ timeout: 30_000 });
  for (let tries = 0; tries < 5; tries++) {
    // A row gone between the look and the click was taken by the click before.
    await row.click({ timeout: 5_000 }).catch(() => undefined);
    if (await row.waitFor({ state: "hidden", timeout: 5_000 }).then(() => true, () => false)) return;
  }
  throw new Error(`the quick pick's row "${text}" was clicked 5 times and is still there`);
}

/** hearth.modelPath is machine-scoped in code-server (a remote extension host). */
export function setMachineSettings(wb: Workbench, settings: Record<string, unknown>): void {
  mkdirSync(join(wb.userDataDir, "Machine"), { recursive: true });
  writeFileSync(join(wb.userDataDir, "Machine", "settings.json"), JSON.stringify(settings, null, 2));
}

export async function openChat(wb: Workbench): Promise<FrameLocator> {
  await wb.page.locator('.activitybar a[aria-label="Hearth"], .activitybar [aria-label^="Hearth"]').first().click();
  const view = wb.hearthView();
  await view.locator('[data-state="ready"]').waitFor({ timeout: 60_000 });
  return view;
}

/**
 * Sends a message as a user would, once the view takes one, and waits until it is in the
 * transcript. A reply's last text shows while its run is still ending (Stop stayed 1–1.6 s after
 * it at load 28), and Enter in the box does nothing until then — the message stays in the box.
 * A test that pressed Enter as soon as a reply showed waited for an answer to a message never
 * sent. So: the Send button shown and enabled first (no run under way, nothing blocking), then
 * the message, then its item in the transcript (a dropped Enter fails here, saying so).
 */
export async function send(view: FrameLocator, text: string): Promise<void> {
  const sent = view.locator('[data-item="user"]');
  const before = await sent.count();
  await view.locator('button[aria-label="Send"]:not([disabled])').waitFor({ timeout: 60_000 });
  const input = view.getByLabel("Message Hearth");
  await input.fill(text);
  await input.press("Enter");
  await sent.nth(before).filter({ hasText: text }).waitFor({ timeout: 60_000 });
}
