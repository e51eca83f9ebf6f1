// A home folder opened as the workspace holds browsers' and mail clients' profiles: tens of
// thousands of files (a Chrome profile's caches, a Firefox profile's storage/), every one on the
// secrets list by its folder. The lookup of a file's other names (a file with several links)
// walked into them and statted each of them again on every lookup (each read_file, search or
// watcher update of such a file). Counted by the file-system calls made, not by time.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { linkSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join, sep } from "node:path";
import { nodeScanFs, type ScanFs } from "../../../src/indexer/scan-fs.ts";
import { SecretLinks, secretInodes } from "../../../src/indexer/secret-links.ts";
import { tempDir } from "./helpers/setup.ts";

const PROFILES = [".mozilla/firefox/abc.default-release", ".config/google-chrome/Default", ".thunderbird/xyz.default", "AppData/Local/Google/Chrome/User Data/Default"];

describe("secret links: browsers' profiles in a home folder opened as the workspace", () => {
  it("are not walked, nor their files statted, on a lookup of other names", async () => {
    const { dir: root, cleanup } = tempDir();
    try {
      for (const profile of PROFILES) {
        mkdirSync(join(root, profile, "storage/default"), { recursive: true });
        for (let i = 0; i < 20; i++) writeFileSync(join(root, profile, `cache${i}`), "x");
        for (let i = 0; i < 10; i++) writeFileSync(join(root, profile, "storage/default", `idb${i}`), "x");
      }
      writeFileSync(join(root, ".env"), "TOKEN=abc\n");
      linkSync(join(root, ".env"), join(root, "notes.txt"));
      const calls: string[] = [];
      const fs: Pick<ScanFs, "readdir" | "stat"> = {
        readdir: (abs) => (calls.push(abs), nodeScanFs.readdir(abs)),
        stat: (abs) => (calls.push(abs), nodeScanFs.stat(abs)),
      };
      // Each profile's folder on the secrets list (.mozilla/firefox, .thunderbird, …): none of its calls.
      const trees = PROFILES.map((p) => join(root, p).split("/").slice(0, -1).join(sep));
      const inProfile = () => calls.filter((abs) => trees.some((tree) => abs === tree || abs.startsWith(tree + sep)));
      // The tools' lookup (read_file, search), twice: a walk, then its names reused.
      for (let i = 0; i < 2; i++) assert.equal((await secretInodes(root, fs)).get(inodeOf(join(root, "notes.txt"))), ".env");
      // The index's (a watcher's update of a file with several links), twice.
      const links = new SecretLinks(root, fs);
      for (let i = 0; i < 2; i++) assert.match((await links.skipOf("notes.txt", statSync(join(root, "notes.txt"))))?.detail ?? "", /another name \(a hard link\) of \.env/);
      assert.deepEqual(inProfile(), []);
    } finally {
      cleanup();
    }
  });

  it("a hard link to one of their key files is found by the key files' names alone: a readdir of each browser's folder, a stat of each key file", async () => {
    const { dir: root, cleanup } = tempDir();
    const saved = process.env.HOME;
    process.env.HOME = root; // the home folder is the workspace
    try {
      for (const profile of PROFILES) {
        mkdirSync(join(root, profile, "storage/default"), { recursive: true });
        for (let i = 0; i < 20; i++) writeFileSync(join(root, profile, `cache${i}`), "x");
        for (let i = 0; i < 10; i++) writeFileSync(join(root, profile, "storage/default", `idb${i}`), "x");
      }
      const keys = [".mozilla/firefox/abc.default-release/logins.json", ".config/google-chrome/Default/Cookies", ".thunderbird/xyz.default/key4.db", "AppData/Local/Google/Chrome/User Data/Default/Login Data"];
      keys.forEach((key, i) => {
        writeFileSync(join(root, key), `session${i}\n`);
        linkSync(join(root, key), join(root, `notes${i}.txt`));
      });
      const readdirs: string[] = [];
      const stats: string[] = [];
      const fs: Pick<ScanFs, "readdir" | "stat"> = {
        readdir: (abs) => (readdirs.push(abs), nodeScanFs.readdir(abs)),
        stat: (abs) => (stats.push(abs), nodeScanFs.stat(abs)),
      };
      const trees = PROFILES.map((p) => join(root, p).split("/").slice(0, -1).join(sep));
      const inProfiles = (calls: string[]) => calls.filter((abs) => trees.some((tree) => abs === tree || abs.startsWith(tree + sep)));
      // The tools' lookup, twice, then the index's, twice: each finds every link, named by its home path.
      for (let i = 0; i < 2; i++) {
        const inodes = await secretInodes(root, fs);
        keys.forEach((key, k) => assert.equal(inodes.get(inodeOf(join(root, `notes${k}.txt`))), `~/${key}`));
      }
      const links = new SecretLinks(root, fs);
      for (let i = 0; i < 2; i++) {
        for (const [k, key] of keys.entries()) {
          const detail = (await links.skipOf(`notes${k}.txt`, statSync(join(root, `notes${k}.txt`))))?.detail ?? "";
          assert.ok(detail.includes(`another name (a hard link) of ~/${key}`), detail);
        }
      }
      // Only each browser's folder of profiles is listed, never a profile (its caches, storage/) …
      assert.deepEqual(inProfiles(readdirs).filter((abs) => !trees.includes(abs)), []);
      // … and only key files are statted, by name: none of the caches, storage/, nor a profile's folder.
      assert.deepEqual(inProfiles(stats).filter((abs) => /cache\d+$|storage|default(-release)?$/.test(abs)), []);
      // 2 lookups of the tools', 2 × 4 of the index's (one per file): one readdir of each browser's folder each.
      assert.equal(inProfiles(readdirs).length, (2 + 2 * keys.length) * trees.length);
    } finally {
      process.env.HOME = saved;
      cleanup();
    }
  });
});

function inodeOf(abs: string): string {
  const info = statSync(abs);
  return `${info.dev}:${info.ino}`;
}
