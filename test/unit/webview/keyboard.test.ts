// The chat view for people who use the keyboard and a screen reader: focus stays where the
// user put it while the page updates, goes somewhere useful when what held it goes away,
// and what a screen reader announces is said once.
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { type FakeHost, key, onlyButton, startApp, window } from "./dom-env.ts";
import { READY_MODEL, conversation, event, stateMessage, status, transcript } from "./fixtures.ts";
import type { ChatApp } from "../../../src/webview/app.ts";
import type { IndexState, ModelState } from "../../../src/protocol/status.ts";
import type { ToWebview } from "../../../src/protocol/webview.ts";

let host: FakeHost;
let root: HTMLElement;
let app: ChatApp;

const q = (selector: string) => root.querySelector<HTMLElement>(selector);
const focused = () => window.document.activeElement;

/** A state message with this model and index (the extension sends one for every index progress step). */
function state(model: ModelState, index: IndexState, extra: Partial<Extract<ToWebview, { type: "state" }>> = {}): ToWebview {
  return stateMessage(model, { runtime: { kind: "running", status: { ...status(model), index } }, ...extra });
}

/** Nodes added under `root` since `observer` started (or last taken), with their subtrees. */
function added(observer: MutationObserver): Element[] {
  return observer.takeRecords().flatMap((r) => [...r.addedNodes]).flatMap((n) => (n instanceof window.Element ? [n, ...n.querySelectorAll("*")] : []));
}

describe("keyboard: focus survives state messages", () => {
  beforeEach(() => ({ root, app } = startApp()));

  const MODEL_ERROR: ModelState = { kind: "error", source: { kind: "file", modelPath: "/m/x.gguf" }, message: "the model file is incomplete", fix: "downloadModel" };

  it("a status card's button keeps the focus while index progress arrives, and its alert is not said again", () => {
    app.receive(state(MODEL_ERROR, { kind: "indexing", done: 1, total: 100 }));
    onlyButton(root, "Show Log").focus();
    const observer = new window.MutationObserver(() => undefined);
    observer.observe(root, { childList: true, subtree: true, characterData: true });
    for (let done = 2; done < 6; done++) app.receive(state(MODEL_ERROR, { kind: "indexing", done, total: 100 }));
    assert.equal(focused(), onlyButton(root, "Show Log"), "the focus stays on Show Log");
    assert.deepEqual(added(observer).filter((el) => el.getAttribute("role") === "alert").map((el) => el.textContent), [], "the unchanged error is not inserted again");
    assert.equal(q("[data-index]")?.textContent, "Indexing 5 / 100 files…", "what changed is shown");
  });

  it("the no-model card's buttons and the history button keep the focus while a download progresses", () => {
    const none: ModelState = { kind: "none", detail: "" };
    const download = (fraction: number) => state(none, { kind: "ready", files: 1, symbols: 3 }, { download: { preset: "qwen3.5-27b", fraction, detail: "" } });
    app.receive(download(0.1));
    onlyButton(root, "Choose GGUF File…").focus();
    app.receive(download(0.2));
    assert.equal(focused(), onlyButton(root, "Choose GGUF File…"));
    assert.match(q("[data-download]")?.textContent ?? "", /20%/);
    onlyButton(root, "Conversation history").focus();
    app.receive(download(0.3));
    app.receive(stateMessage(READY_MODEL));
    assert.equal(focused(), onlyButton(root, "Conversation history"));
  });
});

describe("screen reader: a status is said when it changes, not at every render", () => {
  beforeEach(() => ({ root, app } = startApp()));

  it("'Context nearly full' is not inserted again at every event of the run", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }], { runId: "r1", context: { usedTokens: 85_000, contextSize: 100_000 } })));
    assert.match(q("[data-context-meter]")?.textContent ?? "", /nearly full/);
    const observer = new window.MutationObserver(() => undefined);
    observer.observe(root, { childList: true, subtree: true, characterData: true });
    app.receive(event({ type: "toolStart", call: { id: "t1", name: "read_file", arguments: { path: "a.ts" } }, effect: "read" }));
    app.receive(event({ type: "toolEnd", callId: "t1", ok: true, preview: "text", durationMs: 3 }));
    assert.deepEqual(added(observer).filter((el) => el.getAttribute("role") === "status").map((el) => el.textContent), []);
    app.receive(event({ type: "context", usedTokens: 90_000, contextSize: 100_000 }));
    assert.match(q("[data-context-meter]")?.textContent ?? "", /90%/, "new numbers are shown");
  });

  it("why Send is off is not written again at every state message", () => {
    const none: ModelState = { kind: "none", detail: "" };
    app.receive(state(none, { kind: "indexing", done: 1, total: 100 }));
    const note = q("[data-blocked]")!;
    assert.equal(note.hidden, false);
    const observer = new window.MutationObserver(() => undefined);
    observer.observe(note, { childList: true, subtree: true, characterData: true });
    for (let done = 2; done < 5; done++) app.receive(state(none, { kind: "indexing", done, total: 100 }));
    assert.deepEqual(observer.takeRecords().length, 0);
  });
});

