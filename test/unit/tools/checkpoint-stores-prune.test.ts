// Every folder the agent ever edited got a shadow repository of checkpoints in Hearth's
// storage (`hearth fix` in ~/.local/state/hearth/checkpoints: one per checkout, a temp clone
// of a whole project each), none of them ever removed: after months, hundreds of
// repositories of folders long deleted. Ages are set with utimes on real files (no clock).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { realpath } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { folderLook, packLoose, pruned } from "../../../src/tools/checkpoint-stores.ts";
import { CheckpointStore } from "../../../src/tools/index.ts";
import { tempDir, writeFiles } from "./helpers/setup.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Sets a path's times `days` days back from now. */
function age(path: string, days: number): void {
  const when = new Date(Date.now() - days * DAY_MS);
  utimesSync(path, when, when);
}

/** Sets the times of `dir` and everything in it `days` days back. */
function ageAll(dir: string, days: number): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) ageAll(join(dir, entry.name), days);
    else age(join(dir, entry.name), days);
  }
  age(dir, days);
}

/** A pid no process has now: that of a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

/** A workspace with one file, and its store in `storageDir` made and left by a process that has exited, last used `days` ago. */
async function leftStore(storageDir: string, days: number, pid = deadPid()): Promise<{ root: string; gitDir: string }> {
  const root = tempDir("hearth-prune-ws-");
  writeFiles(root, { "a.txt": "a\n" });
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir });
  await store.create("before: a run");
  await pruned();
  const gitDir = storeDir(storageDir, root);
  const opens = join(gitDir, "hearth-open");
  for (const name of readdirSync(opens)) renameSync(join(opens, name), join(opens, String(pid)));
  ageAll(gitDir, days);
  return { root, gitDir };
}

/** The one store folder made for `root`. */
function storeDir(storageDir: string, root: string): string {
  const dirs = readdirSync(join(storageDir, "checkpoints")).map((name) => join(storageDir, "checkpoints", name));
  const found = dirs.filter((dir) => existsSync(join(dir, "hearth-workspace")) && readText(join(dir, "hearth-workspace")) === root);
  assert.equal(found.length, 1, `one store for ${root}`);
  return found[0]!;
}

function readText(file: string): string {
  return spawnSync("cat", [file], { encoding: "utf8" }).stdout.trim();
}

/** The user's folder of today: opened (a checkpoint made), then opened again, as the next run does; each open's removal waited for. */
async function openAnother(storageDir: string): Promise<void> {
  const root = tempDir("hearth-prune-ws-");
  writeFiles(root, { "b.txt": "b\n" });
  await (await CheckpointStore.open({ workspaceRoot: root, storageDir })).create("before: a run");
  await pruned();
  await CheckpointStore.open({ workspaceRoot: root, storageDir });
  await pruned();
}

/** Makes `gitDir`'s open record one written `days` ago by a process in another PID namespace (a container sharing the state folder). */
function openedInContainer(gitDir: string, days: number): void {
  const opens = join(gitDir, "hearth-open");
  rmSync(opens, { recursive: true, force: true });
  mkdirSync(opens);
  const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  writeFileSync(join(opens, "7"), JSON.stringify({ boot, pidns: "pid:[4026532999]", host: "a-container" }));
  age(join(opens, "7"), days);
  age(opens, 100);
  age(gitDir, 100);
}

