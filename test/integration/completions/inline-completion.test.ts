/**
 * Inline completions on generated tiny Qwen3.5 models: the embedded backend's FIM prefix
 * reuse (a checkpoint at the start of the cursor's line) and cancellation inside generation,
 * then the built runtime answering LSP `textDocument/inlineCompletion` over stdio: ghost
 * text, typed-ahead reuse without a model call, cancellation before the model, and the
 * separate completion model with the main model as fallback.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { after, describe, it } from "node:test";
import {
  CancellationTokenSource,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  InlineCompletionRequest,
  type InlineCompletionList,
  LSPErrorCodes,
  ResponseError,
} from "vscode-languageserver-protocol";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import type { ModelBackend } from "../../../src/models/backend.ts";
import { EmbeddedBackend } from "../../../src/models/llama-cpp/embedded-backend.ts";
import { CompletionStatsRequest } from "../../../src/protocol/completions.ts";
import { ModelLoadRequest } from "../../../src/protocol/lsp-ext.ts";
import { brokenModelFile, ensureTinyModel } from "../../fixtures/models/index.ts";

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");
if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);

/** A real file as the text before the cursor: ~150 lines of TypeScript. */
const LONG_PREFIX = readFileSync(resolve(import.meta.dirname, "../../../src/completions/engine.ts"), "utf8").slice(0, 6000);

const backends: ModelBackend[] = [];
const runtimes: RuntimeProcess[] = [];
after(async () => {
  for (const b of backends) await b.dispose();
  for (const r of runtimes) await r.close(1000).catch(() => undefined);
});

function fimModel(script: string, seed = 1): Promise<string> {
  return ensureTinyModel({ arch: "qwen35", script, scriptStart: ["<|fim_middle|>"], seed });
}

describe("embedded FIM on a hybrid model", () => {
  it("typing on the cursor's line re-evaluates only what follows the line's start (checkpoint there)", async () => {
    const backend = new EmbeddedBackend({ modelPath: await ensureTinyModel({ arch: "qwen35" }), contextSize: 8192, threads: 1, gpu: false });
    backends.push(backend);
    const lineStart = LONG_PREFIX.lastIndexOf("\n") + 1;
    const ask = (typed: string, stable: boolean) =>
      backend.complete({ prefix: LONG_PREFIX + typed, suffix: "\n}\n", maxTokens: 4, ...(stable ? { prefixStableChars: lineStart } : {}) });
    const first = await ask("", true);
    assert.ok(first.usage && first.usage.promptTokens > 1000, `a long prompt (${first.usage?.promptTokens} tokens)`);
    const typed = await ask("c", true);
    const more = await ask("co", true);
    for (const r of [typed, more]) assert.ok(r.usage!.evaluatedTokens < r.usage!.promptTokens * 0.1, `${r.usage!.evaluatedTokens} of ${r.usage!.promptTokens} evaluated`);
    // Without a stable point (a fresh model) the recurrent state cannot go back: the whole prompt again.
    const control = new EmbeddedBackend({ modelPath: await ensureTinyModel({ arch: "qwen35" }), contextSize: 8192, threads: 1, gpu: false });
    backends.push(control);
    await control.complete({ prefix: LONG_PREFIX + "c", suffix: "\n}\n", maxTokens: 4 });
    const bare = await control.complete({ prefix: LONG_PREFIX + "co", suffix: "\n}\n", maxTokens: 4 });
    assert.ok(bare.usage!.evaluatedTokens > bare.usage!.promptTokens * 0.9, `${bare.usage!.evaluatedTokens} of ${bare.usage!.promptTokens} evaluated`);
  });

  it("a cancelled request stops inside generation, before its token budget", async () => {
    // One token per line (the generated model emits each distinct chunk as one token).
    const script = Array.from({ length: 40 }, (_, i) => `step${i}();`).join("\n  ");
    const backend = new EmbeddedBackend({ modelPath: await fimModel(script), contextSize: 4096, threads: 1, gpu: false });
    backends.push(backend);
    const whole = await backend.complete({ prefix: "function run() {\n  ", suffix: "\n}\n", maxTokens: 200 });
    assert.equal(whole.text, script);
    assert.equal(whole.usage!.generatedTokens, 40);
    // A signal that fires after the backend has checked it a few times: mid-generation.
    let reads = 0;
    const signal = { get aborted() { return ++reads > 8; }, reason: new DOMException("cancelled", "AbortError"), addEventListener() {}, removeEventListener() {} } as unknown as AbortSignal;
    const cut = await backend.complete({ prefix: "function run() {\n  ", suffix: "\n}\n", maxTokens: 200, signal });
    assert.equal(cut.stopReason, "aborted");
    assert.ok(cut.usage!.generatedTokens < whole.usage!.generatedTokens, `${cut.usage!.generatedTokens} < ${whole.usage!.generatedTokens} tokens`);
    assert.ok(script.startsWith(cut.text) && cut.text.length < script.length);
  });
});