/** Whether the keyboard is somewhere: an element in the page, not disabled, not hidden. */
function usable(el: Element | null): boolean {
  return el !== null && el !== window.document.body && el.isConnected && !(el as HTMLButtonElement).disabled && el.closest("[hidden]") === null;
}

describe("keyboard: focus after what held it goes away", () => {
  beforeEach(() => {
    ({ root, host, app } = startApp());
    app.receive(stateMessage());
  });

  const call = { id: "call1", name: "edit_file", arguments: { path: "src/a.ts", old_text: "a", new_text: "b" } };
  const inItem = (id: string) => focused()?.closest("[data-id]")?.getAttribute("data-id") === id;

  it("Approve by keyboard: the focus stays on the card as it runs and ends, not on the page", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }], { runId: "r1" })));
    app.receive(event({ type: "approvalRequest", call, effect: "write" }));
    const approve = onlyButton(q('[data-id="call1"]')!, "Approve");
    approve.focus();
    approve.click();
    assert.deepEqual(host.sent("approve"), [{ type: "approve", callId: "call1", approved: true }]);
    assert.ok(usable(focused()) && inItem("call1"), "answered: on the card, not on a disabled button");
    app.receive(event({ type: "approval", callId: "call1", approved: true }));
    app.receive(event({ type: "toolStart", call, effect: "write" }));
    assert.ok(usable(focused()) && inItem("call1"), `running: on the card (${focused()?.tagName})`);
    app.receive(event({ type: "toolEnd", callId: "call1", ok: true, preview: "Edited", durationMs: 3, diff: "@@ -1 +1 @@\n-a\n+b\n", changedFiles: ["src/a.ts"], checkpoint: "cp" }));
    assert.ok(usable(focused()) && inItem("call1"), "done: still on the card");
  });

  it("Deny by keyboard: the same", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }], { runId: "r1" })));
    app.receive(event({ type: "approvalRequest", call, effect: "write" }));
    const deny = onlyButton(q('[data-id="call1"]')!, "Deny");
    deny.focus();
    deny.click();
    app.receive(event({ type: "approval", callId: "call1", approved: false }));
    assert.ok(usable(focused()) && inItem("call1"));
  });

  it("accepting a review file by keyboard leaves the focus on that file's row; Accept all on the review", () => {
    app.receive(conversation(transcript([{ kind: "review", id: "r1", checkpoint: "cp", summary: "Fixed", files: [{ path: "src/a.ts", state: "pending" }, { path: "src/b.ts", state: "pending" }] }])));
    const row = () => q('[data-review-file="src/a.ts"]')!;
    const accept = row().querySelector<HTMLButtonElement>('button[title="Accept"]')!;
    accept.focus();
    accept.click();
    app.receive(event({ type: "reviewDecision", reviewId: "r1", paths: ["src/a.ts"], state: "accepted" }));
    assert.ok(usable(focused()) && row().contains(focused()), `on the row of src/a.ts (${focused()?.outerHTML})`);
    onlyButton(root, "Accept all").focus();
    onlyButton(root, "Accept all").click();
    app.receive(event({ type: "reviewDecision", reviewId: "r1", paths: ["src/b.ts"], state: "accepted" }));
    assert.ok(usable(focused()) && inItem("r1"));
  });

  it("Restore checkpoint by keyboard: the message goes, the focus goes to the message box", () => {
    app.receive(conversation(transcript([
      { kind: "user", id: "u1", text: "fix it", checkpoint: "cp1" },
      { kind: "tool", id: "t1", name: "write_file", arguments: { path: "a" }, status: "done", changedFiles: ["a"] },
    ])));
    const restore = onlyButton(root, "Restore checkpoint: before “fix it”");
    restore.focus();
    restore.click();
    app.receive(event({ type: "rewound", itemId: "u1" }));
    app.receive(event({ type: "notice", level: "info", text: "Restored 1 file" }));
    assert.equal(focused(), q('textarea[aria-label="Message Hearth"]'));
  });

  it("Stop by keyboard: when the run ends the focus goes to the message box; Send too when the run starts", () => {
    const textarea = q('textarea[aria-label="Message Hearth"]') as HTMLTextAreaElement;
    app.receive(conversation(transcript()));
    textarea.value = "go";
    onlyButton(root, "Send").focus();
    onlyButton(root, "Send").click();
    assert.equal(host.sent("send").length, 1);
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }], { runId: "r1" })));
    assert.ok(usable(focused()), `after Send: ${focused()?.tagName}`);
    const stop = q('[data-action="stop"]') as HTMLButtonElement;
    stop.focus();
    stop.click();
    app.receive(event({ type: "end", result: { stopReason: "cancelled", message: "", steps: 0, changedFiles: [] } }));
    assert.equal(focused(), textarea);
  });
});

