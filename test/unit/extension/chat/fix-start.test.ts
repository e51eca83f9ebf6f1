/**
 * Fix This Issue and a run still working in the chat: it asks before stopping it, and a
 * "no" leaves the run and the open conversation alone.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { STOP_QUESTION, startFixConversation, type FixTarget } from "../../../../src/extension/chat/fix-start.ts";

function chat(running: boolean): FixTarget & { newChats: number } {
  return {
    running,
    newChats: 0,
    newChat() {
      this.newChats++;
    },
  };
}

describe("Fix This Issue's new conversation", () => {
  it("opens it at once when no run is in progress, without asking", async () => {
    const c = chat(false);
    const asked: string[] = [];
    assert.equal(await startFixConversation(c, async (q) => (asked.push(q), false)), true);
    assert.deepEqual(asked, []);
    assert.equal(c.newChats, 1);
  });

  it("asks while a run is in progress; a no stops nothing and opens nothing", async () => {
    const c = chat(true);
    const asked: string[] = [];
    assert.equal(await startFixConversation(c, async (q) => (asked.push(q), false)), false);
    assert.deepEqual(asked, [STOP_QUESTION]);
    assert.equal(c.newChats, 0, "the run goes on in the open conversation");
  });

  it("stops the run and opens the new conversation after a yes", async () => {
    const c = chat(true);
    assert.equal(await startFixConversation(c, async () => true), true);
    assert.equal(c.newChats, 1);
    assert.match(STOP_QUESTION, /^Hearth is still working in the chat\. Stop that run/);
  });
});
