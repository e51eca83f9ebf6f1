// The conversations folder is this user's alone (0700) whichever process makes it first: the
// runtime's ConversationStore, or this window's delete mark when the folder is not there yet.
import assert from "node:assert/strict";
import { chmodSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { TranscriptStore } from "../../../src/extension/transcript-store.ts";
import { tempDir } from "../../fixtures/temp.ts";

const memento = () => {
  const values = new Map<string, unknown>();
  return {
    get: <T>(key: string, fallback?: T): T => (values.has(key) ? (values.get(key) as T) : (fallback as T)),
    update: async (key: string, value: unknown): Promise<void> => void (value === undefined ? values.delete(key) : values.set(key, value)),
  };
};

describe("TranscriptStore on a shared machine", () => {
  it("a delete mark that makes the conversations folder makes it 0700, the mark 0600, under umask 022", async (t) => {
    const before = process.umask(0o022);
    t.after(() => process.umask(before));
    const top = tempDir("hearth-history-storage-");
    chmodSync(top, 0o755);
    const dir = join(top, "conversations");
    await new TranscriptStore(memento(), () => undefined, dir).delete("c1");
    assert.equal(statSync(dir).mode & 0o777, 0o700, "the folder");
    assert.equal(statSync(join(dir, "c1.deleted")).mode & 0o777, 0o600, "the mark");
  });
});
