// Manage Downloaded Models → Delete on a model the runtime has loaded: the runtime lets go of
// it itself (the chat model and the completion model alike) and the file is gone, without a
// restart; the catalog says exactly which downloaded file each slot holds, so the extension
// need not guess by file or preset. The built runtime with generated GGUFs (CPU, one thread).
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { findPreset, findQuantization } from "../../../src/models/index.ts";
import { ModelCatalogRequest, ModelDeleteRequest, ModelLoadRequest, StatusRequest } from "../../../src/protocol/lsp-ext.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");
if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);

const BASE = { threads: 1, contextSize: 2048 };

/** A runtime whose models folder holds `files` (name → a tiny model's seed), with `settings` naming them. */
async function start(t: TestContext, files: Record<string, number>, settings: (models: string) => Record<string, unknown>) {
  const storage = tempDir("hearth-delete-model-");
  const models = join(storage, "models");
  mkdirSync(models);
  for (const [name, seed] of Object.entries(files)) copyFileSync(await ensureTinyModel({ arch: "qwen35", seed }), join(models, name));
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: { ...BASE, ...settings(models) }, globalStoragePath: storage } });
  t.after(() => runtime.close(1000));
  const catalog = async () => new Map((await runtime.connection.sendRequest(ModelCatalogRequest)).downloaded.map((d) => [d.path, d.loadedFor ?? []]));
  return { runtime, models, catalog };
}

describe("deleting a downloaded model the runtime has loaded", () => {
  it("the chat and completion models are unloaded and their files deleted, without a restart; the model's state says the file is gone", { timeout: 120_000 }, async (t) => {
    const { runtime, models, catalog } = await start(t, { "chat.gguf": 1, "completion.gguf": 2, "other.gguf": 3 }, (m) => ({ modelPath: join(m, "chat.gguf"), completionModelPath: join(m, "completion.gguf") }));
    const chat = join(models, "chat.gguf");
    const completion = join(models, "completion.gguf");
    assert.equal((await runtime.connection.sendRequest(ModelLoadRequest, {})).kind, "ready");
    const held = await catalog();
    assert.deepEqual(held.get(chat), ["chat"], "the catalog names the chat model's file");
    assert.deepEqual(held.get(completion), ["completions"], "and the completion model's");
    assert.deepEqual(held.get(join(models, "other.gguf")), [], "and no other");

    await runtime.connection.sendRequest(ModelDeleteRequest, { path: completion });
    assert.equal(existsSync(completion), false);
    assert.equal((await catalog()).has(completion), false);
    assert.equal((await runtime.connection.sendRequest(StatusRequest)).model.kind, "ready", "the chat model stays");

    await runtime.connection.sendRequest(ModelDeleteRequest, { path: chat });
    assert.equal(existsSync(chat), false);
    const status = await runtime.connection.sendRequest(StatusRequest);
    assert.equal(status.pid, runtime.child.pid, "the same runtime, not a restarted one");
    assert.equal(status.model.kind, "error", `no model loaded from the deleted file: ${JSON.stringify(status.model)}`);
    assert.match(status.model.kind === "error" ? status.model.message : "", /model file not found/);
    assert.match(runtime.log(), /unloaded .*chat\.gguf.* it is being deleted/);
  });

  it("a preset's downloaded file: the runtime lets go of the quantization it loaded, not another of the same preset", { timeout: 120_000 }, async (t) => {
    const preset = findPreset("qwen3.6-35b-a3b")!;
    const [first, second] = [findQuantization(preset)!, preset.quantizations.find((q) => q.id !== findQuantization(preset)!.id)!];
    const { runtime, models, catalog } = await start(t, { [first.file]: 1, [second.file]: 2 }, () => ({ modelPreset: preset.id }));
    assert.equal((await runtime.connection.sendRequest(ModelLoadRequest, {})).kind, "ready");
    const held = await catalog();
    assert.deepEqual(held.get(join(models, first.file)), ["chat"], JSON.stringify([...held]));
    assert.deepEqual(held.get(join(models, second.file)), [], "the other quantization of the same preset is not in use");

    await runtime.connection.sendRequest(ModelDeleteRequest, { path: join(models, second.file) });
    assert.equal((await runtime.connection.sendRequest(StatusRequest)).model.kind, "ready", "deleting the other quantization leaves the model loaded");

    await runtime.connection.sendRequest(ModelDeleteRequest, { path: join(models, first.file) });
    assert.equal(existsSync(join(models, first.file)), false);
    const status = await runtime.connection.sendRequest(StatusRequest);
    assert.equal(status.pid, runtime.child.pid);
    assert.equal(status.model.kind, "none", `the preset is not downloaded any more: ${JSON.stringify(status.model)}`);
  });
});
