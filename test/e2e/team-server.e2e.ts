// The shared team server in a real workbench: the workspace's committed
// .vscode/settings.json points Hearth at an OpenAI-compatible server (a real HTTP server on
// 127.0.0.1 here), used only once the user agrees to send their code there; "Hearth: Set
// Server API Key…" takes the key in a password box, the runtime restarts with it and the
// server receives `Authorization: Bearer <key>`; the key is in no settings file. "Clear
// Server API Key" takes it away again.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { COMMANDS, COMMAND_CATEGORY } from "../../src/protocol/contributions.ts";
import { type Workbench, runCommand, startWorkbench } from "./workbench.ts";
import { tempDir } from "../fixtures/temp.ts";

const KEY = "team-secret-7f3a";

describe("team server with its API key in secret storage", () => {
  let wb: Workbench;
  let server: Server;
  let folder: string;
  const authorizations: (string | undefined)[] = [];

  before(async () => {
    server = createServer((req, res) => {
      authorizations.push(req.headers.authorization);
      if (req.headers.authorization !== `Bearer ${KEY}`) return void res.writeHead(401, { "Content-Type": "application/json" }).end(JSON.stringify({ error: { message: "Invalid API Key" } }));
      if (req.url === "/v1/models") return void res.end(JSON.stringify({ data: [{ id: "team-qwen" }] }));
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    folder = tempDir("hearth-team-ws-");
    mkdirSync(join(folder, ".vscode"));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    writeFileSync(join(folder, ".vscode", "settings.json"), JSON.stringify({ "hearth.serverUrl": url }, null, 2));
    wb = await startWorkbench({ folder });
  }, { timeout: 240_000 });
  after(async () => {
    await wb?.close();
    server?.close();
  }, { timeout: 240_000 });

  it("the committed server is used only once the user agrees to send their code there", { timeout: 240_000 }, async () => {
    const question = wb.page.locator(".notifications-toasts .notification-toast", { hasText: "This workspace's settings point Hearth at the server 127.0.0.1" });
    // The question waits for the workbench, the extension and the runtime to start: slow on a loaded machine.
    await question.waitFor({ timeout: 120_000 });
    // The runtime's first status comes after it resolved its model: with the URL, that was a call to the server.
    // No model of the user's own: the local state, not the server.
    await wb.page.locator(".statusbar-item", { hasText: "Hearth: no model" }).first().waitFor({ timeout: 60_000 });
    assert.deepEqual(authorizations, [], "nothing reaches the workspace's server before the user agrees");
    await wb.screenshot("team-server-consent");
    await question.getByRole("button", { name: "Use This Server" }).click();
    await waitFor(() => authorizations.length > 0, "the runtime never called the server after the user agreed");
    assert.equal(authorizations[0], undefined, "without a key the server refuses the runtime");
  });

  it("Set Server API Key… stores the key; the restarted runtime sends it as a Bearer token; no settings file holds it", { timeout: 240_000 }, async () => {
    await runCommand(wb.page, `${COMMAND_CATEGORY}: ${COMMANDS.setServerApiKey.title}`);
    const input = wb.page.locator(".quick-input-widget input");
    await wb.page.locator(".quick-input-widget", { hasText: "API key for http://127.0.0.1" }).waitFor();
    assert.equal(await input.getAttribute("type"), "password");
    await input.fill(KEY);
    await wb.screenshot("team-server-api-key");
    await input.press("Enter");
    await waitFor(() => authorizations.includes(`Bearer ${KEY}`), `the server never saw the key: ${JSON.stringify(authorizations)}`);
    for (const file of [join(folder, ".vscode", "settings.json"), ...settingsFiles(wb.userDataDir)]) {
      assert.doesNotMatch(readFileSync(file, "utf8"), new RegExp(KEY), file);
    }
  });

  it("Clear Server API Key removes it: the next runtime calls without it", { timeout: 240_000 }, async () => {
    const before = authorizations.length;
    await runCommand(wb.page, `${COMMAND_CATEGORY}: ${COMMANDS.clearServerApiKey.title}`);
    await wb.page.locator(".notifications-toasts .notification-toast", { hasText: "API key for http://127.0.0.1" }).waitFor({ timeout: 20_000 });
    await waitFor(() => authorizations.slice(before).includes(undefined), "the runtime did not restart without the key");
  });
});

function settingsFiles(userDataDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name === "settings.json") out.push(join(dir, e.name));
    }
  };
  walk(userDataDir);
  return out;
}

async function waitFor(check: () => boolean, message: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(message);
    await new Promise((r) => setTimeout(r, 100));
  }
}
