/**
 * A GGUF the user chose themselves (hearth.modelPath, Choose a GGUF file…, --model) that was not
 * whole yet: a download still being written by a browser or `ollama pull`, or a split model whose
 * later parts were still arriving. Download Model… fetches Hearth's own presets, not this file,
 * so the error's way on is choosing a model; and once the file is whole at the same path (no
 * setting changes, and choosing the same file again changes none either), the next request loads it.
 * Real files: the tiny qwen35 GGUF, cut short and then whole; the slot loads it with node-llama-cpp.
 */
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { ModelSlot } from "../../../src/models/index.ts";
import { DEFAULT_SETTINGS } from "../../../src/protocol/settings.ts";
import { brokenModelFile, ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const settings = (modelPath: string) => ({ ...DEFAULT_SETTINGS, modelPath, contextSize: 512, gpuLayers: 0 });

it("a GGUF of the user's own cut short: the way on is choosing a model, not Hearth's Download Model; once whole it loads at the next request", async (t) => {
  const path = join(tempDir("hearth-own-"), "Qwen3.5-9B-Q4_K_M.gguf");
  copyFileSync(await brokenModelFile("truncated-data"), path);
  const slot = new ModelSlot();
  t.after(() => slot.dispose());
  slot.configure(settings(path));
  await assert.rejects(slot.ready(), /incomplete/);
  const state = slot.state();
  assert.ok(state.kind === "error", JSON.stringify(state));
  assert.equal(state.fix, "selectModel", "Download Model… would fetch Hearth's preset, not this file");
  assert.match(state.message, /the model file is incomplete \(.*\), probably an interrupted download: .*Qwen3\.5-9B-Q4_K_M\.gguf\. Finish or repeat its download where it came from, or choose another model/);

  writeFileSync(path, readFileSync(await ensureTinyModel({ arch: "qwen35" }))); // the download finishes
  await slot.ready();
  assert.equal(slot.state().kind, "ready", JSON.stringify(slot.state()));
});

it("the first part of a split model chosen while a later part was still downloading is checked again at the next request once that part is there", async (t) => {
  const dir = tempDir("hearth-own-split-");
  copyFileSync(await ensureTinyModel({ arch: "qwen35" }), join(dir, "model-00001-of-00002.gguf"));
  const slot = new ModelSlot();
  t.after(() => slot.dispose());
  slot.configure(settings(join(dir, "model-00001-of-00002.gguf")));
  await assert.rejects(slot.ready(), /model-00002-of-00002\.gguf is missing/);
  // The part that arrives is one the validator refuses for itself, so that no split model of
  // whole tiny models is handed to llama.cpp: what fails now shows the parts were checked again.
  copyFileSync(await brokenModelFile("huge-array"), join(dir, "model-00002-of-00002.gguf"));
  await assert.rejects(slot.ready(), /declares 1099511627776 items/);
});
