import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_SETTINGS, SETTINGS, type SettingSpec, layeredValue, sanitizeSettings } from "../../../src/protocol/settings.ts";

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
});

// A cloned repository's .vscode/settings.json is written by whoever committed to it: it must
// not loosen what the agent may do unasked, nor choose which file the GGUF reader opens.
describe("what a workspace may set (layeredValue)", () => {
  const spec = (key: string): SettingSpec => SETTINGS.find((s) => s.key === key)!;

  it("a workspace cannot loosen the approval policy, only tighten it", () => {
    const policy = spec("approvalPolicy");
    assert.equal(layeredValue(policy, { workspaceValue: "auto-all" }, true), "ask");
    assert.equal(layeredValue(policy, { globalValue: "auto-edit", workspaceFolderValue: "auto-all" }, true), "auto-edit");
    assert.equal(layeredValue(policy, { globalValue: "auto-all", workspaceValue: "auto-edit" }, true), "auto-edit");
    assert.equal(layeredValue(policy, { globalValue: "auto-all", workspaceValue: "ask" }, true), "ask");
    assert.equal(layeredValue(policy, { globalValue: "auto-all" }, true), "auto-all");
    // A typo in the workspace never loosens anything.
    assert.equal(layeredValue(policy, { globalValue: "auto-all", workspaceValue: "auto_all" }, true), "ask");
  });

  it("an untrusted workspace always asks", () => {
    assert.equal(layeredValue(spec("approvalPolicy"), { globalValue: "auto-all" }, false), "ask");
  });

  it("model paths come from the user's settings only", () => {
    for (const key of ["modelPath", "completionModelPath"]) {
      assert.equal(layeredValue(spec(key), { workspaceValue: "/repo/evil.gguf" }, true), undefined, key);
      assert.equal(layeredValue(spec(key), { globalValue: "/m/q.gguf", workspaceFolderValue: "/repo/evil.gguf" }, true), "/m/q.gguf", key);
    }
  });

  it("other settings: the most specific layer wins, as in VS Code (a team commits its server URL)", () => {
    assert.equal(layeredValue(spec("serverUrl"), { globalValue: "http://a/v1", workspaceValue: "http://b/v1", workspaceFolderValue: "http://c/v1" }, true), "http://c/v1");
    assert.equal(layeredValue(spec("contextSize"), { globalValue: 4096 }, true), 4096);
  });
});
