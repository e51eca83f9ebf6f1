// An index cache another Node.js wrote: VS Code runs the runtime on its own Electron's Node, and
// `hearth index --cache` runs on the system's; VS Code updated and then gone back a version, or a
// CLI on a newer Node given a window's storage folder, leaves a cache whose v8.serialize format
// is newer than this Node's deserialize reads. That is no damage: it is said as such and rebuilt.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serialize } from "node:v8";
import { describe, it } from "node:test";
import { cacheMissMessage, loadCache, saveCache } from "../../../src/indexer/cache.ts";
import { tempDir } from "../../fixtures/temp.ts";

describe("index cache written under another Node.js", () => {
  it("a newer V8 serialization format is another version's cache, not a damaged one", async () => {
    const dir = tempDir("hearth-cache-versions-");
    const file = join(dir, "index-aaaaaaaaaaaaaaaa.bin");
    await saveCache(file, "key", { root: "/w", files: [], skipped: [] });
    const bytes = readFileSync(file);
    // The header a newer V8 writes: 0xFF, then its format version (this Node's + 1).
    assert.equal(bytes[0], 0xff);
    const newer = Buffer.from(bytes);
    newer[1] = bytes[1]! + 1;
    writeFileSync(file, newer);
    const loaded = await loadCache(file, "key", "/w");
    assert.deepEqual(loaded, { ok: false, miss: "other-runtime" });
    assert.equal(cacheMissMessage("other-runtime"), "the cache was not used: it was written by Hearth running on a newer Node.js (another VS Code or Node.js version), whose format this one cannot read; every file is parsed again");
    // Cut short, or not Hearth's: damage, as before.
    writeFileSync(file, bytes.subarray(0, 6));
    assert.deepEqual(await loadCache(file, "key", "/w"), { ok: false, miss: "corrupt" });
    writeFileSync(file, "garbage, not a cache");
    assert.deepEqual(await loadCache(file, "key", "/w"), { ok: false, miss: "corrupt" });
    // This Node's own: read.
    writeFileSync(file, serialize({ magic: "hearth-index", key: "key", root: "/w", files: [], skipped: [] }));
    assert.equal((await loadCache(file, "key", "/w")).ok, true);
  });
});
