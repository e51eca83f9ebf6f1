// Export Conversation in a sparse checkout: a file outside the cone is in HEAD but not on disk,
// so the agent's write of it went into the export's diff as a new file, and `git apply` of that
// diff in a full clone refused it all ('already exists in working directory'). The export now
// takes the index's version as the file's base, as hearth fix does (fix-files.ts
// withIndexVersions); in a partial clone that never downloaded it, the file is left out of the
// diff and named. Real git, a real file:// partial clone.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { exportConversation, exportedPatch, importConversation } from "../../../src/agent/handoff.ts";
import { CheckpointStore } from "../../../src/tools/index.ts";
import { sparseClone as sparseCloneOf } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, encoding: "utf8", stdio: "pipe" });
}

/** An origin with app/ and lib/, and a sparse clone of it holding app/ only (`partial`: --filter=blob:none). */
function sparseClone(prefix: string, partial: boolean): { dir: string; origin: string; repo: string } {
  const dir = tempDir(prefix);
  const files = { "app/main.py": "from lib.calc import add\nprint(add(2, 3))\n", "lib/calc.py": "def add(a, b):\n    return a - b\n" };
  return { dir, ...sparseCloneOf(dir, files, { cone: "app", partial }) };
}

/** The conversation's start checkpoint, then the agent's writes: lib/calc.py (outside the cone) and app/main.py. */
async function agentWrites(dir: string, repo: string): Promise<{ store: CheckpointStore; start: string }> {
  const store = await CheckpointStore.open({ workspaceRoot: repo, storageDir: join(dir, "state") });
  const start = (await store.create("start")).id;
  mkdirSync(join(repo, "lib"), { recursive: true });
  writeFileSync(join(repo, "lib/calc.py"), "def add(a, b):\n    return a + b\n");
  writeFileSync(join(repo, "app/main.py"), "from lib.calc import add\nprint(add(2, 3))  # 5\n");
  await store.create("after write_file");
  return { store, start };
}

function appliedInFullClone(dir: string, origin: string, patch: string): string {
  const full = join(dir, "full");
  git(dir, "clone", "-q", origin, full);
  execFileSync("git", ["apply", "-"], { cwd: full, input: patch });
  return full;
}

it("an export in a sparse checkout holds the agent's write outside the cone as a change to HEAD's version, which applies to a full clone", async () => {
  const { dir, origin, repo } = sparseClone("hearth-export-sparse-", false);
  const { store, start } = await agentWrites(dir, repo);
  const made = await exportedPatch(store, start, undefined, repo);
  assert.ok("patch" in made, JSON.stringify(made));
  assert.doesNotMatch(made.patch, /^new file mode/m);
  assert.equal(made.filesLeftOut, undefined);
  const full = appliedInFullClone(dir, origin, made.patch);
  assert.equal(readFileSync(join(full, "lib/calc.py"), "utf8"), "def add(a, b):\n    return a + b\n");
  assert.equal(readFileSync(join(full, "app/main.py"), "utf8"), "from lib.calc import add\nprint(add(2, 3))  # 5\n");
});

it("an export in a partial clone leaves out, and names, the agent's write of a file outside the cone whose committed version was never fetched; the rest applies to a full clone", async () => {
  const { dir, origin, repo } = sparseClone("hearth-export-partial-", true);
  assert.match(git(repo, "rev-list", "--objects", "--missing=print", "HEAD"), /^\?[0-9a-f]{40}$/m);
  const { store, start } = await agentWrites(dir, repo);
  const made = await exportedPatch(store, start, undefined, repo);
  assert.ok("patch" in made, JSON.stringify(made));
  assert.doesNotMatch(made.patch, /lib\/calc\.py/);
  assert.match(made.patch, /^\+print\(add\(2, 3\)\)  # 5$/m);
  assert.equal(made.filesLeftOut, "Not in the diff: the agent's write of 1 file(s) outside the sparse checkout whose committed version git could not read here (a partial clone that has not downloaded it: Hearth's git fetches nothing), so the patch could only add them as new files, which git apply refuses where the repository has them (the agent's version is on disk; git sparse-checkout add FOLDER, or any git command that reads the file, downloads it, and the conversation can be exported again): lib/calc.py");
  const markdown = exportConversation([{ role: "user", content: "fix add" }, { role: "assistant", content: "Fixed." }], { title: "Fix", exportedAt: "2026-12-07T00:00:00.000Z", patch: made.patch, patchLeftOut: made.filesLeftOut });
  assert.match(markdown, /\n_Not in the diff: the agent's write of 1 file\(s\) outside the sparse checkout .*: lib\/calc\.py_\n$/);
  const imported = importConversation(markdown);
  assert.equal(imported.patch, made.patch);
  assert.deepEqual(imported.edited, []);
  const full = appliedInFullClone(dir, origin, imported.patch);
  assert.equal(readFileSync(join(full, "app/main.py"), "utf8"), "from lib.calc import add\nprint(add(2, 3))  # 5\n");
  // The agent's version stays on disk.
  assert.equal(readFileSync(join(repo, "lib/calc.py"), "utf8"), "def add(a, b):\n    return a + b\n");
});
