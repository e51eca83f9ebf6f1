// Tool cards read what differs between tools from the tool's display (carried on the
// item); cards saved without one fall back on the tool's name and effect.
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { startApp } from "./dom-env.ts";
import { conversation, event, transcript } from "./fixtures.ts";
import type { ChatApp } from "../../../src/webview/app.ts";
import { toolByName } from "../../../src/tools/index.ts";

let root: HTMLElement;
let app: ChatApp;
const q = (selector: string) => root.querySelector<HTMLElement>(selector);

describe("webview: tool cards from tool displays", () => {
  beforeEach(() => ({ root, app } = startApp()));

  it("asks about an MCP tool as its server's, not as a local command, even with a `command` argument", () => {
    // The card used to say "Hearth wants to run this command." for every MCP call (effect "command").
    app.receive(conversation(transcript([], { runId: "r1" })));
    app.receive(event({ type: "approvalRequest", call: { id: "m1", name: "mcp__deploy__run", arguments: { command: "ls" } }, effect: "command" }));
    assert.equal(q('[data-id="m1"] .tool-ask')?.textContent, 'Hearth wants to call the tool "run" of the MCP server "deploy" with {"command":"ls"}.');
    assert.equal(q('[data-id="m1"] .tool-name')?.textContent, "run (deploy)");
  });

  it("a write queued behind another call shows its proposed change before it starts (display on the model's toolCall)", () => {
    app.receive(conversation(transcript([], { runId: "r1" })));
    const call = { id: "w1", name: "write_file", arguments: { path: "n.txt", content: "one\n" } };
    app.receive(event({ type: "model", event: { type: "toolCall", call }, display: toolByName("write_file")!.display! }));
    const card = q('[data-id="w1"]')!;
    assert.equal(card.dataset.status, "proposed");
    assert.equal(card.querySelector(".tool-name")?.textContent, "Write file");
    assert.deepEqual([...card.querySelectorAll(".diff-add")].map((l) => l.textContent), ["+one\n"]);
  });

  it("a card saved without a display (an older conversation) shows its tool's name, and a write its change", () => {
    app.receive(conversation(transcript([{ kind: "tool", id: "e", name: "edit_file", arguments: { path: "a.ts", old_text: "a", new_text: "b" }, status: "awaiting-approval", effect: "write" }])));
    assert.equal(q('[data-id="e"] .tool-name')?.textContent, "edit_file");
    assert.deepEqual([...root.querySelectorAll('[data-id="e"] .diff-del, [data-id="e"] .diff-add')].map((l) => l.textContent), ["-a\n", "+b\n"]);
    assert.equal(q('[data-id="e"] .tool-ask')?.textContent, "Hearth wants to edit file a.ts.");
  });

  it("a diff removing SQL comments and a YAML '---' shows and counts them as removed lines, not as file headers", () => {
    // git writes a removed "-- note" as "--- note" and a removed "---" as "----": the card hid the
    // first as a file header and counted neither (+1 −0 here).
    const diff = ["--- a/db/001.sql", "+++ b/db/001.sql", "@@ -1,4 +1,3 @@", " create table t (id int);", "--- old note", "----", "+-- new note", " drop table u;", ""].join("\n");
    app.receive(conversation(transcript([{ kind: "tool", id: "p", name: "apply_patch", arguments: { patch: diff }, status: "done", effect: "write", diff, changedFiles: ["db/001.sql"] }])));
    const card = q('[data-id="p"]')!;
    assert.deepEqual([card.querySelector(".diff-stat-add")?.textContent, card.querySelector(".diff-stat-del")?.textContent], ["+1", "−2"]);
    assert.deepEqual([...card.querySelectorAll(".diff-del, .diff-add")].map((l) => l.textContent), ["--- old note\n", "----\n", "+-- new note\n"]);
    assert.equal(card.querySelectorAll(".diff-meta").length, 0, "one file: its headers are hidden, as before");
  });

  it("a step that changed thousands of files names the first few and how many more, the rest behind a toggle", () => {
    // A build watcher changing 5,000 files in one step used to make one "Changed:" line of 5,000 paths.
    const files = Array.from({ length: 5000 }, (_, i) => `dist/f${i}.js`);
    app.receive(conversation(transcript([{ kind: "tool", id: "b", name: "run_command", arguments: { command: "npm run build" }, status: "done", changedFiles: files }])));
    const changed = q('[data-id="b"] .tool-changed')!;
    // Lengths first: a failing assert.equal on a 100 KB line spends minutes on its diff.
    assert.ok(changed.textContent!.length < 300 + files.join(", ").length, "the paths once, not twice");
    assert.ok(changed.firstChild!.textContent!.length < 200, `the line names a few (${changed.firstChild!.textContent!.length} characters)`);
    assert.equal(changed.firstChild?.textContent, "Changed: dist/f0.js, dist/f1.js, dist/f2.js, dist/f3.js, dist/f4.js");
    assert.equal(changed.querySelector("summary")?.textContent, "and 4,995 more");
    assert.ok(changed.querySelector(".tool-changed-rest")?.textContent === files.slice(5).join(", "), "the rest, every one, behind the toggle");
    app.receive(conversation(transcript([{ kind: "tool", id: "s", name: "run_command", arguments: { command: "make" }, status: "done", changedFiles: files.slice(0, 5) }])));
    assert.equal(q('[data-id="s"] .tool-changed')?.textContent, `Changed: ${files.slice(0, 5).join(", ")}`);
  });
});