describe("checkpoint stores: removed when unused", () => {
  // Every open stat'ed each other store's folder, and the first checkpoint waited for it: a
  // folder on a hard-mounted network share whose server is gone hung the user's first checkpoint.
  it("a store's folder whose stat never answers (a dead network share) holds up no checkpoint; a store idle under 14 days is not looked at", { timeout: 120_000 }, async () => {
    const storageDir = tempDir("hearth-prune-storage-");
    const share = await leftStore(storageDir, 20);
    const lately = await leftStore(storageDir, 3);
    const looked: string[] = [];
    let answer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const real = folderLook.stat;
    folderLook.stat = async (path) => {
      looked.push(path);
      await answered;
      return real(path);
    };
    try {
      const root = tempDir("hearth-prune-ws-");
      writeFiles(root, { "b.txt": "b\n" });
      const store = await CheckpointStore.open({ workspaceRoot: root, storageDir });
      await store.create("before: a run");
    } finally {
      answer();
      await pruned();
      folderLook.stat = real;
    }
    assert.deepEqual(looked, [share.root], "the idle store's folder was looked at, after the checkpoint; the one used 3 days ago not at all");
    assert.equal(existsSync(share.gitDir) && existsSync(lately.gitDir), true);
  });

  // A VM resumed with its clock 100 days ahead: every store looked 90 days old and was removed.
  it("a clock that jumped forward ages no store: days are counted to the newest use of any store", async () => {
    const storageDir = tempDir("hearth-prune-storage-");
    const mine = await leftStore(storageDir, 100);
    const other = await leftStore(storageDir, 101);
    const gone = await leftStore(storageDir, 100);
    rmSync(gone.root, { recursive: true, force: true });
    await CheckpointStore.open({ workspaceRoot: mine.root, storageDir });
    await pruned();
    assert.equal(existsSync(other.gitDir), true, "used a day before the last use of any store");
    assert.equal(existsSync(gone.gitDir), true, "its folder gone, but used when the newest store was");
  });

  // A container sharing ~/.local/state (another PID namespace): its pid cannot be checked from
  // here, and its store was removed while the container's Hearth had it open.
  it("a store opened from another PID namespace counts as open until its record is 90 days old", async () => {
    const storageDir = tempDir("hearth-prune-storage-");
    const held = await leftStore(storageDir, 100);
    openedInContainer(held.gitDir, 30);
    const left = await leftStore(storageDir, 100);
    openedInContainer(left.gitDir, 95);
    await openAnother(storageDir);
    assert.equal(existsSync(held.gitDir), true, "the container's Hearth opened it 30 days ago");
    assert.equal(existsSync(left.gitDir), false, "opened there 95 days ago");
    const record = JSON.parse(readFileSync(join(held.gitDir, "hearth-open", "7"), "utf8")) as { host: string };
    assert.equal(record.host, "a-container", "the record of a process elsewhere is kept at the next open");
  });

  // Every record a process wrote before the machine rebooted has another boot id: each store
  // opened before a reboot counted as open for 90 days, was listed "in use now" by hearth
  // storage and kept by --clean, its folder long deleted.
  it("a store opened on this machine before it rebooted is not in use: judged by its age", async () => {
    const storageDir = tempDir("hearth-prune-storage-");
    const gone = await leftStore(storageDir, 20);
    const opens = join(gone.gitDir, "hearth-open");
    const [name] = readdirSync(opens);
    const record = JSON.parse(readFileSync(join(opens, name!), "utf8")) as { boot: string; pidns: string; host: string };
    writeFileSync(join(opens, name!), JSON.stringify({ ...record, boot: "00000000-0000-4000-8000-000000000000" }));
    age(join(opens, name!), 20);
    age(opens, 20);
    age(gone.gitDir, 20);
    rmSync(gone.root, { recursive: true, force: true });
    await openAnother(storageDir);
    assert.equal(existsSync(gone.gitDir), false, "its folder deleted, unused for 20 days, and the process that opened it ended with the last boot");
  });

  it("a store of a folder since deleted, unused for 14 days, is removed when another opens; a younger one stays", async () => {
    const storageDir = tempDir("hearth-prune-storage-");
    const gone = await leftStore(storageDir, 15);
    const goneLately = await leftStore(storageDir, 10);
    const there = await leftStore(storageDir, 15);
    rmSync(gone.root, { recursive: true, force: true });
    rmSync(goneLately.root, { recursive: true, force: true });
    mkdirSync(join(storageDir, "checkpoints", "notes"));

    await openAnother(storageDir);

    assert.equal(existsSync(gone.gitDir), false, "the deleted folder's store is removed");
    assert.equal(existsSync(goneLately.gitDir), true, "a folder gone for less than 14 days may be on a disk not mounted now");
    assert.equal(existsSync(there.gitDir), true, "a folder that is there keeps its checkpoints for 90 days");
    assert.equal(existsSync(join(storageDir, "checkpoints", "notes")), true, "nothing but Hearth's stores is removed");
    assert.deepEqual(readdirSync(join(storageDir, "checkpoints")).filter((name) => name.includes("removing")), []);
  });

  it("a store unused for 90 days is removed though its folder is there; one a running process opened is kept at any age", async () => {
    const storageDir = tempDir("hearth-prune-storage-");
    const old = await leftStore(storageDir, 91);
    const recent = await leftStore(storageDir, 80);
    const held = await leftStore(storageDir, 200, process.ppid);
    // Its open record was written when that process opened it, after the process started.
    age(join(held.gitDir, "hearth-open", String(process.ppid)), 0);
    await openAnother(storageDir);

    assert.equal(existsSync(old.gitDir), false);
    assert.equal(existsSync(recent.gitDir), true);
    assert.equal(existsSync(held.gitDir), true, "another window's runtime still has it open");
  });

  // A window's runtime killed (a crash, a container restarted) leaves its record, and its pid
  // goes to another program: the store counted as open for good, kept and listed "in use now"
  // by hearth storage, never removed by --clean.
  it("a store whose recorded process died and whose pid another program got since is not in use", async () => {
    const storageDir = tempDir("hearth-prune-storage-");
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
    try {
      const { gitDir } = await leftStore(storageDir, 100, other.pid!);
      await openAnother(storageDir);
      assert.equal(existsSync(gitDir), false, "the program with that pid started after the store was opened: it is not the one that opened it");
    } finally {
      other.kill();
    }
  });

  it("a store an older Hearth made (no record of its folder) is judged by its own files' times", async () => {
    const storageDir = tempDir("hearth-prune-storage-");
    const { gitDir } = await leftStore(storageDir, 0);
    rmSync(join(gitDir, "hearth-workspace"));
    rmSync(join(gitDir, "hearth-open"), { recursive: true });
    ageAll(gitDir, 100);
    const { gitDir: younger } = await leftStore(storageDir, 0);
    rmSync(join(younger, "hearth-workspace"));
    rmSync(join(younger, "hearth-open"), { recursive: true });
    ageAll(younger, 100);
    age(join(younger, "index"), 30);

    await openAnother(storageDir);
    assert.equal(existsSync(gitDir), false);
    assert.equal(existsSync(younger), true, "its index was written 30 days ago: used then");
  });

  it("reopening its own folder marks a store as used", async () => {
    const storageDir = tempDir("hearth-prune-storage-");
    const { root, gitDir } = await leftStore(storageDir, 100);
    await CheckpointStore.open({ workspaceRoot: root, storageDir });
    await openAnother(storageDir);
    assert.equal(existsSync(gitDir), true);
  });
});

