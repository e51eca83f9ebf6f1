// Issue 15, the chat view's part: honest no-model state (Send off with a visible reason,
// the three ways to get a model), no dead ends, no duplicated controls, sentences.
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { type FakeHost, buttonNamed, key, onlyButton, startApp, typeInto } from "./dom-env.ts";
import { READY_MODEL, conversation, event, stateMessage, transcript } from "./fixtures.ts";
import type { ChatApp } from "../../../src/webview/app.ts";
import { runBlocker, sentence } from "../../../src/protocol/readiness.ts";
import type { ModelState } from "../../../src/protocol/status.ts";
import { status } from "./fixtures.ts";

let host: FakeHost;
let root: HTMLElement;
let app: ChatApp;

const q = (selector: string) => root.querySelector<HTMLElement>(selector);
const qa = (selector: string) => [...root.querySelectorAll<HTMLElement>(selector)];
const textarea = () => q('textarea[aria-label="Message Hearth"]') as HTMLTextAreaElement;
const NONE: ModelState = { kind: "none", detail: "nothing configured" };

describe("webview: no model — Send is off, with the reason and the ways out", () => {
  beforeEach(() => {
    ({ root, host, app } = startApp());
    app.receive(conversation(transcript()));
  });

  it("Send is disabled and the reason is shown as text next to it; Enter sends nothing", () => {
    app.receive(stateMessage(NONE, { recommended: { name: "Qwen3.6-35B-A3B Q4_K_M", sizeBytes: 21.2e9, fits: true, reason: "fits" } }));
    const send = onlyButton(root, "Send");
    assert.equal(send.disabled, true);
    const reason = q("[data-blocked]")!;
    assert.equal(reason.hidden, false);
    assert.match(reason.textContent ?? "", /^No model yet\. Download one, choose a GGUF file, or connect to a server to chat\.$/);
    assert.equal(send.getAttribute("aria-describedby"), reason.id, "screen readers hear why");
    typeInto(textarea(), "hello");
    key(textarea(), "Enter");
    send.click();
    assert.equal(host.sent("send").length, 0, "nothing is sent without a model");
    assert.equal(textarea().value, "hello", "the draft is kept");
  });

  it("a model error blocks Send too; a ready model enables it and the reason goes away", () => {
    app.receive(stateMessage({ kind: "error", source: { kind: "file", modelPath: "/m/x.gguf" }, message: "bad file" }));
    assert.equal(onlyButton(root, "Send").disabled, true);
    app.receive(stateMessage(READY_MODEL));
    assert.equal(onlyButton(root, "Send").disabled, false);
    assert.equal(q("[data-blocked]")?.hidden, true);
    typeInto(textarea(), "hello");
    key(textarea(), "Enter");
    assert.equal(host.sent("send").length, 1);
  });

  it("the three ways to get a model are buttons in the empty chat; Download names the model and its size in GiB", () => {
    app.receive(stateMessage(NONE, { recommended: { name: "Qwen3.6-35B-A3B Q4_K_M", sizeBytes: 21.2e9, fits: true, reason: "Qwen3.6-35B-A3B Q4_K_M fits in 24.0 GiB of VRAM" } }));
    const empty = q(".empty")!;
    assert.equal(empty.hidden, false);
    onlyButton(empty, "Download Qwen3.6-35B-A3B Q4_K_M (19.7 GiB)").click();
    onlyButton(empty, "Choose GGUF File…").click();
    onlyButton(empty, "Use Server URL…").click();
    // Each button does what it says: the file dialog, the URL box (both opened Select Model's list, before).
    assert.deepEqual(host.sent("runCommand").map((m) => m.command), ["downloadModel", "chooseModelFile", "useServerUrl"]);
    assert.match(empty.textContent ?? "", /fits in 24\.0 GiB of VRAM/, "why this model, under the button");
    assert.doesNotMatch(root.textContent ?? "", /\bGB\b/);
  });

  it("a machine nothing fits: no Download button for a model that will not run; the reason and the other ways instead", () => {
    const reason = "No model Hearth offers fits this machine (24.0 GiB RAM, no GPU): Qwen3.6-35B-A3B Q4_K_M needs about 22.7 GiB. Use a server URL, or choose a smaller GGUF file";
    app.receive(stateMessage(NONE, { recommended: { name: "Qwen3.6-35B-A3B Q4_K_M", sizeBytes: 21.2e9, fits: false, reason } }));
    assert.equal(qa("button").filter((b) => /^Download Qwen/.test(b.textContent ?? "")).length, 0);
    assert.match(q(".empty")?.textContent ?? "", /No model Hearth offers fits this machine \(24\.0 GiB RAM, no GPU\)/);
    assert.equal(onlyButton(root, "Use Server URL…").classList.contains("primary"), true, "the way that works is the main button");
    onlyButton(root, "Other Models…").click();
    assert.deepEqual(host.sent("runCommand").at(-1), { type: "runCommand", command: "selectModel" });
  });
});

