import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_SETTINGS, SETTINGS, sanitizeSettings, settingsNeedingRestart } from "../../../src/protocol/settings.ts";

describe("sanitizeSettings", () => {
  it("fills every missing setting with its default", () => {
    const { settings, problems } = sanitizeSettings(undefined);
    assert.deepEqual(settings, DEFAULT_SETTINGS);
    assert.deepEqual(problems, []);
    assert.equal(Object.keys(settings).length, SETTINGS.length);
  });

  it("keeps valid values and trims strings", () => {
    const { settings, problems } = sanitizeSettings({ contextSize: 32768, modelPath: "  /m/q.gguf ", kvCacheType: "q8_0", inlineCompletionsEnabled: false });
    assert.equal(settings.contextSize, 32768);
    assert.equal(settings.modelPath, "/m/q.gguf");
    assert.equal(settings.kvCacheType, "q8_0");
    assert.equal(settings.inlineCompletionsEnabled, false);
    assert.deepEqual(problems, []);
  });

  it("replaces wrong types, unknown enum values and out-of-range numbers with defaults, and says so", () => {
    const { settings, problems } = sanitizeSettings({
      contextSize: 10_000_000,
      gpuLayers: 1.5,
      kvCacheType: "q3_k",
      threads: "4",
      approvalPolicy: "yolo",
      inlineCompletionsEnabled: "yes",
    });
    assert.equal(settings.contextSize, 0);
    assert.equal(settings.gpuLayers, -1);
    assert.equal(settings.kvCacheType, "f16");
    assert.equal(settings.threads, 0);
    assert.equal(settings.approvalPolicy, "ask");
    assert.equal(settings.inlineCompletionsEnabled, true);
    assert.equal(problems.length, 6);
    assert.match(problems.join("\n"), /hearth\.contextSize: 10000000 is not valid/);
  });

  it("drops unknown keys and survives non-object input", () => {
    assert.deepEqual(sanitizeSettings({ evil: "x", __proto__: { threads: 3 } }).settings, DEFAULT_SETTINGS);
    assert.deepEqual(sanitizeSettings("nonsense").settings, DEFAULT_SETTINGS);
    assert.deepEqual(sanitizeSettings([1, 2]).settings, DEFAULT_SETTINGS);
  });

  it("reports which changed settings need a runtime restart", () => {
    const after = { ...DEFAULT_SETTINGS, modelPath: "/x.gguf" };
    const restartKeys = SETTINGS.filter((s) => s.restartsRuntime).map((s) => s.key);
    assert.deepEqual(settingsNeedingRestart(DEFAULT_SETTINGS, after), restartKeys.filter((k) => k === "modelPath"));
    assert.deepEqual(settingsNeedingRestart(DEFAULT_SETTINGS, DEFAULT_SETTINGS), []);
  });
});
