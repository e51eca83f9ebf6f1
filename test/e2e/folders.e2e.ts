// The folder Hearth works in, in a real workbench (code-server): a workspace of two folders
// names the one Hearth works in, "Hearth: Choose Folder…" moves the agent to the other (its
// files are written there, not in the first), and a window with no folder says to open one
// before Send is offered, and so do Add Project Memory…, Reindex Workspace and Import Conversation…
// (before its file dialog: imported there, the chat could not continue it), with a button.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FrameLocator } from "playwright-core";
import type { ModelScript } from "../../src/models/scripted.ts";
import { NO_FOLDER_REASON } from "../../src/protocol/readiness.ts";
import { type Workbench, runCommand, startWorkbench } from "./workbench.ts";
import { tempDir } from "../fixtures/temp.ts";

/** hearth.modelPath is machine-scoped in code-server (a remote extension host). */
function useScript(wb: Workbench, script: ModelScript): void {
  const path = join(tempDir("hearth-folders-script-"), "model.json");
  writeFileSync(path, JSON.stringify(script));
  mkdirSync(join(wb.userDataDir, "Machine"), { recursive: true });
  writeFileSync(join(wb.userDataDir, "Machine", "settings.json"), JSON.stringify({ "hearth.modelPath": path }, null, 2));
}

async function openChat(wb: Workbench): Promise<FrameLocator> {
  await wb.page.locator('.activitybar a[aria-label="Hearth"], .activitybar [aria-label^="Hearth"]').first().click();
  const view = wb.hearthView();
  await view.locator('[data-state="ready"]').waitFor({ timeout: 60_000 });
  await view.locator('[data-model="ready"], [data-model="configured"]').first().waitFor({ timeout: 60_000 });
  return view;
}

describe("a workspace of two folders", () => {
  let wb: Workbench;
  let api: string;
  let web: string;

  before(async () => {
    const root = tempDir("hearth-folders-ws-");
    api = join(root, "api");
    web = join(root, "web");
    for (const [dir, marker] of [[api, "api"], [web, "web"]] as const) {
      mkdirSync(dir);
      writeFileSync(join(dir, "calc.py"), `# ${marker}\ndef add(a, b):\n    return a + b\n`);
    }
    const workspace = join(root, "two.code-workspace");
    writeFileSync(workspace, JSON.stringify({ folders: [{ path: "api" }, { path: "web" }] }));
    wb = await startWorkbench({ folder: api, open: { workspace }, settings: { "hearth.approvalPolicy": "auto-edit" } });
    useScript(wb, {
      name: "scripted-folders",
      turns: [{ toolCalls: [{ name: "write_file", arguments: { path: "NOTES.md", content: "written by Hearth\n" } }] }, { text: "Wrote NOTES.md." }],
    });
  }, { timeout: 300_000 });
  after(async () => wb?.close(), { timeout: 300_000 });

  it("names the folder, Choose Folder… moves the agent to the other one, and its writes land there", { timeout: 300_000 }, async () => {
    const view = await openChat(wb);
    await view.locator('[data-folder="api (1 of 2 folders)"]').waitFor({ timeout: 30_000 });
    await runCommand(wb.page, "Hearth: Choose Folder…");
    const row = wb.page.locator(".quick-input-list .monaco-list-row", { hasText: "web" }).first();
    await row.waitFor();
    await row.click();
    // The runtime restarts in web: the view says so once it is back.
    await view.locator('[data-folder="web (2 of 2 folders)"]').waitFor({ timeout: 60_000 });
    await view.locator('[data-model="ready"], [data-model="configured"]').first().waitFor({ timeout: 60_000 });
    await wb.screenshot("folders-two-folders");
    const input = view.getByLabel("Message Hearth");
    await input.fill("write the notes");
    await input.press("Enter");
    await view.locator('[data-item="assistant"]', { hasText: "Wrote NOTES.md." }).waitFor({ timeout: 60_000 });
    assert.equal(readFileSync(join(web, "NOTES.md"), "utf8"), "written by Hearth\n");
    assert.equal(existsSync(join(api, "NOTES.md")), false, "nothing written in the folder Hearth no longer works in");
    // The runtime stopped for the restart is no crash: one restart, no second runtime beside the new one.
    const log = wb.readOutputLog("Hearth");
    assert.equal(log.match(/\[extension\] runtime started: pid/g)?.length, 2, log.slice(-3000));
  });
});

