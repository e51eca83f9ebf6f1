// A .code-workspace whose first folder is no longer on disk (moved or deleted since it was
// saved), in a real workbench (code-server): VS Code still lists it among the window's
// folders. Hearth worked there — the index said the folder was gone and every message failed
// with "ENOENT" — while the other folder was there. It works in the folder on disk.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ModelScript } from "../../src/models/scripted.ts";
import { type Workbench, send, startWorkbench } from "./workbench.ts";
import { tempDir } from "../fixtures/temp.ts";

function useScript(wb: Workbench, script: ModelScript): void {
  const path = join(tempDir("hearth-folder-missing-script-"), "model.json");
  writeFileSync(path, JSON.stringify(script));
  mkdirSync(join(wb.userDataDir, "Machine"), { recursive: true });
  writeFileSync(join(wb.userDataDir, "Machine", "settings.json"), JSON.stringify({ "hearth.modelPath": path }, null, 2));
}

describe("a workspace whose first folder is not on disk", () => {
  let wb: Workbench;
  let root: string;
  let web: string;

  before(async () => {
    root = tempDir("hearth-folder-missing-ws-");
    web = join(root, "web");
    mkdirSync(web);
    writeFileSync(join(web, "calc.py"), "def add(a, b):\n    return a + b\n");
    const workspace = join(root, "moved.code-workspace");
    writeFileSync(workspace, JSON.stringify({ folders: [{ path: "api" }, { path: "web" }] }));
    wb = await startWorkbench({ folder: web, open: { workspace }, settings: { "hearth.approvalPolicy": "auto-edit" } });
    useScript(wb, {
      name: "scripted-folder-missing",
      turns: [
        { toolCalls: [{ name: "write_file", arguments: { path: "NOTES.md", content: "written by Hearth\n" } }] },
        { text: "Wrote NOTES.md." },
        { toolCalls: [{ name: "write_file", arguments: { path: "MORE.md", content: "more\n" } }] },
        { text: "Wrote MORE.md." },
      ],
    });
  }, { timeout: 300_000 });
  after(async () => wb?.close(), { timeout: 300_000 });

  it("works in the folder that is on disk, and its writes land there", { timeout: 300_000 }, async () => {
    await wb.page.locator('.activitybar a[aria-label="Hearth"], .activitybar [aria-label^="Hearth"]').first().click();
    const view = wb.hearthView();
    await view.locator('[data-state="ready"]').waitFor({ timeout: 60_000 });
    await view.locator('[data-folder="web (2 of 2 folders)"]').waitFor({ timeout: 60_000 });
    await view.locator('[data-model="ready"], [data-model="configured"]').first().waitFor({ timeout: 60_000 });
    await send(view, "write the notes");
    await view.locator('[data-item="assistant"]', { hasText: "Wrote NOTES.md." }).waitFor({ timeout: 60_000 });
    assert.equal(readFileSync(join(web, "NOTES.md"), "utf8"), "written by Hearth\n");
    assert.equal(existsSync(join(root, "api")), false, "nothing made where the missing folder was");
  });

  it("stays in web when the missing folder is back on disk and a folder is added: it moved to api unasked, its runtime restarted", { timeout: 300_000 }, async () => {
    mkdirSync(join(root, "api")); // cloned again
    mkdirSync(join(root, "docs"));
    // VS Code follows the workspace file: docs is added, api stays first (no restart of the extension host).
    writeFileSync(join(root, "moved.code-workspace"), JSON.stringify({ folders: [{ path: "api" }, { path: "web" }, { path: "docs" }] }));
    const view = wb.hearthView();
    await view.locator('[data-folder="web (2 of 3 folders)"]').waitFor({ timeout: 60_000 });
    // The first message's run may still be ending (its reply shows before): send() waits for Send.
    await send(view, "write more");
    await view.locator('[data-item="assistant"]', { hasText: "Wrote MORE.md." }).waitFor({ timeout: 60_000 });
    assert.equal(readFileSync(join(web, "MORE.md"), "utf8"), "more\n");
    assert.equal(existsSync(join(root, "api", "MORE.md")), false);
  });
});
