// Restoring files from a checkpoint with a real CheckpointStore (git) and real files: a
// changed file is written back, a file the checkpoint did not have is deleted, `paths`
// limits the restore, and nothing differs → nothing applied. A whole restore leaves the
// user's later work alone: the tests snapshot "after: the run" as a run does at its end.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, it, type TestContext } from "node:test";
import { changedSinceExpected, finishedRestoreNotice, restoreChanges, restoreCheckpoint } from "../../../src/agent/checkpoint-restore.ts";
import { type EditorHost, EditorWorkspace } from "../../../src/runtime/editor-workspace.ts";
import { CheckpointStore, DiskWorkspace, type WorkspaceChange, decodeText } from "../../../src/tools/index.ts";
import { MAX_CHECKPOINT_FILE_BYTES } from "../../../src/tools/limits.ts";

const RESTORE_CHILD = join(import.meta.dirname, "helpers", "restore-child.ts");

async function setup(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), "hearth-restore-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, "work");
  mkdirSync(root);
  writeFileSync(join(root, "a.txt"), "before\n");
  const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  const checkpoint = (await checkpoints.create("before")).id;
  writeFileSync(join(root, "a.txt"), "after\n");
  writeFileSync(join(root, "new.txt"), "made by the agent\n");
  await checkpoints.create("after", ["a.txt", "new.txt"]);
  return { root, checkpoints, checkpoint, disk: new DiskWorkspace(root) };
}

describe("restoreCheckpoint", () => {
  it("writes changed files back and deletes files the checkpoint did not have", async (t) => {
    const { root, checkpoints, checkpoint, disk } = await setup(t);
    const { restored } = await restoreCheckpoint({ checkpoints, checkpoint, disk, target: disk });
    assert.deepEqual(restored.sort(), ["a.txt", "new.txt"]);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "before\n");
    assert.equal(existsSync(join(root, "new.txt")), false);
  });

  it("restores only the paths asked for, in one apply", async (t) => {
    const { root, checkpoints, checkpoint, disk } = await setup(t);
    const applied: WorkspaceChange[][] = [];
    const target = { apply: async (changes: readonly WorkspaceChange[]) => (applied.push([...changes]), disk.apply(changes)) };
    assert.deepEqual((await restoreCheckpoint({ checkpoints, checkpoint, paths: ["new.txt"], disk, target })).restored, ["new.txt"]);
    assert.equal(applied.length, 1);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "after\n");
    assert.equal(existsSync(join(root, "new.txt")), false);
    // Already gone: nothing to delete, nothing applied.
    assert.deepEqual((await restoreCheckpoint({ checkpoints, checkpoint, paths: ["new.txt"], disk, target })).restored, []);
    assert.equal(applied.length, 1);
  });
});

describe("restoreCheckpoint on paths the conversation never changed", () => {
  it("leaves .hearth, ignored files and unchanged files alone, whatever paths it is given", async (t) => {
    const { root, checkpoints, checkpoint, disk } = await setup(t);
    mkdirSync(join(root, ".git"));
    writeFileSync(join(root, ".git", "config"), "[core]\n");
    mkdirSync(join(root, ".hearth"));
    writeFileSync(join(root, ".hearth", "rules.md"), "rules\n");
    writeFileSync(join(root, ".gitignore"), ".env\n");
    writeFileSync(join(root, ".env"), "SECRET=1\n");
    const { restored } = await restoreCheckpoint({ checkpoints, checkpoint, paths: [".hearth/rules.md", ".env", "a.txt"], disk, target: disk });
    assert.deepEqual(restored, ["a.txt"]);
    assert.equal(readFileSync(join(root, ".git", "config"), "utf8"), "[core]\n");
    assert.equal(readFileSync(join(root, ".hearth", "rules.md"), "utf8"), "rules\n");
    assert.equal(readFileSync(join(root, ".env"), "utf8"), "SECRET=1\n");
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "before\n");
  });

  it("touches nothing outside the workspace", async (t) => {
    const { root, checkpoints, checkpoint, disk } = await setup(t);
    writeFileSync(join(root, "..", "outside.txt"), "mine\n");
    assert.deepEqual((await restoreCheckpoint({ checkpoints, checkpoint, paths: ["../outside.txt"], disk, target: disk })).restored, []);
    assert.equal(readFileSync(join(root, "..", "outside.txt"), "utf8"), "mine\n");
  });
});

describe("restoreCheckpoint on files with unusual names", () => {
  it("restores and removes files whose names hold quotes, tabs or non-ASCII letters, named as they are", async (t) => {
    const { root, checkpoints, disk } = await setup(t);
    const names = ['say "hi".txt', "tab\there.txt", "ünïcode.txt"];
    for (const name of names) writeFileSync(join(root, name), "v1\n");
    const checkpoint = (await checkpoints.create("named")).id;
    for (const name of names) writeFileSync(join(root, name), "v2\n");
    writeFileSync(join(root, 'notes "draft".md'), "made by the agent\n");
    await checkpoints.create("after: the run"); // the run's end: what it left is in a checkpoint
    const { restored } = await restoreCheckpoint({ checkpoints, checkpoint, disk, target: disk });
    assert.deepEqual(restored.sort(), ['notes "draft".md', ...names].sort());
    for (const name of names) assert.equal(readFileSync(join(root, name), "utf8"), "v1\n", name);
    assert.equal(existsSync(join(root, 'notes "draft".md')), false);
  });
});

