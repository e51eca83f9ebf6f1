// A day's chat in which the agent writes big new files (a generated fixture, a lockfile, a
// data table): each write's card got the step's real diff whole (up to the 2 MiB a step's
// diff is read), in the webview's saved state (setState) and in VS Code's workspace state (the
// extension's transcript store), though the card shows its first 300 lines and Open diff
// reads the step's checkpoints. So a finished card keeps a bounded start of its diff, with the
// whole diff's counts, the lines left out and what its added lines hide.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TranscriptStore } from "../../../src/extension/transcript-store.ts";
import { type Transcript, type TranscriptEvent, type TranscriptItem, applyTranscriptEvent, diffStats, keptDiff, newTranscript } from "../../../src/protocol/transcript.ts";
import { writeFileTool } from "../../../src/tools/write-file.ts";
import { onlyButton, startApp } from "./dom-env.ts";
import { conversation, event, transcript } from "./fixtures.ts";

const WRITES = 12;
const LINES = 20_000;
/** A new file of about 1 MB; the last line of the first write names a user with a Cyrillic "а" (a lookalike the card must still warn of). */
function bigDiff(turn: number): string {
  const lines = Array.from({ length: LINES }, (_, i) => `+export const row${i} = { id: ${i}, turn: ${turn}, label: "generated row ${i} of the table" };`);
  if (turn === 1) lines[LINES - 1] = "+export const is_\u0430dmin = true;";
  return [`--- /dev/null`, `+++ b/src/rows${turn}.ts`, `@@ -0,0 +1,${LINES} @@`, ...lines, ""].join("\n");
}

function turnEvents(turn: number): TranscriptEvent[] {
  const call = { id: `w${turn}`, name: "write_file", arguments: { path: `src/rows${turn}.ts`, content: "…" } };
  return [
    { type: "user", text: `Generate table ${turn}`, messageIndex: turn * 4 + 1, checkpoint: `cp-u${turn}` },
    { type: "model", event: { type: "toolCall", call }, display: writeFileTool.display },
    { type: "toolStart", call, effect: "write", display: writeFileTool.display },
    { type: "toolEnd", callId: call.id, ok: true, preview: `Wrote src/rows${turn}.ts (${LINES} lines)`, durationMs: 9, diff: bigDiff(turn), changedFiles: [`src/rows${turn}.ts`], checkpoint: `cp-b${turn}`, after: `cp-a${turn}` },
    { type: "end", result: { stopReason: "answered", message: "", steps: 1, changedFiles: [] } },
  ];
}

function toolItem(items: readonly TranscriptItem[], id: string): Extract<TranscriptItem, { kind: "tool" }> {
  const item = items.find((i) => i.kind === "tool" && i.id === id);
  assert.ok(item?.kind === "tool", `card ${id}`);
  return item;
}

function memento() {
  const values = new Map<string, unknown>();
  return {
    values,
    get: <T>(key: string, fallback?: T): T => (values.has(key) ? (values.get(key) as T) : (fallback as T)),
    update: async (key: string, value: unknown): Promise<void> => void (value === undefined ? values.delete(key) : values.set(key, JSON.parse(JSON.stringify(value)))),
  };
}

