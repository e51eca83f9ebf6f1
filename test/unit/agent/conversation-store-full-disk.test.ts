// A turn that does not fit on the disk holding the conversations (a real small tmpfs, filled):
// the turn is said unsaved in words that name that disk, its free space and what the turn
// needs — not node's "ENOSPC: no space left on device, write" — the earlier turns stay on
// disk as they were, nothing half-written is left beside them, and once space is freed the
// next turn saves the whole conversation.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConversationStore } from "../../../src/agent/conversation-store.ts";
import type { ChatMessage } from "../../../src/protocol/chat.ts";
import { fillDisk, smallDisk } from "../../fixtures/small-disk.ts";

const turn = (n: number, words: string): ChatMessage[] => [
  { role: "user", content: `question ${n}` },
  { role: "assistant", content: words },
];

describe("ConversationStore on a full disk", () => {
  it("says which disk is full and how much the turn needs, keeps the saved turns, and saves all once there is room", async (t) => {
    const mount = smallDisk(t, { size: "64k" });
    if (!mount) return;
    const dir = join(mount, "conversations");
    const warnings: string[] = [];
    const store = new ConversationStore(dir, (message) => warnings.push(message));
    const first: ChatMessage[] = [{ role: "system", content: "You are Hearth." }, ...turn(1, "short")];
    await store.record("c1", first);
    const saved = readFileSync(join(dir, "c1.json"), "utf8");
    const filler = fillDisk(mount);

    const second = [...first, ...turn(2, "x".repeat(20_000))];
    await store.record("c1", second);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, new RegExp(`^This turn could not be saved \\(the disk holding ${dir} is full: \\d+ KB free, 2\\d KB needed; free some space there and the next turn saves the whole conversation\\): a restart of Hearth loses it\\.$`));
    assert.equal(readFileSync(join(dir, "c1.json"), "utf8"), saved, "the turns saved before are as they were");
    assert.deepEqual(readdirSync(dir), ["c1.json"], "nothing half-written left beside them");

    rmSync(filler);
    const third = [...second, ...turn(3, "done")];
    await store.record("c1", third);
    assert.equal(warnings.length, 1);
    assert.deepEqual((await new ConversationStore(dir).get("c1"))?.messages, third);
  });
});
