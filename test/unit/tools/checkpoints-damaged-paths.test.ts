// hearth-paths.json, the list of the paths the agent wrote that the checkpoints' trees cannot
// hold (an ignored .env, a build output), damaged as a crash or a power cut leaves a file:
// empty, NUL bytes, cut JSON. The next checkpoint must not take it for "no such paths" and
// write a list without them: an earlier checkpoint's .env would then be neither diffed nor
// restored, silently. Real git, real files.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CheckpointStore } from "../../../src/tools/checkpoints.ts";

const DAMAGE: Record<string, Buffer> = {
  "empty (a power cut after the rename, before its data)": Buffer.alloc(0),
  "NUL bytes (ext4's unwritten blocks)": Buffer.alloc(18),
  "cut JSON (a write cut short)": Buffer.from('[".env","bui'),
};

describe("checkpoints with a damaged list of the agent's ignored files", () => {
  for (const [name, bytes] of Object.entries(DAMAGE)) {
    it(`${name}: the next process still diffs and restores the ignored file, and keeps the damaged list aside`, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), "hearth-damaged-paths-"));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const root = join(dir, "work");
      const storageDir = join(dir, "state");
      mkdirSync(root);
      writeFileSync(join(root, ".gitignore"), ".env\nbuild/\n");
      writeFileSync(join(root, ".env"), "KEY=old\n");
      const store = await CheckpointStore.open({ workspaceRoot: root, storageDir });
      // The agent is about to write .env: the checkpoint before records its state.
      const first = await store.create("before the edit", [".env"]);
      writeFileSync(join(root, ".env"), "KEY=new\n");
      await store.create("after the edit");
      assert.deepEqual(await store.changedFiles(first.id), [".env"]);

      const list = join(store.gitDir, "hearth-paths.json");
      writeFileSync(list, bytes);
      const next = await CheckpointStore.open({ workspaceRoot: root, storageDir });
      await next.create("before the agent writes build/out.js", ["build/out.js"]);
      mkdirSync(join(root, "build"));
      writeFileSync(join(root, "build", "out.js"), "built\n");
      assert.deepEqual((await next.changedFiles(first.id)).sort(), [".env", "build/out.js"]);
      await next.restore(first.id);
      assert.equal(readFileSync(join(root, ".env"), "utf8"), "KEY=old\n");
      assert.deepEqual(JSON.parse(readFileSync(list, "utf8")), [".env", "build/out.js"]);
      const aside = readdirSync(store.gitDir).filter((f) => f.startsWith("hearth-paths.json.damaged-"));
      assert.equal(aside.length, 1, `one copy of the damaged list: ${readdirSync(store.gitDir).join(", ")}`);
      assert.deepEqual(readFileSync(join(store.gitDir, aside[0]!)), bytes);
    });
  }
});