describe("restoreCheckpoint across a rename", () => {
  it("brings a renamed file back under its old name and removes the new one", async (t) => {
    const { root, checkpoints, disk } = await setup(t);
    writeFileSync(join(root, "util.py"), "def helper():\n    return 1\n");
    const checkpoint = (await checkpoints.create("before the move")).id;
    renameSync(join(root, "util.py"), join(root, "helpers.py")); // `mv`, `git mv`, a patch that renames
    await checkpoints.create("after: the run"); // the run's end: what it left is in a checkpoint
    const { restored } = await restoreCheckpoint({ checkpoints, checkpoint, disk, target: disk });
    assert.deepEqual(restored.sort(), ["helpers.py", "util.py"]);
    assert.equal(readFileSync(join(root, "util.py"), "utf8"), "def helper():\n    return 1\n");
    assert.equal(existsSync(join(root, "helpers.py")), false);
  });
});

describe("restoreCheckpoint and file modes", { skip: process.platform === "win32" && "no executable bit" }, () => {
  it("brings back a deleted or renamed script executable, and undoes a chmod", async (t) => {
    const { root, checkpoints, disk } = await setup(t);
    const script = "#!/bin/sh\necho build\n";
    for (const name of ["build.sh", "deploy.sh", "lint.sh"]) {
      writeFileSync(join(root, name), script);
      chmodSync(join(root, name), 0o755);
    }
    writeFileSync(join(root, "data.csv"), "a,b\n");
    const checkpoint = (await checkpoints.create("before the commands")).id;
    rmSync(join(root, "build.sh"));
    renameSync(join(root, "deploy.sh"), join(root, "release.sh"));
    chmodSync(join(root, "lint.sh"), 0o644);
    chmodSync(join(root, "data.csv"), 0o755);
    await checkpoints.create("after: the run"); // the run's end: what it left is in a checkpoint
    const { restored } = await restoreCheckpoint({ checkpoints, checkpoint, disk, target: disk });
    assert.deepEqual(restored.sort(), ["build.sh", "data.csv", "deploy.sh", "lint.sh", "release.sh"]);
    const executable = (name: string) => (statSync(join(root, name)).mode & 0o111) !== 0;
    assert.deepEqual(["build.sh", "deploy.sh", "lint.sh", "data.csv"].map(executable), [true, true, true, false]);
    assert.equal(readFileSync(join(root, "deploy.sh"), "utf8"), script);
  });
});

describe("restoreCheckpoint in a repository that keeps no modes", { skip: process.platform === "win32" && "no executable bit" }, () => {
  it("leaves a script's executable bit as the disk has it where the repository's core.fileMode is false", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-restore-no-modes-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const root = join(dir, "work");
    mkdirSync(root);
    // Set by git on a disk that keeps no modes (exFAT, WSL's /mnt/c), or by the user: the checkpoints take no x bit as a change either.
    execFileSync("git", ["init", "-q"], { cwd: root });
    execFileSync("git", ["config", "core.fileMode", "false"], { cwd: root });
    writeFileSync(join(root, "build.sh"), "#!/bin/sh\necho build\n");
    chmodSync(join(root, "build.sh"), 0o755);
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
    const checkpoint = (await checkpoints.create("before")).id;
    writeFileSync(join(root, "build.sh"), "#!/bin/sh\necho broken\n");
    await checkpoints.create("after", ["build.sh"]);
    const disk = new DiskWorkspace(root);
    await restoreCheckpoint({ checkpoints, checkpoint, disk, target: disk });
    assert.equal(readFileSync(join(root, "build.sh"), "utf8"), "#!/bin/sh\necho build\n");
    assert.equal(statSync(join(root, "build.sh")).mode & 0o777, 0o755);
  });
});

