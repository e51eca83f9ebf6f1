// A storage folder that cannot be written (a real read-only tmpfs: a home on a read-only
// mount, a snap's or a container's read-only layer): every turn fails to save alike. The chat
// said "This turn could not be saved (EROFS …)" at every turn of every conversation; now the
// first conversation is told in full that conversations are not being saved, another once,
// no later turn again; once the folder can be written, the next turn saves the whole
// conversation, and a later failure is told anew.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConversationStore } from "../../../src/agent/conversation-store.ts";
import type { ChatMessage } from "../../../src/protocol/chat.ts";
import { smallDisk } from "../../fixtures/small-disk.ts";

const SYSTEM: ChatMessage = { role: "system", content: "You are Hearth." };
const turns = (n: number): ChatMessage[] => [SYSTEM, ...Array.from({ length: n }, (_, i): ChatMessage[] => [{ role: "user", content: `question ${i + 1}` }, { role: "assistant", content: `answer ${i + 1}` }]).flat()];

function remount(t: { skip(message: string): void }, mount: string, mode: "ro" | "rw"): boolean {
  const done = spawnSync("mount", ["-o", `remount,${mode}`, mount], { encoding: "utf8" });
  if (done.status !== 0) t.skip(`cannot remount ${mount} ${mode}: ${done.stderr.trim()}`);
  return done.status === 0;
}

describe("ConversationStore on a storage folder that cannot be written", () => {
  it("says once that conversations are not being saved, then stays quiet; saves all once the folder can be written", async (t) => {
    const mount = smallDisk(t, { size: "1m" });
    if (!mount || !remount(t, mount, "ro")) return;
    const dir = join(mount, "conversations");
    const warnings: string[] = [];
    const store = new ConversationStore(dir, (message, _error, id) => warnings.push(`${id}: ${message}`));
    for (let n = 1; n <= 3; n++) await store.record("c1", turns(n));
    await store.record("c2", turns(1));
    await store.record("c2", turns(2));
    const why = `EROFS: read-only file system, mkdir '${dir}'`;
    assert.deepEqual(warnings, [
      `c1: Conversations are not being saved: ${dir} cannot be written (${why}). This window keeps them in memory only and a restart of Hearth loses them; this is not said again at each turn. Make that folder writable and the next turn saves the whole conversation.`,
      `c2: This conversation is not being saved either: ${dir} cannot be written (${why}); a restart of Hearth loses it.`,
    ]);

    if (!remount(t, mount, "rw")) return;
    await store.record("c1", turns(4));
    assert.equal(warnings.length, 2, "saved: nothing more said");
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "c1.json"), "utf8")).messages, turns(4), "the whole conversation saved");
    assert.equal(existsSync(join(dir, "c2.json")), false);

    if (!remount(t, mount, "ro")) return;
    await store.record("c1", turns(5));
    assert.equal(warnings.length, 3, "a failure after a save is told anew");
    assert.match(warnings[2]!, /^c1: Conversations are not being saved: .* cannot be written \(EROFS: read-only file system, open '.*\.tmp'\)\./);
  });
});
