// The page's saved state (VS Code's getState) outlives the page's build: after an update of
// Hearth, or going back a version, the page now installed starts from what another build saved.
// A state it cannot draw must leave a working chat (the extension sends the conversation anew
// at `ready`), not a view blank for good; an item it cannot draw is a note, and the rest drawn.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Transcript } from "../../../src/protocol/transcript.ts";
import { startApp } from "./dom-env.ts";
import { conversation, stateMessage, transcript } from "./fixtures.ts";

const draft = { text: "and then the parser", mentions: [] };
const items = (list: unknown[]) => list as Transcript["items"];
const hello = transcript(items([{ kind: "user", id: "u1", text: "Hello from the store", messageIndex: 1 }]));

describe("a page state another build of Hearth saved", () => {
  const states: Record<string, unknown> = {
    // A runtime state of a kind a newer build added, and one whose status a build named otherwise.
    "a runtime state of a kind this build does not know": { version: 1, state: { type: "state", runtime: { kind: "suspended" }, inlineCompletions: true }, history: [], draft },
    "a running runtime whose status has another name": { version: 1, state: { type: "state", runtime: { kind: "running", snapshot: {} }, inlineCompletions: true }, history: [], draft },
    "a transcript whose items have another name": { version: 1, transcript: { id: "c1", title: "Chat", createdAt: 1, updatedAt: 1, entries: [] }, history: [], draft },
  };
  for (const [name, saved] of Object.entries(states)) {
    it(`starts and draws the conversation the extension sends: ${name}`, () => {
      const { root, app, host } = startApp(saved);
      app.ready();
      assert.ok(host.sent("ready").length > 0, "the page asked for its conversation");
      app.receive(stateMessage());
      app.receive(conversation(hello));
      assert.match(root.textContent ?? "", /Hello from the store/);
      assert.equal(root.querySelector("textarea")?.value, "and then the parser", "the draft's text is kept");
    });
  }

  it("keeps the text of a draft saved in another shape", () => {
    const { root } = startApp({ version: 1, state: { type: "state", runtime: { kind: "suspended" } }, history: [], draft: { text: "half a sentence", chips: [] } });
    assert.equal(root.querySelector("textarea")?.value, "half a sentence");
  });

  it("draws a saved transcript's items and a note for one lacking what this build draws", () => {
    const saved = {
      version: 1,
      transcript: transcript(
        items([
          { kind: "user", id: "u1", text: "Rename the lexer", messageIndex: 1 },
          { kind: "tool", id: "t1", name: "read_file", status: "done", args: { path: "src/lexer.ts" } },
          { kind: "review", id: "r1", checkpoint: "abc", summary: "Renamed", changes: [{ path: "src/lexer.ts" }] },
          { kind: "assistant", id: "a1", content: "Done." },
          { kind: "assistant", id: "a2", text: "The lexer is renamed.", thinking: "", streaming: false },
        ]),
      ),
      history: [{ id: "c1", title: "Chat", updatedAt: 1 }],
      draft,
    };
    const { root, app } = startApp(saved);
    const text = root.textContent ?? "";
    assert.match(text, /Rename the lexer/);
    assert.match(text, /The lexer is renamed\./, "the items after the ones it cannot draw are drawn");
    assert.equal(text.match(/Another version of Hearth saved a part of this conversation in a form this version cannot show\./g)?.length, 3);
    // The same items arriving with the conversation (a newer build's transcript in the history) draw the same way.
    app.receive(stateMessage());
    app.receive(conversation(saved.transcript as Transcript));
    assert.match(root.textContent ?? "", /The lexer is renamed\./);
  });
});
