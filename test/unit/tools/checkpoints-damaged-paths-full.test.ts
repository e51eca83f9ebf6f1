// hearth-paths.json damaged (a crash's empty file) and found so on a full disk: the list is
// rebuilt from the checkpoints' manifests, but its write fails. The damaged list was renamed
// aside before that write, so the next process found no list at all — read as "no paths" — and
// the agent's ignored .env was no longer diffed or restored, silently. Now the new list is
// renamed over the damaged one, and the damage found again is kept aside once, not once per
// try. Real git, a real tmpfs.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CheckpointStore } from "../../../src/tools/checkpoints.ts";
import { fillDisk, smallDisk } from "../../fixtures/small-disk.ts";

describe("checkpoints' damaged list of the agent's ignored files, on a full disk", () => {
  it("a rebuild that cannot be written leaves the damaged list in place: once there is room, the next one still has .env", async (t) => {
    const mount = smallDisk(t, { size: "8m" });
    if (!mount) return;
    const root = join(mount, "work");
    const storageDir = join(mount, "state");
    mkdirSync(root);
    writeFileSync(join(root, ".gitignore"), ".env\n");
    writeFileSync(join(root, ".env"), "KEY=old\n");
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir });
    const first = await store.create("before the edit", [".env"]);
    writeFileSync(join(root, ".env"), "KEY=new\n");
    await store.create("after the edit");
    const list = join(store.gitDir, "hearth-paths.json");
    writeFileSync(list, "");

    const full = await CheckpointStore.open({ workspaceRoot: root, storageDir });
    // Full but for one page: the store's lock takes it, and nothing is left for the list.
    const filler = fillDisk(mount);
    truncateSync(filler, statSync(filler).size - 4096);
    await assert.rejects(full.changedFiles(first.id), { code: "ENOSPC" });
    // Found damaged again, and again not written.
    await full.changedFiles(first.id).catch(() => undefined);
    rmSync(filler);

    const next = await CheckpointStore.open({ workspaceRoot: root, storageDir });
    assert.deepEqual(await next.changedFiles(first.id), [".env"]);
    assert.deepEqual(JSON.parse(readFileSync(list, "utf8")), [".env"]);
    const aside = readdirSync(store.gitDir).filter((f) => f.startsWith("hearth-paths.json.damaged-"));
    assert.equal(aside.length, 1, "the damaged bytes kept aside once, however often they were found");
    assert.deepEqual(readdirSync(store.gitDir).filter((f) => f.endsWith(".tmp")), []);
  });
});
