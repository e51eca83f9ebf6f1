// The folder itself deleted, or renamed or moved, while the editor has it open: a build then
// (Reindex Workspace, a .gitignore event) must say so, not "ENOENT: no such file or directory,
// realpath '…'", and keep the index it had.
import assert from "node:assert/strict";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { scanRepository } from "../../../src/indexer/scan.ts";
import { DEFAULT_LIMITS } from "../../../src/indexer/index.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { indexOf } from "./helpers/setup.ts";

describe("index: the folder gone while open", () => {
  it("a build of a folder renamed since says it is gone and where it was, and keeps what it had indexed", async () => {
    const parent = tempDir("hearth-root-gone-");
    const root = join(parent, "project");
    mkdirSync(root);
    writeFileSync(join(root, "a.py"), "def a():\n    return 1\n");
    const index = await indexOf(root, { history: false });
    try {
      renameSync(root, join(parent, "renamed"));
      await assert.rejects(index.build(), (err: Error) => {
        assert.match(err.message, /^the folder .*project is gone: deleted, or renamed or moved while open/);
        assert.doesNotMatch(err.message, /ENOENT|realpath/);
        return true;
      });
      assert.deepEqual([...index.files.keys()], ["a.py"]);
      await assert.rejects(scanRepository(root, { ...DEFAULT_LIMITS, useGitignore: true }), /is gone/);
    } finally {
      await index.close();
    }
  });
});