const DOC_URI = "file:///work/demo/sum.ts";
const BEFORE = "export function sum(items: { price: number }[]): number {\n  let total = 0;\n  for (const item of items) {\n    total = ";
const AFTER = "\n  }\n  return total;\n}\n";

async function startRuntime(settings: Record<string, unknown>): Promise<RuntimeProcess> {
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: { threads: 1, contextSize: 4096, ...settings } } });
  runtimes.push(runtime);
  const model = await runtime.connection.sendRequest(ModelLoadRequest, { reload: false });
  assert.equal(model.kind, "ready", JSON.stringify(model));
  return runtime;
}

class Editor {
  version = 1;
  constructor(private readonly runtime: RuntimeProcess, public text: string) {
    void runtime.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: DOC_URI, languageId: "typescript", version: 1, text } });
  }

  type(chars: string, at: number): void {
    this.text = this.text.slice(0, at) + chars + this.text.slice(at);
    void this.runtime.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: DOC_URI, version: ++this.version }, contentChanges: [{ text: this.text }] });
  }

  async complete(offset: number, token?: CancellationTokenSource): Promise<string[]> {
    const before = this.text.slice(0, offset).split("\n");
    const position = { line: before.length - 1, character: before.at(-1)!.length };
    const result = (await this.runtime.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: DOC_URI }, position, context: { triggerKind: 2 } }, token?.token)) as InlineCompletionList;
    return result.items.map((i) => i.insertText as string);
  }

  stats() {
    return this.runtime.connection.sendRequest(CompletionStatsRequest);
  }
}

describe("the runtime's textDocument/inlineCompletion", () => {
  it("answers with ghost text from the model, then keeps serving it while the predicted characters are typed", { timeout: 180_000 }, async () => {
    const runtime = await startRuntime({ modelPath: await fimModel("total + item.price;") });
    const editor = new Editor(runtime, BEFORE + AFTER);
    assert.deepEqual(await editor.complete(BEFORE.length), ["total + item.price;"]);
    const afterModel = await editor.stats();
    assert.equal(afterModel.recent.at(-1)!.outcome, "model");
    editor.type("to", BEFORE.length);
    assert.deepEqual(await editor.complete(BEFORE.length + 2), ["tal + item.price;"]);
    const typedAhead = await editor.stats();
    assert.equal(typedAhead.recent.at(-1)!.outcome, "cache");
    assert.equal(typedAhead.modelCalls, afterModel.modelCalls, "no model call while typing what was predicted");
    // A character the completion did not predict: the model again.
    editor.type("x", BEFORE.length + 2);
    await editor.complete(BEFORE.length + 3);
    assert.equal((await editor.stats()).modelCalls, afterModel.modelCalls + 1);
  });

  it("a request cancelled by the next keystroke is answered RequestCancelled and never reaches the model", { timeout: 180_000 }, async () => {
    const runtime = await startRuntime({ modelPath: await fimModel("total + item.price;") });
    const editor = new Editor(runtime, BEFORE + AFTER);
    const source = new CancellationTokenSource();
    const pending = editor.complete(BEFORE.length, source);
    // Cancelled as it is sent: it reaches the runtime before the first debounce (60 ms) ends, or
    // before the request is taken (a timer of 5 ms could fire after the debounce on a loaded
    // machine, and the model was asked). The wait itself is engine.test.ts's, on a fake clock.
    source.cancel();
    await assert.rejects(pending, (e: unknown) => e instanceof ResponseError && e.code === LSPErrorCodes.RequestCancelled);
    const stats = await editor.stats();
    assert.equal(stats.recent.at(-1)!.outcome, "cancelled");
    assert.equal(stats.modelCalls, 0);
  });

  it("hearth.completionModelPath: the completion model answers; a broken one falls back to the main model", { timeout: 180_000 }, async () => {
    const main = await fimModel("mainModel();", 2);
    const runtime = await startRuntime({ modelPath: main, completionModelPath: await fimModel("smallModel();", 3) });
    const editor = new Editor(runtime, BEFORE + AFTER);
    assert.deepEqual(await editor.complete(BEFORE.length), ["smallModel();"]);
    assert.equal((await editor.stats()).recent.at(-1)!.model, "completion");
    const broken = await startRuntime({ modelPath: main, completionModelPath: await brokenModelFile("truncated-data") });
    const other = new Editor(broken, BEFORE + AFTER);
    assert.deepEqual(await other.complete(BEFORE.length), ["mainModel();"]);
    assert.equal((await other.stats()).recent.at(-1)!.model, "main");
  });
});
