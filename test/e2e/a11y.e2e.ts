// The chat view for keyboard-only and screen-reader users, in a high-contrast light theme,
// in a real workbench (code-server) with the scripted backend: a message sent with Enter,
// an approval card that leaves the focus where the user is typing, Approve and Accept all
// reached with Tab alone and drawn with VS Code's focus border, Escape stopping a streaming
// reply, which is not said token by token; Focus on Chat View landing in the message box; the
// theme's contrast border on every card; no spinner turning and no caret blinking with VS Code's
// "workbench.reduceMotion" on.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FrameLocator, Page } from "playwright-core";
import type { ModelScript } from "../../src/models/scripted.ts";
import { tempDir } from "../fixtures/temp.ts";
import { type Workbench, runCommand, startWorkbench } from "./workbench.ts";

const FIXTURE = resolve(import.meta.dirname, "../fixtures/agent/python-calc");
const LONG_REPLY = Array.from({ length: 120 }, (_, i) => `Line ${i + 1} of a long answer about multiplication.`).join("\n\n");

/** Tab (or Shift+Tab) until the focused element's accessible name is `name`; its name, or what the focus went through. */
async function tabTo(page: Page, view: FrameLocator, name: string, key = "Shift+Tab"): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press(key);
    const focused = await view.locator(":focus").evaluate((el) => el.getAttribute("aria-label") ?? el.textContent?.trim() ?? el.tagName).catch(() => "(none)");
    if (focused === name) return;
    seen.push(focused);
  }
  assert.fail(`"${name}" is not reached with ${key}; the focus went through: ${seen.join(" | ")}`);
}

