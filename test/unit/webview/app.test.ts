import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { FakeHost, freshRoot, onlyButton, buttonNamed, startApp, window } from "./dom-env.ts";
import { READY_MODEL, conversation, event, stateMessage, status, transcript } from "./fixtures.ts";
import { ChatApp } from "../../../src/webview/app.ts";
import { type TranscriptEvent, applyTranscriptEvent } from "../../../src/protocol/transcript.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";

let host: FakeHost;
let root: HTMLElement;
let app: ChatApp;

function start(saved?: unknown): void {
  ({ root, host, app } = startApp(saved));
}

const q = (selector: string) => root.querySelector<HTMLElement>(selector);
const qa = (selector: string) => [...root.querySelectorAll<HTMLElement>(selector)];

describe("webview: model and runtime state", () => {
  beforeEach(() => start());

  it("says ready with the model line, the pid, the index and the compute", () => {
    app.receive(stateMessage(READY_MODEL, { system: { platform: "linux", arch: "x64", cpus: 8, totalMemoryBytes: 2 ** 34, freeMemoryBytes: 2 ** 33, gpu: "cuda", gpuNames: ["RTX"], vramTotalBytes: 24 * 2 ** 30, vramFreeBytes: 0 } }));
    assert.equal(q('[data-state="ready"]')?.getAttribute("data-pid"), "4242");
    assert.equal(q('[data-model="ready"]')?.textContent, "Qwen3.5-35B-A3B, 131,072 tokens of context, CUDA");
    assert.match(root.textContent ?? "", /1 file, 3 symbols/);
    assert.match(q("[data-compute]")?.textContent ?? "", /^Compute: CUDA — RTX, 24 GiB VRAM/);
    assert.equal(qa(".status-card").length, 0, "no cards when all is well");
  });

  it("says when the index ranks without the git history of an untrusted folder, or stopped at the file limit, and why", () => {
    const index = { kind: "ready", files: 1, symbols: 3, historyOff: "the folder is not trusted" } as const;
    app.receive(stateMessage(READY_MODEL, { runtime: { kind: "running", status: { ...status(READY_MODEL), index } } }));
    assert.equal(q("[data-index]")?.textContent, "1 file, 3 symbols · git history off: the folder is not trusted");
    assert.equal(q("[data-index]")?.getAttribute("title"), "Repository index: 1 file, 3 symbols · git history off: the folder is not trusted");
    const stopped = { kind: "ready", files: 100_000, symbols: 3, stopped: "stopped at 100,000 files, the ones nearest the root" } as const;
    app.receive(stateMessage(READY_MODEL, { runtime: { kind: "running", status: { ...status(READY_MODEL), index: stopped } } }));
    assert.equal(q("[data-index]")?.textContent, "100,000 files, 3 symbols · stopped at 100,000 files, the ones nearest the root");
  });

  it("an NVIDIA GPU on Vulkan: the backend in the model line and a card with Download CUDA Acceleration", () => {
    app.receive(stateMessage({ kind: "ready", source: { kind: "preset", preset: "qwen3.5-35b-a3b" }, name: "Qwen3.5-35B-A3B", contextSize: 131072, gpu: "vulkan", backend: { kind: "vulkan", gpuLayers: 41, totalLayers: 41, vramUsedBytes: 2 ** 34, note: "CUDA not installed", fix: "downloadCuda" } }));
    assert.equal(q('[data-model="ready"]')?.textContent, "Qwen3.5-35B-A3B, 131,072 tokens of context, Vulkan — CUDA not installed: Download · 41/41 layers on GPU · 16.0 GiB VRAM");
    assert.match(q('[data-cuda="offer"]')?.textContent ?? "", /^Vulkan — CUDA not installed\. CUDA runs the model faster/);
    onlyButton(root, "Download CUDA Acceleration").click();
    assert.deepEqual(host.sent("runCommand").at(-1), { type: "runCommand", command: "downloadCuda" });
  });

  it("before a model loads, the machine probe's CUDA offer shows the same card; on CUDA there is none", () => {
    const system = { platform: "linux", arch: "x64", cpus: 8, totalMemoryBytes: 2 ** 34, freeMemoryBytes: 2 ** 33, gpu: "vulkan" as const, gpuNames: ["NVIDIA GeForce RTX 4090"], vramTotalBytes: 24 * 2 ** 30, vramFreeBytes: 0, gpuNote: "CUDA not installed", cudaOffer: { packages: ["@node-llama-cpp/linux-x64-cuda"], version: "3.22.1", reason: "CUDA not installed" } };
    app.receive(stateMessage({ kind: "none", detail: "" }, { system }));
    assert.ok(onlyButton(root, "Download CUDA Acceleration"));
    assert.match(q("[data-compute]")?.textContent ?? "", /VULKAN — NVIDIA GeForce RTX 4090, 24 GiB VRAM \(CUDA not installed\)/);
    app.receive(stateMessage({ kind: "ready", source: { kind: "preset", preset: "qwen3.5-35b-a3b" }, name: "Qwen3.5-35B-A3B", contextSize: 131072, gpu: "cuda", backend: { kind: "cuda", gpuLayers: 41, totalLayers: 41, vramUsedBytes: 2 ** 34 } }, { system }));
    assert.equal(q('[data-cuda="offer"]'), null);
  });

  it("offers the three model choices when there is none; Download names the model and its size", () => {
    app.receive(stateMessage({ kind: "none", detail: "nothing set" }, { recommended: { name: "Qwen3.5-35B-A3B", sizeBytes: 21.2e9 } }));
    assert.ok(q('[data-model="none"]'));
    onlyButton(root, "Download Qwen3.5-35B-A3B (19.7 GiB)").click();
    onlyButton(root, "Choose GGUF File…").click();
    onlyButton(root, "Use Server URL…").click();
    assert.deepEqual(host.sent("runCommand").map((m) => m.command), ["downloadModel", "chooseModelFile", "useServerUrl"]);
  });

  it("keeps the plain Download label when the extension names no recommendation", () => {
    app.receive(stateMessage({ kind: "none", detail: "" }));
    assert.ok(onlyButton(root, "Download Qwen3.6-35B-A3B"));
  });

  it("shows download progress, loading progress, and a model error with its fix", () => {
    app.receive(stateMessage({ kind: "none", detail: "" }, { download: { preset: "qwen3.5-27b", fraction: 0.25, detail: "5 GB of 20 GB" } }));
    const download = q("[data-download]")!.closest(".card")!;
    assert.equal(download.querySelector("progress")?.getAttribute("value"), "0.25");
    assert.match(download.textContent ?? "", /25%.*5 GB of 20 GB/s);

    app.receive(stateMessage({ kind: "loading", source: { kind: "file", modelPath: "/m/model.gguf" }, progress: 0.6 }));
    assert.match(q('[data-model="loading"]')?.textContent ?? "", /model\.gguf/);
    assert.equal(q(".model-loading progress")?.getAttribute("value"), "0.6");

    app.receive(stateMessage({ kind: "error", source: { kind: "file", modelPath: "/m/x.gguf" }, message: "the model file is incomplete", fix: "downloadModel" }));
    assert.equal(q('[data-model="error"]')?.textContent, "The model file is incomplete");
    onlyButton(root, "Download Model…").click();
    assert.deepEqual(host.sent("runCommand").at(-1), { type: "runCommand", command: "downloadModel" });
  });

  it("shows a restarting and a failed runtime with their buttons", () => {
    app.receive({ type: "state", runtime: { kind: "restarting", attempt: 2, inSeconds: 3, reason: "killed by SIGKILL" }, inlineCompletions: true });
    assert.ok(q('[data-state="restarting"]'));
    assert.match(root.textContent ?? "", /killed by SIGKILL.*attempt 2/);
    app.receive({ type: "state", runtime: { kind: "failed", message: "gave up after 5 restarts" }, inlineCompletions: true });
    assert.ok(q('[data-state="failed"]'));
    onlyButton(root, "Restart Runtime").click();
    assert.deepEqual(host.sent("runCommand").at(-1), { type: "runCommand", command: "restartRuntime" });
  });
});

