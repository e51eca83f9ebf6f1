// Presets, downloaded-file listing and the recommendation from VRAM/RAM.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { findDownloadedPreset, findPreset, listDownloaded, PRESETS, recommendModel } from "../../../src/models/presets.ts";
import { MODEL_PRESETS } from "../../../src/protocol/settings.ts";
import { tempDir } from "../../fixtures/temp.ts";

const GiB = 1024 ** 3;

test("both presets, four quantizations each, Q4_K_M default, Hugging Face URLs; ids match the setting's enum", () => {
  assert.deepEqual(PRESETS.map((p) => p.id), MODEL_PRESETS.filter((p) => p !== "custom"));
  for (const preset of PRESETS) {
    assert.deepEqual(preset.quantizations.map((q) => q.id), ["Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0"]);
    assert.equal(preset.defaultQuantization, "Q4_K_M");
    for (const q of preset.quantizations) assert.match(q.url, /^https:\/\/huggingface\.co\/.+\/resolve\/main\/.+\.gguf$/);
    const sizes = preset.quantizations.map((q) => q.sizeBytes);
    assert.deepEqual(sizes, [...sizes].sort((a, b) => a - b), "larger quantizations are larger");
  }
});

test("recommendation: the best quantization that fits in VRAM, else split across RAM, else not fitting", () => {
  assert.deepEqual(recommendModel({ vramBytes: 80 * GiB, ramBytes: 128 * GiB }).quantization, "Q8_0");
  assert.deepEqual(recommendModel({ vramBytes: 32 * GiB, ramBytes: 64 * GiB }).quantization, "Q6_K");
  const gpu24 = recommendModel({ vramBytes: 24 * GiB, ramBytes: 64 * GiB });
  assert.equal(gpu24.quantization, "Q4_K_M");
  assert.ok(gpu24.fits);
  const split = recommendModel({ vramBytes: 8 * GiB, ramBytes: 32 * GiB });
  assert.ok(split.fits);
  assert.match(split.reason, /VRAM plus system RAM/);
  const small = recommendModel({ vramBytes: 0, ramBytes: 8 * GiB });
  assert.equal(small.fits, false);
  assert.match(small.reason, /server URL/);
});

test("downloaded files: whole and partial, matched to presets", () => {
  const folder = tempDir("hearth-presets-");
  const q = findPreset("qwen3.5-27b")!.quantizations[2]!;
  writeFileSync(join(folder, q.file), "x");
  writeFileSync(join(folder, `${findPreset("qwen3.5-35b-a3b")!.quantizations[0]!.file}.part`), "xy");
  writeFileSync(join(folder, "notes.txt"), "");
  const listed = listDownloaded(folder);
  assert.deepEqual(listed.map((d) => [d.preset, d.quantization, d.complete, d.sizeBytes]), [
    ["qwen3.5-27b", "Q6_K", true, 1],
    ["qwen3.5-35b-a3b", "Q4_K_M", false, 2],
  ]);
  assert.equal(findDownloadedPreset(folder, "qwen3.5-27b"), join(folder, q.file));
  assert.equal(findDownloadedPreset(folder, "qwen3.5-35b-a3b"), undefined, "a .part file is not a model");
});

test("downloaded files: a dangling link, a link loop, a folder or a FIFO named *.gguf does not break the listing and is not listed", () => {
  const folder = tempDir("hearth-presets-");
  writeFileSync(join(folder, "mine.gguf"), "abc");
  symlinkSync(join(folder, "moved-away.gguf"), join(folder, "gone.gguf"));
  symlinkSync(join(folder, "loop.gguf"), join(folder, "loop.gguf"));
  mkdirSync(join(folder, "folder.gguf"));
  if (process.platform !== "win32") spawnSync("mkfifo", [join(folder, "pipe.gguf")]);
  assert.deepEqual(listDownloaded(folder).map((d) => [d.path, d.sizeBytes, d.complete]), [[join(folder, "mine.gguf"), 3, true]]);
});

test("Qwen3.6 presets (the Qwen models node-llama-cpp recommends) come first and the newest is the default; estimated sizes are marked", async () => {
  const { DEFAULT_PRESET } = await import("../../../src/models/presets.ts");
  assert.deepEqual(PRESETS.slice(0, 2).map((p) => [p.id, p.name, p.architecture]), [
    ["qwen3.6-35b-a3b", "Qwen3.6-35B-A3B", "qwen35moe"],
    ["qwen3.6-27b", "Qwen3.6-27B", "qwen35"],
  ]);
  assert.equal(DEFAULT_PRESET, "qwen3.6-35b-a3b");
  assert.equal(recommendModel({ vramBytes: 24 * GiB, ramBytes: 64 * GiB }).preset, "qwen3.6-35b-a3b");
  const q4 = PRESETS[0]!.quantizations[0]!;
  assert.equal(q4.url, "https://huggingface.co/unsloth/Qwen3.6-35B-A3B-GGUF/resolve/main/Qwen3.6-35B-A3B-Q4_K_M.gguf");
  assert.equal(q4.sizeEstimated, true, "no published size was checked for Qwen3.6: the Qwen3.5 size stands in, marked");
  assert.equal(PRESETS.find((p) => p.id === "qwen3.5-35b-a3b")!.quantizations[0]!.sizeEstimated, undefined);
});

test("downloaded files: what a model download moved aside (not a model, incomplete) is listed as such, not as a model or a part", () => {
  const folder = tempDir("hearth-presets-");
  const q = findPreset("qwen3.5-27b")!.quantizations[2]!;
  writeFileSync(join(folder, `${q.file}.not-a-model`), "<html>");
  writeFileSync(join(folder, `${q.file}.not-a-model-2`), "<!DOCTYPE html>");
  writeFileSync(join(folder, `${q.file}.incomplete`), "GGUF");
  writeFileSync(join(folder, "m.gguf.not-a-model.txt"), "");
  assert.deepEqual(listDownloaded(folder).map((d) => [d.path, d.sizeBytes, d.complete, d.movedAside, d.preset]), [
    [join(folder, `${q.file}.incomplete`), 4, false, "incomplete", undefined],
    [join(folder, `${q.file}.not-a-model`), 6, false, "not-a-model", undefined],
    [join(folder, `${q.file}.not-a-model-2`), 15, false, "not-a-model", undefined],
  ]);
  assert.equal(findDownloadedPreset(folder, "qwen3.5-27b"), undefined, "none of them is the model");
});