describe("keyboard: Escape stops the run", () => {
  beforeEach(() => ({ root, host, app } = startApp()));
  const textarea = () => q('textarea[aria-label="Message Hearth"]') as HTMLTextAreaElement;

  it("Escape in the message box or on a card stops a running reply (the Stop button says so); with no run it stops nothing", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }])));
    key(textarea(), "Escape");
    assert.equal(host.sent("stop").length, 0, "no run: nothing to stop");
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }], { runId: "r1" })));
    assert.equal(q('[data-action="stop"]')?.getAttribute("aria-keyshortcuts"), "Escape");
    textarea().value = "my next question";
    const escape = key(textarea(), "Escape");
    assert.equal(host.sent("stop").length, 1);
    assert.ok(escape.defaultPrevented);
    assert.equal(textarea().value, "my next question", "the draft is kept");
    key(q('[data-item="user"]')!, "Escape");
    assert.equal(host.sent("stop").length, 2);
  });

  it("an Escape the page acts on does not reach VS Code (which would also hide a notification toast); one it leaves alone does", () => {
    // VS Code's webview host forwards every keydown that reaches the page's window to the workbench's
    // keybindings, where Escape hides the notification toasts; its own focused parts (an editor's
    // suggest widget) take Escape before that, as the focused chat does here.
    const reachedVsCode: string[] = [];
    const forward = (e: KeyboardEvent) => reachedVsCode.push(e.key);
    window.addEventListener("keydown", forward);
    try {
      app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }], { runId: "r1" })));
      key(textarea(), "Escape");
      assert.equal(host.sent("stop").length, 1);
      assert.deepEqual(reachedVsCode, [], "the Escape that stopped the run did not also hide a toast");
      onlyButton(root, "Conversation history").click();
      key(textarea(), "Escape");
      assert.equal(q("nav.history")?.hidden, true, "the history closed");
      assert.deepEqual(reachedVsCode, [], "nor the one that closed the history");
      app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }])));
      key(textarea(), "Escape");
      assert.deepEqual(reachedVsCode, ["Escape"], "with no run and nothing open, VS Code gets its Escape (a toast is hidden)");
      assert.equal(host.sent("stop").length, 1);
    } finally {
      window.removeEventListener("keydown", forward);
    }
  });

  it("Escape that closes the @-mention list or the history stops nothing", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }], { runId: "r1" })));
    onlyButton(root, "Conversation history").click();
    key(q("nav.history")!, "Escape");
    assert.equal(host.sent("stop").length, 0);
  });
});

describe("keyboard: reaching the message box in a long conversation", () => {
  beforeEach(() => ({ root, host, app } = startApp()));
  const textarea = () => q('textarea[aria-label="Message Hearth"]') as HTMLTextAreaElement;
  /** What VS Code does when the view is focused (Focus on Chat View, a click on its title, a keybinding): it focuses the page's window. */
  const vsCodeFocusesTheView = () => window.dispatchEvent(new window.FocusEvent("focus"));

  it("focusing the view puts the focus in the message box, not at the top of 40 turns of Restore checkpoint buttons", () => {
    const items = Array.from({ length: 40 }, (_, i) => [
      { kind: "user" as const, id: `u${i}`, text: `change ${i}`, checkpoint: `c${i}` },
      { kind: "tool" as const, id: `t${i}`, name: "edit_file", arguments: { path: "a.py" }, status: "done" as const, changedFiles: ["a.py"] },
    ]).flat();
    app.receive(conversation(transcript(items)));
    assert.ok(root.querySelectorAll('[aria-label^="Restore checkpoint"]').length > 1, "the turns have their Restore buttons");
    (window.document.activeElement as HTMLElement | null)?.blur();
    assert.equal(window.document.activeElement, window.document.body, "nothing in the page has the focus");
    vsCodeFocusesTheView();
    assert.equal(focused(), textarea(), "the message box has the focus");
  });

  it("leaves the focus where the user left it when VS Code gives the view its focus back", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }])));
    onlyButton(root, "Conversation history").focus();
    vsCodeFocusesTheView();
    assert.equal(focused(), onlyButton(root, "Conversation history"));
  });
});