describe("webview: no dead ends, no duplicates", () => {
  beforeEach(() => {
    ({ root, host, app } = startApp());
    app.receive(stateMessage(READY_MODEL));
  });

  it("Restore checkpoint only on a turn that changed files", () => {
    app.receive(
      conversation(
        transcript([
          { kind: "user", id: "u1", text: "what is this?", checkpoint: "cp1" },
          { kind: "assistant", id: "a1", text: "A calculator.", thinking: "", streaming: false },
          { kind: "notice", id: "n1", level: "error", text: "The run stopped: no model" },
          { kind: "user", id: "u2", text: "fix add", checkpoint: "cp2" },
          { kind: "tool", id: "t2", name: "edit_file", arguments: { path: "calc.py" }, status: "done", effect: "write", changedFiles: ["calc.py"], checkpoint: "cp2" },
          { kind: "user", id: "u3", text: "read it", checkpoint: "cp3" },
          { kind: "tool", id: "t3", name: "read_file", arguments: { path: "calc.py" }, status: "done" },
        ]),
      ),
    );
    assert.equal(q('[data-id="u1"]')!.querySelectorAll("button").length, 0, "nothing changed after u1");
    assert.equal(q('[data-id="u3"]')!.querySelectorAll("button").length, 0, "a read changes nothing");
    onlyButton(q('[data-id="u2"]')!, "Restore checkpoint: before “fix add”").click();
    assert.deepEqual(host.sent("restore"), [{ type: "restore", itemId: "u2" }]);
  });

  it("one New chat: the view's title bar has it, the page does not repeat it", () => {
    assert.equal(buttonNamed(root, "New chat").length, 0);
  });

  it("a step waiting for approval shows its card only, no banner repeating it", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }], { runId: "r1" })));
    app.receive(event({ type: "approvalRequest", call: { id: "c1", name: "edit_file", arguments: { path: "a.ts", old_text: "a", new_text: "b" } }, effect: "write" }));
    assert.equal(qa(".approval-bar").filter((b) => !b.hidden).length, 0);
    assert.equal(qa("*").filter((el) => el.children.length === 0 && /waiting for your approval/i.test(el.textContent ?? "")).length, 0);
    assert.equal(buttonNamed(root, "Approve").length, 1);
    assert.equal(q(".working")?.hidden, true);
  });

  it("the memory card renders the fact as markdown, not raw backticks", () => {
    app.receive(conversation(transcript([{ kind: "tool", id: "m", name: "remember", arguments: { title: "Test command", fact: "Run `python3 -m unittest -q` from the **root**.", category: "testing" }, status: "awaiting-approval", effect: "memory" }])));
    const memory = q('[data-id="m"] .tool-memory')!;
    assert.equal(memory.querySelector("code")?.textContent, "python3 -m unittest -q");
    assert.equal(memory.querySelector("strong:not(.memory-title)")?.textContent, "root");
    assert.doesNotMatch(memory.textContent ?? "", /`/);
  });

  it("messages start with a capital letter: notices, model errors, a failed runtime", () => {
    app.receive(conversation(transcript([{ kind: "notice", id: "n", level: "error", text: "no model: nothing configured" }])));
    assert.equal(q('[data-id="n"] .notice-text')?.textContent, "No model: nothing configured");
    app.receive(stateMessage({ kind: "error", source: { kind: "file", modelPath: "/m/x.gguf" }, message: "the model file is incomplete" }));
    assert.equal(q('[data-model="error"]')?.textContent, "The model file is incomplete");
    app.receive({ type: "state", runtime: { kind: "failed", message: "stopped 6 times in 3 minutes" }, inlineCompletions: true });
    assert.match(q(".runtime-failed")?.textContent ?? "", /^Stopped 6 times/);
  });

  it("long status texts carry their full text in a tooltip (they may be ellipsized at 300 px)", () => {
    app.receive(stateMessage(READY_MODEL, { system: { platform: "linux", arch: "x64", cpus: 2, totalMemoryBytes: 24 * 2 ** 30, freeMemoryBytes: 2 ** 33, gpu: false, gpuNames: [], vramTotalBytes: 0, vramFreeBytes: 0, gpuNote: "no GPU found" } }));
    for (const el of qa(".meta-line > span, .status-line > span:not(.dot):not(.spinner)")) {
      assert.ok((el.getAttribute("title") ?? "").includes(el.textContent ?? "-"), `${el.className} has its text in a tooltip`);
    }
  });
});

describe("readiness rule shared by the view and the commands", () => {
  it("running with a ready, loading or configured model: a run can start; otherwise the reason", () => {
    const running = (model: ModelState) => ({ kind: "running" as const, status: status(model) });
    assert.equal(runBlocker(running(READY_MODEL)), undefined);
    assert.equal(runBlocker(running({ kind: "configured", source: { kind: "preset", preset: "p" }, detail: "" })), undefined);
    assert.equal(runBlocker(running({ kind: "loading", source: { kind: "preset", preset: "p" }, progress: 0.5 })), undefined);
    assert.equal(runBlocker(running(NONE))?.needsModel, true);
    assert.equal(runBlocker({ kind: "starting" })?.needsModel, false);
    assert.match(runBlocker({ kind: "failed", message: "x" })?.reason ?? "", /^Hearth's runtime stopped\. Restart it/);
  });

  it("sentence capitalises the first letter only", () => {
    assert.equal(sentence("no model: x"), "No model: x");
    assert.equal(sentence("/m/x.gguf not found"), "/m/x.gguf not found");
    assert.equal(sentence("Already fine"), "Already fine");
  });
});
