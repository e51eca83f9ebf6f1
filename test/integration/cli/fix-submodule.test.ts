// `hearth fix` where the agent edits a file inside a submodule: the superproject tracks only
// the submodule's commit, so that change is told apart with a patch of its own, which applies
// in the submodule's folder as the message says. Real git, the built CLI.
import assert from "node:assert/strict";
import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { committedRepo, git } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

/** `hearth fix` on `top` with a scripted model that makes `call` and finishes; state and homes under `work`. */
function fix(work: string, top: string, call: { name: string; arguments: Record<string, string> }, issue: string, ...args: string[]): SpawnSyncReturns<string> {
  const model = join(work, "model.json");
  writeFileSync(model, JSON.stringify({ name: "scripted", turns: [{ toolCalls: [call] }, { toolCalls: [{ name: "finish", arguments: { summary: "fixed" } }] }] }));
  const env = { ...process.env, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg-state") };
  return spawnSync(process.execPath, [CLI, "fix", "--state-dir", join(work, "state"), "--yes", "--no-index", "--repo", top, issue, "--model", model, ...args], { cwd: work, encoding: "utf8", timeout: 60_000, env });
}

const EDIT_X = { name: "edit_file", arguments: { path: "vendor/lib/x.py", old_text: "A = 1", new_text: "A = 2" } };

it("says the change inside a submodule is not in the patch, and prints a patch of its own that applies in the submodule's folder", () => {
  const work = tempDir("hearth-fix-submodule-cli-");
  const lib = committedRepo(join(work, "lib"), { "x.py": "A = 1\n" });
  const [top, clone] = [committedRepo(join(work, "repo"), { README: "app\n" }, { "vendor/lib": lib }), join(work, "clone")];
  const predictions = join(work, "preds.jsonl");
  const run = fix(work, top, EDIT_X, "A should be 2", "--predictions", predictions, "--instance-id", "i-1");
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, "", "the patch at the top holds nothing of the submodule");
  // Without --out, the prediction's note points at the patch on stderr and in the trajectory.
  assert.ok(run.stderr.includes(`the prediction in ${predictions} lacks the change inside the submodule vendor/lib (its patch: above, and in the trajectory's end record, ${join(work, "state")}`), run.stderr);
  assert.match(run.stderr, /not in the patch: the change to 1 file\(s\) inside the submodule vendor\/lib \(x\.py\)/);
  assert.doesNotMatch(run.stderr, /finished without changing any file/);
  assert.match(run.stderr, /1 file\(s\) changed|0 file\(s\) changed, and 1 inside submodules/);
  const said = /\(git -C (\S+) apply\):\n([\s\S]*?)(?=^hearth fix: )/m.exec(run.stderr);
  assert.ok(said, run.stderr);
  git(work, "clone", "-q", "--recurse-submodules", top, clone);
  execFileSync("git", ["-C", said[1]!, "apply", "--index", "-"], { cwd: clone, input: said[2] });
  assert.equal(readFileSync(join(clone, "vendor/lib/x.py"), "utf8"), "A = 2\n");
});

it("with --out, a script finds the submodule's patch in the trajectory's end record, not only in the messages", () => {
  const work = tempDir("hearth-fix-submodule-out-");
  const lib = committedRepo(join(work, "lib"), { "x.py": "A = 1\n" });
  const top = committedRepo(join(work, "repo"), {}, { "vendor/lib": lib });
  const out = join(work, "fix.diff");
  const predictions = join(work, "preds.jsonl");
  const run = fix(work, top, EDIT_X, "A should be 2", "--out", out, "--predictions", predictions, "--instance-id", "i-1");
  assert.equal(run.status, 0, run.stderr);
  // --out keeps the top patch alone (scripts pipe it to git apply); the submodule's patch is a file beside it, named on stderr.
  assert.equal(readFileSync(out, "utf8"), "");
  const own = `${out}.vendor__lib.patch`;
  assert.match(readFileSync(own, "utf8"), /^\+A = 2$/m);
  assert.ok(run.stderr.includes(`the change inside the submodule vendor/lib is in ${own} (git -C vendor/lib apply ${own})`), run.stderr);
  // The prediction holds no part of it, and says so, naming where that part is.
  assert.equal((JSON.parse(readFileSync(predictions, "utf8")) as { model_patch: string }).model_patch, "");
  assert.ok(run.stderr.includes(`the prediction in ${predictions} lacks the change inside the submodule vendor/lib (its patch: ${own})`), run.stderr);
  const end = readFileSync(`${out}.trajectory.jsonl`, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { type: string; submodules?: { submodule: string; files: string[]; patch: string }[] }).find((record) => record.type === "end");
  assert.deepEqual(end?.submodules?.map(({ submodule, files }) => ({ submodule, files })), [{ submodule: "vendor/lib", files: ["x.py"] }]);
  assert.match(end?.submodules?.[0]?.patch ?? "", /^\+A = 2$/m);
});

it("a submodule that was not checked out, which the agent wrote into, is said to need checking out before its patch applies", () => {
  const work = tempDir("hearth-fix-submodule-uninit-");
  const lib = committedRepo(join(work, "lib"), { "x.py": "A = 1\n" });
  const [origin, top] = [committedRepo(join(work, "origin"), {}, { "vendor/lib": lib }), join(work, "repo")];
  // Cloned without --recurse-submodules: vendor/lib is an empty folder.
  git(work, "clone", "-q", origin, top);
  const out = join(work, "fix.diff");
  const run = fix(work, top, { name: "write_file", arguments: { path: "vendor/lib/y.py", content: "B = 2\n" } }, "B should be 2", "--out", out);
  assert.equal(run.status, 0, run.stderr);
  assert.ok(run.stderr.includes("the submodule vendor/lib was not checked out here (an empty folder)"), run.stderr);
  assert.ok(run.stderr.includes("git submodule update --init vendor/lib"), run.stderr);
  // As the message says: where the submodule is checked out, it takes the patch.
  const clone = join(work, "clone");
  git(work, "clone", "-q", "--recurse-submodules", origin, clone);
  execFileSync("git", ["-C", "vendor/lib", "apply", "--index", `${out}.vendor__lib.patch`], { cwd: clone });
  assert.equal(readFileSync(join(clone, "vendor/lib/y.py"), "utf8"), "B = 2\n");
});