describe("restoreCheckpoint and links", { skip: process.platform === "win32" && "symbolic links need privileges" }, () => {
  it("puts links back as links and never writes through one into the file it points at", async (t) => {
    const { root, checkpoints, disk } = await setup(t);
    writeFileSync(join(root, "dev.json"), "{\"env\": \"dev\"}\n");
    writeFileSync(join(root, "prod.json"), "{\"env\": \"prod\"}\n");
    writeFileSync(join(root, "settings.json"), "{\"mine\": true}\n");
    symlinkSync("dev.json", join(root, "config.json"));
    symlinkSync("dev.json", join(root, "gone.json"));
    const checkpoint = (await checkpoints.create("before the commands")).id;
    // `ln -sf prod.json config.json`, `rm gone.json`, `ln -sf prod.json settings.json`
    rmSync(join(root, "config.json"));
    symlinkSync("prod.json", join(root, "config.json"));
    rmSync(join(root, "gone.json"));
    rmSync(join(root, "settings.json"));
    symlinkSync("prod.json", join(root, "settings.json"));
    await checkpoints.create("after: the commands"); // the run's end: gone.json is Hearth's delete, not the user's
    const { restored } = await restoreCheckpoint({ checkpoints, checkpoint, disk, target: disk });
    assert.deepEqual(restored.sort(), ["config.json", "gone.json", "settings.json"]);
    assert.equal(readFileSync(join(root, "prod.json"), "utf8"), "{\"env\": \"prod\"}\n", "the file a link pointed at is untouched");
    assert.equal(readlinkSync(join(root, "config.json")), "dev.json");
    assert.equal(readlinkSync(join(root, "gone.json")), "dev.json");
    assert.equal(lstatSync(join(root, "settings.json")).isSymbolicLink(), false);
    assert.equal(readFileSync(join(root, "settings.json"), "utf8"), "{\"mine\": true}\n");
  });

  it("puts back a folder that a link replaced without writing into the folder the link points at, and a link that a folder replaced", async (t) => {
    const { root, checkpoints, disk } = await setup(t);
    mkdirSync(join(root, "lib"));
    writeFileSync(join(root, "lib", "x.py"), "LIB = 1\n");
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "src", "x.py"), "SRC = 1\n");
    symlinkSync("src", join(root, "pkg"));
    const checkpoint = (await checkpoints.create("before the commands")).id;
    // `rm -rf lib && ln -s src lib`; `rm pkg && mkdir pkg && touch pkg/y.py`
    rmSync(join(root, "lib"), { recursive: true });
    symlinkSync("src", join(root, "lib"));
    rmSync(join(root, "pkg"));
    mkdirSync(join(root, "pkg"));
    writeFileSync(join(root, "pkg", "y.py"), "Y = 1\n");
    await checkpoints.create("after: the run"); // the run's end: what it left is in a checkpoint
    const { restored } = await restoreCheckpoint({ checkpoints, checkpoint, disk, target: disk });
    assert.deepEqual(restored.sort(), ["lib", "lib/x.py", "pkg", "pkg/y.py"]);
    assert.equal(readFileSync(join(root, "src", "x.py"), "utf8"), "SRC = 1\n", "the folder the link pointed at is untouched");
    assert.equal(lstatSync(join(root, "lib")).isDirectory(), true);
    assert.equal(readFileSync(join(root, "lib", "x.py"), "utf8"), "LIB = 1\n");
    assert.equal(readlinkSync(join(root, "pkg")), "src");
  });
});

describe("restoreCheckpoint on names the workspace cannot carry", () => {
  it("leaves such a file as it is, says which and why, and never writes another file in its place", async (t) => {
    const { root, checkpoints, disk } = await setup(t);
    const linux = process.platform === "linux"; // a backslash or non-UTF-8 bytes in a name: Linux file systems only
    const latin1 = Buffer.concat([Buffer.from(`${root}/caf`), Buffer.from([0xe9]), Buffer.from(".txt")]);
    writeFileSync(join(root, "notes.txt"), "mine, untouched\n");
    const odd = ["notes.txt ", "line\nbreak.txt", ...(linux ? ["back\\slash.txt"] : [])];
    for (const name of odd) writeFileSync(join(root, name), "v1\n");
    if (linux) writeFileSync(latin1, "v1\n");
    const checkpoint = (await checkpoints.create("odd names")).id;
    for (const name of [...odd, "a.txt"]) writeFileSync(join(root, name), "v2\n");
    if (linux) writeFileSync(latin1, "v2\n");

    await checkpoints.create("after: the run"); // the run's end: what it left is in a checkpoint
    const { restored, notRestored } = await restoreCheckpoint({ checkpoints, checkpoint, disk, target: disk });
    assert.deepEqual(restored, ["a.txt"]);
    const reasons = new Map(notRestored.map((n) => [n.path, n.reason]));
    assert.match(reasons.get("notes.txt ") ?? "", /starts or ends with a space/);
    assert.match(reasons.get("line\nbreak.txt") ?? "", /line break/);
    if (linux) {
      assert.match(reasons.get("back\\slash.txt") ?? "", /backslash/);
      assert.match(reasons.get("caf\uFFFD.txt") ?? "", /not valid UTF-8/);
      assert.equal(readFileSync(latin1, "utf8"), "v2\n");
    }
    assert.equal(notRestored.length, linux ? 4 : 2);
    assert.equal(readFileSync(join(root, "notes.txt"), "utf8"), "mine, untouched\n", "the file the trimmed name reads as is untouched");
    for (const name of odd) assert.equal(readFileSync(join(root, name), "utf8"), "v2\n", JSON.stringify(name));
  });
});

describe("restoreCheckpoint on a file a command grew past the checkpoints' size limit", () => {
  it("lists it as changed and writes back what the checkpoint held (the checkpoint has it: it was small then)", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-restore-grown-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const root = join(dir, "work");
    mkdirSync(root);
    writeFileSync(join(root, "data.csv"), "a,b\n");
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
    const checkpoint = (await checkpoints.create("before")).id;
    // A command regenerates the data: sparse, quick to make.
    truncateSync(join(root, "data.csv"), MAX_CHECKPOINT_FILE_BYTES + 1);
    assert.deepEqual(await checkpoints.changedFiles(checkpoint), ["data.csv"]);
    const disk = new DiskWorkspace(root);
    assert.deepEqual((await restoreCheckpoint({ checkpoints, checkpoint, disk, target: disk })).restored, ["data.csv"]);
    assert.equal(readFileSync(join(root, "data.csv"), "utf8"), "a,b\n");
  });
});