// gc.auto is off in a store (no git gc mid-run), and nothing else packed it: a generated file
// the folder rebuilds between checkpoints (an 8 MB dist.js, ten checkpoints: 63 MB) was
// stored whole, loose, at every one, for as long as the folder is used.
describe("checkpoint stores: loose objects packed", () => {
  it("past the store's limit, a checkpoint packs the loose objects (deltas between versions); every checkpoint still restores", async () => {
    const root = tempDir("hearth-prune-ws-");
    const storageDir = tempDir("hearth-prune-storage-");
    const base = randomBytes(384 * 1024).toString("base64");
    writeFiles(root, { "dist.js": `/* build 0 */\n${base}` });
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir, packAboveBytes: 1024 * 1024 });
    const first = await store.create("before: a run");
    // What repacks killed halfway left: one two days ago, one being written now.
    const packDir = join(storeDir(storageDir, await realpath(root)), "objects", "pack");
    mkdirSync(packDir, { recursive: true });
    writeFileSync(join(packDir, "tmp_pack_Ab12Cd"), Buffer.alloc(64 * 1024, 1));
    writeFileSync(join(packDir, "tmp_idx_Ab12Cd"), Buffer.alloc(1024, 1));
    age(join(packDir, "tmp_pack_Ab12Cd"), 2);
    age(join(packDir, "tmp_idx_Ab12Cd"), 2);
    writeFileSync(join(packDir, "tmp_pack_Ef34Gh"), Buffer.alloc(1024, 1));
    for (let i = 1; i <= 4; i++) {
      writeFiles(root, { "dist.js": `/* build ${i} */\n${base}` });
      await store.create(`before write_file ${i}`);
    }
    const gitDir = storeDir(storageDir, await realpath(root));
    const counts = Object.fromEntries(spawnSync("git", ["count-objects", "-v"], { env: { ...process.env, GIT_DIR: gitDir }, encoding: "utf8" }).stdout.trim().split("\n").map((line) => line.split(": ")));
    assert.ok(Number(counts["size-pack"]) > 0, `packed: ${JSON.stringify(counts)}`);
    assert.ok(Number(counts["size"]) * 1024 < 1024 * 1024, `loose objects under the limit: ${JSON.stringify(counts)}`);
    assert.ok(Number(counts["size-pack"]) * 1024 < 2 * base.length, `stored with deltas, not five times whole: ${JSON.stringify(counts)}`);
    assert.equal(Buffer.from((await store.fileAt(first.id, "dist.js"))!).toString().slice(0, 14), "/* build 0 */\n");
    assert.deepEqual(readdirSync(packDir).filter((name) => name.startsWith("tmp_")), ["tmp_pack_Ef34Gh"], "a killed repack's two-day-old files removed; one a repack may be writing now kept");
  });

  it("many small loose objects (weeks of daily checkpoints, far under the byte limit) are packed too, every one kept", async () => {
    const gitDir = tempDir("hearth-pack-count-");
    const env = { ...process.env, GIT_DIR: gitDir };
    const git = async (args: string[]) => {
      const run = spawnSync("git", args, { env, encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr);
      return run.stdout;
    };
    await git(["init", "-q", "--bare"]);
    // Five small files' versions, staged in the store's index as checkpoints stage them.
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const id = spawnSync("git", ["hash-object", "-w", "--stdin"], { env, input: `version ${i}\n`, encoding: "utf8" }).stdout.trim();
      await git(["update-index", "--add", "--cacheinfo", `100644,${id},f${i}.txt`]);
      ids.push(id);
    }
    const counts = async () => Object.fromEntries((await git(["count-objects", "-v"])).trim().split("\n").map((line) => line.split(": ")));
    assert.equal((await counts()).count, "5");
    await packLoose(git, 1024 * 1024 * 1024, 3);
    const after = await counts();
    assert.deepEqual([after.count, after["in-pack"]], ["0", "5"], JSON.stringify(after));
    for (const [i, id] of ids.entries()) assert.equal(await git(["cat-file", "blob", id]), `version ${i}\n`);
    await packLoose(git, 1024 * 1024 * 1024, 3);
    assert.equal((await counts())["in-pack"], "5", "under both limits: nothing done");
  });
});
