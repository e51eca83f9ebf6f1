// `hearth fix` where the folder is not a checkout's top: a subfolder of one (the patch must
// name files from the top, as `git apply` and SWE-bench read it), a bare repository and git's
// own .git folder (no files to fix: said before the model loads, exit 2). Real git, the built CLI.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type TestContext, describe, it } from "node:test";
import { committedRepo, git } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

const SUBTRACTING_ADD = "def add(a, b):\n    return a - b\n";

/** A checkout with `lib/calc.py`, committed; the model edits `calc.py` (a path in lib/, as the agent sees it from there). */
function checkoutWithSubfolder(): { top: string; model: string; work: string } {
  const work = tempDir("hearth-fix-root-");
  const top = committedRepo(join(work, "repo"), { "lib/calc.py": SUBTRACTING_ADD });
  const model = join(work, "model.json");
  script(model, [{ toolCalls: [{ name: "finish", arguments: { summary: "nothing to do" } }] }]);
  return { top, model, work };
}

/**
 * Commits `onOther`'s changes on a branch "other" and `onMain`'s on the branch `top` was on,
 * then merges "other", which must stop with conflicts.
 */
function mergeWithConflicts(top: string, onOther: () => void, onMain: () => void): void {
  git(top, "checkout", "-qb", "other");
  onOther();
  git(top, "commit", "-qam", "other");
  git(top, "checkout", "-q", "-");
  onMain();
  git(top, "commit", "-qam", "main");
  assert.equal(spawnSync("git", ["merge", "-q", "other"], { cwd: top }).status, 1);
}

function script(file: string, turns: unknown[]): void {
  writeFileSync(file, JSON.stringify({ name: "scripted", turns }));
}