/** The focused element's outline, and VS Code's focus border colour, both as computed rgb(). */
async function focusRing(view: FrameLocator): Promise<{ outline: string; focusBorder: string }> {
  return view.locator(":focus").evaluate((el) => {
    const probe = document.createElement("span");
    probe.style.color = "var(--vscode-focusBorder)";
    document.body.append(probe);
    const focusBorder = getComputedStyle(probe).color;
    probe.remove();
    const style = getComputedStyle(el);
    return { outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`, focusBorder };
  });
}

describe("the chat view by keyboard, for a screen reader and in high-contrast light", () => {
  let wb: Workbench;
  let view: FrameLocator;
  const script: ModelScript = {
    name: "scripted-a11y",
    chunkDelayMs: 25,
    turns: [
      { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "return a - b", new_text: "return a + b" } }] },
      { text: "Fixed add." },
      { text: LONG_REPLY },
      { text: "Short answer." },
    ],
  };

  before(async () => {
    const folder = tempDir("hearth-a11y-ws-");
    cpSync(FIXTURE, folder, { recursive: true });
    const scriptPath = join(tempDir("hearth-a11y-script-"), "model.json");
    writeFileSync(scriptPath, JSON.stringify(script));
    wb = await startWorkbench({ folder, settings: { "hearth.approvalPolicy": "ask", "workbench.colorTheme": "Default High Contrast Light", "workbench.reduceMotion": "on" } });
    // hearth.modelPath is machine-scoped in code-server (a remote extension host).
    mkdirSync(join(wb.userDataDir, "Machine"), { recursive: true });
    writeFileSync(join(wb.userDataDir, "Machine", "settings.json"), JSON.stringify({ "hearth.modelPath": scriptPath }));
    await wb.page.locator('.activitybar a[aria-label="Hearth"], .activitybar [aria-label^="Hearth"]').first().click();
    view = wb.hearthView();
    await view.locator('[data-model="ready"]').waitFor({ timeout: 90_000 });
    await view.locator("body.vscode-high-contrast-light").waitFor({ timeout: 30_000 });
  }, { timeout: 420_000 });
  after(async () => wb?.close(), { timeout: 300_000 });

  it("Enter sends; the approval card leaves the focus in the message box; Tab reaches Approve and Accept all, each with the focus border", { timeout: 300_000 }, async () => {
    const input = view.getByLabel("Message Hearth");
    await input.focus();
    await wb.page.keyboard.type("add() is wrong, please fix it");
    await wb.page.keyboard.press("Enter");
    const card = view.locator('[data-item="tool"][data-tool="edit_file"]');
    await card.and(view.locator('[data-status="awaiting-approval"]')).waitFor({ timeout: 60_000 });
    // The user goes on typing their next message: the card must not take the keys.
    await wb.page.keyboard.type("next question");
    assert.equal(await input.inputValue(), "next question");
    assert.equal(await view.locator(":focus").getAttribute("aria-label"), "Message Hearth");
    const said = await view.locator("[data-announcer]").innerText();
    assert.match(said, /approv/i, "the waiting step is said");
    await tabTo(wb.page, view, "Approve");
    const ring = await focusRing(view);
    assert.match(ring.outline, /^solid /, "Approve shows a focus outline");
    assert.ok(ring.outline.endsWith(ring.focusBorder), `the outline is VS Code's focus border: ${JSON.stringify(ring)}`);
    await wb.page.keyboard.press("Enter");
    await card.and(view.locator('[data-status="done"]')).waitFor({ timeout: 60_000 });
    const review = view.locator('[data-item="review"]').last();
    await review.locator('[data-review-file="calc.py"][data-review-state="pending"]').waitFor({ timeout: 60_000 });
    await view.locator('[data-item="assistant"]', { hasText: "Fixed add." }).waitFor();
    await input.focus();
    await tabTo(wb.page, view, "Accept all");
    await wb.page.keyboard.press("Enter");
    await review.locator('[data-review-file="calc.py"][data-review-state="accepted"]').waitFor({ timeout: 30_000 });
    assert.ok(await view.locator(":focus").count(), "the focus stays in the view after Accept all");
    // The turn changed a file: its Restore checkpoint says which message it goes back before.
    await view.getByRole("button", { name: "Restore checkpoint: before “add() is wrong, please fix it”", exact: true }).waitFor();
  });

  it("every card has the high-contrast light theme's border; every button has a name; the history lists the open conversation, outlined", { timeout: 120_000 }, async () => {
    const found = await view.locator("body").evaluate(() => {
      const probe = document.createElement("span");
      probe.style.color = "var(--vscode-contrastBorder)";
      document.body.append(probe);
      const contrast = getComputedStyle(probe).color;
      probe.remove();
      const cards = [...document.querySelectorAll<HTMLElement>(".tool-card, .review-card, .user-message")].map((el) => ({ card: el.className, border: getComputedStyle(el).borderTopColor, width: getComputedStyle(el).borderTopWidth }));
      const unnamed = [...document.querySelectorAll("button")].filter((b) => b.getClientRects().length && !(b.getAttribute("aria-label") ?? b.textContent ?? "").trim()).map((b) => b.outerHTML.slice(0, 120));
      return { contrast, cards, unnamed };
    });
    assert.ok(found.cards.length >= 3, "a user message, a tool card and a review are shown");
    for (const card of found.cards) assert.equal(card.border, found.contrast, `${card.card}: its border is the theme's contrastBorder`);
    assert.deepEqual(found.unnamed, []);
    // The conversation just written is in the history, its row outlined: the theme defines no selection background.
    await view.getByRole("button", { name: "Conversation history" }).click();
    const current = view.locator(".history-item.current");
    await current.waitFor({ timeout: 10_000 }).catch(async () => assert.fail(`no open conversation in the history: ${await view.locator("nav.history").innerText()}`));
    assert.equal(await current.getAttribute("aria-current"), "true");
    assert.match(await current.innerText(), /add\(\) is wrong/);
    assert.notEqual(await current.evaluate((el) => getComputedStyle(el).outlineStyle), "none", "the open conversation is outlined");
    await wb.page.keyboard.press("Escape");
    await current.waitFor({ state: "hidden" });
  });

  it("Escape in the message box stops a streaming reply, not said token by token; with VS Code's reduce motion on nothing turns or blinks", { timeout: 300_000 }, async () => {
    const input = view.getByLabel("Message Hearth");
    // The first test's run may still be ending after its last reply showed: Enter does nothing until Send is back.
    await view.locator('button[aria-label="Send"]:not([disabled])').waitFor({ timeout: 60_000 });
    await input.fill("");
    await input.focus();
    await wb.page.keyboard.type("explain mul at length");
    await wb.page.keyboard.press("Enter");
    const stop = view.locator('[data-action="stop"]');
    await stop.waitFor({ timeout: 60_000 });
    const reply = view.locator('[data-item="assistant"]').last();
    await reply.filter({ hasText: "Line 2 of" }).waitFor({ timeout: 60_000 });
    assert.doesNotMatch(await view.locator("[data-announcer]").innerText(), /Line 1 of/, "no token-by-token announcement");
    // VS Code's own "workbench.reduceMotion": "on" (the OS asks for nothing here): the page is told by its body's class.
    assert.equal(await view.locator("body.vscode-reduce-motion").count(), 1);
    const moving = await view.locator("body").evaluate(() => {
      const caret = document.querySelector(".assistant-message.streaming .assistant-text > :last-child");
      const spinners = [...document.querySelectorAll(".spinner")].map((el) => getComputedStyle(el).animationName);
      return { spinners, caret: caret ? getComputedStyle(caret, "::after").animationName : "(no caret)" };
    });
    assert.ok(moving.spinners.length > 0, "the page has its Working… spinner");
    assert.deepEqual({ ...moving, spinners: moving.spinners.filter((name) => name !== "none") }, { spinners: [], caret: "none" }, "nothing turns or blinks");
    assert.equal(await view.locator(":focus").getAttribute("aria-label"), "Message Hearth");
    await wb.page.keyboard.press("Escape");
    await stop.waitFor({ state: "hidden", timeout: 30_000 });
    assert.doesNotMatch(await reply.innerText(), /Line 120 of/, "stopped before the end");
    assert.equal(await view.locator(":focus").getAttribute("aria-label"), "Message Hearth", "the focus stays in the message box");
  });

  it("Focus on Chat View puts the focus in the message box, past the conversation's buttons", { timeout: 120_000 }, async () => {
    // Nothing in the page holds the focus (as in a view just shown); the command palette takes it from the view.
    await view.locator("body").evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await runCommand(wb.page, "Hearth: Focus on Chat View");
    await view.locator('textarea[aria-label="Message Hearth"]:focus').waitFor({ timeout: 10_000 }).catch(async () => assert.fail(`the focus is on ${await view.locator("body").evaluate(() => document.activeElement?.outerHTML.slice(0, 120))}`));
  });
});
