// A runtime whose every start fails, in a real workbench: Hearth installed from a copy of this
// folder whose out/runtime.mjs is the stand-in that refuses `initialize`
// (test/fixtures/runtime/refusing-runtime.mjs). The user reads Hearth's messages — each
// retry, then the give-up with Show Log / Restart — and none of the language client's own.
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { tempDir } from "../fixtures/temp.ts";
import { REPO_ROOT, type Workbench, runCommand, startWorkbench } from "./workbench.ts";

const REFUSING_RUNTIME = join(REPO_ROOT, "test", "fixtures", "runtime", "refusing-runtime.mjs");

/** This extension folder, linked entry by entry, with the refusing stand-in as out/runtime.mjs. */
function extensionWithRefusingRuntime(): string {
  const folder = tempDir("hearth-e2e-refusing-ext-");
  for (const name of readdirSync(REPO_ROOT)) if (name !== "out") symlinkSync(join(REPO_ROOT, name), join(folder, name));
  mkdirSync(join(folder, "out"));
  for (const name of readdirSync(join(REPO_ROOT, "out"))) {
    if (name === "runtime.mjs") copyFileSync(REFUSING_RUNTIME, join(folder, "out", name));
    else symlinkSync(join(REPO_ROOT, "out", name), join(folder, "out", name));
  }
  return folder;
}

/** What vscode-languageclient pops up by itself on a failed start. */
const LIBRARY_MESSAGES = /Pending response rejected|Server initialization failed|couldn't create connection|(?<!its start failed: )Request initialize failed/;

describe("a runtime whose start fails", () => {
  let wb: Workbench;

  before(async () => {
    wb = await startWorkbench({ folder: tempDir("hearth-e2e-refusing-ws-"), extensionPath: extensionWithRefusingRuntime() });
  }, { timeout: 240_000 });
  after(async () => wb?.close(), { timeout: 240_000 });

  it("is reported in Hearth's words only, retried, then given up on with Show Log and Restart", { timeout: 240_000 }, async () => {
    const gaveUp = wb.page.locator(".notifications-toasts .notification-toast", { hasText: "Hearth's runtime stopped 7 times in a row" });
    await gaveUp.waitFor({ timeout: 150_000 });
    assert.match(await gaveUp.innerText(), /its start failed: Request initialize failed with message: EACCES: permission denied/);
    for (const label of ["Show Log", "Restart"]) assert.ok(await gaveUp.getByRole("button", { name: label, exact: true }).isVisible(), label);
    await wb.screenshot("runtime-start-failed");
    const log = wb.readOutputLog("Hearth");
    assert.equal(log.match(/\[extension\] runtime started: pid/g)?.length, 7, log.slice(-3000));
    // Every notification of the session, newest first: the last start's would sit right below the give-up.
    await runCommand(wb.page, "Notifications: Show Notifications");
    const rows = wb.page.locator(".notifications-center .notification-list-item");
    await rows.first().waitFor();
    const texts = await rows.allInnerTexts();
    assert.ok(texts.some((text) => text.includes("Hearth's runtime stopped 7 times in a row")), texts.join("\n---\n"));
    assert.deepEqual(texts.filter((text) => LIBRARY_MESSAGES.test(text)), [], texts.join("\n---\n"));
  });
});
