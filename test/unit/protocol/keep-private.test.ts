// keepPrivate: one of Hearth's own folders that an older Hearth left readable by others is made
// this user's alone; another user's folder, or one that cannot be looked at, is left quietly.
import assert from "node:assert/strict";
import { chmodSync, chownSync, mkdirSync, statSync } from "node:fs";
import { chmod, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { keepPrivate } from "../../../src/protocol/make-folders.ts";
import { tempDir } from "../../fixtures/temp.ts";

const mode = (path: string): number => statSync(path).mode & 0o7777;

describe("keepPrivate", () => {
  it("takes the group's and others' bits off this user's folder, keeps the rest (setgid included)", async () => {
    const dir = join(tempDir("hearth-keep-private-"), "store");
    mkdirSync(dir);
    chmodSync(dir, 0o2755);
    await keepPrivate(dir, { stat, chmod, uid: statSync(dir).uid });
    assert.equal(mode(dir), 0o2700);
  });

  it("leaves another user's folder, and a folder that is not there, as they are, without an error", async (t) => {
    if (process.getuid?.() !== 0) return void t.skip("needs root to give a folder to another user");
    const dir = join(tempDir("hearth-keep-private-"), "theirs");
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    chownSync(dir, 65534, 65534);
    await keepPrivate(dir, { stat, chmod, uid: 0 });
    assert.equal(mode(dir), 0o755);
    await keepPrivate(join(dir, "missing"), { stat, chmod, uid: 0 });
  });

  it("does nothing where there is no user id (Windows)", async () => {
    const dir = join(tempDir("hearth-keep-private-"), "store");
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    await keepPrivate(dir, { stat, chmod, uid: undefined });
    assert.equal(mode(dir), 0o755);
  });
});
