/**
 * Inline completions in a window of several folders, through the built runtime over LSP with
 * an OpenAI-compatible server on 127.0.0.1 that records each `/infill` request (what the
 * model is shown): a file of the folder Hearth works in gets the definitions the folder's
 * index finds; a file of another folder is completed from its own text only.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { DidOpenTextDocumentNotification, InlineCompletionRequest } from "vscode-languageserver-protocol";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { ModelLoadRequest, StatusChangedNotification, StatusRequest } from "../../../src/protocol/lsp-ext.ts";
import type { RuntimeStatus } from "../../../src/protocol/status.ts";
import { type InfillServer, startInfillServer } from "../../fixtures/infill-server.ts";
import { tempDir } from "../../fixtures/temp.ts";

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");
if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);

interface Infill {
  readonly input_prefix: string;
  readonly input_extra?: ReadonlyArray<{ filename: string; text: string }>;
}

describe("completions for a file outside the folder Hearth works in", () => {
  let server: InfillServer;
  let base: string;
  const infills: Infill[] = [];
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
    infills.push(JSON.parse(body) as Infill);
    // An empty answer is not cached: every request reaches the server.
    res.end(JSON.stringify({ content: "", stop_type: "eos" }));
    return true;
  }

  /** Resolves once the runtime's index of its folder is ready. */
  async function indexReady(r: RuntimeProcess): Promise<void> {
    const ready = (s: RuntimeStatus) => s.index.kind === "ready";
    const notified = new Promise<void>((done) => r.connection.onNotification(StatusChangedNotification, (s: RuntimeStatus) => {
      if (ready(s)) done();
    }));
    if (ready(await r.connection.sendRequest(StatusRequest))) return;
    await notified;
  }

  /** Opens `uri` with `text` and asks for a completion at its end `times` times; the /infill requests they made. */
  async function ask(r: RuntimeProcess, uri: string, text: string, times: number, until?: (i: Infill) => boolean): Promise<Infill[]> {
    await r.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "typescript", version: 1, text } });
    const lines = text.split("\n");
    const position = { line: lines.length - 1, character: lines.at(-1)!.length };
    const from = infills.length;
    for (let i = 0; i < times; i++) {
      await r.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position, context: { triggerKind: 1 } });
      if (until && infills.slice(from).some(until)) break;
    }
    return infills.slice(from);
  }

  it("a file of another folder of the window is shown none of the chosen folder's definitions; one of the folder is", { timeout: 120_000 }, async () => {
    const api = tempDir("hearth-folder-api-");
    writeFileSync(join(api, "pricing.ts"), "export function computeInvoiceTotal(cents: number[]): number {\n  return cents.reduce((a, b) => a + b, 0) / 100;\n}\n");
    const web = join(tempDir("hearth-folder-web-"), "web");
    mkdirSync(web);
    const webFile = join(web, "checkout.ts");
    writeFileSync(webFile, "const webTotal = computeInvoiceTotal(\n");
    runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: api, initializationOptions: { settings: { serverUrl: base } } });
    const model = await runtime.connection.sendRequest(ModelLoadRequest, { reload: false });
    assert.equal(model.kind, "ready", JSON.stringify(model));
    await indexReady(runtime);

    // A lookup slower than the engine waits for reaches the next request: ask until it does.
    const hasPricing = (i: Infill) => (i.input_extra ?? []).some((f) => f.filename === "pricing.ts");
    const inside = await ask(runtime, pathToFileURL(join(api, "cart.ts")).href, "const apiTotal = computeInvoiceTotal(", 20, hasPricing);
    assert.ok(inside.some(hasPricing), `the folder's file is shown pricing.ts: ${JSON.stringify(inside)}`);

    const outside = await ask(runtime, pathToFileURL(webFile).href, "const webTotal = computeInvoiceTotal(", 5);
    assert.equal(outside.length, 5);
    for (const infill of outside) {
      assert.equal(infill.input_prefix, "const webTotal = computeInvoiceTotal(");
      assert.deepEqual(infill.input_extra ?? [], [], "nothing of the api folder in web's prompt");
    }
  });
});
