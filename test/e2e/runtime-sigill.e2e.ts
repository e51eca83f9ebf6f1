// A runtime killed by SIGILL (an instruction this CPU lacks in llama.cpp's native code), in a real
// workbench: Hearth installed from a copy of this folder whose out/runtime.mjs is a stand-in
// that answers `initialize` and then dies so, at every start. The extension restarted it six
// times, each dying the same way, before it gave up; it now gives up at the first, with the
// cause and the way out, Show Log and Restart — and the Restart starts it again.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { tempDir } from "../fixtures/temp.ts";
import { REPO_ROOT, type Workbench, startWorkbench } from "./workbench.ts";

const LSP = pathToFileURL(join(REPO_ROOT, "test", "fixtures", "runtime", "lsp-stdio.mjs")).href;

/** Answers initialize; once initialized, dies by SIGILL as llama.cpp's code does on a CPU without its instructions. */
const SIGILL_RUNTIME = `import { send, serveLsp } from ${JSON.stringify(LSP)};
serveLsp((message) => {
  if (message.method === "initialize") send({ id: message.id, result: { capabilities: {} } });
  if (message.method === "initialized") process.kill(process.pid, "SIGILL");
});
`;

/** This extension folder, linked entry by entry, with the SIGILL stand-in as out/runtime.mjs. */
function extensionWithSigillRuntime(): string {
  const folder = tempDir("hearth-e2e-sigill-ext-");
  for (const name of readdirSync(REPO_ROOT)) if (name !== "out") symlinkSync(join(REPO_ROOT, name), join(folder, name));
  mkdirSync(join(folder, "out"));
  for (const name of readdirSync(join(REPO_ROOT, "out"))) {
    if (name === "runtime.mjs") writeFileSync(join(folder, "out", name), SIGILL_RUNTIME);
    else symlinkSync(join(REPO_ROOT, "out", name), join(folder, "out", name));
  }
  return folder;
}

describe("a runtime killed by SIGILL", () => {
  let wb: Workbench;

  before(async () => {
    wb = await startWorkbench({ folder: tempDir("hearth-e2e-sigill-ws-"), extensionPath: extensionWithSigillRuntime() });
  }, { timeout: 240_000 });
  after(async () => wb?.close(), { timeout: 240_000 });

  it("is given up on at the first death, with its cause; Restart starts it once more", { timeout: 240_000 }, async () => {
    const toast = (text: string) => wb.page.locator(".notifications-toasts .notification-toast", { hasText: text });
    const gaveUp = toast("Hearth's runtime stopped (killed by SIGILL: this CPU lacks an instruction");
    await gaveUp.waitFor({ timeout: 150_000 });
    assert.match(await gaveUp.innerText(), /and was not restarted: on this CPU it stops the same way at every start\. Restart tries again\./);
    const started = () => wb.readOutputLog("Hearth").match(/\[extension\] runtime started: pid/g)?.length;
    assert.equal(started(), 1, wb.readOutputLog("Hearth").slice(-3000));
    assert.equal(await toast("Restarting it").count(), 0);
    await wb.screenshot("runtime-sigill");
    await gaveUp.getByRole("button", { name: "Restart", exact: true }).click();
    // The user's Restart: one start more, given up on at once again (the toast closed by the click comes back).
    await gaveUp.waitFor({ state: "hidden" });
    await gaveUp.waitFor({ timeout: 150_000 });
    assert.equal(started(), 2, wb.readOutputLog("Hearth").slice(-3000));
  });
});
