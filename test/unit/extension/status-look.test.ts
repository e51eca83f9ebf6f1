import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { completionsLook, lookFor } from "../../../src/extension/status-look.ts";
import { COMMANDS } from "../../../src/protocol/contributions.ts";
import type { ModelState, RuntimeStatus } from "../../../src/protocol/status.ts";
import type { RuntimeConnection } from "../../../src/protocol/webview.ts";

const running = (model: ModelState): RuntimeStatus => ({
  version: "1.2.3", pid: 42, uptimeSeconds: 1, model, index: { kind: "idle", detail: "" }, folder: "/home/user/project", settingsProblems: [],
});

describe("status bar look", () => {
  it("spins while starting and opens the log", () => {
    const look = lookFor({ kind: "starting" });
    assert.match(look.text, /sync~spin/);
    assert.equal(look.command, COMMANDS.showLog.id);
  });

  it("shows load progress in percent", () => {
    const look = lookFor({ kind: "running", status: running({ kind: "loading", source: { kind: "file", modelPath: "/m/a.gguf" }, progress: 0.426 }) });
    assert.match(look.text, /43%/);
  });

  it("shows a model error in red and a click runs the fix", () => {
    const look = lookFor({ kind: "running", status: running({ kind: "error", source: { kind: "file", modelPath: "/x.gguf" }, message: "file not found: /x.gguf", fix: "selectModel" }) });
    assert.equal(look.background, "error");
    assert.equal(look.command, COMMANDS.selectModel.id);
    assert.match(look.tooltip, /file not found/);
  });

  it("offers model selection when no model is configured", () => {
    const look = lookFor({ kind: "running", status: running({ kind: "none", detail: "download" }) });
    assert.equal(look.command, COMMANDS.selectModel.id);
    assert.match(look.text, /no model/);
  });

  it("warns while restarting and offers a restart after giving up", () => {
    assert.equal(lookFor({ kind: "restarting", attempt: 2, inSeconds: 1, reason: "killed by SIGKILL" }).background, "warning");
    const failed = lookFor({ kind: "failed", message: "stopped 6 times" });
    assert.equal(failed.background, "error");
    assert.equal(failed.command, COMMANDS.restartRuntime.id);
  });

  it("names the model, context size and GPU when ready", () => {
    const look = lookFor({ kind: "running", status: running({ kind: "ready", source: { kind: "file", modelPath: "/m/q.gguf" }, name: "Qwen3.5-27B", contextSize: 262144, gpu: "cuda" }) });
    assert.match(look.tooltip, /Qwen3\.5-27B, 262,144 tokens of context, CUDA/);
    assert.equal(look.background, undefined);
  });

  it("a model on Vulkan without CUDA: the tooltip says so and a click downloads CUDA", () => {
    const look = lookFor({ kind: "running", status: running({
      kind: "ready", source: { kind: "file", modelPath: "/m/q.gguf" }, name: "Qwen3.5-27B", contextSize: 8192, gpu: "vulkan",
      backend: { kind: "vulkan", gpuLayers: 65, totalLayers: 65, vramUsedBytes: 18 * 1024 ** 3, note: "CUDA not installed", fix: "downloadCuda" },
    }) });
    assert.match(look.tooltip, /\nBackend: Vulkan — CUDA not installed: Download · 65\/65 layers on GPU · 18\.0 GiB VRAM\nClick to download CUDA acceleration\./);
    assert.equal(look.command, COMMANDS.downloadCuda.id);
  });

  it("a model on CUDA: the backend line and a click opens the log", () => {
    const look = lookFor({ kind: "running", status: running({
      kind: "ready", source: { kind: "file", modelPath: "/m/q.gguf" }, name: "Qwen3.5-27B", contextSize: 8192, gpu: "cuda",
      backend: { kind: "cuda", gpuLayers: 41, totalLayers: 41, vramUsedBytes: 21.3 * 1024 ** 3 },
    }) });
    assert.match(look.tooltip, /Backend: CUDA · 41\/41 layers on GPU · 21\.3 GiB VRAM$/);
    assert.equal(look.command, COMMANDS.showLog.id);
  });
});

