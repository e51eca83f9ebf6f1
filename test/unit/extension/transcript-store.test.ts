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
