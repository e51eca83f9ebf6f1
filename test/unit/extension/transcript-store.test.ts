// The chat history in VS Code's workspace state (a Memento, here a Map behind the same two calls).
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConversationStore } from "../../../src/agent/conversation-store.ts";
import { TranscriptStore } from "../../../src/extension/transcript-store.ts";
import type { ChatMessage } from "../../../src/protocol/chat.ts";
import { newTranscript } from "../../../src/protocol/transcript.ts";
import { tempDir } from "../../fixtures/temp.ts";

function memento() {
  const values = new Map<string, unknown>();
  return {
    values,
    get: <T>(key: string, fallback?: T): T => (values.has(key) ? (values.get(key) as T) : (fallback as T)),
    update: async (key: string, value: unknown): Promise<void> => void (value === undefined ? values.delete(key) : values.set(key, value)),
  };
}

describe("TranscriptStore", () => {
  it("keeps the newest 100 conversations and names the ones it drops, so the runtime can forget them too", async () => {
    const state = memento();
    const dropped: string[] = [];
    const store = new TranscriptStore(state, (ids) => dropped.push(...ids));
    for (let i = 0; i < 102; i++) {
      const t = newTranscript(`c${i}`, 1000 + i);
      t.items.push({ kind: "user", id: "u", text: `message ${i}` });
      store.save(t);
    }
    await store.flush();
    assert.deepEqual(dropped, ["c1", "c0"]);
    assert.equal(store.list().length, 100);
    assert.equal(store.list()[0]?.id, "c101");
    assert.equal(store.get("c0"), undefined);
    assert.equal(state.values.has("hearth.chat.conversation.c1"), false);
    await store.flush();
    assert.deepEqual(dropped, ["c1", "c0"], "nothing more to drop");
  });
});

/**
 * A Memento as VS Code's behaves: `update` changes what `get` returns at once and resolves
 * when the change is stored; while `held`, that takes until the test releases it.
 */
function heldMemento() {
  const base = memento();
  const waiting: (() => void)[] = [];
  const state = {
    values: base.values,
    held: false,
    get: base.get,
    update(key: string, value: unknown): Promise<void> {
      void base.update(key, value);
      return state.held ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve();
    },
    /** Lets the newest held update finish. */
    releaseNewest: () => waiting.pop()!(),
    releaseOldest: () => waiting.shift()!(),
  };
  return state;
}

function said(id: string, at: number) {
  const t = newTranscript(id, at);
  t.items.push({ kind: "user", id: "u", text: `message of ${id}` });
  return t;
}

describe("TranscriptStore: a delete while the history is being written", () => {
  it("a conversation deleted while a streamed run's history write is under way stays deleted", async () => {
    const state = heldMemento();
    const store = new TranscriptStore(state);
    store.save(said("old", 1));
    await store.flush();
    store.save(said("current", 2)); // the running conversation, saved as it streams
    state.held = true;
    const flushing = store.flush();
    const deleting = store.delete("old"); // from the history list, meanwhile
    state.held = false;
    state.releaseNewest(); // the delete's write is stored first…
    await deleting;
    state.releaseOldest(); // …then the history write that began before it
    await flushing;
    assert.deepEqual(store.list().map((s) => s.id), ["current"]);
  });

  it("the conversation being written, deleted meanwhile, does not come back into the history", async () => {
    const state = heldMemento();
    const store = new TranscriptStore(state);
    store.save(said("old", 1));
    await store.flush();
    store.save(said("current", 2));
    state.held = true;
    const flushing = store.flush();
    const deleting = store.delete("current");
    state.held = false;
    state.releaseNewest();
    await deleting;
    state.releaseOldest();
    await flushing;
    assert.deepEqual(store.list().map((s) => s.id), ["old"]);
    assert.equal(store.get("current"), undefined);
  });
});

/** A window's turn as its runtime stores it: the model's side of conversation `id`, in the folder's shared storage. */
async function ranTurn(dir: string, id: string, text: string, reply: string): Promise<void> {
  const messages: ChatMessage[] = [
    { role: "system", content: "You are Hearth." },
    { role: "user", content: text },
    { role: "assistant", content: reply },
  ];
  await new ConversationStore(dir).record(id, messages);
}

describe("TranscriptStore: two windows on one folder", () => {
  it("a conversation the other window started is listed (newest first) and opens, though only that window's state has its transcript", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    const a = new TranscriptStore(memento(), () => undefined, dir);
    const b = new TranscriptStore(memento(), () => undefined, dir);
    b.save(said("from-b", 1));
    await b.flush();
    await ranTurn(dir, "from-b", "message of from-b", "answered in B");
    a.save(said("from-a", Date.now() + 60_000));
    await a.flush();
    await ranTurn(dir, "from-a", "Why does add subtract?\nIt returns a - b.", "Because of a typo.");
    // The other window's turn set aside beside it is no conversation of the list.
    writeFileSync(join(dir, `from-a.other-window-${Date.now()}.json`), readFileSync(join(dir, "from-a.json")));

    assert.deepEqual(b.list().map((s) => s.id), ["from-a", "from-b"], "B lists A's conversation");
    assert.equal(b.list()[0]!.title, "Why does add subtract?");
    const opened = b.get("from-a");
    assert.ok(opened, "and opens it");
    assert.deepEqual(opened.items.filter((i) => i.kind === "user" || i.kind === "assistant").map((i) => i.text), ["Why does add subtract?\nIt returns a - b.", "Because of a typo."]);
    assert.deepEqual(a.list().map((s) => s.id).sort(), ["from-a", "from-b"], "and A lists B's");
  });

  it("a conversation deleted here stays out of the list while its file is still being removed", async () => {
    const dir = join(tempDir("hearth-history-storage-"), "conversations");
    const store = new TranscriptStore(memento(), () => undefined, dir);
    await ranTurn(dir, "other", "from the other window", "ok");
    assert.deepEqual(store.list().map((s) => s.id), ["other"]);
    await store.delete("other"); // the runtime's forget removes the file after this
    assert.deepEqual(store.list(), []);
    assert.equal(store.get("other"), undefined);
  });
});
