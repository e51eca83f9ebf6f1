// The agent's edits under the user's save settings, in a real workbench (code-server): the save
// Hearth asks for after each edit is an explicit one, so files.trimTrailingWhitespace,
// files.insertFinalNewline and a new file's files.eol change what the agent wrote. Its next
// write_file of the file is not refused as if the user had changed it, and the model is told.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ModelScript } from "../../src/models/scripted.ts";
import { tempDir } from "../fixtures/temp.ts";
import { type Workbench, openChat, send, setMachineSettings, startWorkbench } from "./workbench.ts";

describe("the agent's edits under the user's save settings", () => {
  let wb: Workbench;
  let folder: string;
  const script: ModelScript = {
    name: "scripted-editor-settings",
    turns: [
      { toolCalls: [{ name: "read_file", arguments: { path: "trail.txt" } }] },
      { toolCalls: [{ name: "edit_file", arguments: { path: "trail.txt", old_text: "b = 2", new_text: "b = 3" } }] },
      { toolCalls: [{ name: "write_file", arguments: { path: "trail.txt", content: "a = 1\nb = 4\n" } }] },
      { toolCalls: [{ name: "write_file", arguments: { path: "new.txt", content: "one\ntwo" } }] },
      { toolCalls: [{ name: "write_file", arguments: { path: "new.txt", content: "one\ntwo\nthree" } }] },
      { text: "All done." },
    ],
  };

  before(async () => {
    folder = tempDir("hearth-editor-settings-ws-");
    writeFileSync(join(folder, "trail.txt"), "a = 1   \nb = 2\n");
    const scriptPath = join(tempDir("hearth-script-"), "model.json");
    writeFileSync(scriptPath, JSON.stringify(script));
    wb = await startWorkbench({
      folder,
      settings: {
        "hearth.approvalPolicy": "auto-edit",
        "files.autoSave": "off",
        "files.eol": "\r\n",
        "files.insertFinalNewline": true,
        "files.trimTrailingWhitespace": true,
      },
    });
    setMachineSettings(wb, { "hearth.modelPath": scriptPath });
    const view = await openChat(wb);
    await view.locator('[data-model="ready"]').waitFor({ timeout: 60_000 });
  }, { timeout: 420_000 });
  after(async () => wb?.close(), { timeout: 420_000 });

  it("replaces a file the save trimmed, and a new file the save gave CRLF and a final newline, without a refusal", { timeout: 420_000 }, async () => {
    const view = wb.hearthView();
    await send(view, "tidy the files");
    await view.locator('[data-item="assistant"]', { hasText: "All done" }).waitFor({ timeout: 120_000 });
    const cards = view.locator('[data-item="tool"]');
    const seen: string[] = [];
    for (let i = 0; i < (await cards.count()); i++) {
      const card = cards.nth(i);
      seen.push(`${await card.getAttribute("data-tool")} ${await card.getAttribute("data-status")}: ${(await card.locator(".tool-preview").first().textContent()) ?? ""}`);
    }
    await wb.screenshot("editor-settings-writes");
    assert.equal(seen.length, 5, seen.join("\n"));
    assert.ok(seen.every((s) => / done: /.test(s)), seen.join("\n"));
    assert.match(seen[1]!, /saving "trail\.txt" changed it beyond what was written/);
    assert.match(seen[3]!, /saving "new\.txt" changed it/);
    assert.equal(readFileSync(join(folder, "trail.txt"), "utf8"), "a = 1\nb = 4\n");
    assert.equal(readFileSync(join(folder, "new.txt"), "utf8"), "one\r\ntwo\r\nthree\r\n");
  });
});
