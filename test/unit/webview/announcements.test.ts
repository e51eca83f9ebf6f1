// What a screen reader hears of a run: a streamed reply once, when complete (not at every
// frame, not never); a step that waits for approval; each step's outcome; a review and its
// decisions; the model's state. Said in one polite region; the conversation is not live.
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { onlyButton, startApp, window } from "./dom-env.ts";
import { READY_MODEL, conversation, event, stateMessage, transcript } from "./fixtures.ts";
import type { ChatApp } from "../../../src/webview/app.ts";

let root: HTMLElement;
let app: ChatApp;

const q = (selector: string) => root.querySelector<HTMLElement>(selector);
const said = () => [...root.querySelectorAll("[data-announcer] > *")].map((p) => p.textContent);
const alerted = () => [...root.querySelectorAll("[data-announcer-alerts] > *")].map((p) => p.textContent);

const IMPLICIT_LIVE: Record<string, string> = { alert: "assertive", status: "polite", log: "polite", marquee: "off", timer: "off" };

/** How a screen reader treats changes under `el`: the nearest aria-live, or the live role's implicit politeness. */
function liveness(el: Element | null): string {
  for (let node = el; node; node = node.parentElement) {
    const live = node.getAttribute("aria-live");
    if (live) return live;
    const role = node.getAttribute("role");
    if (role && role in IMPLICIT_LIVE) return IMPLICIT_LIVE[role]!;
  }
  return "off";
}

