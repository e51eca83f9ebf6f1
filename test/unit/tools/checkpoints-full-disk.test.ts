// Checkpoints whose storage disk is full (a real tmpfs filled to its end): the checkpoint taken
// before an edit cannot be stored, so the edit must not happen — and the model must be told why
// in words it can pass on, not "the tool failed unexpectedly: ENOSPC". Skipped where a tmpfs
// cannot be mounted (not root).
import { it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CheckpointStore, checkpointBeforeEffect, runTool, toolByName } from "../../../src/tools/index.ts";
import { fillDisk, smallDisk } from "../../fixtures/small-disk.ts";
import { tempDir, workspaceWith } from "./helpers/setup.ts";

it("an edit whose checkpoint cannot be stored for a full disk is not made, and the model is told the disk holding the checkpoints is full", async (t) => {
  const disk = smallDisk(t, { size: "400k", at: join(tempDir("hearth-ckpt-full-"), "disk") });
  if (!disk) return;
  const { root, ctx } = workspaceWith({ "app.py": "v = 1\n" });
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: disk });
  await store.create("run start");
  // The rest of the disk, to its last block.
  fillDisk(disk);
  const result = await runTool(toolByName("edit_file")!, { path: "app.py", old_text: "v = 1", new_text: `v = 2  # ${"x".repeat(20_000)}` }, { ...ctx, beforeEffect: checkpointBeforeEffect(store) });
  assert.equal(!result.ok && result.code, "io-error", result.text);
  assert.match(result.text, /the checkpoint before this change could not be stored: the disk holding Hearth's checkpoints \(.+\) is full \(No space left on device\); nothing was written\. Tell the user/);
  assert.equal(readFileSync(join(root, "app.py"), "utf8"), "v = 1\n");
});

it("with git speaking German (LANGUAGE=de), a checkpoint git could not write for a full disk is still told as a full disk", async (t) => {
  // git's messages, and the strerror it quotes, follow LANGUAGE unless the locale is C; C.UTF-8 is
  // not C and is in every glibc, so no German locale need be generated.
  const german = spawnSync("git", ["rev-parse"], { cwd: tempDir("hearth-ckpt-de-"), encoding: "utf8", env: { ...process.env, GIT_CEILING_DIRECTORIES: tmpdir(), LC_ALL: "C.UTF-8", LANGUAGE: "de" } });
  if (!/Kein Git-Repository/.test(german.stderr)) return t.skip(`git has no German messages here: ${german.stderr.trim()}`);
  const disk = smallDisk(t, { size: "400k", at: join(tempDir("hearth-ckpt-full-"), "disk") });
  if (!disk) return;
  const saved = { LANGUAGE: process.env.LANGUAGE, LC_ALL: process.env.LC_ALL };
  t.after(() => {
    for (const [name, value] of Object.entries(saved)) value === undefined ? delete process.env[name] : (process.env[name] = value);
  });
  Object.assign(process.env, { LANGUAGE: "de", LC_ALL: "C.UTF-8" });
  const { root } = workspaceWith({ "app.py": "v = 1\n" });
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: disk });
  await store.create("run start");
  // Room for the store's own small files, none for the object git writes.
  const filler = fillDisk(disk);
  truncateSync(filler, statSync(filler).size - 16 * 1024);
  // Bytes zlib cannot shrink: git itself must write a loose object, and say why it could not.
  writeFileSync(join(root, "data.bin"), randomBytes(64 * 1024));
  await assert.rejects(store.create("before the agent's write", ["data.bin"]), (error: Error) => {
    assert.match(error.message, /the checkpoint before this change could not be stored: the disk holding Hearth's checkpoints \(.+\) is full \(No space left on device\); nothing was written/);
    return true;
  });
});
