// `hearth fix` from the built CLI (out/cli.mjs) whose --out and --predictions lie on a disk
// that is full (a real tmpfs filled to its last page): the patch file must not be left empty
// or cut short, and the predictions file must not keep half a line that the next run's line
// would be glued to. Skipped where a tmpfs cannot be mounted (not root).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { calcCheckout } from "../../fixtures/calc-checkout.ts";
import { committedRepo, git } from "../../fixtures/git-repos.ts";
import { fillDisk, smallDisk } from "../../fixtures/small-disk.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

/** 120 lines that make a patch some 10 KB: larger than the page a full tmpfs still has room for in a file. */
const COMMENTS = Array.from({ length: 120 }, (_, i) => `# comment line ${i} ${"x".repeat(60)}`).join("\n");

/** A committed python-calc checkout (`work/repo`) and a model (`work/model.json`) whose fix of `add` has a 10 KB patch. */
function bigFixCheckout(): { work: string; repo: string; model: string } {
  const checkout = calcCheckout("hearth-fix-fulldisk-", [
    { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "    return a - b", new_text: `    return a + b\n${COMMENTS}` } }] },
    { toolCalls: [{ name: "finish", arguments: { summary: "Fixed add()." } }] },
  ]);
  git(checkout.repo, "init", "-q");
  git(checkout.repo, "add", ".");
  git(checkout.repo, "commit", "-qm", "start");
  return checkout;
}