describe("restoreCheckpoint and the user's own later work", () => {
  it("a whole restore leaves files whose content no checkpoint holds as they are, and says so", async (t) => {
    const { root, checkpoints, checkpoint, disk } = await setup(t);
    writeFileSync(join(root, "keep.txt"), "v1\n");
    const start = (await checkpoints.create("before: the run")).id;
    await checkpoints.create("before run_command"); // what follows a step's own checkpoint is the agent's
    writeFileSync(join(root, "a.txt"), "the agent's\n");
    rmSync(join(root, "keep.txt"));
    writeFileSync(join(root, "made.txt"), "by the agent\n");
    await checkpoints.create("after: the run");
    // After the run: the user fixes a.txt by hand, writes notes, re-creates the file the agent deleted.
    writeFileSync(join(root, "a.txt"), "the agent's, and my fix\n");
    writeFileSync(join(root, "notes.md"), "my notes\n");
    writeFileSync(join(root, "keep.txt"), "v2, mine\n");

    const { restored, notRestored } = await restoreCheckpoint({ checkpoints, checkpoint: start, disk, target: disk });
    assert.deepEqual(restored, ["made.txt"]);
    assert.equal(existsSync(join(root, "made.txt")), false);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "the agent's, and my fix\n");
    assert.equal(readFileSync(join(root, "notes.md"), "utf8"), "my notes\n");
    assert.equal(readFileSync(join(root, "keep.txt"), "utf8"), "v2, mine\n");
    const reasons = new Map(notRestored.map((n) => [n.path, n.reason]));
    assert.deepEqual([...reasons.keys()].sort(), ["a.txt", "keep.txt", "notes.md"]);
    assert.match(reasons.get("notes.md")!, /Hearth did not make it/);
    assert.match(reasons.get("a.txt")!, /changes Hearth did not make/);
    assert.ok(notRestored.every((n) => n.laterWork), "marked as kept on purpose, for the chat's notice");
    // Content a checkpoint holds goes back whichever way: restoring the first checkpoint now.
    writeFileSync(join(root, "a.txt"), "the agent's\n");
    const again = await restoreCheckpoint({ checkpoints, checkpoint, disk, target: disk });
    assert.deepEqual(again.restored.sort(), ["a.txt", "new.txt"]);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "before\n");
  });

  it("keeps and names an edit the user made between two runs, which the next run's start checkpoint holds", async (t) => {
    const { root, checkpoints, disk } = await setup(t);
    const message1 = (await checkpoints.create("before: run 1")).id;
    writeFileSync(join(root, "a.txt"), "run 1's\n");
    await checkpoints.create("after edit_file");
    await checkpoints.create("after: run 1");
    writeFileSync(join(root, "a.txt"), "run 1's, and my fix\n");
    await checkpoints.create("before: run 2"); // snapshots the hand fix
    writeFileSync(join(root, "b.txt"), "run 2's\n");
    await checkpoints.create("after edit_file");
    await checkpoints.create("after: run 2");

    const { restored, notRestored } = await restoreCheckpoint({ checkpoints, checkpoint: message1, disk, target: disk });
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "run 1's, and my fix\n");
    assert.deepEqual(restored, ["b.txt"]);
    assert.deepEqual(notRestored.map((n) => [n.path, n.laterWork]), [["a.txt", true]]);
    assert.match(notRestored[0]!.reason, /changes Hearth did not make/);
  });

  it("keeps content a run's step wrote back to what its start held (the user's, not Hearth's)", async (t) => {
    const { root, checkpoints, disk } = await setup(t);
    writeFileSync(join(root, "a.txt"), "mine\n");
    await checkpoints.create("before: the run");
    writeFileSync(join(root, "a.txt"), "the agent's\n");
    await checkpoints.create("after edit_file");
    writeFileSync(join(root, "a.txt"), "mine\n");
    await checkpoints.create("after edit_file");
    await checkpoints.create("after: the run");
    const message1 = (await checkpoints.list()).find((c) => c.label === "after")!.id;

    const { notRestored } = await restoreCheckpoint({ checkpoints, checkpoint: message1, disk, target: disk });
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "mine\n");
    assert.deepEqual(notRestored.map((n) => n.path), ["a.txt"]);
  });

  it("a restore of named files (the user was asked) keeps their later content in a checkpoint first", async (t) => {
    const { root, checkpoints, checkpoint, disk } = await setup(t);
    writeFileSync(join(root, "a.txt"), "after, and my fix\n");
    const { restored } = await restoreCheckpoint({ checkpoints, checkpoint, paths: ["a.txt"], disk, target: disk });
    assert.deepEqual(restored, ["a.txt"]);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "before\n");
    const [kept] = await checkpoints.list(1);
    assert.match(kept!.label, /^before restoring /);
    assert.equal(Buffer.from((await checkpoints.fileAt(kept!.id, "a.txt"))!).toString("utf8"), "after, and my fix\n");
  });

  // A message whose first line is empty (pasted code after a blank line) labels its run's
  // checkpoints `before: ` and `after: `, which git keeps as "before:" and "after:".
  it("a Reject of a run whose message began with an empty line keeps what the user saved before the agent's write", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-restore-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const root = join(dir, "work");
    mkdirSync(root);
    writeFileSync(join(root, "a.txt"), "a\n");
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
    const start = (await checkpoints.create("before: ")).id; // conversation-run's label for "\nfix this"
    writeFileSync(join(root, "a.txt"), "typed\na\n"); // saved during the run, before the agent's write
    await checkpoints.create("before edit_file", ["a.txt"]);
    writeFileSync(join(root, "a.txt"), "typed\nthe agent's a\n");
    await checkpoints.create("after edit_file");
    await checkpoints.create("after: ");
    const disk = new DiskWorkspace(root);
    assert.deepEqual(await changedSinceExpected(checkpoints, start, (await checkpoints.list(1))[0]!.id, ["a.txt"]), []);
    assert.deepEqual((await restoreCheckpoint({ checkpoints, checkpoint: start, paths: ["a.txt"], disk, target: disk })).restored, ["a.txt"]);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "typed\na\n");
  });
});

