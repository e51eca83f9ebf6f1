// The review's Accept and Reject over files open in the editor, in a real workbench
// (code-server): the editor shows what is on disk afterwards, with no unsaved mark left on its
// tab, and a file the agent deleted while it was open comes back with Reject.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ModelScript } from "../../src/models/scripted.ts";
import { tempDir } from "../fixtures/temp.ts";
import { type Workbench, openChat, send, setMachineSettings, startWorkbench } from "./workbench.ts";

const CALC = "def add(a, b):\n    return a - b\n";
const OLD = "x = 1\n";
const NOTEBOOK = `${JSON.stringify({ cells: [{ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source: ["print(1)"] }], metadata: {}, nbformat: 4, nbformat_minor: 5 }, null, 1)}\n`;
const INI = "[menu]\r\nname = caf\u00e9\r\n";

async function openFile(wb: Workbench, name: string): Promise<void> {
  await wb.page.keyboard.press("Control+P");
  await wb.page.locator(".quick-input-widget input").fill(name);
  await wb.page.locator(".quick-input-list .monaco-list-row", { hasText: name }).first().click();
  await wb.page.locator(".tab.active", { hasText: name }).waitFor({ timeout: 20_000 });
}

describe("Accept and Reject in the review over files open in the editor", () => {
  let wb: Workbench;
  let folder: string;
  const script: ModelScript = {
    name: "scripted-editor-review",
    turns: [
      { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "return a - b", new_text: "return a + b" } }] },
      { toolCalls: [{ name: "apply_patch", arguments: { patch: "--- a/old.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x = 1\n" } }] },
      { text: "Fixed and removed." },
      { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "return a - b", new_text: "return a + b" } }] },
      { text: "Fixed again." },
      { toolCalls: [{ name: "edit_file", arguments: { path: "strings.ini", old_text: "name = caf\u00e9", new_text: "name = caf\u00e9 \u2192 \u5496\u5561" } }] },
      { text: "Arrow added." },
      { toolCalls: [{ name: "edit_file", arguments: { path: "analysis.ipynb", old_text: "print(1)", new_text: "print(2)" } }] },
      { text: "Notebook edited." },
    ],
  };

  before(async () => {
    folder = tempDir("hearth-editor-review-ws-");
    writeFileSync(join(folder, "calc.py"), CALC);
    writeFileSync(join(folder, "old.py"), OLD);
    writeFileSync(join(folder, "strings.ini"), Buffer.from(INI, "utf16le"));
    writeFileSync(join(folder, "analysis.ipynb"), NOTEBOOK);
    const scriptPath = join(tempDir("hearth-script-"), "model.json");
    writeFileSync(scriptPath, JSON.stringify(script));
    wb = await startWorkbench({ folder, settings: { "hearth.approvalPolicy": "auto-edit", "files.autoSave": "off", "[ini]": { "files.encoding": "utf16le" } } });
    setMachineSettings(wb, { "hearth.modelPath": scriptPath });
    const view = await openChat(wb);
    await view.locator('[data-model="ready"]').waitFor({ timeout: 60_000 });
  }, { timeout: 420_000 });
  after(async () => wb?.close(), { timeout: 420_000 });

  it("Reject puts back an open file's text and a deleted open file, with no unsaved mark; Accept leaves the agent's text saved", { timeout: 420_000 }, async () => {
    await openFile(wb, "old.py");
    await openFile(wb, "calc.py");
    const view = wb.hearthView();
    await send(view, "fix add and remove old.py");
    await view.locator('[data-item="assistant"]', { hasText: "Fixed and removed" }).waitFor({ timeout: 120_000 });
    assert.equal(readFileSync(join(folder, "calc.py"), "utf8"), CALC.replace("a - b", "a + b"));
    assert.equal(existsSync(join(folder, "old.py")), false);
    const tabs = async () => (await wb.page.locator(".tabs-container .tab").evaluateAll((els) => els.map((e) => `${e.getAttribute("aria-label")} [${e.className.includes("dirty") ? "dirty" : "clean"}]`))).join(" | ");
    const afterRun = await tabs();
    await wb.screenshot("editor-review-after-run");
    const review = view.locator('[data-item="review"]').last();
    await review.getByRole("button", { name: "Reject all" }).click();
    await review.locator('[data-review-file="calc.py"][data-review-state="rejected"]').waitFor({ timeout: 30_000 });
    assert.equal(readFileSync(join(folder, "calc.py"), "utf8"), CALC);
    assert.equal(readFileSync(join(folder, "old.py"), "utf8"), OLD);
    await wb.page.locator(".tab.active", { hasText: "calc.py" }).click();
    const lines = wb.page.locator(".editor-instance .monaco-editor .view-lines").first();
    await lines.filter({ hasText: /return\s+a\s+-\s+b/ }).waitFor({ timeout: 20_000 });
    const afterReject = await tabs();
    await wb.screenshot("editor-review-after-reject");
    assert.doesNotMatch(afterReject, /dirty/, `after the run: ${afterRun}\nafter Reject: ${afterReject}`);
    // The card's diff editor open while the agent edits the file again.
    await view.locator('[data-item="tool"][data-tool="edit_file"]').first().getByRole("button", { name: "Open diff" }).click();
    const diff = wb.page.locator(".editor-instance .monaco-diff-editor").first();
    await diff.waitFor({ timeout: 20_000 });
    await send(view, "fix add again");
    await view.locator('[data-item="assistant"]', { hasText: "Fixed again" }).waitFor({ timeout: 120_000 });
    await view.locator('[data-item="review"]').last().getByRole("button", { name: "Accept all" }).click();
    await view.locator('[data-item="review"]').last().locator('[data-review-state="accepted"]').first().waitFor({ timeout: 30_000 });
    await diff.locator(".editor.modified .view-lines").filter({ hasText: /return\s+a\s+\+\s+b/ }).waitFor({ timeout: 20_000 });
    const afterAccept = await tabs();
    assert.doesNotMatch(afterAccept, /calc\.py[^|]*\[dirty\]/, afterAccept);
    assert.equal(readFileSync(join(folder, "calc.py"), "utf8"), CALC.replace("a - b", "a + b"));
    console.log(`tabs after the run: ${afterRun}\nafter Reject: ${afterReject}\nafter Accept: ${afterAccept}`);
  });

  // files.encoding utf16le for .ini: the file has no BOM. Saved, it is not "unsaved changes",
  // and a character beyond Latin-1 is written, the file staying UTF-16LE (50928070).
  it("edits an open UTF-16LE file without a BOM (files.encoding) and it stays UTF-16LE", { timeout: 420_000 }, async () => {
    await openFile(wb, "strings.ini");
    const view = wb.hearthView();
    await send(view, "add an arrow");
    await view.locator('[data-item="assistant"]', { hasText: "Arrow added" }).waitFor({ timeout: 120_000 });
    const card = view.locator('[data-item="tool"][data-tool="edit_file"]').last();
    assert.equal(await card.getAttribute("data-status"), "done", (await card.textContent()) ?? "");
    // VS Code's utf16le writes a BOM at every save (the user's own too): the file stays UTF-16LE.
    const bytes = readFileSync(join(folder, "strings.ini"));
    assert.equal(bytes.subarray(bytes[0] === 0xff && bytes[1] === 0xfe ? 2 : 0).toString("utf16le"), INI.replace("caf\u00e9", "caf\u00e9 \u2192 \u5496\u5561"));
    await wb.page.locator(".tab.active:not(.dirty)", { hasText: "strings.ini" }).waitFor({ timeout: 20_000 });
  });

  // A closed notebook edited as its JSON: the editor opens its file as text for the edit and saves it.
  it("edits a closed .ipynb as JSON through the editor, saved", { timeout: 420_000 }, async () => {
    const view = wb.hearthView();
    await send(view, "print 2");
    await view.locator('[data-item="assistant"]', { hasText: "Notebook edited" }).waitFor({ timeout: 120_000 });
    const card = view.locator('[data-item="tool"][data-tool="edit_file"]').last();
    assert.equal(await card.getAttribute("data-status"), "done", (await card.textContent()) ?? "");
    assert.equal(readFileSync(join(folder, "analysis.ipynb"), "utf8"), NOTEBOOK.replace("print(1)", "print(2)"));
    assert.equal(await wb.page.locator(".tab.dirty").count(), 0, "no editor is left with unsaved changes");
  });
});
