// `hearth index`, `locate`, `map` and `fix` keep one cache per folder in one shared storage
// folder (~/.cache/hearth/index), some 8 KB a file: every checkout ever indexed — a temp clone
// long deleted, a home folder opened once (hundreds of MB) — stayed there for good.
import assert from "node:assert/strict";
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cachePath } from "../../../src/indexer/cache.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { indexOf } from "./helpers/setup.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Sets a file's times `days` days back from now. */
function age(file: string, days: number): void {
  const when = new Date(Date.now() - days * DAY_MS);
  utimesSync(file, when, when);
}

describe("index cache: a shared storage folder", () => {
  it("a save removes other folders' caches unused for 30 days; a cache read without a change counts as used", async () => {
    const storageDir = tempDir("hearth-cache-prune-");
    const stale = join(storageDir, "index-aaaaaaaaaaaaaaaa.bin");
    const recent = join(storageDir, "index-bbbbbbbbbbbbbbbb.bin");
    const other = join(storageDir, "notes.bin");
    for (const file of [stale, recent, other]) writeFileSync(file, "x");
    age(stale, 40);
    age(recent, 20);
    age(other, 40);

    const first = tempDir("hearth-cache-prune-root-");
    writeFileSync(join(first, "a.py"), "def a():\n    return 1\n");
    await (await indexOf(first, { history: false, storageDir })).close();
    const own = cachePath(storageDir, first);
    assert.deepEqual(readdirSync(storageDir).sort(), [own, recent, other].map((f) => f.slice(storageDir.length + 1)).sort());

    // Read by a later run that changes nothing (no save): it is used, not stale.
    age(own, 40);
    await (await indexOf(first, { history: false, storageDir })).close();
    assert.ok(Date.now() - statSync(own).mtimeMs < DAY_MS, "a cache read is marked as used");
    const second = tempDir("hearth-cache-prune-root-");
    writeFileSync(join(second, "b.py"), "def b():\n    return 2\n");
    await (await indexOf(second, { history: false, storageDir })).close();
    assert.ok(existsSync(own) && existsSync(cachePath(storageDir, second)));
  });

  it("a clock a year ahead, then set right, removes none of the other caches used this week", async (t) => {
    const storageDir = tempDir("hearth-cache-prune-jump-");
    const root = tempDir("hearth-cache-prune-root-");
    writeFileSync(join(root, "a.py"), "def a():\n    return 1\n");
    await (await indexOf(root, { history: false, storageDir })).close();
    const others = ["index-aaaaaaaaaaaaaaaa.bin", "index-bbbbbbbbbbbbbbbb.bin"].map((name) => join(storageDir, name));
    for (const file of others) writeFileSync(file, "x");
    age(others[0]!, 1);
    age(others[1]!, 6);

    // The next run: the machine's clock a year ahead (a VM resumed with a bad clock). A change, so the cache is saved.
    t.mock.timers.enable({ apis: ["Date"], now: Date.now() + 365 * DAY_MS });
    writeFileSync(join(root, "a.py"), "def a():\n    return 2\n");
    await (await indexOf(root, { history: false, storageDir })).close();
    t.mock.timers.reset();
    assert.deepEqual(others.filter((file) => !existsSync(file)), [], "caches used this week are kept");

    // A cache idle for 40 days by the same measure still goes.
    age(others[1]!, 40);
    writeFileSync(join(root, "a.py"), "def a():\n    return 3\n");
    await (await indexOf(root, { history: false, storageDir })).close();
    assert.deepEqual(others.map((file) => existsSync(file)), [true, false]);
  });
});
