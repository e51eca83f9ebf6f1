// The built runtime (out/runtime.mjs) following an open document by incremental sync: the
// client sends only the edited ranges, and the index's view of the unsaved text (through
// @-mention search, zero-based lines) is the edited text; a change it cannot apply sends the index back to disk,
// and the runtime asks the client (`hearth/document/resync`) for the whole text once to be in sync again.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, it } from "node:test";
import { DidChangeTextDocumentNotification, DidOpenTextDocumentNotification, type TextDocumentContentChangeEvent, TextDocumentSyncKind } from "vscode-languageserver-protocol";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { MentionSearchRequest } from "../../../src/protocol/agent.ts";
import { DocumentResyncRequest, StatusRequest } from "../../../src/protocol/lsp-ext.ts";
import { BUILT_RUNTIME as RUNTIME, closedAfterAll } from "../../fixtures/built-runtime.ts";
import { tempDir } from "../../fixtures/temp.ts";

const running = closedAfterAll();

// No limit of its own (it was a number of tries: a few seconds, which a loaded machine's index
// could need): a wait that never ends fails by the runner's limit on a test file.
async function poll<T>(_what: string, f: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await f();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The built runtime on a folder holding `shop.ts` = `text`, once its index is ready (the
 * document not opened yet): `symbols` lists the index's matches as `name:line`, `send` a
 * didChange of `shop.ts`.
 */
async function shopRuntime(text: string) {
  const root = tempDir("hearth-it-sync-");
  writeFileSync(join(root, "shop.ts"), text);
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: root, initializationOptions: { settings: {}, storagePath: tempDir("hearth-it-storage-") } });
  running.push(runtime);
  await poll("index ready", async () => ((await runtime.connection.sendRequest(StatusRequest)).index.kind === "ready" ? true : undefined));
  const uri = pathToFileURL(join(root, "shop.ts")).href;
  const symbols = async (query: string) => (await runtime.connection.sendRequest(MentionSearchRequest, { query, limit: 20 })).symbols.map((s) => `${s.name}:${s.line}`);
  const send = (version: number, contentChanges: TextDocumentContentChangeEvent[]) =>
    runtime.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges });
  return { runtime, uri, symbols, send };
}

const range = (line: number, character: number, endLine = line, endCharacter = character) => ({ start: { line, character }, end: { line: endLine, character: endCharacter } });

describe("incremental document sync", () => {
  it("applies the ranges a client sends, and the index follows the edited unsaved text", async () => {
    // CRLF line ends and an astral character before the edits: positions are UTF-16 code units.
    const text = "// 🛒 basket\r\nexport function checkoutBasket(total: number) {\r\n  return total;\r\n}\r\n";
    const { runtime, uri, symbols, send } = await shopRuntime(text);
    const sync = runtime.initializeResult.capabilities.textDocumentSync;
    assert.equal(typeof sync === "object" && sync.change, TextDocumentSyncKind.Incremental);
    await runtime.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "typescript", version: 1, text } });
    // Typing on line 0 after the emoji (two code units), then renaming the function and adding one.
    await send(2, [{ range: range(0, 5), text: "🧾" }]);
    await send(3, [{ range: range(1, 24, 1, 30), text: "Invoice" }]);
    await send(4, [{ range: range(4, 0), text: "export function refundInvoice() {}\r\n" }, { range: range(0, 0), text: "\r\n" }]);
    const edited = await poll("the edited text indexed", async () => {
      const found = await symbols("Invoice");
      return found.includes("refundInvoice:5") ? found : undefined;
    });
    assert.ok(edited.includes("checkoutInvoice:2"), JSON.stringify(edited));
    assert.deepEqual(await symbols("checkoutBasket"), [], "the old name is gone from the unsaved text");

    // A range past the end cannot be applied: the index goes back to the file on disk, not to a guess
    // (this client does not answer the runtime's resync: MethodNotFound, as an older extension or the CLI would).
    await send(5, [{ range: range(40, 0), text: "x" }]);
    await poll("the file on disk indexed again", async () => ((await symbols("checkoutBasket")).includes("checkoutBasket:1") ? true : undefined));
    assert.deepEqual(await symbols("refundInvoice"), []);
  });

  it("asks the client for the whole text once when a change cannot be applied, and follows the edited text again", async () => {
    const text = "export function checkoutBasket(total: number) {\n  return total;\n}\n";
    const { runtime, uri, symbols, send } = await shopRuntime(text);
    // The editor's text, as this client holds it; the runtime asks for it by uri.
    let editor = { text, version: 1 };
    const asked: string[] = [];
    runtime.connection.onRequest(DocumentResyncRequest, ({ uri: asking }) => {
      asked.push(asking);
      return asking === uri ? editor : null;
    });
    await runtime.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "typescript", version: 1, text } });

    // The editor adds a function at the end, but the change it sends names a line past the end.
    editor = { text: `${text}export function refundInvoice() {}\n`, version: 2 };
    await send(2, [{ range: range(40, 0), text: "export function refundInvoice() {}\n" }]);
    await poll("the resync's text indexed", async () => ((await symbols("refundInvoice")).includes("refundInvoice:3") ? true : undefined));
    assert.deepEqual(asked, [uri]);

    // In sync again: the next ranges apply to the answered text.
    editor = { text: editor.text.replace("checkoutBasket", "checkoutInvoice"), version: 3 };
    await send(3, [{ range: range(0, 24, 0, 30), text: "Invoice" }]);
    const edited = await poll("the next edit indexed", async () => {
      const found = await symbols("Invoice");
      return found.includes("checkoutInvoice:0") ? found : undefined;
    });
    assert.ok(edited.includes("refundInvoice:3"), JSON.stringify(edited));
    assert.deepEqual(await symbols("checkoutBasket"), []);
    assert.deepEqual(asked, [uri], "asked once");
  });
});
