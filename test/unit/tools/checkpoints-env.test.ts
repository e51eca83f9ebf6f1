// npm exports EDITOR (and users have PAGER, GIT_* …) into every script's environment;
// checkpoints must work under `npm test` and in an extension host alike.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { CheckpointStore } from "../../../src/tools/index.ts";
import { userGitHome } from "../../fixtures/user-git-home.ts";

it("checkpoints work with EDITOR, VISUAL, PAGER and GIT_* variables set", async () => {
  const saved = { ...process.env };
  const root = mkdtempSync(join(tmpdir(), "hearth-cp-env-"));
  const storageDir = mkdtempSync(join(tmpdir(), "hearth-cp-store-"));
  Object.assign(process.env, { EDITOR: "vi", VISUAL: "vi", PAGER: "less", GIT_PAGER: "cat", GIT_EDITOR: "vi" });
  try {
    writeFileSync(join(root, "a.txt"), "one\n");
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir });
    const first = await store.create("first");
    writeFileSync(join(root, "a.txt"), "two\n");
    assert.match(await store.diff(first.id), /^-one$\n^\+two$/m);
  } finally {
    for (const key of ["EDITOR", "VISUAL", "PAGER", "GIT_PAGER", "GIT_EDITOR"]) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    for (const dir of [root, storageDir]) rmSync(dir, { recursive: true, force: true });
  }
});

it("diffs are patches git apply takes whatever the user's own git config says about diff output", async (t) => {
  const { dir, configure } = userGitHome(t, "hearth-cp-home-");
  const [root, copy] = ["work", "copy"].map((name) => join(dir, name)) as [string, string];
  for (const folder of [root, copy]) mkdirSync(folder);
  // Settings people use for their terminal: paths without a/ b/ (click to open), no context.
  configure("[diff]\n\tnoprefix = true\n\tmnemonicPrefix = true\n\tcontext = 0\n");
  const lines = "1\n2\n3\n4\n5\n6\n7\n";
  for (const folder of [root, copy]) writeFileSync(join(folder, "a.txt"), lines);
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  const first = await store.create("first");
  writeFileSync(join(root, "a.txt"), lines.replace("4\n", "four\n"));
  const patch = await store.diff(first.id);
  assert.match(patch, /^--- a\/a\.txt\n\+\+\+ b\/a\.txt\n@@ -1,7 \+1,7 @@\n 1\n/m);
  execFileSync("git", ["apply", "-"], { cwd: copy, input: patch });
  assert.equal(readFileSync(join(copy, "a.txt"), "utf8"), readFileSync(join(root, "a.txt"), "utf8"));
});

it("labels and paths read back as written whatever encoding the user's git config names for commits and logs (i18n.*Encoding)", async (t) => {
  const { dir, configure } = userGitHome(t, "hearth-cp-encoding-");
  const root = join(dir, "work");
  mkdirSync(root);
  writeFileSync(join(root, "café.py"), "a = 1\n");
  const config = (text: string) => configure(`[i18n]\n${text}`);
  // The user's settings for a Latin-1 terminal, changed between checkpoints and reads.
  config("\tcommitEncoding = latin1\n");
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  const first = await store.create("before: ändere café.py");
  config("\tlogOutputEncoding = latin1\n");
  writeFileSync(join(root, "café.py"), "a = 2\n");
  const second = await store.create("after: ändere café.py", ["café.py"]);
  for (const text of ["\tlogOutputEncoding = latin1\n", "", "\tcommitEncoding = latin1\n"]) {
    config(text);
    assert.deepEqual((await store.list()).map((c) => c.label), ["after: ändere café.py", "before: ändere café.py"], text);
  }
  assert.deepEqual(await store.changedFiles(first.id, second.id), ["café.py"]);
});

it("a file the agent moved and then edited stays the agent's where the user's git config has git log follow renames (log.follow)", async (t) => {
  const { dir, configure } = userGitHome(t, "hearth-cp-follow-");
  const root = join(dir, "work");
  mkdirSync(root);
  configure("[log]\n\tfollow = true\n");
  const body = Array.from({ length: 20 }, (_, i) => `line ${i} of the module\n`).join("");
  writeFileSync(join(root, "a.py"), body);
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  await store.create("before: move a.py to b.py");
  rmSync(join(root, "a.py"));
  writeFileSync(join(root, "b.py"), body);
  await store.create("after the move", ["a.py", "b.py"]);
  writeFileSync(join(root, "b.py"), `${body}added by the agent\n`);
  await store.create("after the edit", ["b.py"]);
  // Its content is Hearth's: a whole restore takes it back rather than keeping it as the user's edit.
  assert.deepEqual(await store.unrecorded(["b.py"]), []);
  writeFileSync(join(root, "b.py"), `${body}the user's line\n`);
  assert.deepEqual(await store.unrecorded(["b.py"]), ["b.py"]);
});

it("a checkpoint diff has its hunks apart and its blank context lines as \" \" whatever the user's git config says (diff.interHunkContext, diff.suppressBlankEmpty)", async (t) => {
  const { dir, configure } = userGitHome(t, "hearth-cp-hunks-");
  const root = join(dir, "work");
  mkdirSync(root);
  configure("[diff]\n\tinterHunkContext = 20\n\tsuppressBlankEmpty = true\n");
  // Lines 0 to 29, every fifth one blank.
  const body = Array.from({ length: 30 }, (_, i) => (i % 5 === 2 ? "\n" : `line ${i}\n`)).join("");
  writeFileSync(join(root, "a.py"), body);
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
  const first = await store.create("first");
  writeFileSync(join(root, "a.py"), body.replace("line 4\n", "LINE 4\n").replace("line 20\n", "LINE 20\n"));
  for (const patch of [await store.diff(first.id), await store.diff(first.id, undefined, [], { patch: true })]) {
    // Two changes 16 lines apart are two hunks of 3 lines of context, as git_diff shows them.
    assert.deepEqual(patch.match(/^@@ .* @@/gm), ["@@ -2,7 +2,7 @@", "@@ -18,7 +18,7 @@"], patch);
    // A blank context line is " ", as every patch reader expects, not an empty line.
    assert.match(patch, /^ line 1\n \n line 3\n-line 4\n\+LINE 4\n/m, patch);
  }
});

it("git not on the PATH: open fails with the reason, and no promise is left rejected unhandled (hearth fix died of it with a stack trace)", async () => {
  const saved = { ...process.env };
  const dir = mkdtempSync(join(tmpdir(), "hearth-cp-nogit-"));
  const [root, bin] = [join(dir, "work"), join(dir, "bin")];
  for (const folder of [root, bin]) mkdirSync(folder);
  writeFileSync(join(root, "a.txt"), "one\n");
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", record);
  process.env.PATH = bin;
  try {
    await assert.rejects(CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") }), /git could not be run \(spawn git ENOENT\); checkpoints need git on the PATH/);
    // Rejections are reported after the microtasks of the turn they happened in.
    await new Promise((done) => setImmediate(done));
    assert.deepEqual(unhandled.map(String), []);
  } finally {
    process.off("unhandledRejection", record);
    Object.assign(process.env, saved);
    rmSync(dir, { recursive: true, force: true });
  }
});