describe("webview: transcript", () => {
  beforeEach(() => start());

  it("renders every item with data-item and data-id, notices by level", () => {
    app.receive(
      conversation(
        transcript([
          { kind: "user", id: "u1", text: "hi <b>there</b>" },
          { kind: "assistant", id: "a1", text: "**hello**", thinking: "", streaming: false },
          { kind: "tool", id: "t1", name: "read_file", arguments: { path: "a.ts" }, status: "done", preview: "1 const a", durationMs: 1200 },
          { kind: "notice", id: "n1", level: "info", text: "fyi" },
          { kind: "notice", id: "n2", level: "warning", text: "careful" },
          { kind: "notice", id: "n3", level: "error", text: "broken" },
        ]),
      ),
    );
    assert.deepEqual(qa("[data-item]").map((el) => `${el.dataset.item}:${el.dataset.id}`), ["user:u1", "assistant:a1", "tool:t1", "notice:n1", "notice:n2", "notice:n3"]);
    assert.equal(q('[data-id="u1"] .user-text')?.textContent, "hi <b>there</b>", "user text is text");
    assert.equal(q('[data-id="a1"] strong')?.textContent, "hello");
    assert.equal(q('[data-id="t1"]')?.dataset.tool, "read_file");
    assert.equal(q('[data-id="t1"]')?.dataset.status, "done");
    assert.match(q('[data-id="t1"]')?.textContent ?? "", /1\.2 s/);
    assert.deepEqual(qa(".notice").map((n) => n.className.split(" ").find((c) => c.startsWith("notice-"))), ["notice-info", "notice-warning", "notice-error"]);
    assert.equal(q('[data-id="n3"]')?.hasAttribute("role"), false, "not an alert: opening the conversation would read it out again");
  });

  it("streams text into the last message only, with Thinking… while it thinks", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u1", text: "earlier" }, { kind: "tool", id: "t0", name: "search", arguments: { pattern: "x" }, status: "done" }])));
    app.receive(event({ type: "runStart", runId: "r1" }));
    app.receive(event({ type: "model", event: { type: "thinking", text: "Let me look" } }));
    const before = qa("[data-item]");
    const msg = q('[data-item="assistant"]')!;
    assert.equal(msg.getAttribute("aria-busy"), "true");
    assert.match(msg.querySelector("summary")?.textContent ?? "", /^Thinking…$/);
    assert.equal(msg.querySelector("details")?.hasAttribute("open"), false, "thinking is collapsed");
    app.receive(event({ type: "model", event: { type: "text", text: "The answer is " } }));
    app.receive(event({ type: "model", event: { type: "text", text: "**42**" } }));
    assert.equal(q('[data-item="assistant"]'), msg, "the same element is updated in place");
    assert.equal(msg.querySelector(".assistant-text strong")?.textContent, "42");
    assert.equal(msg.querySelector("summary")?.textContent, "Thinking");
    const after = qa("[data-item]");
    assert.deepEqual(after.map((el, i) => el === before[i]), [true, true, true], "no item is re-created while text streams");
    app.receive(event({ type: "model", event: { type: "done", stopReason: "endOfTurn" } }));
    app.receive(event({ type: "end", result: { stopReason: "answered", message: "", steps: 1, changedFiles: [] } }));
    assert.equal(msg.getAttribute("aria-busy"), "false");
    assert.equal(q(".transcript")?.getAttribute("aria-live"), "off", "the announcer says the reply once (announcements.test.ts)");
  });

  it("renders a burst of text deltas once, in the next frame", async () => {
    root = freshRoot();
    host = new FakeHost();
    let frames: (() => void)[] = [];
    app = new ChatApp(root, host, { saveDelayMs: 0, schedule: (render) => frames.push(render) });
    app.receive(conversation(transcript([], { runId: "r" })));
    app.receive(event({ type: "model", event: { type: "text", text: "a" } }));
    const body = q('[data-item="assistant"] .assistant-text')!;
    assert.equal(body.textContent?.trim(), "a", "a new message renders at once");
    for (const t of ["b", "c", "d"]) app.receive(event({ type: "model", event: { type: "text", text: t } }));
    assert.equal(body.textContent?.trim(), "a", "deltas wait for the frame");
    assert.equal(frames.length, 1, "one frame for the burst");
    frames[0]!();
    frames = [];
    assert.equal(body.textContent?.trim(), "abcd");
  });

  it("ignores events for another conversation", () => {
    app.receive(conversation(transcript()));
    app.receive(event({ type: "notice", level: "info", text: "elsewhere" }, "other"));
    assert.equal(qa("[data-item]").length, 0);
  });

  it("shows a Stop button while a run is in progress that posts stop at once", () => {
    app.receive(conversation(transcript([], { runId: "r1" })));
    const stop = q('[data-action="stop"]') as HTMLButtonElement;
    assert.equal(stop.hidden, false);
    assert.equal(stop.getAttribute("aria-label") ?? stop.textContent, "Stop");
    assert.equal(onlyButton(root, "Send").hidden, true);
    stop.click();
    assert.deepEqual(host.sent("stop"), [{ type: "stop" }]);
    app.receive(event({ type: "end", result: { stopReason: "cancelled", message: "", steps: 0, changedFiles: [] } }));
    assert.equal(stop.hidden, true);
    assert.equal(onlyButton(root, "Send").hidden, false);
  });

  it("offers Restore checkpoint on user messages that have one (and whose turn changed files)", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u1", text: "a", checkpoint: "cp1" }, { kind: "tool", id: "t1", name: "write_file", arguments: { path: "a" }, status: "done", changedFiles: ["a"] }, { kind: "user", id: "u2", text: "b" }])));
    assert.equal(q('[data-id="u2"]')!.querySelectorAll("button").length, 0);
    onlyButton(q('[data-id="u1"]')!, "Restore checkpoint: before “a”").click();
    assert.deepEqual(host.sent("restore"), [{ type: "restore", itemId: "u1" }]);
  });

});

