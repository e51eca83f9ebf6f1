// card-warnings.ts across renders: the chat view works the warnings out again on every render
// of a tool card, and a failed or denied edit's card has no diff of its own, so its proposed
// diff is made again from its arguments each time (40 ms for an 800-line edit): each card's
// change is worked out once, and again only when that card changes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TranscriptItem } from "../../../src/protocol/transcript.ts";
import { type ChangeMemo, cardWarnings } from "../../../src/webview/card-warnings.ts";

type ToolItem = Extract<TranscriptItem, { kind: "tool" }>;

function card(id: string, newText: string, status: ToolItem["status"] = "failed"): ToolItem {
  return { kind: "tool", id, callId: id, name: "edit_file", arguments: { path: "a.ts", old_text: "a", new_text: newText }, status } as ToolItem;
}

describe("cardWarnings across renders", () => {
  it("works a card's change out once while the card stays as it was, again when it changes, and forgets cards gone", () => {
    const made: string[] = [];
    const diffOf = (item: ToolItem) => {
      made.push(item.id);
      return `--- a/a.ts\n+++ b/a.ts\n+${String(item.arguments.new_text)}`;
    };
    const memo: ChangeMemo = new Map();
    const first = [card("t1", "is_\u0430dmin = 1"), card("t2", "x = 2")];
    const warned = cardWarnings(first, diffOf, memo);
    assert.deepEqual(made, ["t1", "t2"]);
    assert.equal(warned.get("t1")?.change?.lookalike, 1);
    // The next render brings the same cards as new objects (the transcript is posted whole).
    const again = cardWarnings(structuredClone(first), diffOf, memo);
    assert.deepEqual(made, ["t1", "t2"], "no diff made again for unchanged cards");
    assert.deepEqual(again, warned);
    cardWarnings([card("t1", "is_\u0430dmin = 1"), card("t2", "y = 3", "running")], diffOf, memo);
    assert.deepEqual(made, ["t1", "t2", "t2"], "the changed card's diff is made again");
    cardWarnings([card("t2", "y = 3", "running")], diffOf, memo);
    assert.deepEqual([...memo.keys()], ["t2"]);
  });
});
