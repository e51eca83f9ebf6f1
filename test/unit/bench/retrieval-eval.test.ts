// The real-issue retrieval evaluation set's validator and the Python build script's diff and
// text handling, against a real git repository laid out as the `fetch` tool lays out mirrors.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { changedRanges, issueCandidates, issueText, parsePatch, quotesFix, singleCopy } from "../../bench/retrieval-eval/build-python.ts";
import { mergeRanges, rangesFromU0, validateFile, type EvalCase } from "../../bench/retrieval-eval/validate.ts";

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", ...args], { cwd, encoding: "utf8" });
}

const BASE_TEXT = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";

/** A repository with a base commit and a fix (line 3 changed, two lines inserted after 7, a file added), mirrored. */
function makeMirror(t: TestContext): { dir: string; mirrors: string; base: string; fix: string } {
  const dir = mkdtempSync(join(tmpdir(), "hearth-eval-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const work = join(dir, "work");
  mkdirSync(join(work, "pkg"), { recursive: true });
  git(work, "init", "-q");
  writeFileSync(join(work, "pkg", "core.py"), BASE_TEXT);
  git(work, "add", ".");
  git(work, "commit", "-q", "-m", "base");
  const base = git(work, "rev-parse", "HEAD").trim();
  const lines = BASE_TEXT.split("\n");
  lines[2] = "line 3 fixed";
  lines.splice(7, 0, "new a", "new b");
  writeFileSync(join(work, "pkg", "core.py"), lines.join("\n"));
  writeFileSync(join(work, "pkg", "added.py"), "x = 1\n");
  git(work, "add", ".");
  git(work, "commit", "-q", "-m", "fix (#2)");
  const fix = git(work, "rev-parse", "HEAD").trim();
  const mirrors = join(dir, "mirrors");
  mkdirSync(join(mirrors, "own+proj"), { recursive: true });
  git(dir, "clone", "-q", "--bare", work, join(mirrors, "own+proj", "repo"));
  return { dir, mirrors, base, fix };
}

function goodCase(base: string, fix: string): EvalCase {
  return {
    id: "own/proj#1",
    issue: "https://github.com/own/proj/issues/1",
    base,
    fix,
    text: "Line 3 is wrong\n\nIt says line 3.",
    files: ["pkg/core.py"],
    lines: { "pkg/core.py": [[3, 3], [7, 7]] },
  };
}

function writeEval(dir: string, cases: unknown[], name = "own__proj.json"): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ repo: "own/proj", language: "python", source: "test", cases }));
  return file;
}

describe("retrieval eval validator", () => {
  it("accepts a case whose base, files and lines agree with the mirror", (t) => {
    const m = makeMirror(t);
    const r = validateFile(writeEval(m.dir, [goodCase(m.base, m.fix)]), m.mirrors);
    assert.deepEqual(r.problems, []);
    assert.equal(r.cases, 1);
  });

  it("rejects test files, added files, lines that are not the fix's and a missing base", (t) => {
    const m = makeMirror(t);
    const testAnswer = { ...goodCase(m.base, m.fix), id: "own/proj#2", issue: "https://github.com/own/proj/issues/2", files: ["tests/test_core.py"], lines: { "tests/test_core.py": [[1, 1]] } };
    const added = { ...goodCase(m.base, m.fix), id: "own/proj#3", issue: "https://github.com/own/proj/issues/3", files: ["pkg/added.py"], lines: { "pkg/added.py": [[1, 1]] } };
    // With context lines, as a gold patch's hunk headers give them: not what the fix changed.
    const wide = { ...goodCase(m.base, m.fix), id: "own/proj#4", issue: "https://github.com/own/proj/issues/4", lines: { "pkg/core.py": [[1, 10]] } };
    const noBase = { ...goodCase("0".repeat(40), m.fix), id: "own/proj#5", issue: "https://github.com/own/proj/issues/5" };
    const r = validateFile(writeEval(m.dir, [testAnswer, added, wide, noBase]), m.mirrors);
    const all = r.problems.join("\n");
    assert.match(all, /case 0 .*"tests\/test_core.py" is a test file/);
    assert.match(all, /case 1 .*"pkg\/added.py" does not exist at base/);
    assert.match(all, /case 2 .*"lines" of "pkg\/core.py" are not git diff -U0 base fix's \[\[3,3\],\[7,7\]\]/);
    assert.match(all, /case 3 .*base 0{40} is not in the mirror/);
    assert.equal(r.problems.length, 4, all);
  });

  it("rejects an id that does not match the issue, a duplicate id and a misnamed file", (t) => {
    const m = makeMirror(t);
    const c = goodCase(m.base, m.fix);
    const wrongIssue = { ...c, issue: "https://github.com/own/proj/issues/9" };
    const r = validateFile(writeEval(m.dir, [c, wrongIssue], "other__name.json"), m.mirrors);
    const all = r.problems.join("\n");
    assert.match(all, /file name must be own__proj.json/);
    assert.match(all, /the id appears twice/);
    assert.match(all, /"issue" must be https:\/\/github.com\/own\/proj\/issues\/1/);
  });

  it("rejects a JSON file that does not parse, with what to do", (t) => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-eval-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "own__proj.json");
    writeFileSync(file, "{ not json");
    assert.match(validateFile(file, undefined).problems.join(), /not readable JSON .*fix the syntax/);
  });

  it("joins touching ranges before comparing", () => {
    assert.deepEqual(mergeRanges([[7, 7], [3, 3], [4, 5], [9, 9]]), [[3, 5], [7, 7], [9, 9]]);
  });
});

