// The home folder's credential stores and keys, whose other names (hard links) the index and
// the tools leave out, with HOME empty or relative (a systemd unit's `Environment=HOME=`, a CI
// step's env): os.homedir() is then HOME as it is, so ~/.aws/credentials was looked up as
// .aws/credentials under the folder Hearth runs in — often the workspace — and the user's own
// home, its keys included, was never looked at. They are the home folder's from the system's
// user list then, as with a set HOME.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { userInfo } from "node:os";
import { isAbsolute, join } from "node:path";
import { nodeScanFs, type ScanFs } from "../../../src/indexer/scan-fs.ts";
import { secretInodes } from "../../../src/indexer/secret-links.ts";
import { tempDir } from "./helpers/setup.ts";

describe("secret links with HOME empty or relative", () => {
  for (const home of ["", "."]) {
    it(`HOME=${JSON.stringify(home)}: the home folder looked in is the user's, never the folder Hearth runs in`, async () => {
      const { dir: root, cleanup } = tempDir();
      const saved = process.env.HOME;
      process.env.HOME = home;
      try {
        const looked: string[] = [];
        const fs: Pick<ScanFs, "readdir" | "stat"> = {
          readdir: (abs) => (looked.push(abs), nodeScanFs.readdir(abs)),
          stat: (abs) => (looked.push(abs), nodeScanFs.stat(abs)),
        };
        await secretInodes(root, fs);
        assert.deepEqual(looked.filter((abs) => !isAbsolute(abs)), []);
        assert.ok(looked.includes(join(userInfo().homedir, ".aws/credentials")), looked.join("\n"));
      } finally {
        process.env.HOME = saved;
        cleanup();
      }
    });
  }
});