describe("keyboard: the conversation history", () => {
  const history = [
    { id: "c1", title: "Chat", updatedAt: 3 },
    { id: "c2", title: "Older chat", updatedAt: 2 },
    { id: "c3", title: "Oldest chat", updatedAt: 1 },
  ];
  const row = (id: string) => q(`[data-conversation="${id}"]`)!;
  const openButton = (id: string) => row(id).querySelector<HTMLButtonElement>(".history-open")!;

  beforeEach(() => {
    ({ root, host, app } = startApp());
    app.receive(conversation(transcript(), history));
    onlyButton(root, "Conversation history").click();
  });

  it("Escape in a delete confirmation goes back to that conversation, as Cancel does", async () => {
    onlyButton(row("c2"), "Delete conversation “Older chat”").click();
    await Promise.resolve(); // the confirmation focuses its Delete button
    assert.equal(focused(), onlyButton(row("c2"), "Delete"));
    key(focused()!, "Escape");
    assert.equal(focused(), openButton("c2"));
    assert.equal(q(".history")?.hidden, false, "the list stays open");
  });

  it("after Delete the focus goes to the next conversation, also once the extension sends the new list", async () => {
    onlyButton(row("c2"), "Delete conversation “Older chat”").click();
    await Promise.resolve();
    onlyButton(row("c2"), "Delete").click();
    assert.deepEqual(host.sent("deleteConversation"), [{ type: "deleteConversation", id: "c2" }]);
    assert.ok(usable(focused()) && q(".history")!.contains(focused()), `in the list (${focused()?.tagName})`);
    app.receive(conversation(transcript(), history.filter((c) => c.id !== "c2")));
    assert.equal(focused(), openButton("c3"));
  });

  it("a conversation the keyboard is on keeps the focus when the list is updated", () => {
    openButton("c2").focus();
    app.receive(conversation(transcript(), history.map((c) => (c.id === "c1" ? { ...c, title: "Chat, renamed" } : c))));
    assert.equal(focused(), openButton("c2"));
  });
});

describe("screen reader: buttons say what they act on", () => {
  beforeEach(() => ({ root, host, app } = startApp()));

  it("each step's Open diff and Undo this step say which step, and the card names its file", () => {
    const step = (id: string, path: string) => ({ kind: "tool" as const, id, name: "edit_file", arguments: { path, old_text: "a", new_text: "b" }, effect: "write" as const, status: "done" as const, diff: "@@ -1 +1 @@\n-a\n+b\n", changedFiles: [path], checkpoint: `cp-${id}` });
    app.receive(conversation(transcript([step("t1", "calc.py"), step("t2", "src/util.py")])));
    assert.equal(q('[data-id="t2"]')?.getAttribute("aria-label"), "edit_file src/util.py: Done");
    const names = [...root.querySelectorAll(".tool-card .actions button")].map((b) => b.getAttribute("aria-label") ?? b.textContent);
    assert.deepEqual(names, ["Open diff: edit_file calc.py", "Undo this step: edit_file calc.py", "Open diff: edit_file src/util.py", "Undo this step: edit_file src/util.py"]);
    onlyButton(root, "Undo this step: edit_file src/util.py").click();
    assert.deepEqual(host.sent("restore"), [{ type: "restore", itemId: "t2" }]);
  });

  it("a review's per-file buttons (icons only) name their file, so ten rows are not ten 'Reject'", () => {
    app.receive(conversation(transcript([{ kind: "review", id: "r1", checkpoint: "cp", summary: "Fixed", files: [{ path: "calc.py", state: "pending" }, { path: "src/util.py", state: "accepted" }] }])));
    const names = [...root.querySelectorAll(".review-file button")].map((b) => b.getAttribute("aria-label"));
    assert.deepEqual(names, ["Open diff of calc.py", "Accept calc.py", "Reject calc.py", "Open diff of src/util.py", "Reject src/util.py"]);
    assert.equal(onlyButton(root, "Reject calc.py").title, "Reject", "the tooltip stays the action");
    onlyButton(root, "Reject src/util.py").click();
    assert.deepEqual(host.sent("review"), [{ type: "review", action: "reject", reviewId: "r1", path: "src/util.py" }]);
  });
});

describe("keyboard: the composer's context buttons", () => {
  beforeEach(() => {
    ({ root, host, app } = startApp());
    app.receive(stateMessage());
    app.receive(conversation(transcript()));
  });

  it("+ Selection and + Problems turn off once used: the focus goes on to the message box, not to the page", () => {
    for (const name of ["Add Selection", "Add Problems"]) {
      const add = onlyButton(root, name);
      add.focus();
      add.click();
      assert.equal(add.disabled, true);
      assert.equal(focused(), q('textarea[aria-label="Message Hearth"]'), name);
    }
  });
});
