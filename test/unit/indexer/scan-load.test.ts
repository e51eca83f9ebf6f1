import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isPathExcluded, scanRepository } from "../../../src/indexer/scan.ts";
import { DEFAULT_LIMITS } from "../../../src/indexer/index.ts";
import { tempDir } from "./helpers/setup.ts";

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, encoding: "utf8" });
}

describe("a git worktree opened as the workspace", () => {
  it("applies the main repository's info/exclude, as git does (.git file → gitdir → commondir)", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const main = join(dir, "main");
      mkdirSync(main);
      git(main, "init", "-q");
      writeFileSync(join(main, "a.ts"), "export const A = 1;\n");
      git(main, "add", "a.ts");
      git(main, "commit", "-qm", "a");
      writeFileSync(join(main, ".git/info/exclude"), "scratch/\n*.local.ts\n");
      git(main, "worktree", "add", "-q", join(dir, "feature"));
      const wt = join(dir, "feature");
      mkdirSync(join(wt, "scratch"));
      writeFileSync(join(wt, "scratch/notes.ts"), "export const N = 1;\n");
      writeFileSync(join(wt, "b.local.ts"), "export const B = 1;\n");
      // What git itself leaves out there.
      assert.equal(git(wt, "status", "--porcelain", "--untracked-files=all"), "");

      const scan = await scanRepository(wt, DEFAULT_LIMITS);
      assert.deepEqual(scan.files.map((f) => f.path), ["a.ts"]);
      assert.deepEqual(scan.skipped.map((s) => `${s.path} ${s.reason}`), [".git excluded-dir", "b.local.ts ignored", "scratch ignored"]);
      assert.equal(await isPathExcluded(wt, "scratch/notes.ts", DEFAULT_LIMITS), true);
      assert.equal(await isPathExcluded(wt, "b.local.ts", DEFAULT_LIMITS), true);
      assert.equal(await isPathExcluded(wt, "a.ts", DEFAULT_LIMITS), false);
    } finally {
      cleanup();
    }
  });
});