describe("restoreCheckpoint interrupted halfway", () => {
  it("is finished when the checkpoints are next opened, once the process that began it is gone, and says so", async (t) => {
    const { root, checkpoints } = await setup(t);
    for (const name of ["b.txt", "c.txt"]) writeFileSync(join(root, name), "before\n");
    const from = (await checkpoints.create("before: the run")).id;
    // The agent's step, between its own checkpoints: a delete in the user's time is the user's (checkpoint-authorship.ts).
    await checkpoints.create("before apply_patch", ["a.txt", "b.txt", "c.txt", "new.txt"]);
    for (const name of ["a.txt", "b.txt", "c.txt"]) writeFileSync(join(root, name), "the agent's\n");
    rmSync(join(root, "new.txt"));
    await checkpoints.create("after apply_patch");
    await checkpoints.create("after: the run");
    const storageDir = join(root, "..", "state");
    const child = spawn(process.execPath, ["--import", "tsx", RESTORE_CHILD, root, storageDir, from], { stdio: ["ignore", "pipe", "inherit"] });
    t.after(() => child.kill("SIGKILL"));
    const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
    assert.equal(chunk.toString(), "half\n");
    const state = () => ["a.txt", "b.txt", "c.txt", "new.txt"].map((name) => (existsSync(join(root, name)) ? readFileSync(join(root, name), "utf8") : null));
    const restoredState = ["after\n", "before\n", "before\n", "made by the agent\n"];
    const half = state();
    assert.equal(half.filter((text, i) => text !== restoredState[i]).length, 3, "one file of four restored");

    // While the restoring process lives, another process's open leaves its restore alone.
    const beside = await CheckpointStore.open({ workspaceRoot: root, storageDir });
    assert.equal(beside.finishedRestore, undefined);
    assert.deepEqual(state(), half);

    child.kill("SIGKILL");
    await once(child, "exit");
    const next = await CheckpointStore.open({ workspaceRoot: root, storageDir });
    assert.deepEqual(state(), restoredState);
    assert.equal(next.finishedRestore?.checkpoint, from);
    assert.deepEqual([...next.finishedRestore!.paths].sort(), ["a.txt", "b.txt", "c.txt", "new.txt"]);
    assert.equal((await CheckpointStore.open({ workspaceRoot: root, storageDir })).finishedRestore, undefined, "finished once");
  });
});

describe("restoreCheckpoint interrupted halfway, its process's pid taken since by another", { skip: process.platform !== "linux" && "start times are read from /proc" }, () => {
  it("is finished all the same (a reboot hands the dead runtime's pid to a later process)", async (t) => {
    const { root, checkpoints, checkpoint } = await setup(t);
    const later = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    t.after(() => later.kill("SIGKILL"));
    await once(later, "spawn");
    // A restore begun an hour ago by a process whose pid the live `later` has now.
    writeFileSync(join(checkpoints.gitDir, "hearth-restore.json"), JSON.stringify({ pid: later.pid, started: new Date(Date.now() - 3_600_000).toISOString(), checkpoint: (await checkpoints.list(2))[1]!.id, paths: ["a.txt"] }));
    const next = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(root, "..", "state") });
    assert.deepEqual(next.finishedRestore?.paths, ["a.txt"]);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "before\n");
    assert.equal(checkpoint, (await checkpoints.list(2))[1]!.id);
  });
});

describe("restoreCheckpoint interrupted halfway, its journal damaged", () => {
  it("a journal naming a path outside the workspace (no Hearth writes one) is not followed: no file touched, and said", async (t) => {
    const { root, checkpoints, checkpoint } = await setup(t);
    mkdirSync(join(root, ".hearth"));
    writeFileSync(join(root, ".hearth", "keep.json"), "{}\n");
    writeFileSync(join(root, "..", "outside.txt"), "mine\n");
    const gone = spawn(process.execPath, ["-e", ""]);
    await once(gone, "exit");
    const paths = [".hearth/keep.json", "../outside.txt", "a.txt"];
    writeFileSync(join(checkpoints.gitDir, "hearth-restore.json"), JSON.stringify({ pid: gone.pid, checkpoint, paths }));
    const next = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(root, "..", "state") });
    assert.equal(readFileSync(join(root, ".hearth", "keep.json"), "utf8"), "{}\n");
    assert.equal(readFileSync(join(root, "..", "outside.txt"), "utf8"), "mine\n");
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "after\n");
    assert.match(next.finishedRestore?.failed ?? "", /outside\.txt.* is outside/);
  });
});