describe("webview: tool cards", () => {
  beforeEach(() => start());

  const call = { id: "call1", name: "edit_file", arguments: { path: "src/a.ts", old_text: "let a = 1;", new_text: "let a = 2;\nlet b = 3;" } };

  it("asks with the proposed diff and posts Approve; follows the call to done with Open diff and Undo this step", () => {
    app.receive(conversation(transcript([], { runId: "r1" })));
    app.receive(event({ type: "approvalRequest", call, effect: "write" }));
    let card = q('[data-id="call1"]')!;
    assert.equal(card.dataset.tool, "edit_file");
    assert.equal(card.dataset.status, "awaiting-approval");
    assert.deepEqual(qa('[data-id="call1"] .diff-del').map((l) => l.textContent), ["-let a = 1;\n"]);
    assert.deepEqual(qa('[data-id="call1"] .diff-add').map((l) => l.textContent), ["+let a = 2;\n", "+let b = 3;\n"]);
    assert.match(card.textContent ?? "", /src\/a\.ts/);
    onlyButton(card, "Approve").click();
    assert.deepEqual(host.sent("approve"), [{ type: "approve", callId: "call1", approved: true }]);
    assert.ok(onlyButton(card, "Deny").disabled, "answered: both buttons wait for the event");

    app.receive(event({ type: "approval", callId: "call1", approved: true }));
    app.receive(event({ type: "toolStart", call, effect: "write" }));
    card = q('[data-id="call1"]')!;
    assert.equal(card.dataset.status, "running");
    assert.ok(card.querySelector(".spinner"), "a spinner while it runs");
    assert.equal(buttonNamed(card, "Approve").length, 0);

    app.receive(event({ type: "toolEnd", callId: "call1", ok: true, preview: "Edited src/a.ts", durationMs: 35, diff: "--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1,2 @@\n-let a = 1;\n+let a = 2;\n+let b = 3;\n", changedFiles: ["src/a.ts"], checkpoint: "cp7" }));
    card = q('[data-id="call1"]')!;
    assert.equal(card.dataset.status, "done");
    assert.match(card.textContent ?? "", /35 ms/);
    assert.equal(card.querySelector("details:has(.tool-preview)")?.hasAttribute("open"), false, "the result preview is collapsed");
    onlyButton(card, "Open diff: edit_file src/a.ts").click();
    onlyButton(card, "Undo this step: edit_file src/a.ts").click();
    assert.deepEqual(host.sent("openDiff"), [{ type: "openDiff", itemId: "call1" }]);
    assert.deepEqual(host.sent("restore"), [{ type: "restore", itemId: "call1" }]);
  });

  it("says why a write is asked when it changes a file that runs things later, and only while it waits", () => {
    app.receive(conversation(transcript([], { runId: "r1" })));
    const tasks = { id: "c9", name: "write_file", arguments: { path: ".vscode/tasks.json", content: "{}" } };
    app.receive(event({ type: "approvalRequest", call: tasks, effect: "write", reason: "it changes .vscode/tasks.json: VS Code reads it" }));
    assert.equal(q('[data-id="c9"] .tool-ask-why')?.textContent, "Asked because it changes .vscode/tasks.json: VS Code reads it.");
    app.receive(event({ type: "approvalRequest", call, effect: "write" }));
    assert.equal(q('[data-id="call1"] .tool-ask-why'), null, "an ordinary edit under ask gives no reason");
    app.receive(event({ type: "approval", callId: "c9", approved: false }));
    assert.equal(q('[data-id="c9"] .tool-ask-why'), null);
  });

  it("says Working… while the run waits for the model, not while a step waits for approval", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }], { runId: "r1" })));
    const working = q(".working")!;
    assert.equal(working.hidden, false);
    app.receive(event({ type: "approvalRequest", call, effect: "write" }));
    assert.equal(working.hidden, true);
    app.receive(event({ type: "end", result: { stopReason: "cancelled", message: "", steps: 1, changedFiles: [] } }));
    assert.equal(working.hidden, true);
  });

  it("Deny posts a no; the card then says denied", () => {
    app.receive(conversation(transcript([], { runId: "r1" })));
    app.receive(event({ type: "approvalRequest", call: { id: "c2", name: "run_command", arguments: { command: "rm -rf build" } }, effect: "command" }));
    const card = q('[data-id="c2"]')!;
    assert.match(card.textContent ?? "", /\$ rm -rf build/);
    onlyButton(card, "Deny").click();
    assert.deepEqual(host.sent("approve"), [{ type: "approve", callId: "c2", approved: false }]);
    app.receive(event({ type: "approval", callId: "c2", approved: false }));
    assert.equal(q('[data-id="c2"]')?.dataset.status, "denied");
    assert.equal(buttonNamed(q('[data-id="c2"]')!, "Approve").length, 0);
  });

  it("shows write_file content and apply_patch's patch before approval", () => {
    app.receive(
      conversation(
        transcript([
          { kind: "tool", id: "w", name: "write_file", arguments: { path: "n.txt", content: "one\ntwo\n" }, status: "awaiting-approval", effect: "write" },
          { kind: "tool", id: "p", name: "apply_patch", arguments: { patch: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n" }, status: "proposed", effect: "write" },
        ]),
      ),
    );
    assert.deepEqual(qa('[data-id="w"] .diff-add').map((l) => l.textContent), ["+one\n", "+two\n"]);
    assert.deepEqual(qa('[data-id="p"] .diff-del, [data-id="p"] .diff-add').map((l) => l.textContent), ["-old\n", "+new\n"]);
  });

  it("shows the memory a remember call proposes, and other tools' arguments, before approval", () => {
    app.receive(
      conversation(
        transcript([
          { kind: "tool", id: "m", name: "remember", arguments: { title: "Test command", fact: "Run python3 -m unittest.", category: "testing" }, status: "awaiting-approval", effect: "memory" },
          { kind: "tool", id: "o", name: "git_diff", arguments: { staged: true }, status: "awaiting-approval", effect: "command" },
        ]),
      ),
    );
    const memory = q('[data-id="m"] .tool-memory')!;
    assert.match(memory.textContent ?? "", /Test command.*Run python3 -m unittest\..*Category: testing/s);
    assert.match(q('[data-id="m"] .tool-ask')?.textContent ?? "", /remember/);
    assert.match(q('[data-id="o"] details pre')?.textContent ?? "", /"staged": true/);
  });

  it("keeps a result preview the user opened across a re-render of the card", () => {
    app.receive(conversation(transcript([{ kind: "tool", id: "t", name: "read_file", arguments: { path: "a" }, status: "done", preview: "text", checkpoint: undefined }], { runId: "r" })));
    const details = q('[data-id="t"] details')!as HTMLDetailsElement;
    details.open = true;
    details.dispatchEvent(new window.Event("toggle"));
    app.receive(event({ type: "end", result: { stopReason: "answered", message: "", steps: 1, changedFiles: [] } }));
    app.receive(event({ type: "toolEnd", callId: "t", ok: false, preview: "text 2", durationMs: 5 }));
    assert.equal((q('[data-id="t"] details') as HTMLDetailsElement).open, true);
  });
});

