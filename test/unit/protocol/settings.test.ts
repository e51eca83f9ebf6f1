import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_SETTINGS, SETTINGS, type SettingSpec, awaitingConsent, fromUserOnly, ignoredWorkspaceValue, layeredValue, sanitizeSettings, workspaceStillApplies } from "../../../src/protocol/settings.ts";

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
      assert.match(problems[0]!, new RegExp(`^hearth\\.contextSize: ${contextSize} tokens is too small for the agent .*use at least 8192, or 0 \\(auto\\), which loads the model's training context`));
    }
    for (const contextSize of [0, 8192, 32768]) assert.deepEqual(sanitizeSettings({ contextSize }).problems, [], String(contextSize));
  });

  it("does not offer 0 (auto) as the way out without saying it loads only the model's training context", () => {
    // A model trained for 512 tokens loads 512 with 0 (auto): plain "use 0 (auto)" would change nothing.
    assert.deepEqual(sanitizeSettings({ contextSize: 256 }).problems, [
      "hearth.contextSize: 256 tokens is too small for the agent (its instructions and tools alone take several thousand): chat and Fix This Issue stop at their first step; use at least 8192, or 0 (auto), which loads the model's training context (its GGUF's context_length): enough unless the model was trained for fewer than 8192 tokens",
    ]);
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

  it("a typo in the user's own approval policy is said, and the agent asks", () => {
    const policy = spec("approvalPolicy");
    const problem = 'hearth.approvalPolicy: "auto" is not valid (one of "ask", "auto-edit", "auto-all" expected); using "ask"';
    for (const layers of [{ globalValue: "auto" }, { globalValue: "auto", workspaceValue: "auto-edit" }, { globalValue: "auto", workspaceFolderValue: "auto_all" }]) {
      const { settings, problems } = sanitizeSettings({ approvalPolicy: layeredValue(policy, layers, true) });
      assert.equal(settings.approvalPolicy, "ask", JSON.stringify(layers));
      assert.deepEqual(problems, [problem], JSON.stringify(layers));
    }
    // What is said of the workspace's value reads the typo as what applies, "ask".
    assert.equal(ignoredWorkspaceValue(policy, { globalValue: "auto" }, true), undefined);
    assert.match(ignoredWorkspaceValue(policy, { globalValue: "auto", workspaceValue: "auto-edit" }, true)?.text ?? "", /never looser \(using "ask"\)\.$/);
    assert.equal(ignoredWorkspaceValue(policy, { globalValue: "auto" }, false), undefined, "untrusted: nothing else would apply once trusted");
    assert.equal(layeredValue(policy, { globalValue: "auto" }, false), "ask");
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
    assert.equal(layeredValue(spec("inlineCompletionsEnabled"), { globalValue: true, workspaceValue: false }, true), false);
    assert.equal(layeredValue(spec("inlineCompletionsEnabled"), { globalValue: false }, true), false);
  });

  // A cloned repository's .vscode/settings.json chose the model and how much of the machine it
  // takes: "hearth.threads": 256 on an 8-core laptop, a contextSize that fits only in swap (the
  // memory check counts free swap), gpuLayers 0, or a modelPreset of "custom" / one not downloaded
  // (no model, over the user's downloaded one). They are the user's to say, as the model path is.
  it("the model preset and the load settings come from the user's settings only", () => {
    const user = { modelPreset: "qwen3.5-27b", contextSize: 16384, threads: 4, gpuLayers: -1, kvCacheType: "q8_0" } as const;
    const repo = { modelPreset: "custom", contextSize: 262_144, threads: 256, gpuLayers: 0, kvCacheType: "q4_0" } as const;
    for (const key of Object.keys(user) as (keyof typeof user)[]) {
      assert.ok(fromUserOnly(spec(key)) && spec(key).scope !== "machine", `${key}: Hearth's guard, VS Code's scope kept (a remote window drops "machine" values of local user settings)`);
      assert.equal(layeredValue(spec(key), { globalValue: user[key], workspaceValue: repo[key], workspaceFolderValue: repo[key] }, true), user[key], key);
      assert.equal(layeredValue(spec(key), { workspaceValue: repo[key] }, true), undefined, `${key}: not set by the user, the default`);
      const notice = ignoredWorkspaceValue(spec(key), { globalValue: user[key], workspaceValue: repo[key] }, true);
      assert.equal(notice?.text, `This workspace's settings set hearth.${key} to ${JSON.stringify(repo[key])}; Hearth ignores it: only your user settings choose ${key === "modelPreset" ? "which model runs" : "how much of this machine's memory and processor the model takes"} (yours: ${JSON.stringify(user[key])}).`);
      assert.equal(notice?.action, "userSettings");
    }
  });

  // A repository's "hearth.contextSize": 0 (the default, nothing set by the user) changed nothing, yet was said as ignored.
  it("says nothing of a user-only setting the workspace sets to the value that applies anyway", () => {
    assert.equal(ignoredWorkspaceValue(spec("contextSize"), { workspaceValue: 0 }, true), undefined, "the default, the user's unset");
    assert.equal(ignoredWorkspaceValue(spec("kvCacheType"), { workspaceFolderValue: "f16" }, true), undefined, "the default at the folder's level");
    assert.equal(ignoredWorkspaceValue(spec("modelPreset"), { workspaceValue: DEFAULT_SETTINGS.modelPreset }, true), undefined);
    assert.equal(ignoredWorkspaceValue(spec("threads"), { globalValue: 4, workspaceValue: 4 }, true), undefined, "the user's own");
    assert.match(ignoredWorkspaceValue(spec("contextSize"), { globalValue: 16384, workspaceValue: 0 }, true)!.text, /set hearth\.contextSize to 0; Hearth ignores it: .* \(yours: 16384\)\.$/, "the default, over the user's own: said");
    assert.match(ignoredWorkspaceValue(spec("threads"), { workspaceValue: 8 }, true)!.text, /set hearth\.threads to 8; Hearth ignores it/, "not the default: said");
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

// What layeredValue leaves out must not be left out silently: the user is told which value
// of the workspace's settings Hearth ignores, why, and what applies instead.
describe("what a workspace set that Hearth ignores (ignoredWorkspaceValue)", () => {
  const spec = (key: string): SettingSpec => SETTINGS.find((s) => s.key === key)!;

  it("names a model path the workspace set and the user's own that applies", () => {
    const notice = ignoredWorkspaceValue(spec("modelPath"), { globalValue: "/m/q.gguf", workspaceValue: "/repo/evil.gguf" }, true);
    assert.equal(notice?.key, "modelPath");
    assert.equal(notice?.action, "userSettings");
    assert.equal(notice?.text, 'This workspace\'s settings set hearth.modelPath to "/repo/evil.gguf"; Hearth ignores it: only your user settings choose which model file is loaded (yours: "/m/q.gguf").');
    assert.match(ignoredWorkspaceValue(spec("completionModelPath"), { workspaceFolderValue: "/repo/x.gguf" }, false)!.text, /hearth\.completionModelPath to "\/repo\/x\.gguf"; Hearth ignores it: .*\(not set in yours\)\.$/);
    assert.equal(ignoredWorkspaceValue(spec("modelPath"), { globalValue: "/m/q.gguf", workspaceValue: "/m/q.gguf" }, true), undefined, "the user's own value: nothing ignored");
    assert.equal(ignoredWorkspaceValue(spec("modelPath"), { globalValue: "/m/q.gguf" }, true), undefined);
  });

  // A repository's .vscode/settings.json with "hearth.threads": "8" (a string) made Hearth use the
  // default, 0, over the user's own valid 8, and what was said named no workspace. (threads is a
  // user setting now: an integer like it a workspace may set stands in for any such setting.)
  it("passes over a workspace's invalid value for the user's own valid one, and says the workspace set it", () => {
    const threads: SettingSpec = { ...spec("threads"), userOnly: false };
    for (const [key, user, bad] of [["inlineCompletionsEnabled", false, "false"], ["inlineCompletionsEnabled", false, null]] as const) {
      const layers = { globalValue: user, workspaceValue: bad };
      assert.equal(layeredValue(spec(key), layers, true), user, key);
      assert.equal(sanitizeSettings({ [key]: layeredValue(spec(key), layers, true) }).problems.length, 0, key);
      if (bad === null) {
        assert.equal(ignoredWorkspaceValue(spec(key), layers, true), undefined, "null: not set, nothing to say");
        continue;
      }
      const notice = ignoredWorkspaceValue(spec(key), layers, true);
      assert.equal(notice?.action, "workspaceSettings", key);
      assert.match(notice?.text ?? "", new RegExp(`^This workspace's settings \\(\\.vscode/settings\\.json, or the \\.code-workspace file\\) set hearth\\.${key} to .*, which is not valid \\(.* expected\\); Hearth ignores it and uses your user setting's ${JSON.stringify(user)}\\. Mend or remove it there\\.$`), key);
    }
    assert.equal(
      ignoredWorkspaceValue(threads, { workspaceFolderValue: "8" }, true)?.text,
      'This folder\'s .vscode/settings.json sets hearth.threads to "8", which is not valid (a whole number from 0 to 256 expected); Hearth ignores it and uses the default, 0. Mend or remove it there.',
    );
    assert.equal(ignoredWorkspaceValue(threads, { workspaceFolderValue: "8" }, true)?.action, "folderSettings", "the folder's own file to mend, not the .code-workspace");
    assert.equal(ignoredWorkspaceValue(threads, { workspaceValue: "8", workspaceFolderValue: 4 }, true)?.action, "workspaceSettings", "the workspace's invalid value under the folder's valid one");
    assert.equal(layeredValue(threads, { workspaceFolderValue: "8" }, true), undefined, "no valid value: the default");
    assert.equal(layeredValue(threads, { workspaceValue: 4, workspaceFolderValue: "8" }, true), 4, "the workspace's own valid value under the folder's invalid one");
    assert.match(ignoredWorkspaceValue(threads, { workspaceValue: 4, workspaceFolderValue: "8" }, true)!.text, /uses its other value, 4\./);
    assert.equal(layeredValue(threads, { globalValue: "x", workspaceValue: "8" }, true), "x", "the user's invalid value is handed on for sanitizeSettings to say");
    assert.equal(ignoredWorkspaceValue(threads, { globalValue: 8, workspaceValue: 4 }, true), undefined, "a valid workspace value applies as before");
    assert.equal(layeredValue(threads, { globalValue: 8, workspaceValue: 4 }, true), 4);
  });

  it("names an approval policy looser than the user's, and a typo that makes it stricter", () => {
    const policy = spec("approvalPolicy");
    assert.equal(
      ignoredWorkspaceValue(policy, { globalValue: "auto-edit", workspaceValue: "auto-all" }, true)?.text,
      'This workspace\'s settings set hearth.approvalPolicy to "auto-all"; Hearth ignores it: a workspace can make it stricter than your user setting, never looser (using "auto-edit").',
    );
    assert.equal(ignoredWorkspaceValue(policy, { globalValue: "auto-all", workspaceValue: "auto-edit" }, true), undefined, "stricter: it applies");
    assert.equal(ignoredWorkspaceValue(policy, { workspaceValue: "ask" }, true), undefined);
    assert.equal(
      ignoredWorkspaceValue(policy, { globalValue: "auto-all", workspaceValue: "auto_all" }, true)?.text,
      'This workspace\'s settings set hearth.approvalPolicy to "auto_all", which is not one of "ask", "auto-edit", "auto-all": Hearth takes the strictest, "ask".',
    );
    assert.equal(ignoredWorkspaceValue(policy, { globalValue: "auto-all", workspaceValue: "yes" }, true)?.action, "workspaceSettings", "the workspace's typo is mended in its file, as other invalid values");
  });

  it("in an untrusted folder, says that the agent asks whatever the user's or the workspace's policy says, and how to trust it", () => {
    const policy = spec("approvalPolicy");
    const notice = ignoredWorkspaceValue(policy, { globalValue: "auto-edit", workspaceValue: "auto-all" }, false);
    assert.equal(notice?.action, "trust");
    assert.equal(notice?.text, 'This folder is not trusted, so Hearth\'s agent asks before every edit and command here; hearth.approvalPolicy "auto-edit" applies once you trust it (Workspaces: Manage Workspace Trust).');
    assert.match(ignoredWorkspaceValue(policy, { globalValue: "auto-all", workspaceValue: "auto-edit" }, false)!.text, /; hearth\.approvalPolicy "auto-edit" applies once you trust it/, "the workspace's stricter value is what trusting applies");
    // Looser than the user's: ignored trusted or not, and said so (not "applies once you trust it").
    const looser = ignoredWorkspaceValue(policy, { workspaceValue: "auto-all" }, false);
    assert.equal(looser?.action, "userSettings");
    assert.match(looser!.text, /set hearth\.approvalPolicy to "auto-all"; Hearth ignores it: a workspace can make it stricter than your user setting, never looser \(using "ask"\)/);
    assert.equal(ignoredWorkspaceValue(policy, { globalValue: "ask" }, false), undefined, "asking anyway: nothing to say");
    assert.equal(ignoredWorkspaceValue(policy, {}, false), undefined);
  });

  it("names the exceptions a workspace tried to take off the exclusion list", () => {
    const notice = ignoredWorkspaceValue(spec("inlineCompletionsExclude"), { globalValue: ["*.pem"], workspaceValue: ["docs/**", "!.env", " !*.key"], workspaceFolderValue: ["!secrets/**"] }, true);
    assert.equal(notice?.text, 'This workspace\'s settings try to take "!.env", "!*.key", "!secrets/**" off hearth.inlineCompletionsExclude; Hearth ignores them: a workspace can add files to the list, not take them off (only your user settings can).');
    assert.equal(ignoredWorkspaceValue(spec("inlineCompletionsExclude"), { workspaceValue: ["docs/**"] }, true), undefined);
  });

  // A repository's "hearth.inlineCompletionsExclude": "secrets/**" (one text, not a list) was left out without a word:
  // the files it meant to keep from completions were completed.
  it("names an exclusion list a workspace wrote as one text, or with entries that are no text", () => {
    const exclude = spec("inlineCompletionsExclude");
    const one = ignoredWorkspaceValue(exclude, { globalValue: ["*.pem"], workspaceValue: "secrets/**" }, true);
    assert.equal(one?.text, 'This workspace\'s settings set hearth.inlineCompletionsExclude to "secrets/**", which is not a list (a list of text expected, as ["secrets/**"]); Hearth ignores it: files it meant to exclude are completed and shown to the model. Mend it there.');
    assert.equal(one?.action, "workspaceSettings");
    assert.match(ignoredWorkspaceValue(exclude, { workspaceFolderValue: ["docs/**", 7] }, true)!.text, /to \["docs\/\*\*",7\], which holds entries that are not text .* Hearth ignores those entries/);
    assert.equal(ignoredWorkspaceValue(exclude, { workspaceValue: null }, true), undefined, "null: not set");
  });

  it("names a server URL an untrusted folder's settings set (a trusted one asks: server-consent.ts)", () => {
    const url = spec("serverUrl");
    assert.equal(
      ignoredWorkspaceValue(url, { workspaceValue: "http://evil:8080/v1" }, false)?.text,
      'This folder is not trusted, so Hearth ignores hearth.serverUrl "http://evil:8080/v1" from its settings: your code and chats stay on this machine. Trust the folder (Workspaces: Manage Workspace Trust) to be asked about that server.',
    );
    assert.match(ignoredWorkspaceValue(url, { globalValue: "http://a/v1", workspaceValue: "http://evil/v1" }, false)!.text, /your code and chats go to your own server, "http:\/\/a\/v1"\./);
    assert.equal(ignoredWorkspaceValue(url, { workspaceValue: "http://evil/v1" }, true), undefined, "trusted: the consent question says it");
    assert.equal(ignoredWorkspaceValue(url, { globalValue: "http://a/v1", workspaceValue: "http://a/v1" }, false), undefined);
    assert.equal(ignoredWorkspaceValue(url, { globalValue: "http://a/v1", workspaceValue: "" }, false), undefined, "keeping code local is never refused");
  });

  // The values are a repository's: a right-to-left override or a zero-width character in one
  // made the warning read otherwise (the server's name backwards, a policy looking like another).
  it("shows a workspace value's hidden characters escaped", () => {
    const bidi = ignoredWorkspaceValue(spec("serverUrl"), { workspaceValue: "http://127.0.0.1:8080/\u202eelgoog.evil" }, false)!.text;
    assert.ok(bidi.includes('hearth.serverUrl "http://127.0.0.1:8080/\\u202eelgoog.evil" from its settings'), bidi);
    const policy = ignoredWorkspaceValue(spec("approvalPolicy"), { workspaceValue: "ask\u200b" }, true)!.text;
    assert.ok(policy.includes('hearth.approvalPolicy to "ask\\u200b", which is not one of'), policy);
    const exception = ignoredWorkspaceValue(spec("inlineCompletionsExclude"), { workspaceValue: ["!.env\u202e"] }, true)!.text;
    assert.ok(exception.includes('take "!.env\\u202e" off'), exception);
    const still = workspaceStillApplies(spec("serverUrl"), { workspaceValue: "http://gpu-box/\u202ev1" }, "http://mine/v1", true, () => true)!;
    assert.ok(still.includes('set hearth.serverUrl "http://gpu-box/\\u202ev1", which applies'), still);
  });

  it("says nothing of settings a workspace may set", () => {
    assert.equal(ignoredWorkspaceValue(spec("inlineCompletionsEnabled"), { globalValue: true, workspaceValue: false }, false), undefined);
    assert.equal(ignoredWorkspaceValue(spec("inlineCompletionsExclude"), { workspaceValue: ["docs/**"] }, true), undefined);
  });

  // Each pattern is checked on every completion request, in the editor's own process: a
  // repository's 100,000 patterns took 10 s a check. The user's own list is theirs to size.
  it("takes at most 200 exclusion patterns of up to 500 characters from a workspace, and says what it left out", () => {
    const exclude = spec("inlineCompletionsExclude");
    const many = Array.from({ length: 250 }, (_, i) => `gen${i}/**`);
    const long = `${"a".repeat(501)}`;
    const layers = { globalValue: ["mine/**"], workspaceValue: [long, ...many] };
    const applied = layeredValue(exclude, layers, true) as string[];
    assert.equal(applied.length, 201);
    assert.deepEqual(applied.slice(0, 3), ["mine/**", "gen0/**", "gen1/**"]);
    assert.ok(!applied.includes(long));
    assert.equal(
      ignoredWorkspaceValue(exclude, layers, true)?.text,
      "This workspace's settings add 251 patterns to hearth.inlineCompletionsExclude; Hearth ignores 1 longer than 500 characters and 50 past the first 200: each is checked on every completion (your user settings can hold more).",
    );
    assert.match(ignoredWorkspaceValue(exclude, { workspaceValue: [long, "!.env"] }, true)!.text, /take "!\.env" off .*\. This workspace's settings add 1 pattern to .*; Hearth ignores 1 longer than 500 characters: /);
    const userOwn = Array.from({ length: 300 }, (_, i) => `u${i}`);
    assert.equal((layeredValue(exclude, { globalValue: userOwn }, true) as string[]).length, 300, "the user's own list is not cut");
  });
});

// Select Model wrote where the value was set: a workspace whose committed .vscode/settings.json
// set hearth.serverUrl or modelPreset had that file changed behind the user's back (and the
// change committed with their next commit). Hearth writes the user's settings only, and says
// when the workspace's value still applies over them.
describe("a choice written to the user's settings (workspaceStillApplies)", () => {
  const spec = (key: string) => SETTINGS.find((s) => s.key === key)!;

  it("says the workspace's value still applies here, and leaves its file alone", () => {
    const text = workspaceStillApplies(spec("inlineCompletionsEnabled"), { globalValue: false, workspaceValue: false }, true, true);
    assert.match(text ?? "", /your user settings/);
    assert.match(text ?? "", /hearth\.inlineCompletionsEnabled false/);
    assert.match(text ?? "", /\.vscode\/settings\.json/);
    assert.equal(workspaceStillApplies(spec("modelPreset"), { globalValue: "qwen3.6-35b-a3b", workspaceValue: "custom" }, "qwen3.5-27b", true), undefined, "a user setting: the user's choice applies");
  });

  it("says the team's server the user agreed to still applies over the local model chosen", () => {
    const layers = { workspaceValue: "http://gpu-box:8080/v1" };
    assert.match(workspaceStillApplies(spec("serverUrl"), layers, "", true, () => true) ?? "", /hearth\.serverUrl "http:\/\/gpu-box:8080\/v1"/);
    assert.equal(workspaceStillApplies(spec("serverUrl"), layers, "", true, () => false), undefined, "not agreed to: the user's choice applies");
    assert.equal(workspaceStillApplies(spec("serverUrl"), layers, "", false, () => true), undefined, "untrusted: the user's choice applies");
  });

  it("says nothing where the user's value is the one that applies", () => {
    assert.equal(workspaceStillApplies(spec("modelPreset"), {}, "custom", true), undefined);
    assert.equal(workspaceStillApplies(spec("modelPreset"), { workspaceValue: "custom" }, "custom", true), undefined);
    assert.equal(workspaceStillApplies(spec("modelPath"), { workspaceValue: "/repo/evil.gguf" }, "/models/a.gguf", true), undefined);
  });
});
