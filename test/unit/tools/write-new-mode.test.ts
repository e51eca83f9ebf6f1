// writeNew's mode is the file's from its open: a conversation (what the agent read: an .env, a
// key) was written 0644 under umask 022 and made 0600 only after, readable by every user of a
// shared machine for that moment.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { PRIVATE_FILE } from "../../../src/protocol/make-folders.ts";
import { writeNew } from "../../../src/tools/disk-workspace.ts";
import { tempDir } from "./helpers/setup.ts";

describe("writeNew", () => {
  it("opens the file with the mode given, under umask 022 and 077; without one as before (0666 less the umask)", async (t) => {
    const dir = tempDir();
    const before = process.umask(0o022);
    t.after(() => process.umask(before));
    await writeNew(join(dir, "private.json"), "{}", PRIVATE_FILE);
    await writeNew(join(dir, "plain.txt"), "text");
    process.umask(0o077);
    await writeNew(join(dir, "private-077.json"), "{}", PRIVATE_FILE);
    assert.equal(statSync(join(dir, "private.json")).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, "private-077.json")).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, "plain.txt")).mode & 0o777, 0o644);
    assert.equal(readFileSync(join(dir, "private.json"), "utf8"), "{}");
  });
});
