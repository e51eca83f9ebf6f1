// A chat left open all week while the agent rewrites a 40 KB file again and again. Each
// finished write's card kept the whole file it wrote in its arguments, in the webview's saved
// state and in VS Code's workspace state (the extension's transcript store): some 41 KB a turn,
// every save serializing all of it. A finished write's card shows its path, the real diff and
// the result; the file itself is in the step's checkpoint (Open diff, Undo this step). So its
// long arguments are kept as a bounded start with their size; a write still waiting for the
// user's yes, or one denied or failed (never written), keeps them whole.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TranscriptStore } from "../../../src/extension/transcript-store.ts";
import type { JsonValue } from "../../../src/protocol/chat.ts";
import { type Transcript, type TranscriptEvent, type TranscriptItem, applyTranscriptEvent, newTranscript } from "../../../src/protocol/transcript.ts";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { editFileTool } from "../../../src/tools/edit-file.ts";
import { writeFileTool } from "../../../src/tools/write-file.ts";
import { onlyButton, startApp } from "./dom-env.ts";
import { conversation, event, transcript } from "./fixtures.ts";

const TURNS = 40;
/** A 40 KB source file, a little different each turn. */
function bigFile(turn: number): string {
  return Array.from({ length: 800 }, (_, i) => `export const value${i} = ${i === 400 ? turn : i}; // line ${i} of the generated table`).join("\n");
}

