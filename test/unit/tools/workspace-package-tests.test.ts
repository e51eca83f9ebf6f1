// run_tests' `package`: in an npm, pnpm or yarn workspaces repository (a monorepo), one
// workspace package's own tests, run in its folder. Without it a change in packages/foo could
// only run the root's test script. Real files, real node --test runs.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { DiskWorkspace, runTool } from "../../../src/tools/index.ts";
import { runTestsTool } from "../../../src/tools/run-tests.ts";
import { tempDir } from "../../fixtures/temp.ts";

function repo(files: Record<string, string>): string {
  const dir = tempDir("hearth-wsp-");
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const passing = (name: string) => `const { test } = require("node:test");\ntest("${name}", () => {});\n`;
const failing = (name: string) => `const { test } = require("node:test");\ntest("${name}", () => { throw new Error("${name} broke"); });\n`;

/** A monorepo whose root test script fails loudly, so a run of the root's tests is seen. */
function npmMonorepo(): string {
  return repo({
    "package.json": JSON.stringify({ name: "mono", private: true, workspaces: ["packages/*"], scripts: { test: "echo ROOT TESTS RAN; exit 3" } }),
    "packages/foo/package.json": JSON.stringify({ name: "foo", scripts: { test: "node --test" } }),
    "packages/foo/test/a.test.js": passing("foo a"),
    "packages/foo/test/b.test.js": passing("foo b"),
    "packages/bar/package.json": JSON.stringify({ name: "bar", scripts: { test: "node --test test/" } }),
    "packages/bar/test/c.test.js": failing("bar c"),
    "src/index.js": "",
  });
}

const ctx = (dir: string) => ({ workspace: new DiskWorkspace(dir), signal: new AbortController().signal });

describe("run_tests' package in a workspaces repository", () => {
  it("runs the named package's own test script in its folder, not the root's", async () => {
    const dir = npmMonorepo();
    const r = await runTool(runTestsTool, { package: "packages/foo" }, ctx(dir));
    assert.equal(r.ok, true, r.text);
    assert.match(r.text, /^\$ npm test {2}\(in packages\/foo\/: /, r.text);
    assert.match(r.text, /\[tests PASSED: 2 passed, 0 failed; exit code 0\]/, r.text);
    assert.doesNotMatch(r.text, /ROOT TESTS RAN/);
    const bar = await runTool(runTestsTool, { package: "./packages/bar/" }, ctx(dir));
    assert.match(bar.text, /\[tests FAILED: 0 passed, 1 failed; exit code 1\]/, bar.text);
    assert.match(bar.text, /bar c broke/);
  });

  it("takes the filter relative to the package", async () => {
    const dir = npmMonorepo();
    const r = await runTool(runTestsTool, { package: "packages/foo", filter: "test/b.test.js" }, ctx(dir));
    assert.equal(r.ok, true, r.text);
    assert.match(r.text, /\[tests PASSED: 1 passed, 0 failed; exit code 0\]/, r.text);
  });

  it("names the package folder and its script in the approval question; without package the root's, as before", async () => {
    const dir = npmMonorepo();
    const shown = await runTestsTool.describeRun!({ package: "packages/foo" }, ctx(dir));
    assert.match(shown ?? "", /^`npm test` in the workspace package packages\/foo\/ \(.*package\.json's test script: node --test\)$/, shown);
    const root = await runTestsTool.describeRun!({}, ctx(dir));
    assert.match(root ?? "", /^`npm test` \(.*package\.json's test script: echo ROOT TESTS RAN; exit 3\)$/, root);
    assert.doesNotMatch(root ?? "", /workspace package/);
    const r = await runTool(runTestsTool, {}, ctx(dir));
    assert.match(r.text, /ROOT TESTS RAN/);
  });

  it("finds pnpm-workspace.yaml's packages", async () => {
    const dir = repo({
      "package.json": JSON.stringify({ name: "mono", private: true }),
      "pnpm-workspace.yaml": "packages:\n  - 'libs/*'\n",
      "libs/core/package.json": JSON.stringify({ name: "core", scripts: { test: "node --test" } }),
      "libs/core/core.test.js": passing("core"),
    });
    const r = await runTool(runTestsTool, { package: "libs/core" }, ctx(dir));
    assert.match(r.text, /\[tests PASSED: 1 passed, 0 failed; exit code 0\]/, r.text);
  });

  // Hostile size: the list lines were read with /^\s+-\s*["']?([^"'#]+?)["']?\s*(?:#.*)?$/, which gave each tab three places to
  // go — a line of 3,000 tabs held the runtime 5 s, this one some two days.
  it("reads a pnpm-workspace.yaml with a line of 100,000 tabs at once, and its other entries as before", async () => {
    const hostile = `\t-${"\t".repeat(50_000)}\t-${"\t".repeat(50_000)}"\u0000`;
    const dir = repo({
      "package.json": JSON.stringify({ name: "mono", private: true }),
      "pnpm-workspace.yaml": `packages:\n${hostile}\n  - " libs/* "  # quoted, blanks kept\n  -  'libs/*'  # core\n  - tools/*\n`,
      "libs/core/package.json": JSON.stringify({ name: "core", scripts: { test: "node --test" } }),
      "libs/core/core.test.js": passing("core"),
    });
    const r = await runTool(runTestsTool, { package: "libs/core" }, ctx(dir));
    assert.match(r.text, /\[tests PASSED: 1 passed, 0 failed; exit code 0\]/, r.text);
  });

  it("takes a package a pattern with ** names (npm's and pnpm's globs), which the folder list does not spell out", async () => {
    const dir = repo({
      "package.json": JSON.stringify({ private: true, workspaces: ["apps/**"] }),
      "apps/web/client/package.json": JSON.stringify({ name: "client", scripts: { test: "node --test" } }),
      "apps/web/client/client.test.js": passing("client"),
    });
    const r = await runTool(runTestsTool, { package: "apps/web/client" }, ctx(dir));
    assert.match(r.text, /\[tests PASSED: 1 passed, 0 failed; exit code 0\]/, r.text);
    const other = await runTool(runTestsTool, { package: "lib" }, ctx(repo({ "package.json": JSON.stringify({ workspaces: ["apps/**"] }), "lib/package.json": "{}" })));
    assert.equal(other.ok ? "" : other.code, "invalid-input", other.text);
    assert.match(other.text, /package "lib" is not a workspace package/);
  });

  // Hostile size: each ** of a workspace pattern was (?:[^/]+/)* in one regular expression, which tried every way to split
  // a deep folder among them: 12 of them against a folder 24 deep took 58 s, a few more hours (the runtime held).
  it("matches a pattern of 14 ** names against a package 28 folders deep at once, and the next pattern as before", async () => {
    const deep = `${"a/".repeat(28)}b`;
    const dir = repo({
      "package.json": JSON.stringify({ private: true, workspaces: [`${"**/".repeat(14)}c`, "a/**"] }),
      [`${deep}/package.json`]: JSON.stringify({ name: "deep", scripts: { test: "node --test" } }),
      [`${deep}/deep.test.js`]: passing("deep"),
    });
    const r = await runTool(runTestsTool, { package: deep }, ctx(dir));
    assert.match(r.text, /\[tests PASSED: 1 passed, 0 failed; exit code 0\]/, r.text);
    const other = await runTool(runTestsTool, { package: "lib" }, ctx(repo({ "package.json": JSON.stringify({ workspaces: [`${"**/".repeat(14)}c`] }), "lib/package.json": "{}" })));
    assert.match(other.text, /package "lib" is not a workspace package/, other.text);
  });

  it("refuses a folder outside the workspace, or one that is not a workspace package, saying which are", async () => {
    const dir = npmMonorepo();
    const outside = await runTool(runTestsTool, { package: "../elsewhere" }, ctx(dir));
    assert.equal(outside.ok ? "" : outside.code, "outside-workspace", outside.text);
    assert.match(outside.text, /package "\.\.\/elsewhere" is outside the workspace; .*leave package out to run the root's tests/);
    const src = await runTool(runTestsTool, { package: "src" }, ctx(dir));
    assert.equal(src.ok ? "" : src.code, "invalid-input", src.text);
    assert.match(src.text, /package "src" is not one of the workspace's packages \(packages\/bar, packages\/foo\); name one of those folders/);
    const none = repo({ "package.json": JSON.stringify({ scripts: { test: "node --test" } }), "lib/package.json": "{}" });
    const plain = await runTool(runTestsTool, { package: "lib" }, ctx(none));
    assert.match(plain.text, /package "lib" is not a workspace package: the root package\.json's "workspaces" and pnpm-workspace\.yaml's packages name no folder with a package\.json, that one included; .*leave package out/, plain.text);
    // The approval question's text is refused alike (the loop then shows none; the run itself is refused above).
    assert.equal(await runTestsTool.describeRun!({ package: "src" }, ctx(dir)).catch(() => "refused"), "refused");
  });

  it("says so where the package has no test script", async () => {
    const dir = repo({
      "package.json": JSON.stringify({ workspaces: ["packages/*"] }),
      "packages/docs/package.json": JSON.stringify({ name: "docs", scripts: { build: "true" } }),
    });
    const r = await runTool(runTestsTool, { package: "packages/docs" }, ctx(dir));
    assert.equal(r.ok ? "" : r.code, "unavailable", r.text);
    assert.match(r.text, /the package packages\/docs has no test script/);
  });
});
