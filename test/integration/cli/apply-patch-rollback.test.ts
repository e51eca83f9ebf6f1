// What the built CLI (out/cli.mjs) leaves when `hearth apply-patch` fails halfway through
// writing: a patch of three files whose last one lands in a folder this user may not write.
// The changes made before it are undone, and undone whole: a deleted or moved script is
// back executable, a moved link is back a link. As root, which writes any folder, the CLI
// runs as `nobody` (65534), the tree given to it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it, type TestContext } from "node:test";

const CLI = resolve(import.meta.dirname, "../../../out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

const SCRIPT = "#!/bin/sh\necho hi\n";
const MODIFY_A = "diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n 1\n-2\n+two\n 3\n";
const CREATE_IN_LOCKED = "diff --git a/locked/new.txt b/locked/new.txt\nnew file mode 100644\n--- /dev/null\n+++ b/locked/new.txt\n@@ -0,0 +1 @@\n+new\n";

/** A tree with a script (0755), text files, a link to one and a folder no one may write. */
function tree(t: TestContext): string {
  // nobody must reach the tree: the test runner's own temp folder is its user's alone.
  const base = mkdtempSync(join(asRoot ? "/tmp" : tmpdir(), "hearth-cli-rollback-"));
  t.after(() => {
    chmodSync(join(base, "repo/locked"), 0o755);
    rmSync(base, { recursive: true, force: true });
  });
  const dir = join(base, "repo");
  mkdirSync(join(dir, "locked"), { recursive: true });
  writeFileSync(join(dir, "tool.sh"), SCRIPT, { mode: 0o755 });
  chmodSync(join(dir, "tool.sh"), 0o755);
  writeFileSync(join(dir, "a.txt"), "1\n2\n3\n");
  writeFileSync(join(dir, "locked/keep.txt"), "keep\n");
  writeFileSync(join(dir, "b.txt"), "b\n");
  symlinkSync("b.txt", join(dir, "link.txt"));
  if (asRoot) for (const path of [base, dir, join(dir, "locked"), join(dir, "locked/keep.txt"), join(dir, "tool.sh"), join(dir, "a.txt"), join(dir, "b.txt"), join(dir, "link.txt")]) chownSync(path, NOBODY, NOBODY);
  chmodSync(join(dir, "locked"), 0o555);
  return dir;
}

function applyPatch(dir: string, patch: string) {
  return spawnSync(process.execPath, [CLI, "apply-patch", "--repo", dir], {
    cwd: dir, input: patch, encoding: "utf8", timeout: 120_000, ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
}

function assertRefusedAndUntouched(dir: string, run: ReturnType<typeof applyPatch>): void {
  assert.equal(run.status, 1, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stderr, /"locked\/new\.txt" cannot be written: permission denied/);
  assert.equal(readFileSync(join(dir, "a.txt"), "utf8"), "1\n2\n3\n");
  assert.deepEqual(readdirSync(dir).sort(), ["a.txt", "b.txt", "link.txt", "locked", "tool.sh"]);
  assert.deepEqual(readdirSync(join(dir, "locked")), ["keep.txt"]);
  assert.equal(readFileSync(join(dir, "tool.sh"), "utf8"), SCRIPT);
  assert.equal(statSync(join(dir, "tool.sh")).mode & 0o777, 0o755, "tool.sh is still executable");
}

/**
 * As root the CLI runs as nobody, who must be able to reach the built CLI: a checkout under a
 * folder only root may enter (mktemp -d's 0700) cannot be run so, and the test says why it skips.
 */
const unreachable =
  asRoot && spawnSync(process.execPath, ["-e", "require('node:fs').accessSync(process.argv[1])", CLI], { uid: NOBODY, gid: NOBODY }).status !== 0
    ? `nobody (${NOBODY}) cannot reach ${CLI}: a folder above it is closed to other users`
    : false;

describe("hearth apply-patch: a write refused halfway is undone whole", { skip: unreachable }, () => {
  it("a deleted script comes back executable", (t) => {
    const dir = tree(t);
    const deleteScript = "diff --git a/tool.sh b/tool.sh\ndeleted file mode 100755\n--- a/tool.sh\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-#!/bin/sh\n-echo hi\n";
    assertRefusedAndUntouched(dir, applyPatch(dir, deleteScript + MODIFY_A + CREATE_IN_LOCKED));
  });

  it("a moved script goes back executable, a moved link goes back a link", (t) => {
    const dir = tree(t);
    const moves = "diff --git a/tool.sh b/bin/tool.sh\nsimilarity index 100%\nrename from tool.sh\nrename to bin/tool.sh\n" +
      "diff --git a/link.txt b/moved.txt\nsimilarity index 100%\nrename from link.txt\nrename to moved.txt\n";
    assertRefusedAndUntouched(dir, applyPatch(dir, moves + MODIFY_A + CREATE_IN_LOCKED));
    assert.equal(lstatSync(join(dir, "link.txt")).isSymbolicLink(), true, "link.txt is still a link");
    assert.equal(readlinkSync(join(dir, "link.txt")), "b.txt");
  });
});