describe("restoreCheckpoint interrupted halfway, its checkpoint unreadable", () => {
  it("opens the checkpoints all the same, touches no file, and says why it could not finish", async (t) => {
    const { root, checkpoints } = await setup(t);
    const gone = spawn(process.execPath, ["-e", ""]);
    await once(gone, "exit");
    writeFileSync(join(checkpoints.gitDir, "hearth-restore.json"), JSON.stringify({ pid: gone.pid, checkpoint: "0".repeat(40), paths: ["a.txt"] }));
    const next = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(root, "..", "state") });
    assert.match(next.finishedRestore?.failed ?? "", /git/);
    assert.deepEqual(next.finishedRestore?.left, ["a.txt"]);
    assert.match(finishedRestoreNotice(next.finishedRestore!), /^A restore to checkpoint 00000000 was cut off .*, and Hearth could not finish it \(.*git.*\): “a\.txt” may be left half-restored\. Check it, and restore again if needed\.$/);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "after\n");
    assert.equal((await CheckpointStore.open({ workspaceRoot: root, storageDir: join(root, "..", "state") })).finishedRestore, undefined);
  });
});

describe("restoreCheckpoint through the editor, which takes text edits only", () => {
  it("puts back binary and Latin-1 files on disk instead of failing the whole restore", async (t) => {
    const { root, checkpoints, disk } = await setup(t);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
    const latin1 = Buffer.from("caf\xe9\n", "latin1");
    writeFileSync(join(root, "logo.png"), png);
    writeFileSync(join(root, "menu.txt"), latin1);
    const from = (await checkpoints.create("before: the run")).id;
    await checkpoints.create("before apply_patch", ["logo.png", "menu.txt", "a.txt"]); // the agent's step: what follows the start alone is the user's
    writeFileSync(join(root, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
    writeFileSync(join(root, "menu.txt"), Buffer.from("th\xe9\n", "latin1"));
    writeFileSync(join(root, "a.txt"), "the agent's\n");
    await checkpoints.create("after apply_patch");
    await checkpoints.create("after: the run");
    // As EditorWorkspace does (src/runtime/editor-workspace.ts): content that is not UTF-8 or UTF-16 text refuses the whole edit.
    const takes = (content: Uint8Array) => {
      try {
        return decodeText(content, "file").encoding !== "latin1";
      } catch {
        return false;
      }
    };
    const editor = {
      apply: async (changes: readonly WorkspaceChange[]) => {
        for (const c of changes) if (c.kind === "write" && !takes(c.content)) throw new Error(`${c.path}: the editor can only take UTF-8 (or UTF-16 with a BOM) text edits`);
        await disk.apply(changes);
      },
    };
    const { restored } = await restoreCheckpoint({ checkpoints, checkpoint: from, disk, target: editor });
    assert.deepEqual(restored.sort(), ["a.txt", "logo.png", "menu.txt"]);
    assert.deepEqual(readFileSync(join(root, "logo.png")), png);
    assert.deepEqual(readFileSync(join(root, "menu.txt")), latin1);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "after\n");
  });

  it("leaves binary files as they are when the editor refuses the edit (a file with unsaved changes): nothing half-restored", async (t) => {
    const { root, checkpoints, disk } = await setup(t);
    writeFileSync(join(root, "logo.png"), Buffer.from([0x89, 0x50, 0x00, 0x01]));
    const from = (await checkpoints.create("before: the run")).id;
    await checkpoints.create("before apply_patch", ["logo.png", "a.txt"]); // the agent's step: what follows the start alone is the user's
    writeFileSync(join(root, "logo.png"), Buffer.from([0x89, 0x50, 0x00, 0x02]));
    writeFileSync(join(root, "a.txt"), "the agent's\n");
    await checkpoints.create("after apply_patch");
    await checkpoints.create("after: the run");
    const editor = { apply: async () => Promise.reject(new Error("a.txt has unsaved changes in the editor")) };
    await assert.rejects(restoreCheckpoint({ checkpoints, checkpoint: from, disk, target: editor }), /unsaved changes/);
    assert.deepEqual(readFileSync(join(root, "logo.png")), Buffer.from([0x89, 0x50, 0x00, 0x02]));
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "the agent's\n");
  });

  it("tells the user, not the model, what to do about a file with unsaved changes", async (t) => {
    const { root, checkpoints, checkpoint, disk } = await setup(t);
    const dirty = pathToFileURL(join(root, "a.txt")).toString();
    const host: EditorHost = {
      openDocument: (uri) => (uri === dirty ? { text: "after, and typing\n", dirty: true } : undefined),
      applyEdit: async () => assert.fail("a file with unsaved changes is never edited"),
      save: async () => undefined,
    };
    const editor = new EditorWorkspace(root, host, "Hearth: restore");
    const refused = await restoreCheckpoint({ checkpoints, checkpoint, disk, target: editor }).then(() => undefined, (error: Error) => error.message);
    assert.equal(refused, "“a.txt” has unsaved changes in the editor: save or discard them there, then restore again.");
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "after\n");
    assert.equal(readFileSync(join(root, "new.txt"), "utf8"), "made by the agent\n");
  });

  it("a Reject whose file the user typed in during the run has unsaved changes again: refused before any other file is put back", async (t) => {
    const { root, refused } = await rejectWithUnsaved(t, "a.txt", "typed\nthe agent's a\nmore typing\n");
    assert.equal(refused, "“a.txt” has unsaved changes in the editor: save or discard them there, then restore again.");
    assert.equal(readFileSync(join(root, "b.txt"), "utf8"), "the agent's b\n");
  });

  it("a Reject whose file only the agent wrote has unsaved changes: refused before the file the user typed in during the run is put back", async (t) => {
    const { root, refused } = await rejectWithUnsaved(t, "b.txt", "the agent's b\nmore typing\n");
    assert.equal(refused, "“b.txt” has unsaved changes in the editor: save or discard them there, then restore again.");
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "typed\nthe agent's a\n");
  });

  // The agent deleted a file that was open in a tab: VS Code keeps the tab, marked deleted,
  // with the text. Reject then said the file "has unsaved changes", which the user could not see.
  it("tells the user to close the tab of a file deleted from disk but still open, not of unsaved changes", async (t) => {
    const { root, checkpoints, checkpoint, disk } = await setup(t);
    rmSync(join(root, "a.txt"));
    await checkpoints.create("after delete"); // the agent's
    const open = pathToFileURL(join(root, "a.txt")).toString();
    const host: EditorHost = {
      openDocument: (uri) => (uri === open ? { text: "after\n", dirty: true } : undefined),
      applyEdit: async () => assert.fail("a file open in the editor but deleted from disk is not edited"),
      save: async () => undefined,
    };
    const editor = new EditorWorkspace(root, host, "Hearth: restore");
    const refused = await restoreCheckpoint({ checkpoints, checkpoint, disk, target: editor }).then(() => undefined, (error: Error) => error.message);
    assert.equal(refused, "“a.txt” is open in the editor though it was deleted from disk: close its tab, then restore again.");
  });

  // VS Code could not save what the restore put back (a read-only file, one changed on disk
  // since it was opened): the chat said the model's words, "The user can save it there"; and
  // the whole restore failed though the other files were put back, so a Reject left all of
  // them pending and the links, binary files and modes after the edit were never restored.
  it("goes on with the other files when VS Code did not save one it put back, and says that one is back in the editor only", async (t) => {
    const { root, checkpoints, disk } = await setup(t);
    writeFileSync(join(root, "logo.png"), Buffer.from([0x89, 0x50, 0x00, 0x01]));
    const from = (await checkpoints.create("before: the run")).id;
    await checkpoints.create("before apply_patch", ["logo.png", "a.txt", "b.txt"]); // the agent's step: what follows the start alone is the user's
    writeFileSync(join(root, "logo.png"), Buffer.from([0x89, 0x50, 0x00, 0x02]));
    writeFileSync(join(root, "a.txt"), "the agent's\n");
    writeFileSync(join(root, "b.txt"), "made by the agent\n");
    await checkpoints.create("after apply_patch");
    await checkpoints.create("after: the run");
    const host: EditorHost = {
      openDocument: () => undefined,
      applyEdit: async () => {
        rmSync(join(root, "b.txt"));
        return { applied: true };
      },
      save: async (uris) => ({ notSaved: uris.filter((uri) => uri.endsWith("/a.txt")) }),
    };
    const editor = new EditorWorkspace(root, host, "Hearth: restore");
    const outcome = await restoreCheckpoint({ checkpoints, checkpoint: from, disk, target: editor });
    assert.deepEqual(outcome.restored.sort(), ["b.txt", "logo.png"]);
    assert.deepEqual(outcome.notRestored, [{ path: "a.txt", reason: "VS Code did not save it after putting it back (VS Code says why)", inEditor: true }]);
    assert.deepEqual(readFileSync(join(root, "logo.png")), Buffer.from([0x89, 0x50, 0x00, 0x01]));
  });
});

