// VS Code's http.proxy changed while Hearth runs, in a real workbench: the runtime reads its
// proxy at start (models/proxy.ts), so the extension restarts it, and the new runtime's log
// names the proxy — without its password. The proxy is never connected to: nothing downloads.
// Also the runtime's other network input at start: the system's certificates the extension
// hands it (extension/system-certificates.ts), seen in the runtime process's own environment.
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { type Workbench, runCommand, startWorkbench } from "./workbench.ts";
import { tempDir } from "../fixtures/temp.ts";

const STATUS_ITEM = '[id="hearth.hearth.hearth.status"]';

describe("http.proxy changed in VS Code", () => {
  let wb: Workbench;

  before(async () => {
    wb = await startWorkbench({ folder: tempDir("hearth-e2e-proxy-ws-") });
  }, { timeout: 240_000 });
  after(async () => wb?.close(), { timeout: 240_000 });

  it("starts the runtime with NODE_EXTRA_CA_CERTS naming Hearth's file of the system's certificates (0600)", { timeout: 120_000 }, async () => {
    await wb.page.locator(STATUS_ITEM, { hasText: "Hearth: no model" }).waitFor({ timeout: 60_000 });
    const runtimes = processesWith("HEARTH_USER_EXTRA_CA_CERTS");
    assert.ok(runtimes.length > 0, "no process has the variable the extension sets beside NODE_EXTRA_CA_CERTS");
    for (const env of runtimes) {
      assert.match(env.get("NODE_EXTRA_CA_CERTS")!, /\/globalStorage\/hearth\.hearth\/runtime-ca-certificates\.pem$/);
      // The user's own file (this machine's environment's, if any), kept for the runtime's words.
      assert.equal(env.get("HEARTH_USER_EXTRA_CA_CERTS"), process.env.NODE_EXTRA_CA_CERTS?.trim() ?? "");
    }
    const file = runtimes[0]!.get("NODE_EXTRA_CA_CERTS")!;
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(readFileSync(file, "utf8"), /-----BEGIN CERTIFICATE-----/);
  });

  /** The environments (/proc/<pid>/environ) of this workbench's processes that set `name`. */
  function processesWith(name: string): Map<string, string>[] {
    const found: Map<string, string>[] = [];
    for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/environ`, "utf8");
      } catch {
        continue; // gone meanwhile, or another user's
      }
      const env = new Map(text.split("\0").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as const));
      if (env.has(name) && env.get("NODE_EXTRA_CA_CERTS")?.startsWith(wb.userDataDir)) found.push(env);
    }
    return found;
  }

  it("restarts the runtime, whose requests then go through the new proxy", { timeout: 240_000 }, async () => {
    await wb.page.locator(STATUS_ITEM, { hasText: "Hearth: no model" }).waitFor({ timeout: 60_000 });
    assert.doesNotMatch(wb.readOutputLog("Hearth"), /requests go through the proxy/);
    // http.proxy is an application setting, set in the Settings editor (code-server applies no
    // edit of the user settings file while it runs, and Machine settings do not set it).
    await runCommand(wb.page, "Preferences: Open User Settings");
    const search = wb.page.locator(".settings-editor .suggest-input-container .monaco-editor").first();
    await search.waitFor({ timeout: 30_000 });
    await search.click();
    await wb.page.keyboard.type("@id:http.proxy");
    const field = wb.page.locator('.setting-item-contents[data-key="http.proxy"] input, .setting-item[data-key="http.proxy"] input').first();
    await field.waitFor({ timeout: 30_000 });
    await field.fill("http://worker:e2e-secret@127.0.0.1:9");
    await field.press("Tab");
    const log = await logEventually(/requests go through the proxy http:\/\/127\.0\.0\.1:9 \(not: localhost,/);
    assert.match(log, /http\.proxy or http\.noProxy changed: the runtime restarts to use it/);
    assert.doesNotMatch(log, /e2e-secret/);
  });

  /** The Hearth log once it matches `pattern` (the runtime restarts on its own); fails after 60 s. */
  async function logEventually(pattern: RegExp): Promise<string> {
    for (let i = 0; i < 600; i++) {
      const log = wb.readOutputLog("Hearth");
      if (pattern.test(log)) return log;
      await wb.page.waitForTimeout(100);
    }
    assert.fail(`the Hearth log never matched ${pattern}:\n${wb.readOutputLog("Hearth").slice(-3000)}`);
  }
});
