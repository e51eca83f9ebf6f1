// The chat history in VS Code's workspace state (a Memento, here a Map behind the same two calls).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TranscriptStore } from "../../../src/extension/transcript-store.ts";
import { newTranscript } from "../../../src/protocol/transcript.ts";

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
