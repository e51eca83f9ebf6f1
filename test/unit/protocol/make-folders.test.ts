// `mkdir -p` with the disk's reason (src/protocol/make-folders.ts), used for the models folder,
// the checkout locks and the conversation store. Real folders, a real read-only tmpfs.
import assert from "node:assert/strict";
import { lstatSync, mkdirSync, statSync, symlinkSync } from "node:fs";
import { lstat, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { makeFolders, makeFoldersSync } from "../../../src/protocol/make-folders.ts";
import { smallDisk } from "../../fixtures/small-disk.ts";
import { tempDir } from "../../fixtures/temp.ts";

const SYNC = { mkdirSync, lstatSync, dirname };
const ASYNC = { mkdir, lstat, dirname };

/** `makeFoldersSync` and `makeFolders` alike, as one async call, each with node's own recursive mkdir beside it. */
const variants: Array<[string, (dir: string) => Promise<void>, (dir: string) => Promise<unknown>]> = [
  ["makeFoldersSync", async (dir) => makeFoldersSync(dir, SYNC), async (dir) => mkdirSync(dir, { recursive: true })],
  ["makeFolders", (dir) => makeFolders(dir, ASYNC), (dir) => mkdir(dir, { recursive: true })],
];

for (const [name, make, nodeMkdir] of variants) {
  describe(name, () => {
    it("makes the folder and every missing folder above it, and leaves one that is there", async () => {
      const dir = join(tempDir("hearth-make-folders-"), "a", "b", "c");
      await make(dir);
      await make(dir);
      assert.ok(statSync(dir).isDirectory());
    });

    // Node's recursive mkdir says ENOENT there ("no such file or directory, mkdir '~/.local'").
    it("folders to make on a read-only disk fail with EROFS, not ENOENT", async (t) => {
      const mount = smallDisk(t, { size: "1m", readOnly: true });
      if (!mount) return;
      await assert.rejects(make(join(mount, ".local", "share", "hearth")), { code: "EROFS" });
    });

    // A home's ~/.local/share linked to a drive that is not mounted: the link is there, so making
    // it alone says EEXIST — which Hearth's callers tell as "a file is where the folder goes,
    // move that file away". Node's own answer (ENOENT; ENOTDIR from the async mkdir) is the truer word.
    it("under a link to nothing (a drive not mounted), fails as node's mkdir does, not with the link's EEXIST", async () => {
      const home = tempDir("hearth-make-folders-");
      symlinkSync(join(home, "unmounted-drive"), join(home, "share"));
      const dir = join(home, "share", "hearth", "models");
      const code = await nodeMkdir(dir).then(() => "made", (error: NodeJS.ErrnoException) => error.code);
      assert.notEqual(code, "EEXIST");
      await assert.rejects(make(dir), { code });
    });
  });
}
