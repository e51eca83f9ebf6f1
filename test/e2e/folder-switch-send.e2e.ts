// A message sent right after "Hearth: Choose Folder…": the runtime restarts in the folder
// chosen, and until the old one had stopped (up to 3 s) the view still showed it running —
// so Send went on, and the run failed at once, red in the chat: "The run stopped: Hearth's
// runtime is starting or restarting; try again in a moment." The view now says the runtime
// is starting from the moment the folder is chosen, and a Send then is refused before the
// message is added; once the runtime runs in the new folder the message goes through.
// Linux and macOS only: the old runtime is made slow to stop with SIGSTOP.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Workbench, pickQuickItem, runCommand, startWorkbench } from "./workbench.ts";
import { tempDir } from "../fixtures/temp.ts";

describe("a message sent right after Choose Folder", { skip: process.platform === "win32" }, () => {
  let wb: Workbench;

  before(async () => {
    const root = tempDir("hearth-folder-switch-ws-");
    for (const name of ["api", "web"]) mkdirSync(join(root, name));
    const workspace = join(root, "two.code-workspace");
    writeFileSync(workspace, JSON.stringify({ folders: [{ path: "api" }, { path: "web" }] }));
    wb = await startWorkbench({ folder: join(root, "api"), open: { workspace } });
    // hearth.modelPath is machine-scoped in code-server (a remote extension host).
    const script = join(tempDir("hearth-folder-switch-script-"), "model.json");
    writeFileSync(script, JSON.stringify({ name: "scripted-folder-switch", turns: [{ text: "Hello from web." }] }));
    mkdirSync(join(wb.userDataDir, "Machine"), { recursive: true });
    writeFileSync(join(wb.userDataDir, "Machine", "settings.json"), JSON.stringify({ "hearth.modelPath": script }, null, 2));
  }, { timeout: 300_000 });
  after(async () => wb?.close(), { timeout: 300_000 });

  it("is not sent to the runtime being stopped: no failed run, and it goes through once the runtime runs in the folder chosen", { timeout: 300_000 }, async () => {
    await wb.page.locator('.activitybar a[aria-label="Hearth"], .activitybar [aria-label^="Hearth"]').first().click();
    const view = wb.hearthView();
    await view.locator('[data-folder="api (1 of 2 folders)"]').waitFor({ timeout: 60_000 });
    await view.locator('[data-model="ready"], [data-model="configured"]').first().waitFor({ timeout: 60_000 });
    // A runtime slow to stop (a model being unloaded, native code busy): stopped outright here,
    // so the client's 3 s wait for its shutdown runs out before the runtime in web starts.
    const pids = [...wb.readOutputLog("Hearth").matchAll(/\[extension\] runtime started: pid (\d+)/g)].map((m) => Number(m[1]));
    assert.equal(pids.length, 1, "one runtime, in api");
    process.kill(pids[0]!, "SIGSTOP");
    await runCommand(wb.page, "Hearth: Choose Folder…");
    await pickQuickItem(wb.page, "web");
    const input = view.getByLabel("Message Hearth");
    await input.fill("hello");
    await input.press("Enter");
    // Refused while the runtime starts (the message stays in the box), or sent once it runs.
    await view.locator('[data-folder="web (2 of 2 folders)"]').waitFor({ timeout: 60_000 });
    await view.locator('[data-model="ready"], [data-model="configured"]').first().waitFor({ timeout: 60_000 });
    const failed = await view.locator('[data-item="notice"][data-level="error"]').allInnerTexts();
    assert.deepEqual(failed, [], "no run failed");
    if ((await view.locator('[data-item="user"]').count()) === 0) {
      await input.fill("hello");
      await input.press("Enter");
    }
    await view.locator('[data-item="assistant"]', { hasText: "Hello from web." }).waitFor({ timeout: 60_000 });
    assert.deepEqual(await view.locator('[data-item="notice"][data-level="error"]').allInnerTexts(), [], "no run failed");
  });
});
