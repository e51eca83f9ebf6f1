// hearth fix asks the user's repository how it stores each changed file's line ends, and git
// runs the repository's own clean filters for that. A filter that never finishes, or a
// repository git cannot read, must not hang the fix or pass in silence: the patch keeps the
// work tree's bytes for those files and the result names them, with why.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { runFix } from "../../../src/agent/fix.ts";
import { lineEndsUncheckedMessage } from "../../../src/agent/fix-line-ends.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });
const turns = [call("edit_file", { path: "a.txt", old_text: "one", new_text: "two" }), call("finish", { summary: "fixed" })];

/** An autocrlf checkout whose a.txt (stored "one\n") is "one\r\n" in the work tree. */
function crlfCheckout(t: { after: (fn: () => void) => void }, prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = join(dir, "repo");
  mkdirSync(repo);
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: repo, stdio: "pipe" });
  git("init", "-q");
  git("config", "core.autocrlf", "false");
  writeFileSync(join(repo, ".gitattributes"), "*.txt text filter=slow\n");
  writeFileSync(join(repo, "a.txt"), "one\n");
  git("add", "-A");
  git("commit", "-qm", "base");
  git("config", "core.autocrlf", "true");
  writeFileSync(join(repo, "a.txt"), "one\r\n");
  return { dir, repo, git };
}

it("a clean filter that never finishes: the fix ends within its git time limit, the patch keeps a.txt's CRLF, and the result says its line ends were not checked and why", { timeout: 60_000 }, async (t) => {
  const { dir, repo, git } = crlfCheckout(t, "hearth-fix-eol-hang-");
  // b.txt as committed but touched since: git status must clean it to know (a.txt's size tells it).
  writeFileSync(join(repo, "b.txt"), "same\n");
  git("add", "b.txt");
  git("commit", "-qm", "b");
  utimesSync(join(repo, "b.txt"), new Date(Date.now() + 3_600_000), new Date(Date.now() + 3_600_000));
  git("config", "filter.slow.clean", "sleep 1000");
  // The limit holds for every git of the run (rev-parse, ls-files, cat-file too): long enough
  // that those finish within it on a loaded machine, whose why would be another's.
  const result = await runFix({ repo, issue: "one is two", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all", repositoryGitTimeoutMs: 3000 });
  assert.deepEqual(result.changedFiles, ["a.txt"]);
  assert.match(result.patch, /^\+two\r$/m);
  assert.deepEqual(result.lineEndsUnchecked?.files, ["a.txt"]);
  assert.match(result.lineEndsUnchecked.why, /^git hash-object did not finish within 3 s/);
  assert.match(lineEndsUncheckedMessage(result.lineEndsUnchecked), /^the patch has the checkout's line ends \(CRLF\) in 1 file\(s\), as the repository could not be asked how it stores them \(git hash-object did not finish .*\); if it converts them, the patch may not apply to a clean clone: a\.txt$/);
  // git status, at the start, runs no filter of the repository's (it compares b.txt's bytes as they are): it can say.
  assert.equal(result.uncommittedUnknown, undefined);
});

it("Ctrl-C while git hash-object waits on a clean filter that never finishes stops git and its filter at once, not after the git time limit", { timeout: 120_000 }, async (t) => {
  const { dir, git } = crlfCheckout(t, "hearth-fix-eol-cancel-");
  const pidFile = join(dir, "filter.pid");
  git("config", "filter.slow.clean", `echo $$ > '${pidFile}'; exec sleep 1000`);
  const controller = new AbortController();
  // Ctrl-C once the filter runs (the default time limit, a minute, applies).
  const look = setInterval(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() && (clearInterval(look), controller.abort()), 20);
  // Should git never start the filter, the test fails on its assertions rather than looking on.
  t.after(() => clearInterval(look));
  const result = await runFix({ repo: join(dir, "repo"), issue: "one is two", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all", signal: controller.signal });
  assert.equal(result.lineEndsUnchecked?.why, "the fix was cancelled");
  // The filter (sleep) is gone, or a zombie its new parent has yet to reap.
  const pid = readFileSync(pidFile, "utf8").trim();
  const state = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] : "gone";
  if (process.platform === "linux") assert.match(state ?? "", /^(gone|Z)$/);
});

it("a repository git cannot read (a corrupt index): the patch keeps a.txt's CRLF and the result says so rather than passing in silence", async (t) => {
  const { dir, repo } = crlfCheckout(t, "hearth-fix-eol-unreadable-");
  writeFileSync(join(repo, ".git", "index"), "not an index");
  const result = await runFix({ repo, issue: "one is two", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.match(result.patch, /^\+two\r$/m);
  assert.deepEqual(result.lineEndsUnchecked?.files, ["a.txt"]);
  assert.match(result.lineEndsUnchecked.why, /index/);
  assert.match(result.uncommittedUnknown ?? "", /index/);
});

it("a folder in no repository: nothing is said of uncommitted changes", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-fix-no-repo-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = join(dir, "repo");
  mkdirSync(repo);
  writeFileSync(join(repo, "a.txt"), "one\r\n");
  process.env.GIT_CEILING_DIRECTORIES = dir;
  t.after(() => delete process.env.GIT_CEILING_DIRECTORIES);
  const result = await runFix({ repo, issue: "one is two", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.changedFiles, ["a.txt"]);
  assert.equal(result.uncommittedAtStart, undefined);
  assert.equal(result.uncommittedUnknown, undefined);
  assert.equal(result.lineEndsUnchecked, undefined);
});

it("a folder in no repository, with git speaking German (LANGUAGE=de): nothing is said of uncommitted changes or line ends either", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-fix-no-repo-de-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = join(dir, "repo");
  mkdirSync(repo);
  writeFileSync(join(repo, "a.txt"), "one\r\n");
  // git's messages follow LANGUAGE unless the locale is C; C.UTF-8 is not C.
  const saved = { GIT_CEILING_DIRECTORIES: process.env.GIT_CEILING_DIRECTORIES, LANGUAGE: process.env.LANGUAGE, LANG: process.env.LANG, LC_ALL: process.env.LC_ALL };
  t.after(() => {
    for (const [name, value] of Object.entries(saved)) if (value === undefined) delete process.env[name]; else process.env[name] = value;
  });
  Object.assign(process.env, { GIT_CEILING_DIRECTORIES: dir, LANGUAGE: "de", LANG: "C.UTF-8", LC_ALL: "C.UTF-8" });
  const result = await runFix({ repo, issue: "one is two", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.changedFiles, ["a.txt"]);
  assert.equal(result.uncommittedUnknown, undefined);
  assert.equal(result.lineEndsUnchecked, undefined);
});