describe("status bar look: honest per state (issue 15)", () => {
  const none = { kind: "running" as const, status: running({ kind: "none", detail: "nothing configured" }) };

  it("no model: never a check mark, says no model in words", () => {
    const look = lookFor(none);
    assert.doesNotMatch(look.text, /\$\(check\)/);
    assert.match(look.text, /^\$\(circle-slash\) Hearth: no model$/);
    assert.match(look.tooltip, /Click to download a model, choose a GGUF file or connect to a server\./);
  });

  it("a configured model that has not loaded yet is not shown as ready; a server says it connects on first use", () => {
    const look = lookFor({ kind: "running", status: running({ kind: "configured", source: { kind: "preset", preset: "qwen3.6-35b-a3b" }, detail: "downloaded" }) });
    assert.equal(look.text, "$(circle-outline) Hearth: not loaded");
    const server = lookFor({ kind: "running", status: running({ kind: "configured", source: { kind: "server", url: "http://127.0.0.1:8080/v1" }, detail: "remote server, connects on first use" }) });
    assert.equal(server.text, "$(globe) Hearth: server");
    assert.match(server.tooltip, /Hearth connects to the server when you first send a message\./);
  });

  it("a model error says so in words, not only with an icon", () => {
    const look = lookFor({ kind: "running", status: running({ kind: "error", source: { kind: "file", modelPath: "/x.gguf" }, message: "bad file" }) });
    assert.equal(look.text, "$(error) Hearth: model error");
  });

  it("completions off for a model that did not load: the tooltip gives the reason, not the chat view's 'card above'", () => {
    const look = completionsLook({ runtime: { kind: "running", status: running({ kind: "error", source: { kind: "file", modelPath: "/x.gguf" }, message: "bad file" }) }, enabled: true, snoozedMs: 0, summary: "" });
    assert.match(look.tooltip, /The model did not load: bad file\./);
    assert.doesNotMatch(look.tooltip, /card above/);
  });

  it("downloading shows the percentage and the model", () => {
    const look = lookFor(none, { download: { preset: "Qwen3.6-35B-A3B Q4_K_M", fraction: 0.426 } });
    assert.equal(look.text, "$(cloud-download) Hearth: downloading 43%");
    assert.match(look.tooltip, /Downloading Qwen3\.6-35B-A3B Q4_K_M: 43%/);
  });

  it("a running reply shows as working, a ready model as a check", () => {
    const ready = { kind: "running" as const, status: running({ kind: "ready", source: { kind: "file", modelPath: "/m/q.gguf" }, name: "Q", contextSize: 8192, gpu: false }) };
    assert.equal(lookFor(ready).text, "$(check) Hearth");
    assert.equal(lookFor(ready, { running: true }).text, "$(loading~spin) Hearth: working");
  });
});

