// A Jupyter notebook open in VS Code's notebook editor (the built-in ipynb one) with unsaved
// cells, in a real workbench (code-server): the agent's edit of its file is refused, the file
// on disk untouched, until the user saves; then the same edit goes through.
// The notebook editor holds no text document for the .ipynb, only its cells': the runtime
// learns of its unsaved state by asking (hearth/workspace/unsavedNotebooks).
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ModelScript } from "../../src/models/scripted.ts";
import { notebookText } from "../fixtures/notebook.ts";
import { tempDir } from "../fixtures/temp.ts";
import { type Workbench, openChat, send, setMachineSettings, startWorkbench } from "./workbench.ts";

/**
 * The text of sales.ipynb's imports cell (its first code cell) in the notebook editor. The editor
 * shows before its cells: their text comes from the ipynb extension's reading of the file, in the
 * extension host, seconds later (0.5 s idle, 10 s at load 25 beside Hearth's start, over 30 s at
 * more): a click that waited for the editor alone ran out of its 30 s waiting for the cell.
 */
function importsCell(page: Workbench["page"]) {
  return page.locator(".notebook-editor .code-cell-row .monaco-editor .view-lines", { hasText: "import pandas as pd" }).first();
}

/** Opens sales.ipynb in the notebook editor and types a line at the end of its imports cell (the first code cell), unsaved. */
async function typeInNotebook(wb: Workbench, line: string): Promise<void> {
  const { page } = wb;
  await page.keyboard.press("Control+P");
  await page.locator(".quick-input-widget input").fill("sales.ipynb");
  await page.locator(".quick-input-list .monaco-list-row", { hasText: "sales.ipynb" }).first().click();
  await importsCell(page).waitFor({ timeout: 60_000 });
  await importsCell(page).click();
  await page.keyboard.press("Control+End");
  await page.keyboard.press("Enter");
  await page.keyboard.type(line);
  await page.locator(".tab.active.dirty", { hasText: "sales.ipynb" }).waitFor({ timeout: 20_000 });
}

describe("the agent and a notebook with unsaved cells", () => {
  let wb: Workbench;
  let folder: string;
  const notebook = notebookText({ imageBytes: 4_000, tableRows: 5 });
  const edit = { name: "edit_file", arguments: { path: "sales.ipynb", old_text: "import pandas as pd", new_text: "import pandas as pandas" } };
  const script: ModelScript = {
    name: "scripted-notebooks",
    turns: [{ toolCalls: [edit] }, { text: "The notebook has unsaved cells." }, { toolCalls: [edit] }, { text: "Renamed the import." }],
  };

  before(async () => {
    folder = tempDir("hearth-notebook-ws-");
    writeFileSync(join(folder, "sales.ipynb"), notebook);
    const scriptPath = join(tempDir("hearth-script-"), "model.json");
    writeFileSync(scriptPath, JSON.stringify(script));
    wb = await startWorkbench({ folder, settings: { "hearth.approvalPolicy": "auto-edit", "files.autoSave": "off" } });
    setMachineSettings(wb, { "hearth.modelPath": scriptPath });
    const view = await openChat(wb);
    await view.locator('[data-model="ready"]').waitFor({ timeout: 60_000 });
  }, { timeout: 420_000 });
  after(async () => wb?.close(), { timeout: 420_000 });

  it("refuses the edit while the notebook has unsaved cells, and makes it once they are saved", { timeout: 420_000 }, async () => {
    const { page } = wb;
    await typeInNotebook(wb, "draft = 1");
    await wb.screenshot("notebook-unsaved");

    const view = wb.hearthView();
    await send(view, "rename the pandas import");
    const first = view.locator('[data-item="tool"][data-tool="edit_file"]').first();
    await first.and(view.locator('[data-status="failed"]')).waitFor({ timeout: 60_000 });
    await view.locator('[data-item="assistant"]', { hasText: "unsaved cells" }).waitFor({ timeout: 30_000 });
    assert.equal(readFileSync(join(folder, "sales.ipynb"), "utf8"), notebook, "nothing written under the unsaved cells");
    assert.match((await first.locator(".tool-preview").first().textContent()) ?? "", /sales\.ipynb has unsaved changes in the notebook editor/);
    await wb.screenshot("notebook-edit-refused");

    // Saved, the notebook's file holds the user's cell, and the agent's edit lands beside it.
    await importsCell(page).click();
    await page.keyboard.press("Control+S");
    await page.locator(".tab.active:not(.dirty)", { hasText: "sales.ipynb" }).waitFor({ timeout: 20_000 });
    await send(view, "try again");
    await view.locator('[data-item="assistant"]', { hasText: "Renamed the import" }).waitFor({ timeout: 60_000 });
    const saved = readFileSync(join(folder, "sales.ipynb"), "utf8");
    assert.match(saved, /import pandas as pandas/);
    assert.match(saved, /draft = 1/);
  });
});

// files.autoSave on for the notebook (afterDelay): VS Code saves its cells on its own a few
// seconds after the typing, so the write is not refused for them, as for a text file: Hearth
// waits for that save (before the step's checkpoint), then edits.
describe("the agent and a notebook VS Code auto-saves", () => {
  let wb: Workbench;
  let folder: string;
  const notebook = notebookText({ imageBytes: 4_000, tableRows: 5 });
  const script: ModelScript = {
    name: "scripted-notebooks-auto-save",
    turns: [{ toolCalls: [{ name: "edit_file", arguments: { path: "sales.ipynb", old_text: "import pandas as pd", new_text: "import pandas as pandas" } }] }, { text: "Renamed the import." }],
  };

  before(async () => {
    folder = tempDir("hearth-notebook-auto-save-ws-");
    writeFileSync(join(folder, "sales.ipynb"), notebook);
    const scriptPath = join(tempDir("hearth-script-"), "model.json");
    writeFileSync(scriptPath, JSON.stringify(script));
    // A delay Hearth waits for (up to 5 s), long enough that the agent's write comes before VS Code's save.
    wb = await startWorkbench({ folder, settings: { "hearth.approvalPolicy": "auto-edit", "files.autoSave": "afterDelay", "files.autoSaveDelay": 4500 } });
    setMachineSettings(wb, { "hearth.modelPath": scriptPath });
    const view = await openChat(wb);
    await view.locator('[data-model="ready"]').waitFor({ timeout: 60_000 });
  }, { timeout: 420_000 });
  after(async () => wb?.close(), { timeout: 420_000 });

  it("edits the notebook with the user's typing saved first, not refused", { timeout: 420_000 }, async () => {
    await typeInNotebook(wb, "draft = 1");
    const view = wb.hearthView();
    await send(view, "rename the pandas import");
    await view.locator('[data-item="assistant"]', { hasText: "Renamed the import" }).waitFor({ timeout: 60_000 });
    const card = view.locator('[data-item="tool"][data-tool="edit_file"]').first();
    assert.equal(await card.getAttribute("data-status"), "done", (await card.locator(".tool-preview").first().textContent()) ?? "");
    const saved = readFileSync(join(folder, "sales.ipynb"), "utf8");
    assert.match(saved, /import pandas as pandas/);
    assert.match(saved, /draft = 1/);
  });
});
