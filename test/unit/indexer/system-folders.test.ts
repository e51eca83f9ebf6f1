// The root folder opened as the workspace ("/"): the kernel's folders are no project's files.
// /proc's files are every process's state — /proc/<pid>/environ holds its environment, tokens
// and keys included, and reading /proc/kmsg waits for the kernel's next message — and /sys's
// and /dev's are devices and settings. The scan does not enter them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_LIMITS } from "../../../src/indexer/index.ts";
import { isPathExcluded, scanRepository } from "../../../src/indexer/scan.ts";

const LINUX = process.platform === "linux" && existsSync("/proc/self/environ");

describe("scan: the kernel's folders, with / opened", () => {
  it("does not enter /proc, /sys, /dev or /run, and says they were left out", { skip: !LINUX && "needs Linux's /proc" }, async () => {
    for (const folder of ["proc", "sys", "dev", "run"]) {
      const scan = await scanRepository("/", { ...DEFAULT_LIMITS, useGitignore: true, maxFiles: 50, from: folder });
      assert.deepEqual(scan.files.map((f) => f.path), [], folder);
      const skip = scan.skipped.find((s) => s.path === folder);
      assert.equal(skip?.reason, "excluded-dir", folder);
      assert.match(skip?.detail ?? "", /the kernel's/, folder);
    }
  });

  it("leaves out a watcher's update or the unsaved text of a file in them too, as the scan does", { skip: !LINUX && "needs Linux's /proc" }, async () => {
    // A file there (a process's environment, a device), one that does not exist (a container's /run/secrets/token), and one reached by a link (/proc/self).
    for (const path of ["proc/self/environ", "proc/1/status", "dev/null", "run/secrets/token", "sys/kernel/nosuchsetting", "proc"]) {
      for (const useGitignore of [true, false]) {
        assert.equal(await isPathExcluded("/", path, { excludeDirs: DEFAULT_LIMITS.excludeDirs, useGitignore }), true, `${path} ${useGitignore}`);
      }
    }
    // Not a folder that only starts with one's name.
    assert.equal(await isPathExcluded("/", "procedures/notes.md", { excludeDirs: DEFAULT_LIMITS.excludeDirs, useGitignore: false }), false);
  });

  it("does not follow a link into them either (/etc/mtab -> /proc/self/mounts, /var/lock -> /run/lock)", { skip: !LINUX && "needs Linux's /proc" }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-kernel-links-"));
    try {
      writeFileSync(join(dir, "a.py"), "def a():\n    return 1\n");
      symlinkSync("/proc/self/environ", join(dir, "env"));
      symlinkSync("/proc/self", join(dir, "me"));
      const from = dir.slice(1);
      const scan = await scanRepository("/", { ...DEFAULT_LIMITS, useGitignore: true, maxFiles: 50, from });
      assert.deepEqual(scan.files.map((f) => f.path), [`${from}/a.py`]);
      for (const name of ["env", "me"]) {
        const skip = scan.skipped.find((s) => s.path === `${from}/${name}`);
        assert.equal(skip?.reason, "excluded-dir", name);
        assert.match(skip?.detail ?? "", /the kernel's/, name);
        assert.equal(await isPathExcluded("/", `${from}/${name}`, { excludeDirs: DEFAULT_LIMITS.excludeDirs, useGitignore: true }), true, name);
      }
      // Started below such a link, too.
      const below = await scanRepository("/", { ...DEFAULT_LIMITS, useGitignore: true, maxFiles: 50, from: `${from}/me` });
      assert.deepEqual(below.files.map((f) => f.path), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a workspace that is itself below one (a build in /dev/shm, a drive mounted at /run/media/<user>/…) still takes its updates", { skip: !existsSync("/dev/shm") && "needs /dev/shm" }, async () => {
    const root = mkdtempSync("/dev/shm/hearth-kernel-");
    try {
      writeFileSync(join(root, "a.py"), "def a():\n    return 1\n");
      assert.equal(await isPathExcluded(root, "a.py", { excludeDirs: DEFAULT_LIMITS.excludeDirs, useGitignore: true }), false);
      assert.equal(await isPathExcluded(root, "new/b.py", { excludeDirs: DEFAULT_LIMITS.excludeDirs, useGitignore: false }), false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