/** `hearth fix --yes --no-index <args>` from the built CLI in `work`, with a Hearth home and state of its own there. */
function hearthFix(work: string, args: readonly string[]) {
  return spawnSync(process.execPath, [CLI, "fix", "--yes", "--no-index", ...args], {
    cwd: work, encoding: "utf8", timeout: 120_000, env: { ...process.env, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg-state") },
  });
}

it("--out and --predictions on a full disk: no empty or cut patch file, no half line in the predictions, exit 1", { timeout: 120_000 }, (t) => {
  const { work, repo, model } = bigFixCheckout();
  const disk = smallDisk(t, { size: "12k", at: join(work, "disk") });
  if (!disk) return;
  const earlier = `${JSON.stringify({ instance_id: "earlier", model_name_or_path: "m", model_patch: "x" })}\n`;
  const predictions = join(disk, "preds.jsonl");
  writeFileSync(predictions, earlier);
  // The rest of the disk: the predictions' first page has room left, no page is free.
  fillDisk(disk);
  const out = join(disk, "fix.diff");
  const run = hearthFix(work, ["--state-dir", join(work, "state"), "--repo", repo, "--issue", "add(2, 3) returns -1", "--model", model,
    "--out", out, "--trajectory", join(work, "trajectory.jsonl"), "--predictions", predictions, "--instance-id", "calc-1"]);
  assert.equal(run.status, 1, run.stderr);
  // The patch is whole on stdout, and no file at --out holds less.
  assert.match(run.stdout, /\+# comment line 119 x+\n/);
  assert.equal(existsSync(out), false, `an unusable patch file is left: ${existsSync(out) ? readFileSync(out).length : 0} bytes`);
  assert.match(run.stderr, new RegExp(`could not write the patch to ${out} \\(the disk holding ${disk} is full: [^,]+ free, [^)]+ needed\\): it is on stdout instead; nothing is left at ${out}`));
  // The predictions file is as it was: the next run's line starts a line of its own.
  assert.equal(readFileSync(predictions, "utf8"), earlier);
  assert.match(run.stderr, new RegExp(`could not add the prediction to ${predictions} \\(the disk holding ${disk} is full: [^,]+ free, [^)]+ needed\\): the file is left as it was`));
});

it("a trajectory whose disk fills during the run: the fix goes on and its patch is written, the trajectory keeps whole lines and the run says it was cut", { timeout: 120_000 }, (t) => {
  const { work, repo, model } = bigFixCheckout();
  const disk = smallDisk(t, { size: "12k", at: join(work, "disk") });
  if (!disk) return;
  // One page left: the start record fits, the edit's record (its 10 KB of arguments) does not.
  writeFileSync(join(disk, "filler"), Buffer.alloc(8192));
  const trajectory = join(disk, "trajectory.jsonl");
  const out = join(work, "fix.diff");
  const run = hearthFix(work, ["--state-dir", join(work, "state"), "--repo", repo, "--issue", "add(2, 3) returns -1", "--model", model, "--out", out, "--trajectory", trajectory]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(readFileSync(out, "utf8"), /\+# comment line 119 x+\n/);
  assert.match(run.stderr, new RegExp(`could not add to the trajectory ${trajectory} \\(the disk holding ${disk} is full: [^,]+ free, [^)]+ needed\\): the run goes on without it; what it holds is whole up to the failed record`));
  assert.match(run.stderr, new RegExp(`trajectory: ${trajectory} \\(cut short: the disk holding ${disk} is full`));
  const lines = readFileSync(trajectory, "utf8").split("\n");
  assert.equal(lines.pop(), "");
  assert.equal(JSON.parse(lines[0]!).type, "start");
  for (const line of lines) JSON.parse(line);
});

it("a state folder on a full disk: the checkpoints cannot be stored, said as such (not 'the model failed'), exit 1, the checkout as it was", { timeout: 120_000 }, (t) => {
  const { work, repo, model } = bigFixCheckout();
  // Room for a little of git init's shadow repository, not all of it.
  const disk = smallDisk(t, { size: "40k", at: join(work, "disk") });
  if (!disk) return;
  const state = join(disk, "state");
  const run = hearthFix(work, ["--state-dir", state, "--repo", repo, "--issue", "add(2, 3) returns -1", "--model", model, "--out", join(work, "fix.diff"), "--trajectory", join(work, "trajectory.jsonl")]);
  assert.equal(run.status, 1, run.stderr);
  assert.doesNotMatch(run.stderr, /the model failed/);
  assert.match(run.stderr, new RegExp(`hearth fix: stopped: the disk holding the state folder ${state} is full \\([^)]* free\\): Hearth's checkpoints of the checkout could not be stored\\. Free some space there, or give --state-dir a folder on another disk`));
  assert.equal(git(repo, "status", "--porcelain"), "");
});

it("a submodule's patch beside --out on a full disk: no cut file is left, the patch is on stderr, and the trajectory cut short is not named as holding it", { timeout: 120_000 }, (t) => {
  const work = tempDir("hearth-fix-fulldisk-");
  const disk = smallDisk(t, { size: "12k", at: join(work, "disk") });
  if (!disk) return;
  const lib = committedRepo(join(work, "lib"), { "x.py": "A = 1\n" });
  const top = committedRepo(join(work, "repo"), {}, { "vendor/lib": lib });
  const model = join(work, "model.json");
  writeFileSync(model, JSON.stringify({ name: "scripted-fixer", turns: [
    { toolCalls: [{ name: "edit_file", arguments: { path: "vendor/lib/x.py", old_text: "A = 1", new_text: `A = 2\n${COMMENTS}` } }] },
    { toolCalls: [{ name: "finish", arguments: { summary: "Fixed A." } }] },
  ] }));
  // One page left: the empty top patch and the trajectory's start fit, the 10 KB submodule patch does not.
  writeFileSync(join(disk, "filler"), Buffer.alloc(8192));
  const out = join(disk, "fix.diff");
  const trajectory = join(disk, "trajectory.jsonl");
  const run = hearthFix(work, ["--state-dir", join(work, "state"), "--repo", top, "--issue", "A should be 2", "--model", model, "--out", out, "--trajectory", trajectory]);
  const own = `${out}.vendor__lib.patch`;
  assert.equal(existsSync(own), false, `a cut submodule patch is left: ${existsSync(own) ? readFileSync(own).length : 0} bytes`);
  assert.ok(run.stderr.includes(`could not write the patch of the submodule vendor/lib to ${own} (the disk holding ${disk} is full: `), run.stderr);
  assert.ok(run.stderr.includes(`nothing is left at ${own}; it is below\n`), run.stderr);
  assert.match(run.stderr, /^\+# comment line 119 x+$/m);
  // The files at --out are not the whole fix: a script checking the exit code must not apply them as one, as where --out itself failed.
  assert.equal(run.status, 1, run.stderr);
});
