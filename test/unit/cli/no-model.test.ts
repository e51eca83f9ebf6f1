// What hearth chat and hearth fix say with no model: the exact download command for this
// machine's recommended model, or — when nothing Hearth downloads fits — the reason, never a
// 20 GiB download that could not run.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { noModel } from "../../../src/cli/no-model.ts";
import { DEFAULT_PRESET, findPreset, findQuantization, recommendModel } from "../../../src/models/presets.ts";

const GiB = 1024 ** 3;

describe("noModel", () => {
  it("names the exact command that downloads the model recommended for this machine, with its size", () => {
    const fits = recommendModel({ vramBytes: 48 * GiB, ramBytes: 64 * GiB });
    assert.ok(fits.fits);
    const text = noModel("fix", fits);
    assert.match(text, /^No model to fix the issue with\. Give hearth one of:\n {2}--model FILE\.gguf .*\n {2}--server URL .*\n/);
    const size = findQuantization(findPreset(DEFAULT_PRESET)!, fits.quantization)!.sizeBytes / GiB;
    assert.ok(text.includes(`  hearth models --download ${DEFAULT_PRESET} --quant ${fits.quantization}\n`), text);
    assert.match(text, new RegExp(`the model recommended here \\(${size.toFixed(1)} GiB: ${fits.reason}\\); chat and fix then use it by default\\n$`));
  });

  it("offers no download on a machine nothing fits: the reason, after --model and --server", () => {
    const none = recommendModel({ vramBytes: 0, ramBytes: 8 * GiB });
    assert.equal(none.fits, false);
    const text = noModel("chat", none);
    assert.match(text, /^No model to chat with\./);
    assert.doesNotMatch(text, /hearth models --download/);
    assert.ok(text.endsWith(`  ${none.reason}.\n`), text);
  });
});
