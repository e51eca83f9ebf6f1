// The index cache holds symbols and snippets of private code outside the workspace: on a shared
// machine it is this user's alone from its first write, whatever the umask.
import assert from "node:assert/strict";
import { chmodSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadCache, saveCache } from "../../../src/indexer/cache.ts";
import { tempDir } from "../../fixtures/temp.ts";

const mode = (path: string): number => statSync(path).mode & 0o777;

describe("index cache on a shared machine", () => {
  it("makes the folders it needs 0700 and the cache 0600 under umask 022; a cache an older Hearth left 0644 is 0600 after the next save", async (t) => {
    const before = process.umask(0o022);
    t.after(() => process.umask(before));
    const top = tempDir("hearth-index-cache-");
    chmodSync(top, 0o755);
    const file = join(top, "hearth", "index", "index-0123456789abcdef.bin");
    await saveCache(file, "key", { root: "/repo", files: [], skipped: [] });
    assert.equal(mode(join(top, "hearth")), 0o700, "hearth/");
    assert.equal(mode(join(top, "hearth", "index")), 0o700, "hearth/index/");
    assert.equal(mode(file), 0o600, "the cache");

    const older = join(top, "older.bin");
    writeFileSync(older, "an older Hearth's cache", { mode: 0o644 });
    await saveCache(older, "key", { root: "/repo", files: [], skipped: [] });
    assert.equal(mode(older), 0o600);
    assert.equal((await loadCache(older, "key", "/repo")).ok, true);
  });
});
