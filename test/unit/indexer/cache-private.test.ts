// The index cache holds symbols and snippets of private code outside the workspace: on a shared
// machine it is this user's alone from its first write, whatever the umask.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { indexCommand } from "../../../src/cli/commands/index.ts";
import { loadCache, saveCache } from "../../../src/indexer/cache.ts";
import { captureIo } from "../../fixtures/cli-io.ts";
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

  it("hearth index makes the default cache folder an older Hearth left 0755 this user's alone (other projects' 0644 caches in it too); a --cache folder the user made is left as it is", async (t) => {
    const xdg = process.env.XDG_CACHE_HOME;
    t.after(() => (xdg === undefined ? delete process.env.XDG_CACHE_HOME : (process.env.XDG_CACHE_HOME = xdg)));
    process.env.XDG_CACHE_HOME = tempDir("hearth-index-cache-xdg-");
    const folder = join(process.env.XDG_CACHE_HOME, "hearth", "index");
    mkdirSync(folder, { recursive: true });
    for (const dir of [join(process.env.XDG_CACHE_HOME, "hearth"), folder]) chmodSync(dir, 0o755);
    writeFileSync(join(folder, "index-another-project.bin"), "an older Hearth's cache of another project", { mode: 0o644 });
    const repo = tempDir("hearth-index-cache-repo-");
    writeFileSync(join(repo, "a.py"), "def a():\n    return 1\n");
    const io = captureIo(repo);
    assert.equal(await indexCommand.run(["--repo", repo], io), 0, io.stderr);
    assert.equal(mode(join(process.env.XDG_CACHE_HOME, "hearth")), 0o700, "hearth/");
    assert.equal(mode(folder), 0o700, "hearth/index/");

    const own = join(tempDir("hearth-index-cache-own-"), "mine");
    mkdirSync(own, { mode: 0o755 });
    chmodSync(own, 0o755);
    assert.equal(await indexCommand.run(["--repo", repo, "--cache", own], captureIo(repo)), 0);
    assert.equal(mode(own), 0o755, "a --cache folder the user made");
  });
});
