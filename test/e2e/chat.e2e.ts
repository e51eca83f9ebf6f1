// The chat view and Fix This Issue in a real workbench (code-server):
// - with the scripted backend holding a reply mid-stream: a message streams a reply, Stop cancels it;
// - with the scripted backend on a fixture workspace: tool cards, approvals, diffs, reviews
//   that accept (file stays changed, tests pass) or reject (workspace exactly as before).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ModelScript } from "../../src/models/scripted.ts";
import { COMMAND_CATEGORY, COMMANDS } from "../../src/protocol/contributions.ts";
import { type Workbench, openChat, runCommand, send, setMachineSettings, startWorkbench } from "./workbench.ts";
import { tempDir } from "../fixtures/temp.ts";

const FIXTURE = resolve(import.meta.dirname, "../fixtures/agent/python-calc");

/** Every file under `root` (but the checkpoints' and Python's caches) with its bytes. */
function snapshot(root: string, dir = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.name === "__pycache__" || entry.name === ".hearth") continue;
    if (entry.isDirectory()) for (const [k, v] of snapshot(root, rel)) out.set(k, v);
    else out.set(rel, readFileSync(join(root, rel), "base64"));
  }
  return out;
}

function testsPass(folder: string): boolean {
  try {
    execFileSync("python3", ["-m", "unittest", "-q"], { cwd: folder, stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
}

// A reply in three parts: the scripted backend holds it after the first until the test writes
// the gate file, then after the second until Stop, so the test sees it grow and presses Stop
// while it is certain to be streaming, whatever the machine's load.
const FIRST = "Hello (English).";
const SECOND = " Bonjour (French).";
const THIRD = " Hola (Spanish).";

describe("chat with a reply that streams until Stop", () => {
  let wb: Workbench;
  let gate: string;
  before(async () => {
    const folder = tempDir("hearth-chat-ws-");
    writeFileSync(join(folder, "README.md"), "# demo\n");
    const scriptDir = tempDir("hearth-script-");
    gate = join(scriptDir, "go-on");
    const holds = [{ afterText: FIRST.length, untilFile: gate }, { afterText: (FIRST + SECOND).length }];
    const script: ModelScript = { name: "scripted-stop", turns: [{ text: FIRST + SECOND + THIRD, holds }] };
    writeFileSync(join(scriptDir, "model.json"), JSON.stringify(script));
    wb = await startWorkbench({ folder });
    const view = await openChat(wb);
    await view.locator('[data-model="none"]').waitFor({ timeout: 30_000 });
    await wb.screenshot("chat-no-model");
    setMachineSettings(wb, { "hearth.modelPath": join(scriptDir, "model.json") });
  }, { timeout: 300_000 });
  after(async () => wb?.close(), { timeout: 300_000 });

  it("streams a reply to a message, and Stop cancels it", { timeout: 300_000 }, async () => {
    const view = wb.hearthView();
    await view.locator('[data-model="ready"]').waitFor({ timeout: 120_000 });
    const stop = view.locator('[data-action="stop"]');
    const message = "Say hello in three languages.";
    await send(view, message);
    await view.locator('[data-item="user"]', { hasText: message }).waitFor();
    const reply = view.locator('[data-item="assistant"]').last();
    const text = async () => ((await reply.locator(".assistant-text").textContent()) ?? "").trim();
    await reply.locator(".assistant-text", { hasText: FIRST }).waitFor({ timeout: 60_000 });
    await stop.waitFor({ timeout: 30_000 });
    assert.equal(await text(), FIRST, "the reply so far, held by the backend");
    writeFileSync(gate, "");
    await reply.locator(".assistant-text", { hasText: FIRST + SECOND }).waitFor({ timeout: 60_000 });
    assert.equal(await text(), FIRST + SECOND, "the reply grows while it streams");
    await wb.screenshot("chat-streaming");
    await stop.click({ timeout: 5_000 });
    // The notice comes when the runtime has stopped the generation: give a loaded machine time.
    await view.locator('[data-item="notice"]', { hasText: "Stopped." }).waitFor({ timeout: 60_000 });
    await stop.waitFor({ state: "hidden", timeout: 30_000 });
    // The backend gives the rest only to a run that was not stopped.
    assert.equal(await text(), FIRST + SECOND, "nothing streams after Stop");
    await wb.screenshot("chat-stopped");
  });
});

describe("chat and Fix This Issue with the scripted backend", () => {
  let wb: Workbench;
  let folder: string;
  let initialCalc: string;
  const editAdd = { name: "edit_file", arguments: { path: "calc.py", old_text: "return a - b", new_text: "return a + b" } };
  const breakMul = { name: "edit_file", arguments: { path: "calc.py", old_text: "return a * b", new_text: "return a ** b" } };
  const fixSub = { name: "edit_file", arguments: { path: "calc.py", old_text: "def sub(a, b):\n    return b - a", new_text: "def sub(a, b):\n    return a - b" } };
  const script: ModelScript = {
    name: "scripted-e2e",
    turns: [
      // chat 1: read, edit (approved), answer
      { thinking: "Check add first.", toolCalls: [{ name: "read_file", arguments: { path: "calc.py" } }] },
      { text: "`add` subtracts. Fixing it:", toolCalls: [editAdd] },
      { text: "Fixed **add**:\n\n```python\ndef add(a, b):\n    return a + b\n```" },
      // chat 2: an edit the user approves, then rejects in the review
      { toolCalls: [breakMul] },
      { text: "Changed `mul`." },
      // fix 1 (from a selection): fix sub, finish → accepted
      { toolCalls: [fixSub] },
      { toolCalls: [{ name: "finish", arguments: { summary: "sub() now subtracts b from a." } }] },
      // fix 2: a change the user rejects
      { toolCalls: [{ name: "write_file", arguments: { path: "notes.txt", content: "scratch\n" } }, breakMul] },
      { toolCalls: [{ name: "finish", arguments: { summary: "Rewrote mul." } }] },
      // chat 3: a memory the user approves
      { toolCalls: [{ name: "remember", arguments: { title: "Test command", fact: "Run the tests with `python3 -m unittest -q`.", category: "testing" } }] },
      { text: "I'll remember that." },
    ],
  };

  before(async () => {
    folder = tempDir("hearth-fix-ws-");
    cpSync(FIXTURE, folder, { recursive: true });
    // A second bug for Fix This Issue, with its test.
    writeFileSync(join(folder, "calc.py"), `${readFileSync(join(folder, "calc.py"), "utf8")}\n\ndef sub(a, b):\n    return b - a\n`);
    writeFileSync(join(folder, "test_sub.py"), "import unittest\n\nfrom calc import sub\n\n\nclass SubTest(unittest.TestCase):\n    def test_sub(self):\n        self.assertEqual(sub(5, 3), 2)\n");
    writeFileSync(join(folder, "ISSUE.md"), "sub(5, 3) returns -2 instead of 2.\n");
    initialCalc = readFileSync(join(folder, "calc.py"), "utf8");
    const scriptPath = join(tempDir("hearth-script-"), "model.json");
    writeFileSync(scriptPath, JSON.stringify(script));
    wb = await startWorkbench({ folder, settings: { "hearth.approvalPolicy": "ask" } });
    setMachineSettings(wb, { "hearth.modelPath": scriptPath });
    const view = await openChat(wb);
    await view.locator('[data-model="ready"]').waitFor({ timeout: 60_000 });
  }, { timeout: 420_000 });
  after(async () => wb?.close(), { timeout: 420_000 });

  it("a chat turn reads and edits a file: tool cards, the approval, the diff; approving changes the file", { timeout: 420_000 }, async () => {
    const view = wb.hearthView();
    await send(view, "add() returns the wrong result, please fix it");
    const read = view.locator('[data-item="tool"][data-tool="read_file"]');
    await read.locator('[data-status="done"], [data-status]').first().waitFor();
    const edit = view.locator('[data-item="tool"][data-tool="edit_file"]').first();
    await edit.and(view.locator('[data-status="awaiting-approval"]')).waitFor({ timeout: 30_000 });
    assert.match(readFileSync(join(folder, "calc.py"), "utf8"), /return a - b/, "nothing is written before the approval");
    await wb.screenshot("chat-approval");
    await edit.getByRole("button", { name: "Approve" }).click();
    await edit.and(view.locator('[data-status="done"]')).waitFor({ timeout: 30_000 });
    await edit.locator("text=+    return a + b").first().waitFor();
    await view.locator('[data-item="assistant"]', { hasText: "Fixed add" }).waitFor({ timeout: 30_000 });
    await view.locator('[data-item="review"]').last().waitFor();
    assert.match(readFileSync(join(folder, "calc.py"), "utf8"), /return a \+ b/);
    await wb.screenshot("chat-edit-done");
    // The card's diff opens in a diff editor.
    await edit.getByRole("button", { name: "Open diff" }).click();
    // The shot must show the diff: an empty diff editor is drawn first, so wait until the
    // modified side has rendered the changed line and the original side the old one.
    const diff = wb.page.locator(".editor-instance .monaco-diff-editor").first();
    await diff.waitFor({ timeout: 20_000 });
    const side = (which: string) => diff.locator(`.editor.${which} .view-lines`);
    await side("modified").filter({ hasText: /return\s+a\s+\+\s+b/ }).waitFor({ timeout: 20_000 });
    await side("original").filter({ hasText: /return\s+a\s+-\s+b/ }).waitFor({ timeout: 20_000 });
    assert.match((await side("modified").innerText()).replace(/\u00a0/g, " "), /return a \+ b/);
    await wb.screenshot("chat-diff-editor");
    await view.getByRole("button", { name: "Accept all" }).last().click();
    await view.locator('[data-item="review"]').last().locator('[data-review-state="accepted"]').first().waitFor();
  });

  it("a second run's change is rejected in the review (asked first: the file was edited by hand since) and the file is restored", { timeout: 420_000 }, async () => {
    const view = wb.hearthView();
    const before = readFileSync(join(folder, "calc.py"), "utf8");
    await send(view, "make mul faster");
    const card = view.locator('[data-item="tool"][data-tool="edit_file"][data-status="awaiting-approval"]');
    await card.waitFor({ timeout: 30_000 });
    await card.getByRole("button", { name: "Approve" }).click();
    const review = view.locator('[data-item="review"]').last();
    await review.locator('[data-review-file="calc.py"][data-review-state="pending"]').waitFor({ timeout: 30_000 });
    const fixed = readFileSync(join(folder, "calc.py"), "utf8");
    assert.match(fixed, /a \*\* b/);
    // The user goes on editing the file after the run: Reject would drop that too.
    writeFileSync(join(folder, "calc.py"), `${fixed}# the user's own line\n`);
    const dialog = wb.page.locator(".monaco-dialog-box");
    await review.getByRole("button", { name: "Reject all" }).click();
    await dialog.filter({ hasText: "calc.py has changed since Hearth's run" }).waitFor({ timeout: 20_000 });
    await wb.screenshot("chat-reject-changed-since");
    await dialog.locator(".monaco-button", { hasText: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    assert.match(readFileSync(join(folder, "calc.py"), "utf8"), /# the user's own line\n$/, "kept: the user said no");
    assert.equal(await review.locator('[data-review-file="calc.py"][data-review-state="pending"]').count(), 1);
    await review.getByRole("button", { name: "Reject all" }).click();
    await dialog.locator(".monaco-button", { hasText: "Reject Anyway" }).click();
    await review.locator('[data-review-file="calc.py"][data-review-state="rejected"]').waitFor({ timeout: 20_000 });
    assert.equal(readFileSync(join(folder, "calc.py"), "utf8"), before);
    await wb.screenshot("chat-rejected");
  });

  it("Fix This Issue from a selection runs to the end, and Accept leaves the fix with passing tests", { timeout: 420_000 }, async () => {
    const view = wb.hearthView();
    assert.equal(testsPass(folder), false, "sub is still broken");
    await wb.page.keyboard.press("Control+P");
    await wb.page.locator(".quick-input-widget input").fill("ISSUE.md");
    await wb.page.locator(".quick-input-list .monaco-list-row", { hasText: "ISSUE.md" }).first().click();
    await wb.page.locator(".monaco-editor .view-lines", { hasText: "sub(5, 3)" }).first().click();
    await wb.page.keyboard.press("Control+A");
    await runCommand(wb.page, `${COMMAND_CATEGORY}: ${COMMANDS.fixIssue.title}`);
    await view.locator('[data-item="user"]', { hasText: "sub(5, 3) returns -2" }).waitFor({ timeout: 20_000 });
    const card = view.locator('[data-item="tool"][data-tool="edit_file"][data-status="awaiting-approval"]');
    await card.waitFor({ timeout: 30_000 });
    await card.getByRole("button", { name: "Approve" }).click();
    // The final test run is a command like any other: under "ask" it waits for approval too.
    const tests = view.locator('[data-item="tool"][data-tool="run_tests"][data-status="awaiting-approval"]');
    await tests.waitFor({ timeout: 60_000 });
    assert.equal(testsPass(folder), true, "the approved edit is on disk while the test run waits");
    await tests.getByRole("button", { name: "Approve" }).click();
    const review = view.locator('[data-item="review"]').last();
    await review.waitFor({ timeout: 60_000 });
    await review.locator("text=/passed|pass/i").first().waitFor();
    await wb.screenshot("fix-review");
    await review.getByRole("button", { name: "Accept all" }).click();
    await review.locator('[data-review-file="calc.py"][data-review-state="accepted"]').waitFor();
    assert.match(readFileSync(join(folder, "calc.py"), "utf8"), /return a - b/);
    assert.equal(testsPass(folder), true, "the accepted fix passes the tests");
  });

  it("Reject all after a Fix This Issue run leaves the workspace exactly as before", { timeout: 420_000 }, async () => {
    const view = wb.hearthView();
    const before = snapshot(folder);
    await runCommand(wb.page, "View: Close All Editors"); // no selection: the command asks for the issue
    await runCommand(wb.page, `${COMMAND_CATEGORY}: ${COMMANDS.fixIssue.title}`);
    const input = wb.page.locator(".quick-input-widget input");
    await input.waitFor();
    await input.fill("mul should use exponentiation");
    await input.press("Enter");
    for (let i = 0; i < 3; i++) { // the edit, the note, then the final test run
      const card = view.locator('[data-item="tool"][data-status="awaiting-approval"]').first();
      await card.waitFor({ timeout: 30_000 });
      await card.getByRole("button", { name: "Approve" }).click();
    }
    const review = view.locator('[data-item="review"]').last();
    await review.locator('[data-review-file="notes.txt"]').waitFor({ timeout: 60_000 });
    await wb.screenshot("fix-review-before-reject");
    await review.getByRole("button", { name: "Reject all" }).click();
    await review.locator('[data-review-file="calc.py"][data-review-state="rejected"]').waitFor({ timeout: 20_000 });
    await review.locator('[data-review-file="notes.txt"][data-review-state="rejected"]').waitFor();
    assert.deepEqual(snapshot(folder), before);
    // The shot shows the rejected review, not a stale toast from the run ("Hearth changed 2 files…").
    await runCommand(wb.page, "Notifications: Clear All Notifications");
    await wb.page.locator(".notifications-toasts .notification-toast").first().waitFor({ state: "detached", timeout: 10_000 });
    assert.equal(await wb.page.locator(".notifications-toasts .notification-toast:visible").count(), 0, "no notification over the shot");
    await wb.page.locator(".quick-input-widget").waitFor({ state: "hidden" }); // nor the palette that cleared them
    await wb.screenshot("fix-rejected");
  });

  it("a memory the agent proposes waits for approval in the chat, then shows in Project Memory", { timeout: 420_000 }, async () => {
    const view = wb.hearthView();
    await send(view, "remember how to run the tests");
    const card = view.locator('[data-item="tool"][data-tool="remember"][data-status="awaiting-approval"]');
    await card.waitFor({ timeout: 30_000 });
    assert.equal(readdirSync(folder).includes(".hearth"), false, "nothing is written before the approval");
    await wb.screenshot("memory-approval");
    await card.getByRole("button", { name: "Approve" }).click();
    await view.locator('[data-item="assistant"]', { hasText: "I'll remember that." }).waitFor({ timeout: 30_000 });
    const [entry] = readdirSync(join(folder, ".hearth", "memory"));
    assert.match(readFileSync(join(folder, ".hearth", "memory", entry!), "utf8"), /python3 -m unittest -q/);
    await wb.page.locator(".pane-header", { hasText: "Project Memory" }).click();
    await wb.page.locator(".monaco-list-row", { hasText: "Test command" }).waitFor({ timeout: 20_000 });
    await wb.screenshot("memory-approved-in-view");
  });

  it("Restore checkpoint on the first message puts the files back and rewinds the conversation", { timeout: 420_000 }, async () => {
    const view = wb.hearthView();
    assert.notEqual(readFileSync(join(folder, "calc.py"), "utf8"), initialCalc, "the fixes since then changed calc.py");
    // The Fix This Issue runs started their own chats: go back to the first one through the history.
    await view.getByRole("button", { name: "Conversation history" }).click();
    await view.locator("text=add() returns the wrong result").first().click();
    const first = view.locator('[data-item="user"]', { hasText: "add() returns the wrong result" });
    await first.getByRole("button", { name: "Restore checkpoint" }).click();
    const dialog = wb.page.locator(".monaco-dialog-box");
    await dialog.waitFor();
    await wb.screenshot("chat-restore-confirm");
    await dialog.locator(".monaco-button", { hasText: "Restore" }).click();
    await view.locator('[data-item="notice"]', { hasText: "Restored" }).waitFor({ timeout: 20_000 });
    assert.equal(readFileSync(join(folder, "calc.py"), "utf8"), initialCalc);
    assert.equal(await first.count(), 0, "the message and what followed are gone from the chat");
    await wb.screenshot("chat-restored");
  });
});