function hearthFix(cwd: string, work: string, args: string[]) {
  const env = { ...process.env, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg-state") };
  return spawnSync(process.execPath, [CLI, "fix", "--state-dir", join(work, "state"), "--yes", "--no-index", ...args], { cwd, encoding: "utf8", timeout: 60_000, env });
}

/**
 * For a test that runs hearth as nobody (permissions do not bind root): a checkout with calc.py,
 * committed, and a model of `turns`, nobody's, under /tmp itself (the test runner's temp folder
 * is root's alone, which nobody cannot enter), removed after the test; undefined where skipped.
 */
function nobodysCheckout(t: TestContext, prefix: string, turns: unknown[]): { work: string; top: string; model: string } | undefined {
  if (process.getuid?.() !== 0) return void t.skip("needs root to run hearth as another user");
  if (spawnSync("runuser", ["-u", "nobody", "--", "test", "-r", CLI]).status !== 0) return void t.skip("user nobody cannot read the built CLI");
  const work = mkdtempSync(join("/tmp", prefix));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const top = committedRepo(join(work, "repo"), { "calc.py": SUBTRACTING_ADD });
  const model = join(work, "model.json");
  script(model, turns);
  chmodSync(work, 0o755);
  spawnSync("chown", ["-R", "nobody", work]);
  return { work, top, model };
}

/** hearth fix of `top` as nobody, with its state and home in `work`. */
function hearthFixAsNobody(work: string, top: string, model: string) {
  const env = { ...process.env, HOME: work, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg-state") };
  return spawnSync("runuser", ["-u", "nobody", "--", process.execPath, CLI, "fix", "--state-dir", join(work, "state"), "--yes", "--no-index", "--repo", top, "add() subtracts", "--model", model], { cwd: work, encoding: "utf8", timeout: 60_000, env });
}

describe("hearth fix outside a checkout's top", () => {
  it("run in a subfolder, fixes the whole checkout and writes a patch that applies at its top", () => {
    const { top, model, work } = checkoutWithSubfolder();
    script(model, [
      { toolCalls: [{ name: "edit_file", arguments: { path: "lib/calc.py", old_text: "return a - b", new_text: "return a + b" } }] },
      { toolCalls: [{ name: "finish", arguments: { summary: "adds" } }] },
    ]);
    const out = join(work, "fix.diff");
    const { status, stderr } = hearthFix(join(top, "lib"), work, ["add() subtracts", "--model", model, "--out", out]);
    assert.equal(status, 0, stderr);
    assert.match(stderr, new RegExp(`${join(top, "lib")} is inside the checkout ${top}`));
    assert.match(readFileSync(out, "utf8"), /^diff --git a\/lib\/calc.py b\/lib\/calc.py$/m);
    git(top, "checkout", "-q", ".");
    git(top, "apply", "--check", out);
  });

  it("refuses a bare repository, saying to clone it, before the model loads (exit 2)", () => {
    const { top, model, work } = checkoutWithSubfolder();
    const bare = join(work, "bare.git");
    git(work, "clone", "-q", "--bare", top, bare);
    const { status, stderr } = hearthFix(bare, work, ["add() subtracts", "--model", model]);
    assert.equal(status, 2, stderr);
    assert.match(stderr, /is a bare git repository: it has no checked-out files to fix; clone it \(git clone .*bare\.git DIR\) and run hearth fix --repo DIR/);
    assert.doesNotMatch(stderr, /model failed/);
  });

  it("refuses a checkout a merge left with conflicts, naming the files with conflict markers, before the model loads (exit 2)", () => {
    const { top, model, work } = checkoutWithSubfolder();
    mergeWithConflicts(
      top,
      () => {
        writeFileSync(join(top, "lib/calc.py"), "def add(a, b):\n    return b - a\n");
      },
      () => {
        writeFileSync(join(top, "lib/calc.py"), "def add(a, b):\n    return a + b\n");
      },
    );
    assert.match(readFileSync(join(top, "lib/calc.py"), "utf8"), /^<<<<<<< /m);
    const { status, stderr } = hearthFix(top, work, ["add() subtracts", "--model", model]);
    assert.equal(status, 2, stderr);
    assert.match(stderr, /^hearth fix: the checkout has unresolved conflicts \(a merge that stopped\): lib\/calc\.py \(conflict markers\); resolve them and git add them \(git rm a file to delete\), or abort it \(git merge --abort\), then run hearth fix again$/m);
    assert.doesNotMatch(stderr, /\[step 1\]/);
  });

  it("refuses a merge whose conflicts were git added with their markers still in, naming the file; a merged side's committed markers are no conflict (exit 2)", () => {
    const { top, model, work } = checkoutWithSubfolder();
    mergeWithConflicts(
      top,
      () => {
        writeFileSync(join(top, "lib/calc.py"), "def add(a, b):\n    return b - a\n");
        // A test fixture holding git's markers on purpose, which the merged branch adds.
        writeFileSync(join(top, "fixture.txt"), "<<<<<<< ours\none\n=======\ntwo\n>>>>>>> theirs\n");
        git(top, "add", "fixture.txt");
      },
      () => {
        writeFileSync(join(top, "lib/calc.py"), "def add(a, b):\n    return a + b\n");
      },
    );
    // The classic slip: everything added, nothing resolved. git counts the merge as resolved.
    git(top, "add", "-A");
    assert.equal(git(top, "ls-files", "--unmerged"), "");
    assert.match(readFileSync(join(top, "lib/calc.py"), "utf8"), /^<<<<<<< /m);
    const { status, stderr } = hearthFix(top, work, ["add() subtracts", "--model", model]);
    assert.equal(status, 2, stderr);
    assert.match(stderr, /^hearth fix: a merge is under way in the checkout, and its conflicts were git added with git's markers still in them: lib\/calc\.py \(lines 2-6\); resolve them \(edit the file, then git add it again\), or abort it \(git merge --abort\), then run hearth fix again$/m);
    assert.doesNotMatch(stderr, /fixture\.txt/);
    assert.doesNotMatch(stderr, /\[step 1\]/);
    // Resolved and added again, the same merge runs: the fixture's markers stop nothing.
    writeFileSync(join(top, "lib/calc.py"), "def add(a, b):\n    return a + b\n");
    git(top, "add", "lib/calc.py");
    const again = hearthFix(top, work, ["add() subtracts", "--model", model]);
    assert.doesNotMatch(again.stderr, /markers/, again.stderr);
    assert.match(again.stderr, /\[step 1\]/);
  });

  it("says what each unresolved file holds: markers, a side's deletion, a resolution not yet added", () => {
    const { top, model, work } = checkoutWithSubfolder();
    writeFileSync(join(top, "notes.txt"), "one\n");
    writeFileSync(join(top, "done.txt"), "one\n");
    git(top, "add", ".");
    git(top, "commit", "-qm", "more");
    mergeWithConflicts(
      top,
      () => {
        git(top, "rm", "-q", "notes.txt");
        writeFileSync(join(top, "lib/calc.py"), "def add(a, b):\n    return b - a\n");
        writeFileSync(join(top, "done.txt"), "two\n");
      },
      () => {
        writeFileSync(join(top, "notes.txt"), "changed\n");
        writeFileSync(join(top, "lib/calc.py"), "def add(a, b):\n    return a + b\n");
        writeFileSync(join(top, "done.txt"), "three\n");
      },
    );
    // Resolved in the file (by hand, or rerere) but not yet added: git still holds it unmerged.
    writeFileSync(join(top, "done.txt"), "two and three\n");
    const { status, stderr } = hearthFix(top, work, ["add() subtracts", "--model", model]);
    assert.equal(status, 2, stderr);
    assert.match(stderr, /^hearth fix: the checkout has unresolved conflicts \(a merge that stopped\): done\.txt \(resolved in the file, not yet added\), lib\/calc\.py \(conflict markers\), notes\.txt \(deleted on one side, changed on the other\); resolve them and git add them \(git rm a file to delete\), or abort it \(git merge --abort\), then run hearth fix again$/m);
    assert.doesNotMatch(stderr, /\[step 1\]/);
  });

  it("names a binary file and a link git could not merge as one side's version, not as resolved or as holding markers", () => {
    const { top, model, work } = checkoutWithSubfolder();
    writeFileSync(join(top, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1]));
    symlinkSync("v1", join(top, "current"));
    git(top, "add", ".");
    git(top, "commit", "-qm", "more");
    // git merges neither: each keeps this side's version, without a marker.
    mergeWithConflicts(
      top,
      () => {
        writeFileSync(join(top, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 2]));
        rmSync(join(top, "current"));
        symlinkSync("v2", join(top, "current"));
      },
      () => {
        writeFileSync(join(top, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 3]));
        rmSync(join(top, "current"));
        symlinkSync("v3", join(top, "current"));
      },
    );
    const { status, stderr } = hearthFix(top, work, ["add() subtracts", "--model", model]);
    assert.equal(status, 2, stderr);
    assert.match(stderr, /: current \(not merged: one side's version, without the other's changes\), logo\.png \(not merged: one side's version, without the other's changes\); resolve them/);
  });

  it("names a text file git could not merge (-merge) as one side's version where the checkout writes its lines with CRLF", () => {
    const { top, model, work } = checkoutWithSubfolder();
    // Stored with LF, written out with CRLF (eol=crlf, or core.autocrlf=true on Windows): the
    // file git left is this side's version, though its bytes are not the stored blob's.
    writeFileSync(join(top, ".gitattributes"), "*.csv -merge eol=crlf\n");
    writeFileSync(join(top, "prices.csv"), "a,1\r\nb,2\r\n");
    git(top, "add", ".");
    git(top, "commit", "-qm", "more");
    mergeWithConflicts(
      top,
      () => {
        writeFileSync(join(top, "prices.csv"), "a,1\r\nb,3\r\n");
      },
      () => {
        writeFileSync(join(top, "prices.csv"), "a,2\r\nb,2\r\n");
      },
    );
    assert.equal(readFileSync(join(top, "prices.csv"), "utf8"), "a,2\r\nb,2\r\n");
    const { status, stderr } = hearthFix(top, work, ["add() subtracts", "--model", model]);
    assert.equal(status, 2, stderr);
    assert.match(stderr, /: prices\.csv \(not merged: one side's version, without the other's changes\); resolve them/);
  });

  it("shows a conflicted file's name with a newline or an escape in it on the message's one line", () => {
    const { top, model, work } = checkoutWithSubfolder();
    const name = "odd\nname\x1b[2J.txt";
    writeFileSync(join(top, name), "one\n");
    git(top, "add", ".");
    git(top, "commit", "-qm", "more");
    mergeWithConflicts(
      top,
      () => {
        writeFileSync(join(top, name), "two\n");
      },
      () => {
        writeFileSync(join(top, name), "three\n");
      },
    );
    const { status, stderr } = hearthFix(top, work, ["add() subtracts", "--model", model]);
    assert.equal(status, 2, stderr);
    assert.match(stderr, /^hearth fix: the checkout has unresolved conflicts \(a merge that stopped\): odd\\x0aname\\x1b\[2J\.txt \(conflict markers\); resolve them/m);
    assert.doesNotMatch(stderr, /\x1b/);
  });

  it("refuses a checkout this user may not write, before the model loads (exit 2)", (t) => {
    // A checkout nobody owns and may not write.
    const checkout = nobodysCheckout(t, "hearth-fix-readonly-", [{ toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "a - b", new_text: "a + b" } }] }]);
    if (!checkout) return;
    const { work, top, model } = checkout;
    chmodSync(top, 0o555);
    const { status, stderr } = hearthFixAsNobody(work, top, model);
    chmodSync(top, 0o755);
    assert.equal(status, 2, stderr);
    assert.match(stderr, new RegExp(`^hearth fix: the checkout ${top} cannot be written by this user \\(EACCES\\): the agent could not edit a file there; run hearth fix as its owner, or in a writable copy \\(git clone ${top} DIR\\)$`, "m"));
    assert.doesNotMatch(stderr, /\[step 1\]/);
  });

  it("names a file its checkpoints leave out because this user may not read it", (t) => {
    // A checkout nobody owns, holding a log root left (0600).
    const checkout = nobodysCheckout(t, "hearth-fix-unreadable-", [
      { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "a - b", new_text: "a + b" } }] },
      { toolCalls: [{ name: "finish", arguments: { summary: "add adds" } }] },
    ]);
    if (!checkout) return;
    const { work, top, model } = checkout;
    writeFileSync(join(top, "root.log"), "a container's log\n", { mode: 0o600 });
    const { status, stderr } = hearthFixAsNobody(work, top, model);
    assert.equal(status, 0, stderr);
    assert.match(stderr, /^hearth fix: Checkpoints leave out 1 file this user may not read, so Undo and Restore cannot bring back a change a command makes to it: root\.log\.$/m);
  });

  it("refuses a checkout git will not read because another user owns it (dubious ownership), saying how to go on, before the model loads (exit 2)", (t) => {
    if (process.getuid?.() !== 0) return void t.skip("needs root to give the checkout to another user");
    const { top, model, work } = checkoutWithSubfolder();
    script(model, [
      { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "return a - b", new_text: "return a + b" } }] },
      { toolCalls: [{ name: "finish", arguments: { summary: "adds" } }] },
    ]);
    spawnSync("chown", ["-R", "nobody", top]);
    if (!/dubious ownership/.test(spawnSync("git", ["status"], { cwd: top, encoding: "utf8" }).stderr)) return void t.skip("this git, or the user's git config (safe.directory), reads another user's repository");
    // Run in lib/: git's refusal read as "no repository" fixed lib/ alone, and the patch named calc.py, which applies nowhere.
    const { status, stderr } = hearthFix(join(top, "lib"), work, ["add() subtracts", "--model", model]);
    assert.equal(status, 2, stderr);
    assert.match(stderr, new RegExp(`^hearth fix: git will not read the repository at ${top}: another user owns it \\(git's "dubious ownership" check\\); run hearth fix as its owner, or, if you trust it, mark it safe \\(git config --global --add safe\\.directory ${top}\\) and run hearth fix again$`, "m"));
    assert.doesNotMatch(stderr, /\[step 1\]/);
    assert.equal(readFileSync(join(top, "lib/calc.py"), "utf8"), SUBTRACTING_ADD);
  });

  it("in a checkout another user owns whose path has a space and a quote, the safe.directory command it suggests is quoted for the shell", (t) => {
    if (process.getuid?.() !== 0) return void t.skip("needs root to give the checkout to another user");
    const work = tempDir("hearth-fix-root-");
    const top = committedRepo(join(work, "my repo's"), { "calc.py": SUBTRACTING_ADD });
    const model = join(work, "model.json");
    script(model, [{ toolCalls: [{ name: "finish", arguments: { summary: "nothing to do" } }] }]);
    spawnSync("chown", ["-R", "nobody", top]);
    if (!/dubious ownership/.test(spawnSync("git", ["status"], { cwd: top, encoding: "utf8" }).stderr)) return void t.skip("this git, or the user's git config (safe.directory), reads another user's repository");
    const { status, stderr } = hearthFix(work, work, ["add() subtracts", "--model", model, "--repo", top]);
    assert.equal(status, 2, stderr);
    // Pasted into a shell as it is, the command marks this folder safe (unquoted: 'repo's' opened a quote that never closed).
    const command = /\(git config --global --add safe\.directory (.+)\) and run hearth fix again$/m.exec(stderr)?.[1];
    assert.equal(command, `'${top.replace(/'/g, "'\\''")}'`, stderr);
    assert.equal(spawnSync("sh", ["-c", `printf %s ${command}`], { encoding: "utf8" }).stdout, top);
  });

  it("says git is not on the PATH, before the model loads (exit 2), not a stack trace or 'the model failed'", () => {
    const { top, model, work } = checkoutWithSubfolder();
    const bin = join(work, "bin-without-git");
    mkdirSync(bin);
    const env = { ...process.env, PATH: bin, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg-state") };
    const { status, stderr } = spawnSync(process.execPath, [CLI, "fix", "--state-dir", join(work, "state"), "--yes", "--no-index", "add() subtracts", "--model", model], { cwd: top, encoding: "utf8", timeout: 60_000, env });
    assert.equal(status, 2, stderr);
    assert.match(stderr, /^hearth fix: git is not on the PATH \(.*\): hearth fix needs it \(its checkpoints and its patch are made with git\); install git, or add its folder to PATH, and run hearth fix again$/m);
    assert.doesNotMatch(stderr, /model failed|    at /);
  });

  it("refuses git's own folder, naming the checkout to give instead (exit 2)", () => {
    const { top, model, work } = checkoutWithSubfolder();
    const { status, stderr } = hearthFix(work, work, ["add() subtracts", "--model", model, "--repo", join(top, ".git")]);
    assert.equal(status, 2, stderr);
    assert.match(stderr, new RegExp(`is git's own folder, not the checkout's files: give --repo ${top}`));
  });
});
