// Files and folders this user may not read (mode 000, a folder that can be listed but not
// entered): list_files and search must say they left them out, or the model takes "No
// matches" for "not in the code". Permissions do not bind root, so the tools run as nobody.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { type TestContext, describe, it } from "node:test";

const checkout = resolve(import.meta.dirname, "../../..");

/** A folder under /tmp that nobody may enter (the test runner's own temp folder is root's), removed after the test. */
function sharedFolder(t: TestContext): string | undefined {
  if (process.getuid?.() !== 0) return void t.skip("needs root to run the tools as another user");
  if (spawnSync("runuser", ["-u", "nobody", "--", "test", "-r", join(checkout, "src/tools/index.ts")]).status !== 0) return void t.skip("user nobody cannot read this checkout");
  const shared = mkdtempSync("/tmp/hearth-shared-");
  t.after(() => {
    spawnSync("chmod", ["-R", "u+rwx", shared]);
    rmSync(shared, { recursive: true, force: true });
  });
  chmodSync(shared, 0o755);
  mkdirSync(join(shared, "tmp")); // tsx's cache
  chmodSync(join(shared, "tmp"), 0o777);
  return shared;
}

/** Runs `code` (an ES module importing src/tools/index.ts as `tools`) as nobody with the workspace folder as argv[2]; its stdout. */
function asNobody(shared: string, root: string, code: string): string {
  const script = join(shared, "script.mts");
  writeFileSync(script, `import * as tools from ${JSON.stringify(join(checkout, "src/tools/index.ts"))};\n${code}`);
  const run = spawnSync("runuser", ["-u", "nobody", "--", process.execPath, "--import", "tsx", script, root], { cwd: checkout, encoding: "utf8", env: { ...process.env, TMPDIR: join(shared, "tmp") } });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  return run.stdout;
}

interface RestoreOutcome { restored?: string[]; notRestored?: { path: string; reason: string }[]; unreadable?: string[]; error?: string }

/**
 * As nobody, in a project of `files` (nobody's, under `shared`): a checkpoint, then `change` (a
 * command's doing, statements over `root` with chmodSync and writeFileSync in scope), a checkpoint,
 * and a restore of the first. Its outcome, with what the second checkpoint named as unreadable.
 */
function restoreAsNobody(shared: string, files: Record<string, string>, change: string): { root: string; outcome: RestoreOutcome } {
  const root = join(shared, "project");
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  spawnSync("chown", ["-R", "nobody", root]);
  const storage = join(shared, "storage");
  mkdirSync(storage);
  spawnSync("chown", ["nobody", storage]);
  const out = asNobody(shared, root, `import { chmodSync, writeFileSync } from "node:fs";
const root = process.argv[2];
const checkpoints = await tools.CheckpointStore.open({ workspaceRoot: root, storageDir: ${JSON.stringify(storage)} });
const workspace = new tools.DiskWorkspace(root);
const start = await checkpoints.create("start");
${change}
const after = await checkpoints.create("after run_command");
const { restoreCheckpoint } = await import(${JSON.stringify(join(checkout, "src/agent/checkpoint-restore.ts"))});
const outcome = await restoreCheckpoint({ checkpoints, checkpoint: start.id, disk: workspace, target: workspace }).catch((error) => ({ error: String(error) }));
console.log(JSON.stringify({ ...outcome, unreadable: after.unreadable }));
`);
  return { root, outcome: JSON.parse(out) as RestoreOutcome };
}

describe("list_files and search over files this user may not read", () => {
  it("name the files and folders they could not read instead of leaving them out silently", (t) => {
    const shared = sharedFolder(t);
    if (!shared) return;
    const root = join(shared, "project");
    for (const dir of ["ok", "locked", "noexec"]) mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, "ok/w.ts"), "export const w = 'needle';\n");
    writeFileSync(join(root, "locked/x.ts"), "export const x = 'needle';\n");
    writeFileSync(join(root, "noexec/y.ts"), "export const y = 'needle';\n");
    writeFileSync(join(root, "m000.ts"), "export const z = 'needle';\n");
    chmodSync(root, 0o755);
    chmodSync(join(root, "ok"), 0o755);
    chmodSync(join(root, "locked"), 0o000);
    chmodSync(join(root, "noexec"), 0o644); // its names can be read, its files not reached
    chmodSync(join(root, "m000.ts"), 0o000);
    const out = asNobody(shared, root, `const ctx = { workspace: new tools.DiskWorkspace(process.argv[2]), signal: new AbortController().signal, reads: new Map() };
const list = await tools.runTool(tools.toolByName("list_files"), {}, ctx);
const search = await tools.runTool(tools.toolByName("search"), { pattern: "needle" }, ctx);
console.log(JSON.stringify({ list: list.text, search: search.text }));
`);
    const { list, search } = JSON.parse(out) as { list: string; search: string };
    assert.equal(list, "m000.ts\nok/w.ts\n[Not listed: 2 files or folders that could not be read: locked/, noexec/y.ts. This user may not enter or read them, so what they hold is not listed; ask the user for access if they matter.]");
    assert.equal(search, "ok/w.ts:1: export const w = 'needle';\n[Not searched: 3 files or folders that could not be read: locked/, m000.ts, noexec/y.ts. This user may not read them (or their read failed), so matches in them are not shown; ask the user for access if they matter.]");
  });
});

