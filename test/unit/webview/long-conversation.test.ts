// A conversation of a long day: 1,000 tool cards. Each step of the run (a call, its start, its
// result, a notice) re-rendered the conversation, and every render turned every card into JSON
// twice (its warnings' memo, its signature): megabytes per step, the work growing with the
// conversation. Only the cards a step changed may be made into JSON again, or drawn again.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { TranscriptItem } from "../../../src/protocol/transcript.ts";
import type { ChatApp } from "../../../src/webview/app.ts";
import { startApp } from "./dom-env.ts";
import { conversation, event, transcript } from "./fixtures.ts";

let root: HTMLElement;
let app: ChatApp;
const stringify = JSON.stringify;
/** The tool cards made into JSON since the count was last taken. */
let cardsStringified = 0;

function card(i: number): TranscriptItem {
  return { kind: "tool", id: `t${i}`, name: "read_file", arguments: { path: `src/f${i}.ts` }, status: "done", preview: `line ${i}\n`.repeat(200), durationMs: 3 };
}

/** Takes the count: at most `most` cards made into JSON since the last. */
function stringifiedAtMost(most: number, step: string): void {
  const n = cardsStringified;
  cardsStringified = 0;
  assert.ok(n <= most, `${step}: ${n} tool cards made into JSON (at most ${most})`);
}

describe("webview: a step in a conversation of 1,000 tool cards", () => {
  beforeEach(() => {
    ({ root, app } = startApp());
    JSON.stringify = ((value: unknown, ...rest: never[]) => {
      if (typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "tool") cardsStringified++;
      return stringify(value, ...rest);
    }) as typeof JSON.stringify;
  });
  afterEach(() => {
    JSON.stringify = stringify;
  });

  it("makes JSON of, and draws again, only the card the step changed", () => {
    const items: TranscriptItem[] = [{ kind: "user", id: "u1", text: "Go through the whole code base", messageIndex: 1 }];
    for (let i = 0; i < 1000; i++) items.push(card(i));
    app.receive(conversation(transcript(items, { runId: "r1" })));
    const drawn = new Map([...root.querySelectorAll<HTMLElement>('[data-item="tool"]')].map((el) => [el.dataset.id!, el]));
    assert.equal(drawn.size, 1000);
    cardsStringified = 0;

    const call = { id: "t1000", name: "read_file", arguments: { path: "src/last.ts" } };
    app.receive(event({ type: "model", event: { type: "toolCall", call } }));
    stringifiedAtMost(1, "a new card (its warnings and its signature share its JSON)");
    app.receive(event({ type: "toolStart", call, effect: "read" }));
    stringifiedAtMost(1, "its start");
    app.receive(event({ type: "toolEnd", callId: "t1000", ok: true, preview: "the last file", durationMs: 4 }));
    stringifiedAtMost(1, "its result");
    app.receive(event({ type: "notice", level: "info", text: "Still going" }));
    stringifiedAtMost(0, "a notice");

    assert.equal(root.querySelector<HTMLElement>('[data-id="t1000"]')?.dataset.status, "done", "the step's card shows what it changed");
    const redrawn = [...drawn].filter(([id, el]) => root.querySelector(`[data-id="${id}"]`) !== el).map(([id]) => id);
    assert.deepEqual(redrawn, [], "no earlier card drawn again");
  });
});
