// Hearth in a real VS Code workbench (code-server): activation, the view, the palette,
// the status bar, and a runtime that is killed and comes back.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { COMMANDS, COMMAND_CATEGORY } from "../../src/protocol/contributions.ts";
import { type Workbench, runCommand, startWorkbench } from "./workbench.ts";
import { tempDir } from "../fixtures/temp.ts";

const STATUS_ITEM = '[id="hearth.hearth.hearth.status"]';

describe("Hearth in a real workbench", () => {
  let wb: Workbench;

  before(async () => {
    const folder = tempDir("hearth-ws-");
    mkdirSync(join(folder, "src"));
    writeFileSync(join(folder, "src", "main.py"), 'def greet(name):\n    return f"Hello, {name}"\n');
    wb = await startWorkbench({ folder });
  }, { timeout: 240_000 });
  after(async () => wb?.close(), { timeout: 240_000 });

  it("activates and shows its status bar item with the runtime ready", { timeout: 240_000 }, async () => {
    const item = wb.page.locator(STATUS_ITEM);
    await item.waitFor({ timeout: 60_000 });
    // No model is configured: the item says so and a click would offer model selection.
    await wb.page.locator(STATUS_ITEM, { hasText: "Hearth: no model" }).waitFor({ timeout: 30_000 });
    assert.match(wb.readOutputLog("Hearth"), /activated in [\d.]+ ms/);
  });

  it("opens the Hearth view, which shows the runtime ready and offers the model choices", { timeout: 240_000 }, async () => {
    await wb.page.locator('.activitybar a[aria-label="Hearth"], .activitybar [aria-label^="Hearth"]').first().click();
    const view = wb.hearthView();
    await view.locator('[data-state="ready"]').waitFor({ timeout: 30_000 });
    await view.locator('[data-model="none"]').waitFor();
    for (const label of ["Choose GGUF File…", "Use Server URL…"]) {
      assert.equal(await view.getByRole("button", { name: label }).count(), 1, label);
    }
    // The download offered follows the machine: the recommended model when one fits,
    // else no download, the reason, and every model one click away (Other Models…).
    const recommendation = view.locator("[data-recommendation]");
    await recommendation.waitFor({ timeout: 30_000 });
    const download = view.getByRole("button", { name: /^Download Qwen3\.6-35B-A3B \S+ \(\d+\.\d GiB\)$/ });
    if ((await recommendation.getAttribute("data-recommendation")) === "fits") assert.equal(await download.count(), 1);
    else assert.deepEqual([await download.count(), await view.getByRole("button", { name: "Other Models…" }).count()], [0, 1]);
    await wb.screenshot("foundation-view-ready");
  });

  it("the no-model card's Choose GGUF File… opens the file dialog and Use Server URL… the URL box, not Select Model's list", { timeout: 240_000 }, async () => {
    const view = wb.hearthView();
    const quickInput = wb.page.locator(".quick-input-widget");
    for (const [label, title] of [["Choose GGUF File…", "Choose a GGUF model file"], ["Use Server URL…", "OpenAI-compatible server URL"]] as const) {
      await view.getByRole("button", { name: label }).click();
      // code-server's file dialog is a quick input too (the simple file dialog), titled as Hearth asks.
      await quickInput.filter({ visible: true }).waitFor({ timeout: 30_000 });
      const shown = await quickInput.innerText();
      assert.match(shown, new RegExp(title), `${label} opened: ${JSON.stringify(shown.slice(0, 200))}`);
      assert.doesNotMatch(shown, /Which model should Hearth use\?/, label);
      if (label === "Use Server URL…") {
        // An IPv6 address without brackets: the box says how to write it (it said "Not a URL").
        await wb.page.keyboard.press("ControlOrMeta+a");
        await wb.page.keyboard.type("http://::1:8080/v1");
        await quickInput.getByText("write an IPv6 address in brackets, the port after them: http://[::1]:8080/v1").first().waitFor({ timeout: 30_000 });
      }
      await wb.page.keyboard.press("Escape");
      await quickInput.waitFor({ state: "hidden", timeout: 30_000 });
    }
  });

  it("lists every Hearth command in the command palette", { timeout: 240_000 }, async () => {
    await wb.page.keyboard.press("F1");
    const input = wb.page.locator(".quick-input-widget input");
    await input.fill(`>${COMMAND_CATEGORY}:`);
    const rows = wb.page.locator(".quick-input-list .monaco-list-row");
    await rows.first().waitFor();
    await wb.screenshot("foundation-palette");
    // The list renders only the rows that fit: look each command up by its own title.
    for (const command of Object.values(COMMANDS)) {
      const title = `${COMMAND_CATEGORY}: ${command.title}`;
      await input.fill(`>${title}`);
      await rows.first().waitFor();
      const texts = await rows.allInnerTexts();
      assert.ok(texts.some((t) => t.includes(title)), `${command.title} missing in ${JSON.stringify(texts)}`);
    }
    await wb.page.keyboard.press("Escape");
  });

  it("indexes the workspace in the runtime: the view shows it, Reindex Workspace reports the count", { timeout: 240_000 }, async () => {
    await wb.hearthView().locator("text=/1 file, \\d+ symbols?/").waitFor({ timeout: 30_000 });
    await runCommand(wb.page, `${COMMAND_CATEGORY}: ${COMMANDS.reindexWorkspace.title}`);
    await wb.page.locator(".notifications-toasts .notification-toast", { hasText: "Hearth indexed 1 file." }).waitFor({ timeout: 30_000 });
    await wb.page.keyboard.press("Escape");
  });

  it("Fix This Issue with no model says why and offers the ways to get one, asking for no issue", { timeout: 240_000 }, async () => {
    // (With a model it asks for the issue: chat.e2e.ts's Reject-all test goes through that box.)
    await runCommand(wb.page, `${COMMAND_CATEGORY}: ${COMMANDS.fixIssue.title}`);
    const toast = wb.page.locator(".notifications-toasts .notification-toast", { hasText: "No model yet" });
    await toast.waitFor({ timeout: 20_000 });
    for (const label of ["Download Model…", "Choose GGUF File…", "Use Server URL…"]) assert.ok(await toast.getByRole("button", { name: label }).isVisible(), label);
    assert.equal(await wb.page.locator(".quick-input-widget", { hasText: "paste a GitHub issue URL" }).isVisible(), false);
    await runCommand(wb.page, "Notifications: Clear All Notifications");
  });

  it("restarts a killed runtime, tells the user, and comes back ready", { timeout: 240_000 }, async () => {
    const view = wb.hearthView();
    const pidText = await view.locator("[data-pid]").getAttribute("data-pid");
    const oldPid = Number(pidText);
    assert.ok(oldPid > 0);
    process.kill(oldPid, "SIGKILL");
    await wb.page
      .locator(".notifications-toasts .notification-toast", { hasText: "Hearth's runtime stopped (killed by SIGKILL: killed from outside, most often by the system's out-of-memory killer" })
      .waitFor({ timeout: 20_000 });
    await wb.screenshot("foundation-runtime-restarting");
    await view.locator(`[data-state="ready"]`).waitFor({ timeout: 30_000 });
    const newPid = Number(await view.locator("[data-pid]").getAttribute("data-pid"));
    assert.notEqual(newPid, oldPid);
    await wb.page.locator(STATUS_ITEM, { hasText: "Hearth" }).waitFor();
    await wb.screenshot("foundation-runtime-restarted");
  });
});