/** One turn: the user's message, a write_file of the whole file approved and done, with its real diff and checkpoints. */
function turnEvents(turn: number, tool = writeFileTool, args: Record<string, JsonValue> = { path: "src/table.ts", content: bigFile(turn) }): TranscriptEvent[] {
  const call = { id: `w${turn}`, name: tool.definition.name, arguments: args };
  const diff = `--- a/src/table.ts\n+++ b/src/table.ts\n@@ -401,1 +401,1 @@\n-export const value400 = ${turn - 1}; // line 400 of the generated table\n+export const value400 = ${turn}; // line 400 of the generated table\n`;
  return [
    { type: "user", text: `Regenerate the table (${turn})`, messageIndex: turn * 4 + 1, checkpoint: `cp-u${turn}` },
    { type: "model", event: { type: "toolCall", call }, display: tool.display },
    { type: "approvalRequest", call, effect: "write", display: tool.display },
    { type: "approval", callId: call.id, approved: true },
    { type: "toolStart", call, effect: "write", display: tool.display },
    { type: "toolEnd", callId: call.id, ok: true, preview: `Wrote src/table.ts (800 lines, turn ${turn})`, durationMs: 12, diff, changedFiles: ["src/table.ts"], checkpoint: `cp-b${turn}`, after: `cp-a${turn}` },
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

describe("a week of big writes in one chat", () => {
  it("the webview's saved state grows by a bounded amount per finished write, and the cards still show their path, result, diff and Open diff", () => {
    const { root, host, app } = startApp();
    app.receive(conversation(transcript([])));
    for (let turn = 1; turn <= TURNS; turn++) {
      const events = turnEvents(turn);
      for (const e of events) {
        app.receive(event(e));
        if (e.type === "approvalRequest" && turn === TURNS) {
          // Waiting for the yes: the proposed change is the whole file, as the user must judge it.
          const waiting = root.querySelector<HTMLElement>(`[data-id="w${turn}"]`)!;
          assert.equal(waiting.querySelectorAll(".diff-add").length > 0, true);
          assert.match(waiting.textContent ?? "", /\+800/, "the proposal counts all 800 lines");
        }
      }
    }
    app.saveNow();
    const size = JSON.stringify(host.state).length;
    // Before: 40 cards of 41 KB each (1.7 MB). Now a card keeps at most some 2 KB of its arguments.
    assert.ok(size < TURNS * 4_000, `saved state of ${TURNS} big writes: ${size} characters (at most ${TURNS * 4_000})`);

    const card = root.querySelector<HTMLElement>(`[data-id="w${TURNS}"]`)!;
    assert.equal(card.dataset.status, "done");
    assert.match(card.querySelector(".tool-args")?.textContent ?? "", /src\/table\.ts/, "the card names its path");
    assert.match(card.textContent ?? "", new RegExp(`Wrote src/table\\.ts \\(800 lines, turn ${TURNS}\\)`), "the result's preview");
    assert.match(card.textContent ?? "", /Changes/, "the real diff");
    assert.match(card.textContent ?? "", /value400 = 40;/);
    onlyButton(card, `Open diff: Write file src/table.ts`).click();
    assert.deepEqual(host.sent("openDiff").at(-1), { type: "openDiff", itemId: `w${TURNS}` });

    const saved = host.state as { transcript: Transcript };
    const content = toolItem(saved.transcript.items, `w${TURNS}`).arguments.content;
    assert.equal(typeof content, "string");
    assert.ok((content as string).startsWith(bigFile(TURNS).slice(0, 500)), "the content's start is kept");
    assert.match(content as string, /50,868 characters in all/, "and its size is said");
  });

  it("VS Code's workspace state (the extension's transcript store) stays bounded too; an edit's and a patch's long bodies are cut the same way; a denied write keeps its whole content", async () => {
    const state = memento();
    const store = new TranscriptStore(state);
    const t = newTranscript("week", 1);
    const apply = (e: TranscriptEvent) => {
      applyTranscriptEvent(t, e, 1 + t.items.length);
      store.save(t);
    };
    for (let turn = 1; turn <= TURNS; turn++) turnEvents(turn).forEach(apply);
    const edits = Array.from({ length: 300 }, (_, i) => ({ old_text: `const value${i} = ${i};`, new_text: `const value${i} = ${i + 1}; // bumped ${"x".repeat(100)}` }));
    turnEvents(TURNS + 1, editFileTool, { path: "src/table.ts", edits }).forEach(apply);
    turnEvents(TURNS + 2, applyPatchTool, { patch: `--- a/src/table.ts\n+++ b/src/table.ts\n${"@@ -1 +1 @@\n-a\n+b\n".repeat(4000)}` }).forEach(apply);
    const denied = { id: "denied", name: "write_file", arguments: { path: "src/other.ts", content: bigFile(99) } };
    apply({ type: "approvalRequest", call: denied, effect: "write", display: writeFileTool.display });
    apply({ type: "approval", callId: "denied", approved: false });
    apply({ type: "toolEnd", callId: "denied", ok: false, preview: "Error (denied): the user denied this call", durationMs: 0 });
    await store.flush();

    const size = JSON.stringify(state.values.get("hearth.chat.conversation.week")).length;
    const deniedSize = JSON.stringify(denied.arguments).length;
    assert.ok(size < (TURNS + 2) * 4_000 + deniedSize, `workspace state of ${TURNS} big writes, an edit and a patch: ${size} characters`);
    const kept = store.get("week")!;
    assert.equal(toolItem(kept.items, "denied").arguments.content, denied.arguments.content, "a denied write was never written: its content is kept whole");
    assert.equal(toolItem(kept.items, `w${TURNS}`).arguments.path, "src/table.ts");
    assert.ok(JSON.stringify(toolItem(kept.items, `w${TURNS + 1}`).arguments).length < 4_000, "the edit's 300 edits");
    assert.ok(JSON.stringify(toolItem(kept.items, `w${TURNS + 2}`).arguments).length < 4_000, "the patch");
  });

  it("a conversation an earlier Hearth saved with whole bodies still opens, its finished writes now bounded", () => {
    const state = memento();
    const old = newTranscript("old", 1);
    for (let turn = 1; turn <= 5; turn++) {
      old.items.push({ kind: "user", id: `u${turn}`, text: "again", messageIndex: turn, checkpoint: `cp${turn}` });
      old.items.push({ kind: "tool", id: `w${turn}`, name: "write_file", effect: "write", arguments: { path: "src/table.ts", content: bigFile(turn) }, status: "done", preview: "Wrote it", diff: "@@ -1 +1 @@\n-a\n+b\n", changedFiles: ["src/table.ts"], checkpoint: `cb${turn}` });
    }
    state.values.set("hearth.chat.conversation.old", old);
    state.values.set("hearth.chat.index", [{ id: "old", title: "again", updatedAt: 1 }]);
    const store = new TranscriptStore(state);
    const opened = store.get("old")!;
    assert.equal(opened.items.length, 10);
    assert.equal(toolItem(opened.items, "w5").arguments.path, "src/table.ts");
    assert.ok(JSON.stringify(opened).length < 5 * 4_000, `${JSON.stringify(opened).length} characters`);
  });
});