describe("webview: review, context meter, history", () => {
  beforeEach(() => start());

  it("review: per-file Open diff / Accept / Reject, Accept all / Reject all, the test result", () => {
    app.receive(event({ type: "notice", level: "info", text: "no transcript yet: ignored" }));
    app.receive(
      conversation(
        transcript([
          {
            kind: "review",
            id: "r1",
            checkpoint: "cp",
            summary: "Fixed **it**",
            files: [{ path: "src/a.ts", state: "pending" }, { path: "src/b.ts", state: "accepted" }],
            tests: { command: "npm test", passed: false, exitCode: 1, output: "1 failing" },
          },
        ]),
      ),
    );
    const review = q('[data-item="review"]')!;
    assert.equal(review.querySelector("strong")?.textContent, "it");
    const a = review.querySelector<HTMLElement>('[data-review-file="src/a.ts"]')!;
    assert.equal(a.dataset.reviewState, "pending");
    onlyButton(a, "Open diff of src/a.ts").click();
    onlyButton(a, "Accept src/a.ts").click();
    onlyButton(a, "Reject src/a.ts").click();
    onlyButton(review, "Accept all").click();
    onlyButton(review, "Reject all").click();
    assert.deepEqual(host.sent("review"), [
      { type: "review", action: "open", reviewId: "r1", path: "src/a.ts" },
      { type: "review", action: "accept", reviewId: "r1", path: "src/a.ts" },
      { type: "review", action: "reject", reviewId: "r1", path: "src/a.ts" },
      { type: "review", action: "accept", reviewId: "r1" },
      { type: "review", action: "reject", reviewId: "r1" },
    ]);
    assert.equal(review.querySelector('[data-tests="failed"]')?.querySelector("code")?.textContent, "$ npm test");
    assert.equal(review.querySelector('[data-tests] details')?.hasAttribute("open"), false, "output collapsed");
    assert.match(review.querySelector("[data-tests] pre")?.textContent ?? "", /1 failing/);

    app.receive(event({ type: "reviewDecision", reviewId: "r1", paths: ["src/a.ts"], state: "rejected" }));
    assert.equal(q('[data-review-file="src/a.ts"]')?.dataset.reviewState, "rejected");
    assert.equal(buttonNamed(q('[data-item="review"]')!, "Accept all").length, 0, "nothing pending: no Accept all");
  });

  it("items an event creates get the extension's ids (the event's time), so review buttons name the extension's review", () => {
    const extensionSide = transcript();
    app.receive(conversation(transcript()));
    const review: TranscriptEvent = { type: "review", checkpoint: "cp", summary: "done", files: ["a.ts"] };
    const at = 1_700_000_000_000;
    applyTranscriptEvent(extensionSide, review, at);
    app.receive({ type: "event", conversationId: "c1", event: review, at });
    const id = extensionSide.items[0]!.id;
    assert.equal(q('[data-item="review"]')?.dataset.id, id);
    onlyButton(q('[data-item="review"]')!, "Accept all").click();
    assert.deepEqual(host.sent("review"), [{ type: "review", action: "accept", reviewId: id }]);
  });

  it("context meter: used / size, warns from 80 % and says the conversation will be condensed", () => {
    app.receive(conversation(transcript([], { context: { usedTokens: 50_000, contextSize: 100_000 } })));
    let meter = q("[data-context-meter]")!;
    assert.equal(meter.hidden, false);
    assert.equal(meter.dataset.level, "ok");
    assert.match(meter.textContent ?? "", /50k \/ 100k tokens · 50%/);
    assert.equal(meter.querySelector("meter")?.getAttribute("value"), "50000");
    assert.doesNotMatch(meter.textContent ?? "", /condensed/);
    app.receive(event({ type: "context", usedTokens: 85_000, contextSize: 100_000 }));
    meter = q("[data-context-meter]")!;
    assert.equal(meter.dataset.level, "warn");
    assert.match(meter.textContent ?? "", /85%.*will be condensed/s);
  });

  it("context meter: a count that failed shows as unknown with why, not as an empty context; the next count replaces it", () => {
    app.receive(conversation(transcript([], { context: { usedTokens: 85_000, contextSize: 100_000 } })));
    app.receive(event({ type: "context", contextSize: 100_000, countError: "the runtime did not answer" }));
    let meter = q("[data-context-meter]")!;
    assert.equal(meter.dataset.level, "unknown");
    assert.match(meter.textContent ?? "", /^Context\? \/ 100k tokens · could not count$/);
    assert.equal(meter.title, "The conversation's tokens could not be counted: the runtime did not answer");
    assert.equal(meter.querySelector("meter"), null, "no bar that reads as empty");
    app.receive(event({ type: "context", usedTokens: 20_000, contextSize: 100_000 }));
    meter = q("[data-context-meter]")!;
    assert.equal(meter.dataset.level, "ok");
    assert.equal(meter.title, "");
    assert.match(meter.textContent ?? "", /20k \/ 100k tokens · 20%/);
  });

  it("history: opens a conversation, deletes only after confirming in the page", () => {
    app.receive(conversation(transcript(), [
      { id: "c1", title: "Chat", updatedAt: 2 },
      { id: "c2", title: "Older chat", updatedAt: 1 },
    ]));
    const toggle = onlyButton(root, "Conversation history");
    toggle.click();
    assert.equal(toggle.getAttribute("aria-expanded"), "true");
    const row = () => q('[data-conversation="c2"]')!;
    row().querySelector<HTMLButtonElement>(".history-open")!.click();
    assert.deepEqual(host.sent("openConversation"), [{ type: "openConversation", id: "c2" }]);

    toggle.click();
    onlyButton(row(), "Delete conversation “Older chat”").click();
    assert.equal(host.sent("deleteConversation").length, 0, "not before confirming");
    onlyButton(row(), "Cancel").click();
    assert.equal(host.sent("deleteConversation").length, 0);
    onlyButton(row(), "Delete conversation “Older chat”").click();
    onlyButton(row(), "Delete").click();
    assert.deepEqual(host.sent("deleteConversation"), [{ type: "deleteConversation", id: "c2" }]);
  });
});