describe("completions status item (issue 15)", () => {
  const none: RuntimeConnection = { kind: "running", status: running({ kind: "none", detail: "" }) };
  const ready: RuntimeConnection = { kind: "running", status: running({ kind: "ready", source: { kind: "file", modelPath: "/m/q.gguf" }, name: "Q", contextSize: 8192, gpu: false }) };

  it("with no model it says off — no model, in words, and a click chooses a model", () => {
    const look = completionsLook({ runtime: none, enabled: true, snoozedMs: 0, summary: "0 requests." });
    assert.equal(look.text, "$(circle-slash) Completions: off — no model");
    assert.match(look.tooltip, /need a model/);
    assert.equal(look.command, COMMANDS.selectModel.id);
  });

  it("on, off and snoozed in words, with the counts in the tooltip", () => {
    assert.equal(completionsLook({ runtime: ready, enabled: true, snoozedMs: 0, summary: "3 requests." }).text, "$(sparkle) Completions: on");
    assert.equal(completionsLook({ runtime: ready, enabled: false, snoozedMs: 0, summary: "" }).text, "$(circle-slash) Completions: off");
    const snoozed = completionsLook({ runtime: ready, enabled: true, snoozedMs: 4.2 * 60_000, summary: "3 requests." });
    assert.equal(snoozed.text, "$(clock) Completions: snoozed 5m");
    assert.match(snoozed.tooltip, /3 requests\./);
    assert.equal(snoozed.command, COMMANDS.snoozeInlineCompletions.id);
  });

  it("behind a busy server it says completions are waiting and why, and that they come back; a failing one says what failed", () => {
    const reason = "the server is busy: the server answered 503 for /infill: Loading model";
    const waiting = completionsLook({ runtime: ready, enabled: true, snoozedMs: 0, summary: "3 requests.", status: { state: "waiting", reason } });
    assert.equal(waiting.text, "$(watch) Completions: waiting — server busy");
    assert.match(waiting.tooltip, /503 for \/infill: Loading model/);
    assert.match(waiting.tooltip, /on their own/);
    const failing = completionsLook({ runtime: ready, enabled: true, snoozedMs: 0, summary: "", status: { state: "failing", reason: "The server at http://127.0.0.1:8080 answered /infill with something that is not JSON" } });
    assert.equal(failing.text, "$(warning) Completions: failing");
    assert.match(failing.tooltip, /not JSON/);
    assert.equal(completionsLook({ runtime: ready, enabled: true, snoozedMs: 0, summary: "", status: { state: "ready" } }).text, "$(sparkle) Completions: on");
    assert.equal(completionsLook({ runtime: ready, enabled: false, snoozedMs: 0, summary: "", status: { state: "waiting", reason } }).text, "$(circle-slash) Completions: off", "off says off");
  });

  it("behind a one-slot server a chat holds it says completions wait for the chat and come back when it ends, and how to give them their own slot", () => {
    const reason = "the server's only slot is taken (most often by the chat: llama-server started with -np 1 runs one request at a time), so the request gave no answer within 3 s";
    const waiting = completionsLook({ runtime: ready, enabled: true, snoozedMs: 0, summary: "", status: { state: "waiting", reason, oneSlot: true } });
    assert.equal(waiting.text, "$(watch) Completions: waiting for the chat (one slot)");
    assert.match(waiting.tooltip, /when it ends/);
    assert.match(waiting.tooltip, /-np 2/);
    assert.doesNotMatch(waiting.tooltip, /server busy/);
    const busy = completionsLook({ runtime: ready, enabled: true, snoozedMs: 0, summary: "", status: { state: "busy", reason, oneSlot: true } });
    assert.equal(busy.text, "$(watch) Completions: waiting for the chat (one slot)");
    assert.match(busy.tooltip, /-np 2/);
  });

  it("after every try of a request found the server busy it says so and that the next keystroke asks again, not that they come back on their own", () => {
    const busy = completionsLook({ runtime: ready, enabled: true, snoozedMs: 0, summary: "", status: { state: "busy", reason: "the server is busy: the server answered 503 for /infill: Loading model" } });
    assert.equal(busy.text, "$(watch) Completions: server busy");
    assert.match(busy.tooltip, /503 for \/infill/);
    assert.match(busy.tooltip, /next keystroke/);
    assert.doesNotMatch(busy.tooltip, /on their own/);
  });

  it("with a model on this machine too slow for the time limit it says so, with the limit", () => {
    const slow = completionsLook({ runtime: ready, enabled: true, snoozedMs: 0, summary: "", status: { state: "slow", reason: "the model on this machine gave no answer within 3 s", limitMs: 3000 } });
    assert.equal(slow.text, "$(watch) Completions: model too slow on this machine (> 3 s)");
    assert.match(slow.tooltip, /no answer within 3 s/);
    assert.match(slow.tooltip, /hearth\.completionModelPath/);
  });

  it("with a model on a server too slow for the time limit (it had a slot free) it says the server, not this machine", () => {
    const slow = completionsLook({ runtime: ready, enabled: true, snoozedMs: 0, summary: "", status: { state: "slow", reason: "the server gave no answer within 3 s though it had a slot free: the model is slow on it, not busy", limitMs: 3000, server: true } });
    assert.equal(slow.text, "$(watch) Completions: model too slow on the server (> 3 s)");
    assert.match(slow.tooltip, /slot free/);
    assert.match(slow.tooltip, /smaller model on the server/);
    assert.match(slow.tooltip, /hearth\.completionModelPath/);
    assert.doesNotMatch(slow.tooltip, /on their own/, "nothing tries again by itself");
  });

  it("in a file never completed (secrets, the user's exclusions) it says off here and why, not on", () => {
    const why = "it looks like it holds secrets (an environment file, a private key or credentials)";
    const look = completionsLook({ runtime: ready, enabled: true, snoozedMs: 0, summary: "3 requests.", excludedHere: { reason: why, bySetting: true } });
    assert.equal(look.text, "$(circle-slash) Completions: off in this file");
    assert.match(look.tooltip, /not in this file: it looks like it holds secrets/);
    assert.match(look.tooltip, /hearth\.inlineCompletionsExclude changes which files/, "where to change it");
    assert.equal(completionsLook({ runtime: ready, enabled: false, snoozedMs: 0, summary: "", excludedHere: { reason: why, bySetting: true } }).text, "$(circle-slash) Completions: off", "off everywhere says so");
  });

  it("in another name of a secrets file (a link to .env) it does not send the user to a setting that cannot change it", () => {
    const why = "settings.txt, a link to .env: it looks like it holds secrets (an environment file, a private key or credentials)";
    const look = completionsLook({ runtime: ready, enabled: true, snoozedMs: 0, summary: "3 requests.", excludedHere: { reason: why, bySetting: false } });
    assert.equal(look.text, "$(circle-slash) Completions: off in this file");
    assert.match(look.tooltip, /not in this file: settings\.txt, a link to \.env/);
    assert.doesNotMatch(look.tooltip, /inlineCompletionsExclude changes/, "a ! pattern does not take a link off");
    assert.match(look.tooltip, /never completed, whatever hearth\.inlineCompletionsExclude says/);
  });

  it("where VS Code's own inline suggestions are off (editor.inlineSuggest.enabled) it says so, not on", () => {
    const look = completionsLook({ runtime: ready, enabled: true, snoozedMs: 0, summary: "3 requests.", editorSuggestionsOff: "typescript" });
    assert.equal(look.text, "$(circle-slash) Completions: off in the editor");
    assert.match(look.tooltip, /editor\.inlineSuggest\.enabled is off for typescript/);
    assert.match(look.tooltip, /Trigger Inline Suggestion \(Alt\+\\\) still asks/);
    assert.equal(look.command, COMMANDS.snoozeInlineCompletions.id);
    // Hearth's own off, a snooze or a missing model say their own words first.
    assert.equal(completionsLook({ runtime: ready, enabled: false, snoozedMs: 0, summary: "", editorSuggestionsOff: "typescript" }).text, "$(circle-slash) Completions: off");
    assert.equal(completionsLook({ runtime: none, enabled: true, snoozedMs: 0, summary: "", editorSuggestionsOff: "typescript" }).text, "$(circle-slash) Completions: off — no model");
  });
});

