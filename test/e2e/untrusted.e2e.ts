// A folder opened in Restricted Mode (not trusted) whose committed .vscode/settings.json points
// Hearth at a team server and loosens the approval policy: Hearth ignores both and says so. VS
// Code hides a workspace's values of an extension's `restrictedConfigurations` from it (inspect()
// has no workspaceValue), so with those two listed there Hearth could never say it.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Workbench, startWorkbench } from "./workbench.ts";
import { tempDir } from "../fixtures/temp.ts";

const STATUS_ITEM = '[id="hearth.hearth.hearth.status"]';

describe("an untrusted folder's Hearth settings", () => {
  let wb: Workbench;

  before(async () => {
    const folder = tempDir("hearth-e2e-untrusted-ws-");
    mkdirSync(join(folder, ".vscode"));
    // Port 9 (discard): nothing is ever sent there.
    writeFileSync(join(folder, ".vscode", "settings.json"), JSON.stringify({ "hearth.serverUrl": "http://127.0.0.1:9/v1", "hearth.approvalPolicy": "auto-edit" }, null, 2));
    wb = await startWorkbench({ folder, untrusted: true });
  }, { timeout: 240_000 });
  after(async () => wb?.close(), { timeout: 240_000 });

  it("are ignored, and Hearth says so: the server URL and the approval policy", { timeout: 240_000 }, async () => {
    await wb.page.locator(".part.statusbar", { hasText: "Restricted Mode" }).waitFor({ timeout: 60_000 });
    // The folder's server is not used: Hearth stays local (no model here).
    await wb.page.locator(STATUS_ITEM, { hasText: "Hearth: no model" }).waitFor({ timeout: 60_000 });
    const log = await logEventually(/Hearth ignores hearth\.serverUrl/);
    assert.match(log, /This folder is not trusted, so Hearth ignores hearth\.serverUrl "http:\/\/127\.0\.0\.1:9\/v1" from its settings: your code and chats stay on this machine/);
    assert.match(log, /This workspace's settings set hearth\.approvalPolicy to "auto-edit"; Hearth ignores it/);
    await wb.page.locator(".notifications-toasts", { hasText: "Hearth ignores hearth.serverUrl" }).waitFor({ timeout: 30_000 });
  });

  /** The Hearth log once it matches `pattern`; fails after 60 s with the log. */
  async function logEventually(pattern: RegExp): Promise<string> {
    for (let i = 0; i < 120; i++) {
      const log = wb.readOutputLog("Hearth");
      if (pattern.test(log)) return log;
      await wb.page.waitForTimeout(500);
    }
    const log = wb.readOutputLog("Hearth");
    assert.match(log, pattern);
    return log;
  }
});

describe("an untrusted workspace whose python.defaultInterpreterPath is set by the folder Hearth works in, not the first", () => {
  let wb: Workbench;

  before(async () => {
    // api, the workspace's first folder, is not on disk (moved since): Hearth works in web, whose settings choose a program.
    const root = tempDir("hearth-e2e-untrusted-python-");
    mkdirSync(join(root, "web", ".vscode"), { recursive: true });
    writeFileSync(join(root, "web", ".vscode", "settings.json"), JSON.stringify({ "python.defaultInterpreterPath": "./run-me.sh" }, null, 2));
    const workspace = join(root, "two.code-workspace");
    writeFileSync(workspace, JSON.stringify({ folders: [{ path: "api" }, { path: "web" }] }));
    wb = await startWorkbench({ folder: join(root, "web"), open: { workspace }, untrusted: true });
  }, { timeout: 240_000 });
  after(async () => wb?.close(), { timeout: 240_000 });

  it("is ignored, and Hearth says so (it read the first folder's settings, and said nothing)", { timeout: 240_000 }, async () => {
    await wb.page.locator(".part.statusbar", { hasText: "Restricted Mode" }).waitFor({ timeout: 60_000 });
    for (let i = 0; i < 120 && !/Hearth ignores python\.defaultInterpreterPath/.test(wb.readOutputLog("Hearth")); i++) await wb.page.waitForTimeout(500);
    assert.match(wb.readOutputLog("Hearth"), /The folder web is not trusted, so Hearth ignores python\.defaultInterpreterPath "\.\/run-me\.sh" from its settings/);
  });
});