describe("webview: the history holds the conversation being written", () => {
  beforeEach(() => ({ root, host, app } = startApp()));

  it("a new chat's first message puts it in the history at once (the extension's list came before it and is not sent again until the view is shown anew)", () => {
    app.receive(conversation(transcript([], { id: "c9", title: "New chat", updatedAt: 5 }), [{ id: "c1", title: "Older chat", updatedAt: 1 }]));
    app.receive(event({ type: "user", text: "fix add\nit subtracts", messageIndex: 0 }, "c9"));
    onlyButton(root, "Conversation history").click();
    const rows = qa("[data-conversation]").map((el) => ({ id: el.dataset.conversation, current: el.getAttribute("aria-current"), text: el.querySelector(".history-open")?.textContent?.trim() }));
    assert.deepEqual(rows.map((r) => [r.id, r.current]), [["c9", "true"], ["c1", null]]);
    assert.match(rows[0]!.text ?? "", /fix add/);
  });

  it("with the history open, a new chat's first message lists it there at once (it is not shown only after the list is closed and opened)", () => {
    app.receive(conversation(transcript([], { id: "c9", title: "New chat", updatedAt: 5 }), [{ id: "c1", title: "Older chat", updatedAt: 1 }]));
    onlyButton(root, "Conversation history").click();
    assert.deepEqual(qa("[data-conversation]").map((el) => el.dataset.conversation), ["c1"]);
    app.receive(event({ type: "user", text: "fix add\nit subtracts", messageIndex: 0 }, "c9"));
    const rows = qa("[data-conversation]").map((el) => [el.dataset.conversation, el.getAttribute("aria-current"), el.querySelector(".history-open")?.textContent?.trim()]);
    assert.deepEqual(rows.map((r) => r.slice(0, 2)), [["c9", "true"], ["c1", null]]);
    assert.match(String(rows[0]![2]), /fix add/);
  });

  it("an empty new chat is not listed", () => {
    app.receive(conversation(transcript([], { id: "c9", title: "New chat", updatedAt: 5 }), []));
    onlyButton(root, "Conversation history").click();
    assert.equal(qa("[data-conversation]").length, 0);
    assert.match(q("nav.history")?.textContent ?? "", /No conversations yet/);
  });
});