describe("a workspace of two folders of the same name (two clones both called app)", () => {
  let wb: Workbench;
  let work: string;

  before(async () => {
    const root = tempDir("hearth-folders-same-name-");
    work = join(root, "work", "app");
    const review = join(root, "review", "app");
    for (const dir of [work, review]) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "calc.py"), "def add(a, b):\n    return a + b\n");
    }
    const workspace = join(root, "clones.code-workspace");
    writeFileSync(workspace, JSON.stringify({ folders: [{ path: "work/app" }, { path: "review/app" }] }));
    wb = await startWorkbench({ folder: work, open: { workspace } });
  }, { timeout: 300_000 });
  after(async () => wb?.close(), { timeout: 300_000 });

  it("Reindex Workspace names the folder it indexed with its path ('in app' left the user to guess which)", { timeout: 300_000 }, async () => {
    await wb.page.locator('.activitybar a[aria-label="Hearth"], .activitybar [aria-label^="Hearth"]').first().click();
    await wb.hearthView().locator('[data-state="ready"]').waitFor({ timeout: 60_000 });
    await runCommand(wb.page, "Hearth: Reindex Workspace");
    const toast = wb.page.locator(".notifications-toasts .notification-toast", { hasText: "Hearth indexed" });
    await toast.waitFor({ timeout: 120_000 });
    const said = await toast.innerText();
    assert.ok(said.includes(` in app (${work}) (the folder Hearth works in;`), said);
  });
});

describe("a window with no folder", () => {
  let wb: Workbench;

  before(async () => {
    wb = await startWorkbench({ folder: tempDir("hearth-folders-none-"), open: "empty" });
    useScript(wb, { name: "scripted-none", turns: [{ text: "hello" }] });
  }, { timeout: 300_000 });
  after(async () => wb?.close(), { timeout: 300_000 });

  it("says to open a folder, with Send off and Open Folder… beside the reason", { timeout: 300_000 }, async () => {
    const view = await openChat(wb);
    const card = view.locator('[data-folder="none"]');
    await card.waitFor({ timeout: 30_000 });
    assert.equal(await card.innerText(), NO_FOLDER_REASON);
    assert.equal(await view.getByRole("button", { name: "Send" }).isDisabled(), true);
    await view.getByRole("button", { name: "Open Folder…" }).waitFor();
    await wb.screenshot("folders-no-folder");
  });

  it("Add Project Memory…, Reindex Workspace and Import Conversation… say to open a folder, with Open Folder… as a button", { timeout: 300_000 }, async () => {
    // The view the test before opened (a second click on its icon would close it) says the runtime is up.
    await wb.hearthView().locator('[data-state="ready"]').waitFor({ timeout: 60_000 });
    const missing: string[] = [];
    for (const [title, said] of [["Hearth: Add Project Memory…", /open a folder first; project memory/], ["Hearth: Reindex Workspace", /open a folder first; Hearth indexes/], ["Hearth: Import Conversation…", /a conversation can be imported once a folder is open/]] as const) {
      await runCommand(wb.page, title);
      const toast = wb.page.locator(".notifications-toasts .notification-toast", { hasText: said });
      const seen = await toast.waitFor({ timeout: 30_000 }).then(() => toast.getByRole("button", { name: "Open Folder…" }).waitFor({ timeout: 5_000 })).then(() => "", (e: Error) => e.message.split("\n")[0]);
      missing.push(...(seen ? [`${title}: ${seen}`] : []));
    }
    assert.deepEqual(missing, []);
  });
});
