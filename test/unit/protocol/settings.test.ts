import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_SETTINGS, SETTINGS, type SettingSpec, awaitingConsent, layeredValue, sanitizeSettings } from "../../../src/protocol/settings.ts";

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

  it("says what a valid value is, so a typo or a number in quotes can be corrected", () => {
    const { problems } = sanitizeSettings({ contextSize: 1e12, threads: "4", gpuLayers: "max", kvCacheType: "q2", inlineCompletionsEnabled: "yes", modelPath: 7 });
    assert.deepEqual(problems, [
      'hearth.modelPath: 7 is not valid (text expected); using ""',
      "hearth.contextSize: 1000000000000 is not valid (a whole number from 0 to 262144 expected); using 0",
      'hearth.gpuLayers: "max" is not valid (a whole number from -1 to 1000 expected); using -1',
      'hearth.kvCacheType: "q2" is not valid (one of "f16", "q8_0", "q4_0" expected); using "f16"',
      'hearth.threads: "4" is not valid (a whole number from 0 to 256 expected); using 0',
      'hearth.inlineCompletionsEnabled: "yes" is not valid (true or false expected); using true',
    ]);
  });

  it("keeps a context too small for the agent but says so, naming the setting and what works", () => {
    for (const contextSize of [1, 256, 2048, 4096]) {
      const { settings, problems } = sanitizeSettings({ contextSize });
      assert.equal(settings.contextSize, contextSize, "the user's value is kept (completions and VS Code's chat may use it)");
      assert.equal(problems.length, 1, String(contextSize));
      assert.match(problems[0]!, new RegExp(`^hearth\\.contextSize: ${contextSize} tokens is too small for the agent .*use 0 \\(auto\\) or at least 8192`));
    }
    for (const contextSize of [0, 8192, 32768]) assert.deepEqual(sanitizeSettings({ contextSize }).problems, [], String(contextSize));
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

  it("other settings: the most specific layer wins, as in VS Code", () => {
    assert.equal(layeredValue(spec("contextSize"), { globalValue: 4096, workspaceValue: 8192 }, true), 8192);
    assert.equal(layeredValue(spec("contextSize"), { globalValue: 4096 }, true), 4096);
  });

  // A repository's settings must not send the user's code to a server they never chose: a
  // team's committed server URL counts once each person agreed to it for that workspace.
  it("a workspace's server URL counts only once the user agreed to it; until then the user's own applies", () => {
    const url = spec("serverUrl");
    const layers = { globalValue: "http://a/v1", workspaceValue: "http://b/v1", workspaceFolderValue: "http://c/v1" };
    assert.equal(layeredValue(url, layers, true), "http://a/v1", "not asked yet: the user's own server");
    assert.equal(awaitingConsent(url, layers, () => false), "http://c/v1", "what to ask about: the value that would apply");
    assert.equal(layeredValue(url, { workspaceValue: "http://evil:8080/v1" }, true), undefined, "no server of the user's: the local model");
    const agreed = (v: unknown) => v === "http://c/v1";
    assert.equal(layeredValue(url, layers, true, agreed), "http://c/v1");
    assert.equal(awaitingConsent(url, layers, agreed), undefined);
    assert.equal(layeredValue(url, layers, false, agreed), "http://a/v1", "an untrusted workspace's value never counts");
    assert.equal(layeredValue(url, { ...layers, workspaceFolderValue: "http://d/v1" }, true, agreed), "http://a/v1", "agreeing to one URL is not agreeing to another");
  });

  it("a workspace may always keep the code local, or name the user's own server, without asking", () => {
    const url = spec("serverUrl");
    assert.equal(layeredValue(url, { globalValue: "http://a/v1", workspaceValue: "" }, true), "");
    assert.equal(awaitingConsent(url, { globalValue: "http://a/v1", workspaceValue: "" }, () => false), undefined);
    assert.equal(layeredValue(url, { globalValue: "http://a/v1", workspaceValue: "http://a/v1" }, true), "http://a/v1");
    assert.equal(awaitingConsent(url, { globalValue: "http://a/v1", workspaceValue: "http://a/v1" }, () => false), undefined);
    assert.equal(awaitingConsent(spec("contextSize"), { workspaceValue: 8192 }, () => false), undefined, "only settings that send code elsewhere ask");
  });
});
