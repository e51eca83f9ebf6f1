/**
 * Inline completions in a file that is another name of a secrets file — a symbolic link
 * (`settings.txt` → `.env`) or a hard link (`ln .env notes.txt`), in the folder Hearth works in
 * or outside it — through the built runtime over LSP with an OpenAI-compatible server on
 * 127.0.0.1 that records each `/infill` request. The agent's tools treat such a file as the
 * secrets file it is (tools/secret-reads.ts); completions send nothing of it either, as for
 * `.env` itself. An ordinary file of the same folder is still completed.
 */
import assert from "node:assert/strict";
import { existsSync, linkSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { DidChangeTextDocumentNotification, DidOpenTextDocumentNotification, InlineCompletionRequest } from "vscode-languageserver-protocol";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { CompletionExclusionRequest } from "../../../src/protocol/completions.ts";
import { ModelLoadRequest } from "../../../src/protocol/lsp-ext.ts";
import { type InfillServer, startInfillServer } from "../../fixtures/infill-server.ts";
import { tempDir } from "../../fixtures/temp.ts";

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");
if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);

/** Not shaped like a provider's token: masking values would not hide it, only the file's being a secrets file does. */
const ENV = "DB_HOST=db.internal\nDB_PASSWORD=correct-horse-battery\nAPI_KEY=";