describe("build-python diff handling", () => {
  it("turns a patch with context lines into the ranges git diff -U0 gives", (t) => {
    const m = makeMirror(t);
    const gitDir = join(m.mirrors, "own+proj", "repo");
    const withContext = execFileSync("git", ["--git-dir", gitDir, "diff", m.base, m.fix, "--", "pkg/core.py"], { encoding: "utf8" });
    const u0 = execFileSync("git", ["--git-dir", gitDir, "diff", "-U0", m.base, m.fix, "--", "pkg/core.py"], { encoding: "utf8" });
    const [file] = parsePatch(withContext);
    assert.ok(file);
    assert.deepEqual(changedRanges(file), rangesFromU0(u0));
    assert.deepEqual(changedRanges(file), [[3, 3], [7, 7]]);
  });

  it("marks files the patch adds", () => {
    const files = parsePatch("diff --git a/n.py b/n.py\nnew file mode 100644\n--- /dev/null\n+++ b/n.py\n@@ -0,0 +1 @@\n+x = 1\n");
    assert.equal(files[0]?.added, true);
  });

  it("finds an issue that quotes two of the fix's added lines", () => {
    const patch = parsePatch("diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,1 +1,2 @@\n-old\n+value = compute_the_answer(x)\n+return normalise_the_answer(value)\n");
    assert.equal(quotesFix("Please do:\nvalue = compute_the_answer(x)\nreturn normalise_the_answer(value)\n", patch), true);
    assert.equal(quotesFix("It crashes in compute_the_answer.", patch), false);
  });
});

describe("build-python issue text and numbers", () => {
  it("writes title, blank line and body, keeping one copy of a repeated statement", () => {
    const one = "Crash on load\nSteps:\r\n1. load\n";
    assert.equal(issueText(one), "Crash on load\n\nSteps:\r\n1. load");
    assert.equal(singleCopy(one + one + one), one);
    assert.equal(issueText(one + one), issueText(one));
    assert.equal(singleCopy("ab\nab\nc"), "ab\nab\nc");
  });

  it("prefers 'fixes #N' in commit messages over changelog numbers, never the PR itself", () => {
    assert.deepEqual(issueCandidates("Fix crash\n\nFixes #120, see #99", "+++ b/changelog/130.bugfix.rst", 140), [120]);
    assert.deepEqual(issueCandidates("Tidy", "+++ b/changelog/130.bugfix.rst\n+Fixed :issue:`130`", 140), [130]);
    assert.deepEqual(issueCandidates("closes #140", "", 140), []);
    // whats-new entries name pull requests too; those are never the issue.
    assert.deepEqual(issueCandidates("Tidy", "+- ``min_count`` works on several dims (:pull:`4219`)", 4356), []);
    assert.deepEqual(issueCandidates("Tidy", "+- Fixed (:issue:`4354`, :pull:`4356`)", 4356), [4354]);
  });
});