describe("checkpoints in a workspace holding a file this user may not read", () => {
  // A container that ran as root leaves such files in a mounted checkout (a 0600 log, a cache):
  // git add refused the whole tree for one of them, so every write the agent made failed.
  it("snapshot the rest, name the file as left out, and restore around it", (t) => {
    const shared = sharedFolder(t);
    if (!shared) return;
    const root = join(shared, "project");
    mkdirSync(root);
    writeFileSync(join(root, "a.py"), "a = 1\n");
    writeFileSync(join(root, "root.log"), "root's\n");
    spawnSync("chown", ["-R", "nobody", root]);
    spawnSync("chown", ["root", join(root, "root.log")]);
    chmodSync(join(root, "root.log"), 0o600);
    const storage = join(shared, "storage");
    mkdirSync(storage);
    spawnSync("chown", ["nobody", storage]);
    const out = asNobody(shared, root, `import { writeFileSync } from "node:fs";
const store = await tools.CheckpointStore.open({ workspaceRoot: process.argv[2], storageDir: ${JSON.stringify(storage)} });
const start = await store.create("start");
writeFileSync(process.argv[2] + "/a.py", "a = 2\\n");
const step = await store.create("after write_file a.py", ["a.py"]);
const changed = await store.changedFiles(start.id);
await store.restore(start.id);
console.log(JSON.stringify({ start: start.unreadable, step: step.unreadable, changed }));
`);
    assert.deepEqual(JSON.parse(out), { start: ["root.log"], step: ["root.log"], changed: ["a.py"] });
    assert.equal(readFileSync(join(root, "a.py"), "utf8"), "a = 1\n");
    assert.equal(readFileSync(join(root, "root.log"), "utf8"), "root's\n");
  });

  it("list_files looks at thousands of files it cannot reach a few at a time, not all at once", (t) => {
    const shared = sharedFolder(t);
    if (!shared) return;
    const root = join(shared, "project");
    mkdirSync(join(root, "locked"), { recursive: true });
    for (let i = 0; i < 600; i++) writeFileSync(join(root, "locked", `f${i}.ts`), "export const x = 1;\n");
    chmodSync(root, 0o755);
    chmodSync(join(root, "locked"), 0o644); // its names can be read, its files not reached
    // Counts the stats of the denied files under way at once.
    const out = asNobody(shared, root, `import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
const stat = fs.promises.stat;
let now = 0, most = 0;
fs.promises.stat = (async (...args) => {
  const denied = String(args[0]).includes("/locked/");
  if (denied) most = Math.max(most, ++now);
  try { return await stat(...args); } finally { if (denied) now--; }
});
syncBuiltinESMExports();
const ctx = { workspace: new tools.DiskWorkspace(process.argv[2]), signal: new AbortController().signal, reads: new Map() };
const list = await tools.runTool(tools.toolByName("list_files"), {}, ctx);
console.log(JSON.stringify({ list: list.text, most }));
`);
    const { list, most } = JSON.parse(out) as { list: string; most: number };
    assert.match(list, /^No files match\.\n\[Not listed: 600 files or folders that could not be read: locked\/f0\.ts, /, list);
    assert.ok(most <= 64, `${most} stats at once`);
  });

  it("a restore says it could not put back a file a command changed and made unreadable (echo x > f; chmod 000 f)", (t) => {
    // echo x > f.txt; chmod 000 f.txt by a command after the checkpoint that held f.txt: the
    // later checkpoint cannot read it, so it holds it as the base did, and a restore took it for unchanged.
    const shared = sharedFolder(t);
    if (!shared) return;
    const { root, outcome } = restoreAsNobody(shared, { "f.txt": "one\n" }, `writeFileSync(root + "/f.txt", "x\\n");
chmodSync(root + "/f.txt", 0o000);`);
    spawnSync("chmod", ["644", join(root, "f.txt")]);
    // Hearth may not write it either (mode 000): it is left as the command made it, and said so.
    assert.equal(readFileSync(join(root, "f.txt"), "utf8"), "x\n");
    assert.deepEqual(outcome.restored, [], JSON.stringify(outcome));
    assert.deepEqual(outcome.notRestored?.map((n) => n.path), ["f.txt"], JSON.stringify(outcome));
    assert.match(outcome.notRestored![0]!.reason, /^this user may not read it now .* so Hearth can neither tell whether it changed since the checkpoint nor put it back; make it readable/);
  });
});

describe("a restore over a folder a command made unreadable", () => {
  it("says it could not put back a file in it that the checkpoint held (echo x > dir/f.txt; chmod 000 dir)", (t) => {
    // The folder cannot be entered, so its file cannot even be lstat'ed: a later checkpoint
    // kept the base's copy and the diff took the file for unchanged, as for a file made unreadable.
    const shared = sharedFolder(t);
    if (!shared) return;
    const { root, outcome } = restoreAsNobody(shared, { "dir/f.txt": "one\n" }, `writeFileSync(root + "/dir/f.txt", "x\\n");
chmodSync(root + "/dir", 0o000);`);
    spawnSync("chmod", ["755", join(root, "dir")]);
    assert.equal(readFileSync(join(root, "dir/f.txt"), "utf8"), "x\n");
    assert.deepEqual(outcome.unreadable, ["dir/f.txt"], JSON.stringify(outcome));
    assert.deepEqual(outcome.restored, [], JSON.stringify(outcome));
    assert.deepEqual(outcome.notRestored?.map((n) => n.path), ["dir/f.txt"], JSON.stringify(outcome));
    assert.match(outcome.notRestored![0]!.reason, /^this user may not read it now/);
  });
});