describe("screen reader: what a run says", () => {
  beforeEach(() => {
    ({ root, app } = startApp());
    app.receive(stateMessage());
  });

  it("a streamed reply is in no live region while it streams, and is said once, as text, when it is complete", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "what is it?" }], { runId: "r1" })));
    app.receive(event({ type: "model", event: { type: "thinking", text: "hmm" } }));
    for (const t of ["It is ", "a **calculator**.", "\n\nIt adds ", "`1 + 1`."]) app.receive(event({ type: "model", event: { type: "text", text: t } }));
    const body = q('[data-item="assistant"] .assistant-text')!;
    assert.equal(liveness(body), "off", "each frame of the stream would be read again");
    assert.deepEqual(said(), [], "nothing said while it streams");
    app.receive(event({ type: "model", event: { type: "done", stopReason: "endOfTurn" } }));
    app.receive(event({ type: "end", result: { stopReason: "answered", message: "", steps: 1, changedFiles: [] } }));
    assert.deepEqual(said(), ["It is a calculator.\nIt adds 1 + 1.", "Done."], "then that the run is over");
    assert.equal(liveness(q("[data-announcer]")), "polite");
  });

  it("a step that waits for approval is said, with where to answer; its card (with the whole diff) is not read out", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }], { runId: "r1" })));
    app.receive(event({ type: "approvalRequest", call: { id: "c1", name: "edit_file", arguments: { path: "calc.py", old_text: "a", new_text: "b" } }, effect: "write" }));
    assert.deepEqual(said(), ["Hearth wants to edit file calc.py. Approve or Deny on its card."]);
    assert.equal(liveness(q('[data-id="c1"]')), "off");
    onlyButton(root, "Approve").click();
    app.receive(event({ type: "approval", callId: "c1", approved: true }));
    app.receive(event({ type: "toolStart", call: { id: "c1", name: "edit_file", arguments: { path: "calc.py", old_text: "a", new_text: "b" } }, effect: "write" }));
    app.receive(event({ type: "toolEnd", callId: "c1", ok: true, preview: "Edited calc.py", durationMs: 3 }));
    app.receive(event({ type: "toolStart", call: { id: "c2", name: "read_file", arguments: { path: "calc.py" } }, effect: "read" }));
    app.receive(event({ type: "toolEnd", callId: "c2", ok: false, preview: "no such file", durationMs: 3 }));
    assert.deepEqual(said().slice(-2), ["edit_file calc.py: Done.", "read_file calc.py: Failed."]);
  });

  it("notices are said (errors as alerts), a review and each decision on it", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }], { runId: "r1" })));
    app.receive(event({ type: "notice", level: "warning", text: "The run stopped at 30 steps." }));
    assert.deepEqual(said(), ["The run stopped at 30 steps."]);
    app.receive(event({ type: "review", checkpoint: "cp", summary: "Fixed", files: ["calc.py", "notes.txt"], tests: { command: "make test", passed: false, exitCode: 1, output: "" } }));
    const reviewId = q('[data-item="review"]')!.dataset.id!;
    app.receive(event({ type: "reviewDecision", reviewId, paths: ["calc.py"], state: "rejected" }));
    app.receive(event({ type: "reviewDecision", reviewId, paths: ["notes.txt"], state: "accepted" }));
    assert.deepEqual(said(), ["Review: 2 files changed. Tests failed.", "Rejected calc.py.", "Accepted notes.txt."], "the last three sentences are kept");
    app.receive(event({ type: "notice", level: "error", text: "the runtime went away" }));
    assert.equal(said().at(-1), "Accepted notes.txt.", "an error is not said politely");
    assert.deepEqual(alerted(), ["The runtime went away"], "an error is said at once, as an alert");
    assert.equal(liveness(q('[data-level="error"]')), "off", "the notice itself is no alert: opening the conversation again would read it");
  });

  it("a review whose final tests did not finish says so, not that they failed", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }], { runId: "r1" })));
    app.receive(event({ type: "review", checkpoint: "cp", summary: "Fixed", files: ["calc.py"], tests: { command: "make test", passed: false, exitCode: null, output: "", stopped: "they ran past the 600 s limit and were stopped" } }));
    assert.deepEqual(said(), ["Review: 1 file changed. Tests did not finish."]);
  });

  it("opening a conversation (or showing the view again) does not read out its old errors", () => {
    const old = transcript([{ kind: "user", id: "u", text: "go" }, { kind: "notice", id: "n", level: "error", text: "the model stopped: out of memory" }], { id: "c2" });
    const observer = new window.MutationObserver(() => undefined);
    observer.observe(root, { childList: true, subtree: true, characterData: true });
    app.receive(conversation(old, [{ id: "c2", title: "Chat", updatedAt: 1 }]));
    const inserted = observer.takeRecords().flatMap((r) => [...r.addedNodes]).flatMap((n) => (n instanceof window.Element ? [n, ...n.querySelectorAll("*")] : []));
    assert.ok(q('[data-level="error"]'), "the error still shows on its card");
    assert.deepEqual(inserted.filter((el) => liveness(el) !== "off").map((el) => el.textContent), [], "nothing inserted into a live region or as one");
    assert.deepEqual([...said(), ...alerted()], []);
    observer.disconnect();
    ({ root, app } = startApp({ version: 1, transcript: old, history: [], draft: { text: "", mentions: [] } }));
    assert.deepEqual([...root.querySelectorAll('[data-level="error"]')].map(liveness), ["off"], "restored with the view: no alert");
  });

  it("says Working… once when a run starts, not again each time the run goes back to the model, and Done. when it ends with its reply; the Working… line is no live region", () => {
    const heard: string[] = [];
    const observer = new window.MutationObserver((records) => heard.push(...records.flatMap((r) => [...r.addedNodes].map((n) => n.textContent ?? ""))));
    observer.observe(q("[data-announcer]")!, { childList: true });
    app.receive(conversation(transcript([])));
    app.receive(event({ type: "user", text: "go", messageIndex: 0 }));
    app.receive(event({ type: "runStart", runId: "r1" }));
    assert.equal(q(".working")?.hidden, false);
    assert.equal(liveness(q(".working")), "off", "shown again after every step, a live Working… would be read after every step");
    for (const id of ["c1", "c2"]) {
      app.receive(event({ type: "model", event: { type: "toolCall", call: { id, name: "read_file", arguments: { path: "calc.py" } } } }));
      app.receive(event({ type: "toolStart", call: { id, name: "read_file", arguments: { path: "calc.py" } }, effect: "read" }));
      app.receive(event({ type: "toolEnd", callId: id, ok: true, preview: "1 line", durationMs: 3 }));
      assert.equal(q(".working")?.hidden, false, "Working… shows while the model is asked again");
    }
    app.receive(event({ type: "model", event: { type: "text", text: "It adds." } }));
    app.receive(event({ type: "model", event: { type: "done", stopReason: "endOfTurn" } }));
    app.receive(event({ type: "end", result: { stopReason: "answered", message: "", steps: 3, changedFiles: [] } }));
    observer.takeRecords().forEach((r) => heard.push(...[...r.addedNodes].map((n) => n.textContent ?? "")));
    observer.disconnect();
    assert.deepEqual(heard, ["Working…", "read_file calc.py: Done.", "read_file calc.py: Done.", "It adds.", "Done."]);
  });

  it("a run that ends with a notice (Stopped., an error) is not also said to be done", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }])));
    app.receive(event({ type: "runStart", runId: "r1" }));
    app.receive(event({ type: "end", result: { stopReason: "cancelled", message: "", steps: 1, changedFiles: [] } }));
    assert.deepEqual(said(), ["Working…", "Stopped."]);
  });

  it("opening a conversation from the history says nothing of its old items", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }, { kind: "assistant", id: "a", text: "Old reply", thinking: "", streaming: false }])));
    assert.deepEqual(said(), []);
    assert.equal(window.document.querySelectorAll("[data-announcer]").length, 1);
  });
});

