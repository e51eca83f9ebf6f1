/**
 * The built runtime (out/runtime.mjs) completing from a llama-server-like server on
 * 127.0.0.1 (hearth.serverUrl) that cannot answer: `hearth/completions/status` tells the
 * editor completions wait for a busy server (503 "Loading model"), or fail (an empty body),
 * and that they answer again once the server does. The backoff's own timing is
 * test/unit/completions/busy-server.test.ts's (a fake clock).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { DidOpenTextDocumentNotification, InlineCompletionRequest, type InlineCompletionList } from "vscode-languageserver-protocol";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { type CompletionStatus, CompletionStatusNotification } from "../../../src/protocol/completions.ts";

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");
if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);

const DOC_URI = "untitled:Untitled-1";

describe("completion status from the runtime, behind a server that cannot answer", () => {
  let infill: (res: ServerResponse) => void = (res) => void res.end(JSON.stringify({ content: "count", stop_type: "eos" }));
  const server = createServer(async (req, res) => {
    for await (const _ of req);
    if (req.url === "/v1/models") return void res.end(JSON.stringify({ data: [{ id: "qwen3.5-test" }] }));
    if (req.url === "/infill") return infill(res);
    res.writeHead(404).end();
  });
  let runtime: RuntimeProcess;
  const statuses: CompletionStatus[] = [];
  let onStatus: (() => void) | undefined;

  before(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: { serverUrl } } });
    runtime.connection.onNotification(CompletionStatusNotification, (status) => {
      statuses.push(status);
      onStatus?.();
    });
    await runtime.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: DOC_URI, languageId: "typescript", version: 1, text: "const n = ;\n" } });
  });
  after(async () => {
    await runtime?.close(1000).catch(() => undefined);
    await new Promise<void>((r) => server.close(() => r()));
  });

  /** Resolves with the first status, from now, in `state`. */
  function nextStatus(state: CompletionStatus["state"]): Promise<CompletionStatus> {
    const from = statuses.length;
    return new Promise((resolveStatus) => {
      onStatus = () => {
        const found = statuses.slice(from).find((s) => s.state === state);
        if (found) resolveStatus(found);
      };
    });
  }

  /** A completion at the end of `const n = ` in `uri` (each test its own document: the cache keeps the last answer). */
  function complete(uri = DOC_URI): Promise<InlineCompletionList> {
    return runtime.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: { line: 0, character: 10 }, context: { triggerKind: 2 } }) as Promise<InlineCompletionList>;
  }

  it("says completions are waiting while the server answers 503, and ready again with the completion once it frees", async () => {
    infill = (res) => void res.writeHead(503, { "Content-Type": "application/json" }).end(JSON.stringify({ error: { code: 503, message: "Loading model", type: "unavailable_error" } }));
    const waiting = nextStatus("waiting");
    const pending = complete();
    const status = await waiting;
    assert.match((status as { reason: string }).reason, /busy.*503.*Loading model/);
    assert.match(runtime.log(), /\[warn\] inline completions waiting: .*503.*Loading model/);
    const ready = nextStatus("ready");
    infill = (res) => void res.end(JSON.stringify({ content: "count", stop_type: "eos" }));
    assert.deepEqual((await pending).items.map((i) => i.insertText), ["count"], "the same request, tried again, shows the completion");
    await ready;
  });

  it("says completions are failing, and why, when the server answers 200 with an empty body", async () => {
    const uri = "untitled:Untitled-2";
    await runtime.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "typescript", version: 1, text: "const n = ;\n// two\n" } });
    infill = (res) => void res.end();
    const failing = nextStatus("failing");
    assert.deepEqual((await complete(uri)).items, []);
    assert.match(((await failing) as { reason: string }).reason, /not JSON/);
    // "Show Log" says it too, as it did before the status existed (the engine now keeps the error).
    assert.match(runtime.log(), /\[warn\] inline completions failing: .*not JSON/);
    const ready = nextStatus("ready");
    infill = (res) => void res.end(JSON.stringify({ content: "count", stop_type: "eos" }));
    assert.deepEqual((await complete(uri)).items.map((i) => i.insertText), ["count"]);
    await ready;
  });
});
