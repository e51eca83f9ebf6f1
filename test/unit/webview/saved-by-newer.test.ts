// A conversation saved by a newer Hearth, opened in this one (the user went back a version, or
// two windows run two versions): its transcript may hold items of a kind this version does not
// know. The chat shows what it knows and says what it cannot show, instead of failing to draw.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Transcript } from "../../../src/protocol/transcript.ts";
import { startApp } from "./dom-env.ts";
import { conversation, stateMessage, transcript } from "./fixtures.ts";

describe("a transcript a newer Hearth saved", () => {
  it("draws every item this version knows, and a note where one it does not know stood", () => {
    const { root, app } = startApp();
    app.receive(stateMessage());
    const items = [
      { kind: "user", id: "u1", text: "Plan the parser rewrite", messageIndex: 1 },
      { kind: "plan", id: "p1", steps: ["lexer", "parser"] },
      { kind: "assistant", id: "a1", text: "The plan is above.", thinking: "", streaming: false },
    ] as unknown as Transcript["items"];
    app.receive(conversation(transcript(items)));
    const text = root.textContent ?? "";
    assert.match(text, /Plan the parser rewrite/);
    assert.match(text, /The plan is above\./);
    assert.match(text, /A newer version of Hearth saved a part of this conversation that this version cannot show\./);
  });
});
