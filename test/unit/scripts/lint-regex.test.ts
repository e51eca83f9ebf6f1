// scripts/lint-regex.mjs (part of npm run lint): Hearth's own regular expressions are checked
// for backtracking without end. The check finds the constant patterns with the TypeScript
// compiler, fails on a vulnerable one that regex-audit.json does not allow, and passes a safe
// one; the last test holds the rule on src/ for the patterns the audit has not recorded.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, it } from "node:test";
// @ts-expect-error: a plain .mjs script without types
import { checkPatterns, hashOf, patternsUnder, regexesIn } from "../../../scripts/lint-regex.mjs";

const ROOT = resolve(import.meta.dirname, "../../..");
const FIXTURE = "test/fixtures/lint-regex";
type Found = { where: string; pattern: string };

describe("lint-regex: Hearth's own regular expressions against hostile text", () => {
  it("finds literals and RegExp of a constant, not strings, comments or patterns built at run time", () => {
    const found = regexesIn("x.ts", 'const a = "/ +$/"; // / +$/\nconst b = /x+/g;\nconst c = new RegExp("y*", "i");\nconst d = RegExp(`z`);\nconst e = new RegExp(name);\n');
    assert.deepEqual(
      found.map((f: { line: number; pattern?: string; dynamic?: string }) => f.pattern ?? `dynamic ${f.dynamic}`),
      ["/x+/g", "/y*/i", "/z/", "dynamic new RegExp(name)"],
    );
  });

  it("fails a vulnerable pattern, with the attack, passes a safe one, and lets an allowed one through", async () => {
    const found: Found[] = patternsUnder(ROOT, FIXTURE);
    assert.deepEqual(found.map((f) => f.pattern), ["/ +$/", "/^[a-z]+$/", "/^(a|a)*$/u"]);
    const none = { allowed: [], safe: [] };
    const checked = await checkPatterns(found, none);
    assert.equal(checked.problems.length, 2, checked.problems.join("\n"));
    assert.match(checked.problems[0], /^test\/fixtures\/lint-regex\/patterns\.ts:3 \/ \+\$\/: backtracks \(2nd degree polynomial\) on /);
    assert.match(checked.problems[1], /^test\/fixtures\/lint-regex\/patterns\.ts:6 \/\^\(a\|a\)\*\$\/u: backtracks \(exponential\) on /);
    assert.deepEqual(checked.safe, [hashOf("/^[a-z]+$/")]);
    const allowed = { allowed: [{ pattern: "/ +$/", reason: "capped" }, { pattern: "/^(a|a)*$/u", reason: "test" }], safe: [] };
    assert.deepEqual((await checkPatterns(found, allowed)).problems, []);
  });

  it("finds no pattern in src/ that can backtrack without end and that regex-audit.json does not allow", async () => {
    const audit = JSON.parse(readFileSync(resolve(ROOT, "scripts/regex-audit.json"), "utf8"));
    for (const a of audit.allowed) assert.ok(typeof a.reason === "string" && a.reason.length > 20, `${a.pattern} is allowed without a reason`);
    const { problems } = await checkPatterns(patternsUnder(ROOT, "src"), audit);
    assert.deepEqual(problems, []);
  });
});