// A command of the run made a file read-only (chmod -w, a generator writing 0444 files): both
// workspaces refuse to write over it (checkNotReadOnly), which failed the whole restore with
// words written for the model ("ask the user to make it writable"), every other file of a
// Reject left as the agent made it and pending.
describe("restoreCheckpoint of a file made read-only since", { skip: process.platform === "win32" && "no file modes" }, () => {
  it("leaves that file, says why, and restores the others", async (t) => {
    const { root, checkpoints, checkpoint, disk } = await setup(t);
    chmodSync(join(root, "a.txt"), 0o444);
    const outcome = await restoreCheckpoint({ checkpoints, checkpoint, disk, target: disk });
    assert.deepEqual(outcome.restored, ["new.txt"]);
    assert.deepEqual(outcome.notRestored, [{ path: "a.txt", reason: "it is read-only now, or another user's (a command changed its mode or owner), and Hearth does not write over such a file; make it writable (chmod u+w) and restore again" }]);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "after\n");
    assert.equal(existsSync(join(root, "new.txt")), false);
  });
});

describe("restoreCheckpoint of a very large change", () => {
  // 300,000 files in a real shadow repository take minutes of git on this machine: the store is
  // an in-memory one with CheckpointStore's answers (every file binary in the checkpoint, as a
  // run that rewrote a dataset's files leaves; restoreLinks puts back what it is given).
  it("restores more binary files than a call takes arguments, and names each", async () => {
    const paths = Array.from({ length: 300_000 }, (_, i) => `data/${i}.bin`);
    const binary = new Uint8Array([0, 1, 2, 0]);
    const journal: string[][] = [];
    const checkpoints = {
      changedFiles: async () => paths,
      agentBaselines: async () => new Map(),
      unrecorded: async () => [],
      unreadableHeld: async () => [],
      linksAmong: async () => [],
      fileAt: async () => binary,
      create: async () => { throw new Error("a whole restore snapshots nothing"); },
      beginRestore: async (_id: string, named: readonly string[]) => void journal.push([...named]),
      endRestore: async () => undefined,
      restoreLinks: async (_id: string, named: readonly string[]) => [...named],
      restoreModes: async () => undefined,
    } as unknown as Parameters<typeof restoreCheckpoint>[0]["checkpoints"];
    const disk = { stat: async () => undefined, apply: async () => { throw new Error("binary files do not go through the editor"); } } as unknown as DiskWorkspace;
    const { restored, notRestored } = await restoreCheckpoint({ checkpoints, checkpoint: "c", disk, target: disk });
    assert.equal(restored.length, paths.length);
    assert.deepEqual(notRestored, []);
    assert.equal(journal[0]?.length, paths.length);
  });

  it("reads the named paths of a Reject all once, not once per changed file", async () => {
    // A Reject all names every file of the review: a look-up of each changed file in that list walked it all each time.
    const paths = Array.from({ length: 2_000 }, (_, i) => `data/${i}.json`);
    let reads = 0;
    const named = new Proxy([...paths], { get: (target, key, receiver) => (typeof key === "string" && /^\d+$/.test(key) && reads++, Reflect.get(target, key, receiver)) });
    const checkpoints = {
      changedFiles: async () => paths,
      agentBaselines: async () => new Map(),
      unrecorded: async () => [],
      unreadableHeld: async () => [],
      linksAmong: async () => [],
      fileAt: async () => new TextEncoder().encode("{}\n"),
    } as unknown as Parameters<typeof restoreChanges>[0]["checkpoints"];
    const disk = { stat: async () => undefined } as unknown as DiskWorkspace;
    const { changes, notRestored } = await restoreChanges({ checkpoints, checkpoint: "c", paths: named, disk });
    assert.equal(changes.length, paths.length);
    assert.deepEqual(notRestored, []);
    assert.ok(reads <= 3 * paths.length, `${reads} reads of a list of ${paths.length}`);
    // Its question first (files changed since the run ended), over the same list.
    reads = 0;
    assert.deepEqual(await changedSinceExpected(checkpoints, "c", "after", named), paths);
    assert.ok(reads <= 3 * paths.length, `changedSinceExpected: ${reads} reads of a list of ${paths.length}`);
  });
});

