// The model's side of a conversation, kept on disk in a real temp folder: a finished turn,
// a rewind, an import, a restart (a new store on the same folder) and a damaged file.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConversationStore } from "../../../src/agent/conversation-store.ts";
import type { ChatMessage } from "../../../src/protocol/chat.ts";

const TURN: ChatMessage[] = [
  { role: "system", content: "You are Hearth." },
  { role: "user", content: "hi" },
  { role: "assistant", content: "hello" },
  { role: "user", content: "fix it" },
  { role: "assistant", content: "done" },
];

function folder(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "hearth-conversations-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("ConversationStore", () => {
  it("keeps a finished turn across a restart, system prompt first", async (t) => {
    const dir = folder(t);
    await new ConversationStore(dir).record("c1", TURN);
    const again = await new ConversationStore(dir).get("c1");
    assert.deepEqual(again?.messages, TURN);
  });

  it("keeps nothing for a turn that never started", async (t) => {
    const dir = folder(t);
    const store = new ConversationStore(dir);
    await store.record("c1", []);
    assert.equal(await store.get("c1"), undefined);
    assert.equal(await new ConversationStore(dir).get("c1"), undefined);
  });

  it("rewinds to a message index, on disk too; an index out of range changes nothing", async (t) => {
    const dir = folder(t);
    const store = new ConversationStore(dir);
    await store.record("c1", TURN);
    await store.rewind("c1", 0);
    await store.rewind("c1", TURN.length + 1);
    assert.equal((await new ConversationStore(dir).get("c1"))?.messages.length, TURN.length);
    await store.rewind("c1", 3);
    assert.deepEqual((await new ConversationStore(dir).get("c1"))?.messages, TURN.slice(0, 3));
    await store.rewind("unknown", 1); // no conversation: nothing to rewind, no file written
    assert.equal(await new ConversationStore(dir).get("unknown"), undefined);
  });

  it("imports messages behind an empty system prompt", async (t) => {
    const dir = folder(t);
    await new ConversationStore(dir).import("c2", TURN.slice(1));
    assert.deepEqual((await new ConversationStore(dir).get("c2"))?.messages, [{ role: "system", content: "" }, ...TURN.slice(1)]);
  });

  it("starts a damaged file afresh and says so; forget removes the file", async (t) => {
    const dir = folder(t);
    const warnings: string[] = [];
    const store = new ConversationStore(dir, (message) => warnings.push(message));
    writeFileSync(join(dir, "c3.json"), "{ not json");
    assert.equal(await store.get("c3"), undefined);
    assert.match(warnings.join(), /c3 is unreadable/);
    await store.record("c4", TURN);
    assert.ok(readFileSync(join(dir, "c4.json"), "utf8").includes("fix it"));
    await store.forget("c4");
    assert.equal(await new ConversationStore(dir).get("c4"), undefined);
  });

  it("refuses an id that is not a plain name (no path outside the folder)", async () => {
    const store = new ConversationStore(undefined);
    await assert.rejects(store.get("../x"), RangeError);
  });
});
