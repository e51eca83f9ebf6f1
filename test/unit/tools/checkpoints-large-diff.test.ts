// A command that writes a build's binaries into a folder the project does not ignore (no
// .gitignore, a `make` that leaves .o and .so files beside the sources) changes hundreds of
// megabytes. The diff since a checkpoint was read whole into one string: past V8's longest
// (~512 MiB) it failed with "Cannot create a string longer than 0x1fffffe8 characters", which
// `hearth fix` reported as the model's failure, after a minute at 1.3 GB of memory. Now git
// is stopped at `maxBytes` (MAX_DIFF_BYTES by default) and the diff refused in words.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { CheckpointStore, DiffTooLargeError } from "../../../src/tools/index.ts";
import { gitDiffTool } from "../../../src/tools/git-diff.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { tempDir, workspaceWith } from "./helpers/setup.ts";

/** A workspace whose command wrote 40 binaries (8 KiB each, ~440 KB as a binary patch) and changed one source file. */
async function afterABuild(): Promise<{ root: string; store: CheckpointStore; start: string }> {
  const root = tempDir();
  writeFileSync(join(root, "main.c"), "int main(void) { return 0; }\n");
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: tempDir("hearth-storage-") });
  const start = (await store.create("start")).id;
  writeFileSync(join(root, "main.c"), "int main(void) { return 1; }\n");
  mkdirSync(join(root, "build"));
  for (let i = 0; i < 40; i++) writeFileSync(join(root, "build", `part${i}.o`), randomBytes(8 * 1024));
  await store.create("after run_command");
  return { root, store, start };
}

it("a diff past its limit is refused in words, git stopped, the files on disk as they were", async () => {
  const { root, store, start } = await afterABuild();
  await assert.rejects(store.diff(start, undefined, [], { patch: true, maxBytes: 100_000 }), (error: unknown) => {
    assert.ok(error instanceof DiffTooLargeError, String(error));
    assert.equal(error.maxBytes, 100_000);
    assert.match(error.message, /^the change is over 100,000 bytes as a diff \(.*build's output.*\), so no diff was made; the files on disk are as the change left them$/);
    return true;
  });
  assert.equal(readFileSync(join(root, "main.c"), "utf8"), "int main(void) { return 1; }\n");
  assert.equal(readFileSync(join(root, "build", "part39.o")).length, 8 * 1024);
  // The store still answers: the refusal left no git running and no lock held.
  assert.equal((await store.changedFiles(start)).length, 41);
});

it("a diff within its limit is whole: every binary in it", async () => {
  const { store, start } = await afterABuild();
  const patch = await store.diff(start, undefined, [], { patch: true, maxBytes: 2_000_000 });
  assert.equal(patch.match(/^GIT binary patch$/gm)?.length, 40);
  assert.match(patch, /^\+int main\(void\) \{ return 1; \}$/m);
});

it("git_diff of a change over 8 MiB names the changed files instead of reading it all; one file's diff still comes", async () => {
  const { root, ctx } = workspaceWith({ "main.c": "int main(void) { return 0; }\n" });
  const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: tempDir("hearth-storage-") });
  const start = await checkpoints.create("run start");
  writeFileSync(join(root, "main.c"), "int main(void) { return 1; }\n");
  // A generator's output: ~12 MB of text lines (binaries are one "Binary files differ" line each here).
  mkdirSync(join(root, "generated"));
  for (let i = 0; i < 10; i++) writeFileSync(join(root, "generated", `table${i}.csv`), randomBytes(600 * 1024).toString("hex").replace(/(.{80})/g, "$1\n"));
  const agentCtx = { ...ctx, checkpoints, runStart: start.id };

  const all = await runTool(gitDiffTool, {}, agentCtx);
  assert.equal(all.ok, true, all.text);
  const lines = all.text.split("\n");
  assert.equal(lines[0], "The diff is over 8 MiB (11 files changed): ask for one file's path. Changed files:");
  assert.deepEqual(lines.slice(1).sort(), [...Array.from({ length: 10 }, (_, i) => `generated/table${i}.csv`), "main.c"]);

  const one = await runTool(gitDiffTool, { path: "main.c" }, agentCtx);
  assert.match(one.text, /^\+int main\(void\) \{ return 1; \}$/m);
});

it("a diff whose ignored files the agent wrote take it past the limit names the limit itself, not what was left of it", async () => {
  const root = tempDir();
  writeFileSync(join(root, ".gitignore"), "local/\n");
  writeFileSync(join(root, "main.c"), "int main(void) { return 0; }\n");
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: tempDir("hearth-storage-") });
  const start = (await store.create("start")).id;
  writeFileSync(join(root, "main.c"), "int main(void) { return 1; }\n");
  // Written by the agent into a folder git ignores: a checkpoint's extras, diffed after the tree.
  await store.create("before write_file local/data.bin", ["local/data.bin"]);
  mkdirSync(join(root, "local"));
  writeFileSync(join(root, "local", "data.bin"), randomBytes(64 * 1024));
  await store.create("after write_file");
  const whole = await store.diff(start, undefined, [], { patch: true });
  assert.match(whole, /^diff --git a\/local\/data\.bin b\/local\/data\.bin$/m);
  await assert.rejects(store.diff(start, undefined, [], { patch: true, maxBytes: 50_000 }), (error: unknown) => {
    assert.ok(error instanceof DiffTooLargeError, String(error));
    assert.equal(error.maxBytes, 50_000);
    assert.match(error.message, /^the change is over 50,000 bytes as a diff /);
    return true;
  });
});
