// What a screen reader says of the controls a keyboard user lands on: a scrollable block
// (a diff, a tool's result or arguments, a test run's output) can be tabbed to so that it
// can be scrolled with the arrow keys, so it needs a role and a name telling which it is.
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { startApp } from "./dom-env.ts";
import { conversation, event, stateMessage, transcript } from "./fixtures.ts";
import type { ChatApp } from "../../../src/webview/app.ts";

let root: HTMLElement;
let app: ChatApp;

/** Elements a keyboard user tabs to that are not controls: scrollable blocks (code blocks come from markdown.ts, not here). */
function scrollables(): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>('[tabindex="0"]')].filter((el) => !el.matches("button, a, summary, textarea, .code-block pre"));
}

function named(el: HTMLElement): { role: string | null; name: string | null } {
  return { role: el.getAttribute("role"), name: el.getAttribute("aria-label") };
}

describe("screen reader: scrollable blocks say what they are", () => {
  beforeEach(() => {
    ({ root, app } = startApp());
    app.receive(stateMessage());
  });

  it("a tool card's diff, arguments and result are regions named by the step", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }], { runId: "r1" })));
    const edit = { id: "e1", name: "edit_file", arguments: { path: "calc.py", old_text: "a", new_text: "b" } };
    app.receive(event({ type: "approvalRequest", call: edit, effect: "write" }));
    assert.deepEqual(scrollables().map(named), [{ role: "region", name: "Proposed change: edit_file calc.py" }]);
    app.receive(event({ type: "approval", callId: "e1", approved: true }));
    app.receive(event({ type: "toolStart", call: edit, effect: "write" }));
    app.receive(event({ type: "toolEnd", callId: "e1", ok: true, preview: "Edited calc.py", durationMs: 3, diff: "--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-a\n+b\n", changedFiles: ["calc.py"] }));
    const grep = { id: "g1", name: "grep", arguments: { pattern: "def ", path: "src", max_results: 5 } };
    app.receive(event({ type: "toolStart", call: grep, effect: "read" }));
    app.receive(event({ type: "toolEnd", callId: "g1", ok: false, preview: "no such folder: src", durationMs: 3 }));
    assert.deepEqual(scrollables().map(named), [
      { role: "region", name: "Changes: edit_file calc.py" },
      { role: "region", name: "Result: edit_file calc.py" },
      { role: "region", name: "Arguments: grep src" },
      { role: "region", name: "Error: grep src" },
    ]);
  });

  it("a review's test output is a region named by its command", () => {
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "go" }], { runId: "r1" })));
    app.receive(event({ type: "review", checkpoint: "cp", summary: "Fixed", files: ["calc.py"], tests: { command: "make test", passed: false, exitCode: 2, output: "1 failed" } }));
    assert.deepEqual(scrollables().map(named), [{ role: "region", name: "Test output: make test" }]);
  });
});

describe("screen reader: Restore checkpoint says which message", () => {
  beforeEach(() => {
    ({ root, app } = startApp());
    app.receive(stateMessage());
  });

  it("each message's Restore checkpoint is named by the message (the visible text first), so a list of buttons is not 'Restore checkpoint' once per turn", () => {
    const long = `make mul use exponentiation and ${"then explain why ".repeat(8)}`;
    app.receive(conversation(transcript([
      { kind: "user", id: "u1", text: "fix add\nit subtracts", checkpoint: "cp1" },
      { kind: "tool", id: "t1", name: "write_file", arguments: { path: "a" }, status: "done", changedFiles: ["a"] },
      { kind: "user", id: "u2", text: long, checkpoint: "cp2" },
      { kind: "tool", id: "t2", name: "write_file", arguments: { path: "b" }, status: "done", changedFiles: ["b"] },
    ])));
    const names = [...root.querySelectorAll<HTMLButtonElement>(".user-actions button")].map((b) => ({ name: b.getAttribute("aria-label"), text: b.textContent?.trim() }));
    assert.deepEqual(names, [
      { name: "Restore checkpoint: before “fix add”", text: "Restore checkpoint" },
      { name: "Restore checkpoint: before “make mul use exponentiation and then explain why then…”", text: "Restore checkpoint" },
    ]);
  });

  it("a message written with CRLF line ends, or with attachments and no text, names its Restore checkpoint as its title would be, not with a written-out CR or empty quotes", () => {
    app.receive(conversation(transcript([
      { kind: "user", id: "u1", text: "fix add\r\nit subtracts", checkpoint: "cp1" },
      { kind: "tool", id: "t1", name: "write_file", arguments: { path: "a" }, status: "done", changedFiles: ["a"] },
      { kind: "user", id: "u2", text: "", attachments: [{ kind: "file", path: "calc.py" }, { kind: "problems", text: "" }], checkpoint: "cp2" },
      { kind: "tool", id: "t2", name: "write_file", arguments: { path: "b" }, status: "done", changedFiles: ["b"] },
    ])));
    const names = [...root.querySelectorAll<HTMLButtonElement>(".user-actions button")].map((b) => b.getAttribute("aria-label"));
    assert.deepEqual(names, ["Restore checkpoint: before “fix add”", "Restore checkpoint: before “calc.py, Problems”"]);
  });
});