describe("webview: the saved state of a long conversation", () => {
  it("a streamed reply saves the page's state (the whole conversation, serialized by VS Code at each call) within 5 s, not after each delta; a step at once", () => {
    root = freshRoot();
    host = new FakeHost();
    const clock = new FakeClock();
    app = new ChatApp(root, host, { saveDelayMs: 300, schedule: (render) => render(), timers: clock });
    app.receive(conversation(transcript([], { runId: "r" })));
    clock.advance(300);
    const before = host.setStateCalls;
    // A minute's reply, a delta every 100 ms.
    for (let i = 0; i < 600; i++) {
      app.receive(event({ type: "model", event: { type: "text", text: "word " } }));
      clock.advance(100);
    }
    const saves = host.setStateCalls - before;
    assert.ok(saves >= 11 && saves <= 13, `${saves} saves of the whole state during a 60 s reply (one per 5 s)`);
    app.receive(event({ type: "model", event: { type: "text", text: "last " } }));
    clock.advance(100);
    const beforeStep = host.setStateCalls;
    app.receive(event({ type: "notice", level: "info", text: "a step" }));
    clock.advance(300);
    assert.equal(host.setStateCalls, beforeStep + 1, "a step is saved after the usual delay, the streamed text with it");
    assert.equal(clock.pending(), 0);
  });
});