describe("completions in another name of a secrets file", () => {
  let server: InfillServer;
  let base: string;
  const infills: string[] = [];
  let runtime: RuntimeProcess | undefined;

  before(async () => {
    server = await startInfillServer(answer);
    base = server.base;
  }, { timeout: 120_000 });
  after(async () => {
    await runtime?.close(1000).catch(() => undefined);
    await server.close();
  }, { timeout: 120_000 });

  /** The model server's answer: to /infill, after keeping what it was sent; nothing else. */
  function answer(path: string, _req: IncomingMessage, res: ServerResponse, body: string): boolean {
    if (path !== "/infill") return false;
    infills.push(body);
    res.end(JSON.stringify({ content: "sk-live-123", stop_type: "eos" }));
    return true;
  }

  /** Opens `file` with its text and asks for a completion at its end: the items, and the /infill requests it made. */
  async function ask(r: RuntimeProcess, file: string, text: string): Promise<{ items: unknown[]; sent: string[] }> {
    const uri = pathToFileURL(file).href;
    await r.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "plaintext", version: 1, text } });
    const lines = text.split("\n");
    const from = infills.length;
    const answer = await r.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: { line: lines.length - 1, character: lines.at(-1)!.length }, context: { triggerKind: 1 } });
    const items = Array.isArray(answer) ? answer : (answer?.items ?? []);
    return { items, sent: infills.slice(from) };
  }

  it("a symbolic or hard link to .env, in the folder or outside it, sends nothing; an ordinary file does", { timeout: 120_000 }, async () => {
    const folder = tempDir("hearth-secret-links-");
    writeFileSync(join(folder, ".env"), ENV);
    symlinkSync(".env", join(folder, "settings.txt"));
    linkSync(join(folder, ".env"), join(folder, "notes.txt"));
    const elsewhere = join(tempDir("hearth-secret-links-other-"), "web");
    mkdirSync(elsewhere);
    symlinkSync(join(folder, ".env"), join(elsewhere, "deploy.cfg"));
    writeFileSync(join(folder, "app.txt"), "greeting = ");
    runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: folder, initializationOptions: { settings: { serverUrl: base } } });
    const model = await runtime.connection.sendRequest(ModelLoadRequest, { reload: false });
    assert.equal(model.kind, "ready", JSON.stringify(model));

    for (const file of [join(folder, "settings.txt"), join(folder, "notes.txt"), join(elsewhere, "deploy.cfg"), join(folder, ".env")]) {
      const { items, sent } = await ask(runtime, file, ENV);
      assert.deepEqual(sent, [], `${file}: nothing sent`);
      assert.deepEqual(items, [], `${file}: nothing offered`);
    }
    const ordinary = await ask(runtime, join(folder, "app.txt"), "greeting = ");
    assert.equal(ordinary.sent.length, 1, "an ordinary file of the folder is still completed");

    // The status bar says why, for the file the user looks at (its name alone tells the extension nothing).
    const why = (file: string) => runtime!.connection.sendRequest(CompletionExclusionRequest, { uri: pathToFileURL(file).href });
    assert.match((await why(join(folder, "settings.txt"))) ?? "", /^settings\.txt, a link to \.env: it looks like it holds secrets/);
    assert.match((await why(join(folder, "notes.txt"))) ?? "", /^notes\.txt, another name \(a hard link\) of \.env: /);
    assert.match((await why(join(elsewhere, "deploy.cfg"))) ?? "", /^deploy\.cfg, a link to .*\.env: it looks like it holds secrets/);
    assert.equal(await why(join(folder, "app.txt")), null);
  });

  it("a link in the folder to a secrets file outside it (another project's .env, ~/.aws/credentials) sends nothing", { timeout: 120_000 }, async () => {
    // The agent's reads refuse such a link (it leads out of the folder), so they judge nothing of it; the editor opens it.
    const folder = tempDir("hearth-secret-links-out-");
    const other = tempDir("hearth-secret-links-out-other-");
    writeFileSync(join(other, ".env"), ENV);
    mkdirSync(join(other, ".aws"));
    writeFileSync(join(other, ".aws", "credentials"), ENV);
    symlinkSync(join(other, ".env"), join(folder, "shared.cfg"));
    symlinkSync(join(other, ".aws", "credentials"), join(folder, "aws.txt"));
    writeFileSync(join(folder, "app.txt"), "greeting = ");
    await runtime?.close(1000).catch(() => undefined);
    runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: folder, initializationOptions: { settings: { serverUrl: base } } });
    const model = await runtime.connection.sendRequest(ModelLoadRequest, { reload: false });
    assert.equal(model.kind, "ready", JSON.stringify(model));
    for (const name of ["shared.cfg", "aws.txt"]) {
      const { items, sent } = await ask(runtime, join(folder, name), ENV);
      assert.deepEqual(sent, [], `${name}: nothing sent`);
      assert.deepEqual(items, [], `${name}: nothing offered`);
    }
    assert.equal((await ask(runtime, join(folder, "app.txt"), "greeting = ")).sent.length, 1, "an ordinary file of the folder is still completed");
  });

  it("an edit in a link to .env is no context for another file's completion; an edit in an ordinary file is", { timeout: 120_000 }, async () => {
    const folder = tempDir("hearth-secret-links-edit-");
    writeFileSync(join(folder, ".env"), ENV);
    symlinkSync(".env", join(folder, "local.cfg"));
    writeFileSync(join(folder, "names.txt"), "first = ada\n");
    await runtime?.close(1000).catch(() => undefined);
    runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: folder, initializationOptions: { settings: { serverUrl: base } } });
    const model = await runtime.connection.sendRequest(ModelLoadRequest, { reload: false });
    assert.equal(model.kind, "ready", JSON.stringify(model));
    // The user edits the link (with completions off for its language: no completion asked there), then the ordinary file, then types in a third.
    for (const [name, text, edited] of [["local.cfg", ENV, `${ENV}9f8e7d6c5b4a`], ["names.txt", "first = ada\n", "first = ada\nsecond = grace\n"]] as const) {
      const uri = pathToFileURL(join(folder, name)).href;
      await runtime.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "plaintext", version: 1, text } });
      await runtime.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
    }
    const { sent } = await ask(runtime, join(folder, "app.txt"), "greeting = ");
    assert.equal(sent.length, 1);
    const extra = (JSON.parse(sent[0]!) as { input_extra?: { filename: string; text: string }[] }).input_extra ?? [];
    assert.deepEqual(extra.map((f) => f.filename), ["names.txt"], JSON.stringify(extra));
    assert.ok(!sent[0]!.includes("correct-horse-battery"));
  });
  it("a file made a link to .env while it is open (ln -sf .env app.txt) is no longer completed", { timeout: 120_000 }, async () => {
    const folder = tempDir("hearth-secret-links-later-");
    writeFileSync(join(folder, ".env"), ENV);
    const file = join(folder, "app.txt");
    writeFileSync(file, "greeting = ");
    await runtime?.close(1000).catch(() => undefined);
    runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: folder, initializationOptions: { settings: { serverUrl: base } } });
    const model = await runtime.connection.sendRequest(ModelLoadRequest, { reload: false });
    assert.equal(model.kind, "ready", JSON.stringify(model));
    const uri = pathToFileURL(file).href;
    assert.equal((await ask(runtime, file, "greeting = ")).sent.length, 1, "an ordinary file is completed");
    assert.equal(await runtime.connection.sendRequest(CompletionExclusionRequest, { uri }), null);
    // ln -sf: the editor reloads the unchanged buffer from disk, now .env's text.
    rmSync(file);
    symlinkSync(".env", file);
    await runtime.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: ENV }] });
    const lines = ENV.split("\n");
    const from = infills.length;
    const answer = await runtime.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: { line: lines.length - 1, character: lines.at(-1)!.length }, context: { triggerKind: 1 } });
    assert.deepEqual(infills.slice(from), [], "nothing of the link's text sent");
    assert.deepEqual(Array.isArray(answer) ? answer : (answer?.items ?? []), []);
    assert.match((await runtime.connection.sendRequest(CompletionExclusionRequest, { uri })) ?? "", /^app\.txt, a link to \.env: /);
  });
});
