// The completion model recommended beside the main model, by the VRAM it leaves free.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { COMPLETION_MODELS, recommendCompletionModel, recommendModel } from "../../../src/models/presets.ts";

const GiB = 1024 ** 3;

describe("recommendCompletionModel", () => {
  it("the largest small model that fits next to the main model in VRAM", () => {
    assert.equal(recommendCompletionModel({ vramBytes: 80 * GiB, ramBytes: 64 * GiB }).model.name, "Qwen3.5-4B");
    // 24 GiB: the main model takes ~22.7 GiB of it, no room beside it.
    const tight = recommendCompletionModel({ vramBytes: 24 * GiB, ramBytes: 64 * GiB });
    assert.equal(tight.model.name, "Qwen3.5-0.8B");
    assert.match(tight.reason, /GPU is full/);
  });

  it("steps down as the room shrinks, and picks the smallest without a GPU", () => {
    const main = recommendModel({ vramBytes: 48 * GiB, ramBytes: 64 * GiB });
    const names = [42, 40.5, 39.5].map((v) => recommendCompletionModel({ vramBytes: v * GiB, ramBytes: 64 * GiB }, main).model.name);
    assert.deepEqual(names, ["Qwen3.5-4B", "Qwen3.5-2B", "Qwen3.5-0.8B"]);
    const cpu = recommendCompletionModel({ vramBytes: 0, ramBytes: 32 * GiB });
    assert.equal(cpu.model.name, "Qwen3.5-0.8B");
    assert.match(cpu.reason, /no GPU/);
  });

  it("every completion model is a GGUF from Hugging Face, smaller than any main preset", () => {
    for (const m of COMPLETION_MODELS) {
      assert.match(m.quantization.url, /^https:\/\/huggingface\.co\/.+\.gguf$/);
      assert.ok(m.quantization.sizeBytes < 5e9);
    }
  });
});
