// A checkpoint store holds copies of the user's files (an .env, a key) outside the workspace,
// where the workspace's own modes do not guard them: on a shared machine (a lab server, a
// university box) every other user could read what umask 022 left 0755/0644. The store is this
// user's alone from its first mkdir, whatever the umask, and an older store is made so when
// next opened.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CheckpointStore } from "../../../src/tools/index.ts";
import { tempDir, workspaceWith } from "./helpers/setup.ts";

/** A storage folder other users may enter, as a home folder on many systems (mkdtemp makes 0700). */
function openStorage(): string {
  const storage = tempDir("hearth-storage-");
  chmodSync(storage, 0o755);
  return storage;
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

describe("checkpoint stores on a shared machine", () => {
  it("makes the store's folders this user's alone (0700) under umask 022 and 077", async (t) => {
    for (const umask of [0o022, 0o077]) {
      const before = process.umask(umask);
      t.after(() => process.umask(before));
      const { root } = workspaceWith({ ".env": "TOKEN=s3cret\n" });
      const storage = join(openStorage(), "not-yet");
      const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: storage });
      await store.create("run start");
      process.umask(before);
      const [key] = readdirSync(join(storage, "checkpoints"));
      assert.equal(mode(join(storage, "checkpoints")), 0o700, `checkpoints/ under umask ${umask.toString(8)}`);
      assert.equal(mode(join(storage, "checkpoints", key!)), 0o700, `the store under umask ${umask.toString(8)}`);
    }
  });

  it("makes an older store that others could read (0755) this user's alone when it is next opened", async () => {
    const { root } = workspaceWith({ ".env": "TOKEN=s3cret\n" });
    const storage = openStorage();
    await (await CheckpointStore.open({ workspaceRoot: root, storageDir: storage })).create("run start");
    const [key] = readdirSync(join(storage, "checkpoints"));
    chmodSync(join(storage, "checkpoints"), 0o755);
    chmodSync(join(storage, "checkpoints", key!), 0o755);
    await CheckpointStore.open({ workspaceRoot: root, storageDir: storage });
    assert.equal(mode(join(storage, "checkpoints")), 0o700, "checkpoints/");
    assert.equal(mode(join(storage, "checkpoints", key!)), 0o700, "the store");
  });

  it("another user (nobody) cannot read a checkpoint's .env from the store", async (t) => {
    if (process.getuid?.() !== 0) return void t.skip("needs root to run a command as user nobody");
    const before = process.umask(0o022);
    t.after(() => process.umask(before));
    // Under /tmp itself: the test runner's temp folder is root's alone, which nobody cannot enter.
    const top = mkdtempSync("/tmp/hearth-checkpoints-private-");
    t.after(() => rmSync(top, { recursive: true, force: true }));
    chmodSync(top, 0o755);
    const root = join(top, "workspace");
    const storage = join(top, "storage");
    mkdirSync(root);
    writeFileSync(join(root, ".env"), "TOKEN=s3cret\n");
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: storage });
    const { id } = await store.create("run start");
    const [key] = readdirSync(join(storage, "checkpoints"));
    const gitDir = join(storage, "checkpoints", key!);
    const probe = spawnSync("runuser", ["-u", "nobody", "--", "true"]);
    if (probe.status !== 0) return void t.skip(`runuser -u nobody fails here: ${probe.stderr}`);
    const asNobody = spawnSync("runuser", ["-u", "nobody", "--", "git", "-c", "safe.directory=*", "--git-dir", gitDir, "show", `${id}:.env`], { cwd: "/", encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/" } });
    assert.notEqual(asNobody.status, 0, `nobody read it: ${asNobody.stdout}`);
    assert.doesNotMatch(asNobody.stdout, /s3cret/);
    // The user's own copy is whole: root reads it as before.
    assert.equal(spawnSync("git", ["--git-dir", gitDir, "show", `${id}:.env`], { encoding: "utf8" }).stdout, "TOKEN=s3cret\n");
  });
});
