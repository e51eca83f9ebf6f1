// The JS/TS half of the retrieval evaluation set: answer ranges read from a fix's diff (with and
// without context lines) must be the ranges `git diff -U0` reports, on a real git repository.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { changedRanges, closedIssues, isAnswerPath, mergeRanges, parseDiff } from "../../bench/retrieval-eval/js-answers.ts";
import { rangesFromU0 } from "../../bench/retrieval-eval/validate.ts";

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", ...args], { cwd, encoding: "utf8" });
}

const BASE = Array.from({ length: 30 }, (_, i) => `const v${i + 1} = ${i + 1};`);

/** A repository whose fix changes line 3, inserts after line 12 and at the top, and deletes 20-21. */
function makeRepo(t: TestContext): { dir: string; base: string; fix: string } {
  const dir = mkdtempSync(join(tmpdir(), "hearth-eval-js-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  git(dir, "init", "-q");
  writeFileSync(join(dir, "index.js"), BASE.join("\n") + "\n");
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "base");
  const base = git(dir, "rev-parse", "HEAD").trim();
  const lines = [...BASE];
  lines[2] = "const v3 = 33;";
  lines.splice(19, 2);
  lines.splice(12, 0, "// inserted after 12", "// and another");
  lines.unshift("'use strict';");
  writeFileSync(join(dir, "index.js"), lines.join("\n") + "\n");
  git(dir, "commit", "-q", "-am", "fix");
  return { dir, base, fix: git(dir, "rev-parse", "HEAD").trim() };
}

function rangesOf(diff: string): Array<[number, number]> {
  return mergeRanges(parseDiff(diff).flatMap((f) => f.hunks.flatMap(changedRanges)));
}

describe("retrieval eval (JS/TS): answer ranges", () => {
  it("a -U0 diff gives the hunk headers' ranges, a pure insertion marking the line before it", (t) => {
    const { dir, base, fix } = makeRepo(t);
    const u0 = git(dir, "diff", "-U0", base, fix);
    assert.deepEqual(rangesOf(u0), mergeRanges(rangesFromU0(u0)));
    assert.deepEqual(rangesOf(u0), [[1, 1], [3, 3], [12, 12], [20, 21]]);
  });

  it("a diff with context lines (as datasets store patches) gives the same ranges as -U0", (t) => {
    const { dir, base, fix } = makeRepo(t);
    assert.deepEqual(rangesOf(git(dir, "diff", "-U3", base, fix)), mergeRanges(rangesFromU0(git(dir, "diff", "-U0", base, fix))));
  });
});

describe("retrieval eval (JS/TS): answer files and issue numbers", () => {
  it("keeps implementation and typings, leaves out tests, stories, docs, config and bundles", () => {
    assert.equal(isAnswerPath("src/plugin/utc/index.js"), true);
    assert.equal(isAnswerPath("types/plugin/utc.d.ts"), true);
    assert.equal(isAnswerPath("src/js/components/Box/box.stories.js"), false);
    assert.equal(isAnswerPath("test/plugin/utc.test.js"), false);
    assert.equal(isAnswerPath("src/__tests__/a.ts"), false);
    assert.equal(isAnswerPath("samples/samples.js"), false);
    assert.equal(isAnswerPath("docs/api.md"), false);
    assert.equal(isAnswerPath("rollup.config.js"), false);
    assert.equal(isAnswerPath("marked.min.js"), false);
  });

  it("reads the issues a commit closes, not every number it mentions", () => {
    assert.deepEqual(closedIssues("Fix Safari TextInput. Closes #2014 (#2061)"), [2014]);
    assert.deepEqual(closedIssues("fix(x): thing (#12)\n\nfixes #10, see #11"), [10]);
    assert.deepEqual(closedIssues("Revert #5 and resolve: #7"), [7]);
  });
});
