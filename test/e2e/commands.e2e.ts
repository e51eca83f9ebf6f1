// Every Hearth command ends in Hearth's words, in a real workbench (code-server): one that
// throws is not left to VS Code's "Command … resulted in an error" dialog. The case here:
// Select Model with a user settings.json VS Code cannot write (a syntax error a user left),
// which Hearth says with Open User Settings (VS Code's own notice of it comes only sometimes); and the Inline Completions menu's
// "Turn off for LANGUAGE", a language's own value written there.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Workbench, pickQuickItem, runCommand, startWorkbench } from "./workbench.ts";
import { tempDir } from "../fixtures/temp.ts";

describe("a command that fails", () => {
  let wb: Workbench;

  before(async () => {
    // The user settings file is broken before the window starts: written once the window was up,
    // it was sometimes never seen (the title below stayed, under load), and a write VS Code had not
    // read yet was replaced by a valid file with the model's setting, so no notice came.
    wb = await startWorkbench({
      folder: tempDir("hearth-commands-"),
      userSettingsText: (json) => json.replace(/\}\s*$/, ', "window.title": "settings-with-an-error",, "broken": }\n'),
    });
  }, { timeout: 300_000 });
  after(async () => wb?.close(), { timeout: 300_000 });

  it("Select Model with a broken user settings.json: Hearth's notice with Open User Settings, and no error dialog", { timeout: 300_000 }, async () => {
    // Hearth's contributions are there (the palette has its commands).
    await wb.page.locator('.activitybar [aria-label^="Hearth"]').first().waitFor({ timeout: 60_000 });
    const settings = join(wb.userDataDir, "User", "settings.json");
    // The marker before the syntax error is read (VS Code keeps what parses): once the page's title
    // shows it, VS Code has the broken file.
    await wb.page.waitForFunction(() => document.title === "settings-with-an-error", undefined, { timeout: 60_000 });
    await runCommand(wb.page, "Hearth: Select Model…");
    await pickQuickItem(wb.page, "Qwen3.6-35B-A3B");
    // Hearth says it, with Open User Settings, and no "Command … resulted in an error" dialog. VS Code's
    // own notice (with Open Settings) came only about half the time in this flow, and then the user
    // was told nothing: it may come beside Hearth's, so how many notices there are is not asserted.
    // Now and then the workbench files it in the notification center without a toast (CI, 2026-12-08:
    // no toast, the bell marked): the notice is there either way, where the bell opens it.
    const said = "Select Model did not finish: Unable to write into user settings";
    const toast = wb.page.locator(".notifications-toasts .notification-toast", { hasText: said });
    let notice = toast;
    if (!(await toast.waitFor({ timeout: 30_000 }).then(() => true, () => false))) {
      await runCommand(wb.page, "Notifications: Show Notifications");
      notice = wb.page.locator(".notifications-center .notification-list-item", { hasText: said });
      await notice.waitFor({ timeout: 10_000 });
    }
    await notice.getByRole("button", { name: "Open User Settings" }).waitFor({ timeout: 5_000 });
    const dialog = wb.page.locator(".monaco-dialog-box");
    const dialogShown = await dialog.waitFor({ timeout: 5_000 }).then(() => dialog.innerText(), () => "");
    assert.equal(dialogShown, "");
    assert.match(readFileSync(settings, "utf8"), /,, "broken": \}/, "the user's settings.json is left as they wrote it");
  });
});

// A workbench of its own: after the case above, VS Code did not show the same refusal again.
describe("a language's own value that cannot be written", () => {
  let wb: Workbench;

  before(async () => {
    const folder = tempDir("hearth-commands-language-");
    writeFileSync(join(folder, "notes.md"), "# Notes\n");
    wb = await startWorkbench({
      folder,
      userSettingsText: (json) => json.replace(/\}\s*$/, ', "window.title": "settings-with-an-error",, "broken": }\n'),
    });
  }, { timeout: 300_000 });
  after(async () => wb?.close(), { timeout: 300_000 });

  it("a language's own value (the completions menu's Turn off for markdown) in that settings.json: Hearth says it with Open User Settings — the refusal known by its name, not VS Code's words, which follow the display language — and no error dialog", { timeout: 300_000 }, async () => {
    await wb.page.locator('.activitybar [aria-label^="Hearth"]').first().waitFor({ timeout: 60_000 });
    await wb.page.waitForFunction(() => document.title === "settings-with-an-error", undefined, { timeout: 60_000 });
    await wb.page.keyboard.press("Control+P");
    await wb.page.locator(".quick-input-widget input").fill("notes.md");
    await wb.page.locator(".quick-input-list .monaco-list-row", { hasText: "notes.md" }).first().click();
    await wb.page.locator(".tab", { hasText: "notes.md" }).waitFor({ timeout: 30_000 });
    await runCommand(wb.page, "Hearth: Snooze Inline Completions…");
    await pickQuickItem(wb.page, "Turn off for markdown");
    const toast = wb.page.locator(".notifications-toasts .notification-toast", { hasText: "did not finish: Unable to write into user settings" });
    await toast.waitFor({ timeout: 30_000 });
    await toast.getByRole("button", { name: "Open User Settings" }).waitFor({ timeout: 5_000 });
    const dialog = wb.page.locator(".monaco-dialog-box");
    const dialogShown = await dialog.waitFor({ timeout: 5_000 }).then(() => dialog.innerText(), () => "");
    assert.equal(dialogShown, "");
    assert.match(readFileSync(join(wb.userDataDir, "User", "settings.json"), "utf8"), /,, "broken": \}/, "the user's settings.json is left as they wrote it");
  });
});
