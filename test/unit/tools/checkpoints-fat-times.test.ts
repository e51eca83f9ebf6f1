// A workspace on a FAT disk (a USB stick, an SD card; exFAT and some SMB shares alike) keeps
// modification times in 2 s steps and no ctime of its own, while the checkpoints' index is in
// the storage folder, on a disk with fine times. git takes a file whose size and times match
// its index entry as unchanged unless the entry's time is not before the index's own ("racily
// clean"): a same-size save in the 2 s window of a checkpoint (b = 2 -> b = 3, the agent's
// next edit) was left out of the next checkpoint. Made on a real FAT file system: a loop mount
// of vfat where the kernel has it, else fusefat; skipped with the reason where neither can be.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { CheckpointStore } from "../../../src/tools/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const dir = tempDir("hearth-cp-fat-");
const disk = join(dir, "disk");
let mounted: "vfat" | "fusefat" | undefined;
let why = "";

before(() => {
  const run = (command: string, ...args: string[]) => spawnSync(command, args, { encoding: "utf8", timeout: 30_000 });
  if (process.platform !== "linux" || process.getuid?.() !== 0) return void (why = "needs root on Linux to mount a FAT image");
  mkdirSync(disk);
  const image = join(dir, "fat.img");
  writeFileSync(image, "");
  run("truncate", "-s", "32M", image);
  const made = run("mkfs.vfat", image);
  if (made.status !== 0) return void (why = `mkfs.vfat (dosfstools) could not make a FAT image: ${made.error?.message ?? made.stderr.trim()}`);
  if (run("mount", "-t", "vfat", "-o", "loop", image, disk).status === 0) return void (mounted = "vfat");
  const fuse = run("fusefat", "-o", "rw+", image, disk);
  if (fuse.status === 0) return void (mounted = "fusefat");
  why = `neither a vfat loop mount nor fusefat could mount a FAT image here (${fuse.error?.message ?? fuse.stderr.trim()})`;
});

after(() => {
  if (mounted === "vfat") spawnSync("umount", [disk]);
  if (mounted === "fusefat") spawnSync("fusermount", ["-u", disk]);
});

it("a same-size save in a checkpoint's 2 s window of a FAT workspace is in the next checkpoint", async (t) => {
  if (!mounted) return void t.skip(why);
  const root = join(disk, "ws");
  mkdirSync(root);
  const file = join(root, "a.py");
  // The times are set, not waited for: FAT's 2 s window starts at an even second.
  const window = new Date(Math.floor(Date.now() / 2000) * 2000 - 10_000);
  writeFileSync(file, "b = 2\n");
  utimesSync(file, window, window);
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  const first = await store.create("first");
  // The first checkpoint's index written within that window, a second after its start: the
  // case where a save right after it gets the same time on FAT.
  const indexed = new Date(window.getTime() + 1000);
  utimesSync(join(store.gitDir, "index"), indexed, indexed);
  writeFileSync(file, "b = 3\n");
  utimesSync(file, window, window); // as FAT gives a save in the same window
  assert.equal(statSync(file).mtimeMs, window.getTime());
  const second = await store.create("second");
  assert.match(await store.diff(first.id, second.id), /^-b = 2$\n^\+b = 3$/m, `on ${mounted}`);
});
