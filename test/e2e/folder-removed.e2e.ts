// The folder Hearth works in removed from a multi-root window while a run works there: the
// runtime restarts in the folder left, and the chat says why the run stopped (it said only
// "Stopped.", as if the user had pressed Stop), where Hearth works now, and that what the run
// wrote stays in the removed folder.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ModelScript } from "../../src/models/scripted.ts";
import { type Workbench, pickQuickItem, runCommand, startWorkbench } from "./workbench.ts";
import { tempDir } from "../fixtures/temp.ts";

/** hearth.modelPath is machine-scoped in code-server (a remote extension host). */
function useScript(wb: Workbench, script: ModelScript): void {
  const path = join(tempDir("hearth-folder-removed-script-"), "model.json");
  writeFileSync(path, JSON.stringify(script));
  mkdirSync(join(wb.userDataDir, "Machine"), { recursive: true });
  writeFileSync(join(wb.userDataDir, "Machine", "settings.json"), JSON.stringify({ "hearth.modelPath": path }, null, 2));
}

describe("the folder Hearth works in removed from the window mid-run", () => {
  let wb: Workbench;
  let web: string;
  let workspace: string;

  before(async () => {
    const root = tempDir("hearth-folder-removed-ws-");
    const api = join(root, "api");
    web = join(root, "web");
    for (const dir of [api, web]) {
      mkdirSync(join(dir, "src"), { recursive: true });
      writeFileSync(join(dir, "src", "index.ts"), "export const x = 1;\n");
    }
    workspace = join(root, "two.code-workspace");
    writeFileSync(workspace, JSON.stringify({ folders: [{ path: "api" }, { path: "web" }] }));
    wb = await startWorkbench({ folder: api, open: { workspace }, settings: { "hearth.approvalPolicy": "auto-edit" } });
    // The second turn streams for about a minute: the folder is removed while it does.
    useScript(wb, {
      name: "scripted-folder-removed",
      chunkDelayMs: 100,
      turns: [{ toolCalls: [{ name: "write_file", arguments: { path: "NOTES.md", content: "written by Hearth\n" } }] }, { text: "x ".repeat(3000) }],
    });
  }, { timeout: 300_000 });
  after(async () => wb?.close(), { timeout: 300_000 });

  it("says the run stopped because its folder was removed, and where Hearth works now", { timeout: 300_000 }, async () => {
    await wb.page.locator('.activitybar a[aria-label="Hearth"], .activitybar [aria-label^="Hearth"]').first().click();
    const view = wb.hearthView();
    await view.locator('[data-folder="api (1 of 2 folders)"]').waitFor({ timeout: 60_000 });
    await runCommand(wb.page, "Hearth: Choose Folder…");
    await pickQuickItem(wb.page, "web");
    await view.locator('[data-folder="web (2 of 2 folders)"]').waitFor({ timeout: 60_000 });
    await view.locator('[data-model="ready"], [data-model="configured"]').first().waitFor({ timeout: 60_000 });
    const input = view.getByLabel("Message Hearth");
    await input.fill("write the notes, then explain");
    await input.press("Enter");
    const deadline = Date.now() + 60_000;
    while (readFileSafe(join(web, "NOTES.md")) !== "written by Hearth\n" && Date.now() < deadline) await wb.page.waitForTimeout(200);
    assert.equal(readFileSafe(join(web, "NOTES.md")), "written by Hearth\n");
    // VS Code follows its workspace file: web leaves the window as with "Remove Folder from Workspace".
    writeFileSync(workspace, JSON.stringify({ folders: [{ path: "api" }] }));
    const notice = view.locator('[data-item="notice"]', { hasText: "the folder it worked in, was removed from this window" });
    await notice.waitFor({ timeout: 60_000 }).catch(async (error) => {
      const notices = await view.locator('[data-item="notice"]').allInnerTexts();
      const folder = await view.locator("[data-folder]").first().getAttribute("data-folder").catch(() => "?");
      assert.fail(`${error}\nnotices: ${JSON.stringify(notices)}\nfolder: ${folder}\nlog: ${wb.readOutputLog("Hearth").slice(-3000)}`);
    });
    await wb.screenshot("folder-removed-mid-run");
    assert.equal(
      (await notice.innerText()).trim(),
      `The run stopped: ${web}, the folder it worked in, was removed from this window, and Hearth's runtime restarted in api. What the run changed in ${web} stays as it is; to restore or review it, add the folder back and choose it with "Hearth: Choose Folder…".`,
    );
    assert.equal(readFileSafe(join(web, "NOTES.md")), "written by Hearth\n", "what the run wrote stays");
  });
});

function readFileSafe(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