/**
 * What a screen reader reads of these mutations: an alert inserted with its text, and what
 * changes inside a live region that is already on the page (a region inserted with its text is not read).
 */
function read(records: MutationRecord[]): string[] {
  const alerts = records.flatMap((r) => [...r.addedNodes]).flatMap((n) => (n instanceof window.Element ? [n, ...n.querySelectorAll("[role=alert]")] : []));
  const changed = records.filter((r) => liveness(r.target instanceof window.Element ? r.target : r.target.parentElement) !== "off");
  return [
    ...alerts.filter((el) => el.getAttribute("role") === "alert" && el.textContent !== "").map((el) => `alert: ${el.textContent}`),
    ...changed.flatMap((r) => (r.type === "characterData" ? [r.target.textContent] : [...r.addedNodes].map((n) => n.textContent))).filter((t) => t !== "").map((t) => `live: ${t}`),
  ];
}

describe("screen reader: the model's state", () => {
  beforeEach(() => ({ root, app } = startApp()));

  it("says when the model starts loading, when it is ready and when the runtime restarts; not at each percent, not on the page's first state", () => {
    app.receive(stateMessage({ kind: "configured", source: { kind: "preset", preset: "qwen3.5-35b-a3b" }, detail: "" }));
    assert.deepEqual(said(), []);
    for (const progress of [0.1, 0.5, 0.9]) app.receive(stateMessage({ kind: "loading", source: { kind: "preset", preset: "qwen3.5-35b-a3b" }, progress }));
    app.receive(stateMessage(READY_MODEL));
    app.receive(stateMessage(READY_MODEL));
    assert.deepEqual(said(), ["Loading the model…", "Model ready: Qwen3.5-35B-A3B, 131,072 tokens of context, CUDA."]);
    app.receive({ type: "state", runtime: { kind: "restarting", attempt: 1, inSeconds: 2, reason: "killed by SIGKILL" }, inlineCompletions: true });
    assert.equal(said().at(-1), "Hearth's runtime stopped (killed by SIGKILL). Restarting in 2s.");
  });

  it("a model error, or a stopped runtime, is said once as an alert when it appears: not at each state message, not again when the view is shown again", () => {
    const broken = stateMessage({ kind: "error", source: { kind: "file", modelPath: "/m/x.gguf" }, message: "the model file is incomplete", fix: "downloadModel" });
    app.receive(stateMessage(READY_MODEL));
    app.receive(broken);
    app.receive(broken);
    assert.deepEqual(alerted(), ["The model file is incomplete"]);
    assert.equal(liveness(q('[data-model="error"]')), "off", "the card itself is no alert: showing the view again would read it");
    // The view hidden and shown again: the page starts anew from its saved state, and the extension sends the same state.
    const observer = new window.MutationObserver(() => undefined);
    observer.observe(window.document.body, { childList: true, subtree: true, characterData: true });
    ({ root, app } = startApp({ version: 1, state: broken, history: [], draft: { text: "", mentions: [] } }));
    app.receive(broken);
    assert.equal(q('[data-model="error"]')?.textContent, "The model file is incomplete", "the error still shows on its card");
    assert.deepEqual(read(observer.takeRecords()), [], "nothing read out again");
    observer.disconnect();
    assert.deepEqual(alerted(), []);
    app.receive(stateMessage({ kind: "error", source: { kind: "file", modelPath: "/m/x.gguf" }, message: "out of memory while loading" }));
    app.receive({ type: "state", runtime: { kind: "failed", message: "the runtime exited 5 times" }, inlineCompletions: true });
    app.receive({ type: "state", runtime: { kind: "failed", message: "the runtime exited 5 times" }, inlineCompletions: true });
    assert.deepEqual(alerted(), ["Out of memory while loading", "The runtime exited 5 times"], "a new error is said, once");
  });

  it("an error already there when the page first opens (no saved state) is said", () => {
    app.receive({ type: "state", runtime: { kind: "failed", message: "node-llama-cpp did not load" }, inlineCompletions: true });
    assert.deepEqual(alerted(), ["Node-llama-cpp did not load"]);
  });
});