describe("a day of big new files written in one chat", () => {
  it("the webview's saved state keeps a bounded start of each write's diff; the card still counts the whole diff, says the lines it does not show and warns of what the lines past its start hide", () => {
    const { root, host, app } = startApp();
    app.receive(conversation(transcript([])));
    for (let turn = 1; turn <= WRITES; turn++) for (const e of turnEvents(turn)) app.receive(event(e));
    app.saveNow();
    const size = JSON.stringify(host.state).length;
    // Before: each card kept its whole diff (some 1.6 MB), 19 MB for these twelve writes.
    assert.ok(size < WRITES * 80_000, `saved state of ${WRITES} writes of ${LINES} lines: ${size} characters (at most ${WRITES * 80_000})`);

    const card = root.querySelector<HTMLElement>(`[data-id="w1"]`)!;
    assert.equal(card.dataset.status, "done");
    assert.match(card.textContent ?? "", new RegExp(`\\+${LINES}`), "the card counts all the lines the write added");
    assert.match(card.textContent ?? "", new RegExp(`… ${LINES + 1 - 300} more lines \\(Open diff shows all\\)`), "and says how many it does not show");
    assert.ok(card.querySelector(".tool-change-hidden"), "the lookalike name on the last line is warned of");
    assert.match(card.querySelector(".tool-change-hidden")?.textContent ?? "", /is_\\u0430dmin/, "the name, written out");
    assert.equal(card.querySelectorAll(".diff-add").length, 299, "the first 300 lines (the hunk header and 299 added) are drawn");
    onlyButton(card, "Open diff: Write file src/rows1.ts").click();
    assert.deepEqual(host.sent("openDiff").at(-1), { type: "openDiff", itemId: "w1" });

    // Opened again from the saved state: the same card.
    const saved = host.state as { transcript: Transcript };
    const again = startApp(host.state);
    again.app.receive(conversation(saved.transcript));
    const reopened = again.root.querySelector<HTMLElement>(`[data-id="w1"]`)!;
    assert.match(reopened.textContent ?? "", new RegExp(`\\+${LINES}`));
    assert.match(reopened.textContent ?? "", new RegExp(`… ${LINES + 1 - 300} more lines`));
    assert.ok(reopened.querySelector(".tool-change-hidden"));
  });

  it("VS Code's workspace state (the extension's transcript store) keeps the same bounded diffs; a small diff is kept whole", async () => {
    const state = memento();
    const store = new TranscriptStore(state);
    const t = newTranscript("day", 1);
    const apply = (e: TranscriptEvent) => {
      applyTranscriptEvent(t, e, 1 + t.items.length);
      store.save(t);
    };
    for (let turn = 1; turn <= WRITES; turn++) turnEvents(turn).forEach(apply);
    const small = "--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-a\n+b\n";
    const call = { id: "small", name: "write_file", arguments: { path: "src/a.ts", content: "b\n" } };
    apply({ type: "toolStart", call, effect: "write", display: writeFileTool.display });
    apply({ type: "toolEnd", callId: "small", ok: true, preview: "Wrote src/a.ts", durationMs: 1, diff: small, changedFiles: ["src/a.ts"] });
    await store.flush();
    const size = JSON.stringify(state.values.get("hearth.chat.conversation.day")).length;
    assert.ok(size < WRITES * 80_000, `workspace state of ${WRITES} writes: ${size} characters`);
    assert.equal(toolItem(store.get("day")!.items, "small").diff, small);
  });

  it("an edit's cut diff counts its added and removed lines as the whole diff's card does (one count for both)", () => {
    // 2,000 changed lines: each removed and added; file headers not counted, context lines neither.
    const lines = Array.from({ length: 2_000 }, (_, i) => [`-  const total${i} = sum(rows, ${i});`, `+  const total${i} = sum(rows, ${i}) ?? 0;`, `   // row ${i}`]).flat();
    const diff = ["--- a/src/totals.ts", "+++ b/src/totals.ts", "@@ -1,4000 +1,4000 @@", ...lines, ""].join("\n");
    const { diffLeftOut } = keptDiff(diff);
    assert.ok(diffLeftOut, "the diff is over what a card keeps");
    assert.deepEqual({ added: diffLeftOut.added, removed: diffLeftOut.removed }, { added: 2_000, removed: 2_000 });
    assert.deepEqual(diffStats(diff), { added: 2_000, removed: 2_000 }, "the card of the whole diff counts the same");
  });

  it("a conversation an earlier Hearth saved with whole diffs opens with them bounded, counted as the whole", () => {
    const state = memento();
    const old = newTranscript("old", 1);
    old.items.push({ kind: "user", id: "u1", text: "Generate table 1", messageIndex: 1, checkpoint: "cp1" });
    old.items.push({ kind: "tool", id: "w1", name: "write_file", effect: "write", arguments: { path: "src/rows1.ts", content: "…" }, status: "done", preview: "Wrote it", diff: bigDiff(1), changedFiles: ["src/rows1.ts"], checkpoint: "cb1" });
    state.values.set("hearth.chat.conversation.old", old);
    state.values.set("hearth.chat.index", [{ id: "old", title: "Generate table 1", updatedAt: 1 }]);
    const opened = new TranscriptStore(state).get("old")!;
    assert.ok(JSON.stringify(opened).length < 80_000, `${JSON.stringify(opened).length} characters`);
    const card = toolItem(opened.items, "w1");
    assert.equal(card.diffLeftOut?.added, LINES);
    assert.equal(card.diffLeftOut?.hidden?.lookalike, 1);
  });
});