/**
 * A run in which the user saved typing in a.txt before the agent's apply_patch wrote a.txt and
 * b.txt, then a Reject of both through the editor while `file` has unsaved changes (`text`):
 * the workspace's folder and the refusal's message.
 */
async function rejectWithUnsaved(t: TestContext, file: string, text: string): Promise<{ root: string; refused: string | undefined }> {
  const dir = mkdtempSync(join(tmpdir(), "hearth-restore-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, "work");
  mkdirSync(root);
  writeFileSync(join(root, "a.txt"), "a\n");
  writeFileSync(join(root, "b.txt"), "b\n");
  const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  const start = (await checkpoints.create("before: the run")).id;
  writeFileSync(join(root, "a.txt"), "typed\na\n"); // saved during the run, before the agent's write
  await checkpoints.create("before apply_patch", ["a.txt", "b.txt"]);
  writeFileSync(join(root, "a.txt"), "typed\nthe agent's a\n");
  writeFileSync(join(root, "b.txt"), "the agent's b\n");
  await checkpoints.create("after apply_patch");
  await checkpoints.create("after: the run");
  const dirty = pathToFileURL(join(root, file)).toString();
  const host: EditorHost = {
    openDocument: (uri) => (uri === dirty ? { text, dirty: true } : undefined),
    applyEdit: async () => assert.fail("no edit while a file of the restore has unsaved changes"),
    save: async () => undefined,
  };
  const editor = new EditorWorkspace(root, host, "Hearth: restore");
  const disk = new DiskWorkspace(root);
  const refused = await restoreCheckpoint({ checkpoints, checkpoint: start, paths: ["a.txt", "b.txt"], disk, target: editor }).then(() => undefined, (error: Error) => error.message);
  return { root, refused };
}
