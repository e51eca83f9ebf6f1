// The Welcome page walkthrough in a real workbench (code-server): "Welcome: Open Walkthrough…"
// lists Get Started with Hearth, its five steps show, a step's button runs its command (Open
// Chat opens the Hearth view) and checks the step; "Choose a model" stays unchecked while the
// Download Model picker is merely opened and closed, and is checked once a model is loaded
// (the hearth.modelReady context key, src/extension/walkthrough.ts).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Locator } from "playwright-core";
import { ensureTinyModel } from "../fixtures/models/index.ts";
import { tempDir } from "../fixtures/temp.ts";
import { type Workbench, pickQuickItem, runCommand, setMachineSettings, startWorkbench } from "./workbench.ts";

const STEPS = ["Choose a model", "Your first chat", "Fix an issue", "Inline completions", "The hearth command line"];

describe("the Get Started with Hearth walkthrough", () => {
  let wb: Workbench;
  let model: string;

  before(async () => {
    model = await ensureTinyModel({ arch: "qwen35moe" });
    const folder = tempDir("hearth-walkthrough-");
    writeFileSync(join(folder, "README.md"), "# demo\n");
    wb = await startWorkbench({ folder, settings: { "hearth.threads": 1, "hearth.contextSize": 4096 } });
  }, { timeout: 300_000 });
  after(async () => wb?.close(), { timeout: 300_000 });

  /** A step's row on the walkthrough page (its id ends in #<step id>). */
  const step = (id: string): Locator => wb.page.locator(`button.getting-started-step[data-step-id$="#${id}"]`);

  it("opens from Welcome: Open Walkthrough…, shows its five steps, and Open Chat opens the Hearth view and checks the step", { timeout: 300_000 }, async () => {
    await wb.page.locator('.activitybar [aria-label^="Hearth"]').first().waitFor({ timeout: 60_000 });
    await runCommand(wb.page, "Welcome: Open Walkthrough...");
    await pickQuickItem(wb.page, "Get Started with Hearth");
    const steps = wb.page.locator("button.getting-started-step");
    await steps.first().waitFor({ timeout: 60_000 });
    const titles = (await steps.locator(".step-title").allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(titles, STEPS);
    assert.equal(await step("chat").getAttribute("aria-checked"), "false");
    await step("chat").click();
    await step("chat").getByRole("button", { name: "Open Chat" }).click();
    await wb.hearthView().locator("[data-state]").first().waitFor({ timeout: 60_000 });
    await wb.page.locator(`button.getting-started-step[data-step-id$="#chat"][aria-checked="true"]`).waitFor({ timeout: 30_000 });
    await wb.screenshot("walkthrough-chat-step");
  });

  it("Choose a model: opening Download Model and closing it leaves the step unchecked; a loaded model checks it", { timeout: 300_000 }, async () => {
    await wb.page.locator('[id="hearth.hearth.hearth.status"]', { hasText: "Hearth: no model" }).waitFor({ timeout: 60_000 });
    await step("model").click();
    await step("model").getByRole("button", { name: "Download Model" }).click();
    // The picker lists the models with the one that fits starred (model-ui.ts): the command ran.
    await wb.page.locator(".quick-input-widget", { hasText: "Hearth: Download Model" }).waitFor({ timeout: 60_000 });
    await wb.page.keyboard.press("Escape");
    await wb.page.locator(".quick-input-widget").waitFor({ state: "hidden", timeout: 30_000 });
    assert.equal(await step("model").getAttribute("aria-checked"), "false", "a picker closed with no model chosen does not check the step");
    setMachineSettings(wb, { "hearth.modelPath": model });
    await wb.hearthView().locator('[data-model="ready"]').waitFor({ timeout: 180_000 });
    await wb.page.locator(`button.getting-started-step[data-step-id$="#model"][aria-checked="true"]`).waitFor({ timeout: 30_000 });
    await wb.screenshot("walkthrough-model-step");
  });
});
