// `hearth fix` from the built CLI (out/cli.mjs): what its patch holds of the files the run
// made and found, and what it tells the user about the rest.
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { calcCheckout } from "../../fixtures/calc-checkout.ts";
import { killedOrGone, untilOrExit } from "../../fixtures/processes.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

/** git in a test's own checkout: an undefined or empty `cwd` would run it in the project's own. */
function gitIn(cwd: string, ...args: string[]): Buffer {
  if (!cwd) throw new Error("git needs a test folder to run in");
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, stdio: "pipe" });
}

const call = (name: string, args: Record<string, unknown>) => ({ toolCalls: [{ name, arguments: args }] });

function hearthFix(work: string, repo: string, model: string) {
  const env = { ...process.env, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg-state") };
  return spawnSync(process.execPath, [CLI, "fix", "--state-dir", join(work, "state"), "--repo", repo, "--issue", "add subtracts", "--model", model, "--yes", "--no-index", "--out", join(work, "fix.diff")], { cwd: work, encoding: "utf8", timeout: 120_000, env });
}

it("build output and logs the agent's commands made are left out of the patch and named; source a command wrote is in it and named", () => {
  const { work, repo, model } = calcCheckout("hearth-fix-files-", [
    call("edit_file", { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b" }),
    call("run_command", { command: "mkdir -p calc.egg-info && echo meta > calc.egg-info/PKG-INFO && echo c > .coverage && echo ran > test.log && printf 'X = 1\\n' > consts.py" }),
    call("finish", { summary: "fixed" }),
  ]);
  const run = hearthFix(work, repo, model);
  assert.equal(run.status, 0, run.stderr);
  const patch = readFileSync(join(work, "fix.diff"), "utf8");
  assert.deepEqual([...patch.matchAll(/^diff --git a\/(\S+)/gm)].map((m) => m[1]), ["calc.py", "consts.py"]);
  assert.match(run.stderr, /^hearth fix: not in the patch: 3 new file\(s\) that commands made and that look like build output, caches or logs \(still in the checkout\): \.coverage, calc\.egg-info\/PKG-INFO, test\.log$/m);
  assert.match(run.stderr, /^hearth fix: in the patch, new files that commands made, not the edit tools: consts\.py$/m);
  assert.match(run.stderr, /^hearth fix: 2 file\(s\) changed;/m);
  const end = readFileSync(join(work, "fix.diff.trajectory.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).at(-1);
  assert.deepEqual(end.leftOutOfPatch.map((f: { path: string }) => f.path), [".coverage", "calc.egg-info/PKG-INFO", "test.log"]);
});

it("a checkout with uncommitted changes: the patch builds on them and the user is told, naming the files the patch changes too", () => {
  const { work, repo, model } = calcCheckout("hearth-fix-dirty-");
  const git = (...args: string[]) => gitIn(repo, ...args);
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "base");
  writeFileSync(join(repo, "calc.py"), `# work in progress\n${readFileSync(join(repo, "calc.py"), "utf8")}`);
  const run = hearthFix(work, repo, model);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /^hearth fix: the checkout had uncommitted changes when the run started \(1 file\(s\): calc\.py\): the patch does not hold them, it is the agent's change made on top of them\. It changes calc\.py too, so it applies to the checkout as it was, not to a clean checkout of HEAD$/m);
  // The trajectory's end says so too: a harness reading it knows the patch's base was not HEAD.
  const end = readFileSync(join(work, "fix.diff.trajectory.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).at(-1);
  assert.deepEqual(end.uncommittedAtStart, { files: ["calc.py"], inPatch: ["calc.py"] });
});

it("a repository git cannot read (a corrupt index): the user is told the patch keeps the checkout's CRLF line ends, and the trajectory's end says so", () => {
  const { work, repo, model } = calcCheckout("hearth-fix-eol-unchecked-");
  const git = (...args: string[]) => gitIn(repo, ...args);
  git("init", "-q");
  git("config", "core.autocrlf", "false");
  git("add", "-A");
  git("commit", "-qm", "base");
  git("config", "core.autocrlf", "true");
  writeFileSync(join(repo, "calc.py"), readFileSync(join(repo, "calc.py"), "utf8").replace(/\n/g, "\r\n"));
  writeFileSync(join(repo, ".git", "index"), "not an index");
  const run = hearthFix(work, repo, model);
  assert.equal(run.status, 0, run.stderr);
  assert.match(readFileSync(join(work, "fix.diff"), "utf8"), /^\+    return a \+ b\r$/m);
  assert.match(run.stderr, /^hearth fix: the patch has the checkout's line ends \(CRLF\) in 1 file\(s\), as the repository could not be asked how it stores them \(.*index.*\); if it converts them, the patch may not apply to a clean clone: calc\.py$/m);
  const end = readFileSync(join(work, "fix.diff.trajectory.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).at(-1);
  assert.equal(end.type, "end");
  assert.deepEqual(end.lineEndsUnchecked.files, ["calc.py"]);
  assert.match(end.lineEndsUnchecked.why, /index/);
  // git status cannot read it either: the user is told, rather than nothing said of uncommitted changes.
  assert.match(run.stderr, /^hearth fix: could not tell whether the checkout had uncommitted changes when the run started \(.*index.*\): the patch is the agent's change on top of whatever it held, which may not be a clean checkout of HEAD$/m);
  assert.match(end.uncommittedUnknown, /index/);
});

it("a second Ctrl-C while the patch waits on a clean filter that never finishes kills hearth and the repository's git with its filter, not hearth alone", { timeout: 120_000, skip: process.platform !== "linux" }, async () => {
  const { work, repo } = calcCheckout("hearth-fix-second-ctrl-c-");
  const marker = join(work, "hang");
  const started = join(work, "started");
  const pidFile = join(work, "filter.pid");
  const model = join(work, "model2.json");
  writeFileSync(
    model,
    JSON.stringify({
      name: "scripted",
      turns: [
        call("edit_file", { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b" }),
        // From now on the filter hangs; Ctrl-C comes while this command runs.
        call("run_command", { command: `touch '${marker}' && echo go > '${started}' && sleep 100` }),
        call("finish", { summary: "fixed" }),
      ],
    }),
  );
  const git = (...args: string[]) => gitIn(repo, ...args);
  git("init", "-q");
  git("config", "core.autocrlf", "false");
  writeFileSync(join(repo, ".gitattributes"), "*.py filter=slow\n");
  git("config", "filter.slow.clean", `if [ -e '${marker}' ]; then echo $$ > '${pidFile}'; exec sleep 1000; fi; cat`);
  git("add", "-A");
  git("commit", "-qm", "base");
  // CRLF in the work tree under autocrlf: the patch asks the repository how it stores calc.py, and git runs the filter.
  git("config", "core.autocrlf", "true");
  writeFileSync(join(repo, "calc.py"), readFileSync(join(repo, "calc.py"), "utf8").replace(/\n/g, "\r\n"));
  const env = { ...process.env, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg-state") };
  const child = spawn(process.execPath, [CLI, "fix", "--state-dir", join(work, "state"), "--repo", repo, "--issue", "add subtracts", "--model", model, "--yes", "--no-index", "--out", join(work, "fix.diff")], { cwd: work, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const exited = new Promise<string | null>((r) => child.on("exit", (_code, signal) => r(signal)));
  // Each wait ends with hearth too: one that died at its start was waited on until the test's limit.
  await untilOrExit(child, "its command ran", () => existsSync(started), () => stderr);
  child.kill("SIGINT");
  // The run is cancelled; building the patch, git runs the filter, which now hangs.
  await untilOrExit(child, "the filter started", () => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "", () => stderr);
  child.kill("SIGINT");
  assert.equal(await exited, "SIGINT", "the second Ctrl-C kills hearth at once, as a second Ctrl-C does");
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  try {
    // Killed before hearth died: the filter (sleep) is gone, a zombie its new parent has yet to
    // reap, or holds the SIGKILL it has yet to act on (a busy machine) — not left sleeping.
    assert.ok(killedOrGone(pid), `the filter ${pid} is still running`);
  } finally {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
});
