// A setting that reloads the model (another model file, another context size) while a reply
// is being generated: the slot disposes the model the reply runs on. The reply must stop
// with a message that says what happened and what to do, not node-llama-cpp's "Object is
// disposed". A real RuntimeSession with generated GGUFs (CPU, one thread); a fake clock
// decides when the settings burst has settled.
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { DidChangeConfigurationNotification } from "vscode-languageserver-protocol";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { BackendError } from "../../../src/models/index.ts";
import { AgentEventNotification, AgentRunRequest } from "../../../src/protocol/agent.ts";
import { StatusRequest } from "../../../src/protocol/lsp-ext.ts";
import { RuntimeSession, SETTINGS_SETTLE_MS } from "../../../src/runtime/session.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");
if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);

const BASE = { threads: 1, contextSize: 4096 };

describe("the model changes while a reply runs", () => {
  for (const [what, change] of [
    ["another model file", (other: string) => ({ ...BASE, modelPath: other })],
    ["another context size", (_other: string, own: string) => ({ ...BASE, modelPath: own, contextSize: 2048 })],
  ] as const) {
    it(`${what}: the reply stops with a message that says the model changed and to send again`, async (t) => {
      const a = await ensureTinyModel({ arch: "qwen35" });
      const b = await ensureTinyModel({ arch: "qwen35", seed: 2 });
      const clock = new FakeClock();
      const session = new RuntimeSession({ ...BASE, modelPath: a }, () => undefined, { clock });
      t.after(() => session.dispose());
      const backend = await session.readyBackend();
      const stream = backend.chat({ messages: [{ role: "user", content: "hi" }], thinking: false, maxTokens: 2000 })[Symbol.asyncIterator]();
      assert.equal((await stream.next()).done, false, "the reply started");

      await session.updateSettings(change(b, a));
      clock.advance(SETTINGS_SETTLE_MS);
      await session.settledStatus(); // the old model is disposed by now

      await assert.rejects(
        (async () => {
          for (let next = await stream.next(); !next.done; next = await stream.next());
        })(),
        (error: unknown) => {
          assert.ok(error instanceof BackendError, `a BackendError, got ${String(error)}`);
          assert.match(error.message, /model was changed or reloaded .* while this reply was running/);
          assert.match(error.message, /send the message again/);
          return true;
        },
      );
      assert.equal((await session.readyBackend()).kind, "embedded", "the new model loads and answers");
    });
  }

  it("through the runtime: an agent run whose model is switched mid-reply ends saying so, and the runtime keeps serving", async (t) => {
    const [a, b] = [await ensureTinyModel({ arch: "qwen35" }), await ensureTinyModel({ arch: "qwen35", seed: 2 })];
    const root = tempDir("hearth-model-change-");
    writeFileSync(join(root, "a.txt"), "x\n");
    const runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: root, initializationOptions: { settings: { ...BASE, modelPath: a }, storagePath: tempDir("hearth-model-change-storage-") } });
    t.after(() => runtime.close(1000));
    // The model's first streamed words: the reply is running on model A.
    const streaming = new Promise<void>((started) => runtime.connection.onNotification(AgentEventNotification, (e) => {
      if (e.event.type === "model") started();
    }));
    const run = runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "hi", mode: "chat" });
    await streaming;
    await runtime.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { hearth: { ...BASE, modelPath: b } } });
    const result = await run;
    assert.equal(result.stopReason, "model-error");
    assert.match(result.message, /model was changed or reloaded .* send the message again/);
    assert.doesNotMatch(runtime.log(), /Object is disposed/);
    assert.equal((await runtime.connection.sendRequest(StatusRequest)).pid, runtime.child.pid);
  });
});
