/**
 * run_tests in projects whose tests run on Deno or bun, whose test runners print summaries of
 * their own: Deno's "FAILED | 1 passed | 1 failed | 1 ignored (5ms)", bun's " 1 pass" / " 1 fail"
 * lines and "Ran 3 tests across 1 file.". Neither can be installed where these tests run, so
 * a stand-in `deno` / `bun` on PATH prints what the real ones printed (deno 2.9.6 and bun 1.4.5
 * from npm, run by hand on small projects with NO_COLOR=1 and stdin closed, as run_tests runs
 * them) and exits with their exit code.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DiskWorkspace, detectTestCommand, runTool } from "../../../src/tools/index.ts";
import { runTestsTool } from "../../../src/tools/run-tests.ts";
import { tempDir } from "../../fixtures/temp.ts";

const DENO_FAILED = `Check a_test.ts
running 3 tests from ./a_test.ts
adds ... ok (383µs)
fails ... FAILED (541µs)
skipped ... ignored (0ms)

 ERRORS 

fails => ./a_test.ts:2:6
error: Error: boom
Deno.test("fails", () => { throw new Error("boom"); });
                                 ^
    at file:///tmp/dn/a_test.ts:2:34

 FAILURES 

fails => ./a_test.ts:2:6

FAILED | 1 passed | 1 failed | 1 ignored (5ms)

error: Test failed
`;

const DENO_STEPS = `Check b_test.ts
running 1 test from ./b_test.ts
steps ...
  one ... ok (0ms)
  two ... ok (0ms)
steps ... ok (1ms)

ok | 1 passed (2 steps) | 0 failed (24ms)

`;

const DENO_FILTERED_ALL = "\nok | 0 passed | 0 failed | 4 filtered out (292ms)\n\n";

/** deno 2.9.6's deno test where a test module does not type-check (exit code 1): no test ran. */
const DENO_CHECK_FAILED = `Check a_test.ts
Check b_test.ts
TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.
Deno.test("adds", () => { const x: number = "s"; });
                                ^
    at file:///tmp/dn/a_test.ts:1:33

TS2322 [ERROR]: Type 'number' is not assignable to type 'string'.
Deno.test("b", () => { const y: string = 1; });
                             ^
    at file:///tmp/dn/a_test.ts:2:30

Found 2 errors.

error: Type checking failed.

  \x1b[33minfo:\x1b[39m The program failed type-checking, but it still might work correctly.
  \x1b[36mhint:\x1b[39m Re-run with \x1b[4m--no-check\x1b[24m to skip type-checking.
`;

/** Deno 1's form of it, as an issue of January 2024 shows it (honojs/hono#1896; paths here made up): the first error began "error: ". */
const DENO1_CHECK_FAILED = `Check file:///tmp/dn/test/a_test.ts
error: TS2571 [ERROR]: Object is of type 'unknown'.
        const res = await testClient(app)["search"].$get();
                          ~~~~~~~~~~~~~~~
    at file:///tmp/dn/test/a_test.ts:10:27

`;

const BUN_FAILED = `bun test v1.4.5 (a7733435c)

a.test.ts:
(pass) adds [0.05ms]
1 | import { test, expect } from "bun:test";
2 | test("adds", () => { expect(1 + 1).toBe(2); });
3 | test("fails", () => { expect(1).toBe(2); });
                                    ^
error: expect(received).toBe(expected)

Expected: 2
Received: 1

      at <anonymous> (/tmp/bn/a.test.ts:3:33)
(fail) fails [0.16ms]
(skip) skipped

 1 pass
 1 skip
 1 fail
 2 expect() calls
Ran 3 tests across 1 file. [4.00ms]
`;

const BUN_BAILED = `bun test v1.4.5 (a7733435c)

a.test.ts:
(pass) adds [0.05ms]
error: expect(received).toBe(expected)

Expected: 2
Received: 1

      at <anonymous> (/tmp/bn/a.test.ts:3:33)
(fail) fails [0.34ms]
Ran 2 tests across 1 file. [33.00ms]
Bailed out after 1 failure
`;

const BUN_NO_TESTS = `bun test v1.4.5 (a7733435c)
No tests found!

Tests need ".test", "_test_", ".spec" or "_spec_" in the filename (ex: "MyApp.test.ts")

Learn more about bun test: https://bun.com/docs/cli/test
`;

const BUN_NO_MATCH = `bun test v1.4.5 (a7733435c)

a.test.ts:

error: regex "nomatch" matched 0 tests. Searched 1 file (skipping 3 tests) [52.00ms]
`;

/** Each stand-in prints the output its first argument names (a file in the project) and exits with the code in the file's first line. */
const STAND_IN = `#!/bin/sh
for word in "$@"; do last="$word"; done
file="$PWD/outputs/$last"
code=$(head -n 1 "$file")
tail -n +2 "$file"
exit "$code"
`;

let bin = "";
let oldPath: string | undefined;
before(() => {
  bin = tempDir("hearth-js-runtimes-bin-");
  for (const name of ["deno", "bun"]) {
    writeFileSync(join(bin, name), STAND_IN);
    chmodSync(join(bin, name), 0o755);
  }
  oldPath = process.env.PATH;
  process.env.PATH = `${bin}${delimiter}${oldPath ?? ""}`;
});
after(() => {
  process.env.PATH = oldPath;
});

/** A project whose outputs/NAME is what the stand-in prints for a run whose last word is NAME. */
function project(outputs: Record<string, [number, string]>, files: Record<string, string> = {}): string {
  const dir = tempDir("hearth-js-runtimes-");
  mkdirSync(join(dir, "outputs"));
  for (const [name, [code, text]] of Object.entries(outputs)) writeFileSync(join(dir, "outputs", name), `${code}\n${text}`);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function runTests(dir: string, testCommand: string, filter?: string) {
  return runTool(runTestsTool, filter ? { filter } : {}, { workspace: new DiskWorkspace(dir), signal: new AbortController().signal, testCommand });
}

describe("run_tests counts Deno's and bun's test summaries", () => {
  it("reads deno test's 'FAILED | 1 passed | 1 failed | 1 ignored' and 'ok | 1 passed (2 steps) | 0 failed', not 'counts not recognized'", async () => {
    const dir = project({ failed: [1, DENO_FAILED], steps: [0, DENO_STEPS], nomatch: [0, DENO_FILTERED_ALL] });
    const failed = await runTests(dir, "deno test", "failed");
    assert.match(failed.text, /^\[tests FAILED: 1 passed, 1 failed, 1 skipped; exit code 1\]$/m);
    const steps = await runTests(dir, "deno test", "steps");
    assert.match(steps.text, /^\[tests PASSED: 1 passed, 0 failed; exit code 0\]$/m);
    const none = await runTests(dir, "deno test", "nomatch");
    assert.match(none.text, /^\[no tests ran: the runner found no tests matching the filter "nomatch" \(exit code 0\)\]$/m);
  });

  it("says a type check that failed before any test ran is that, not 'counts not recognized'", async () => {
    const dir = project({ check: [1, DENO_CHECK_FAILED], check1: [1, DENO1_CHECK_FAILED] });
    const words = "[the tests did not build: Deno's type check failed, so no test ran — its errors are in the output below; fix them and run the tests again (exit code 1)]";
    for (const name of ["check", "check1"]) {
      const run = await runTests(dir, "deno test", name);
      assert.equal(run.text.split("\n")[1], words, run.text);
      assert.equal((run.data as { passed: boolean }).passed, false);
    }
  });

  it("reads bun test's ' 1 pass' / ' 1 fail' lines, and its '(pass)' / '(fail)' lines where --bail left no totals", async () => {
    const dir = project({ failed: [1, BUN_FAILED], bailed: [1, BUN_BAILED] });
    const failed = await runTests(dir, "bun test", "failed");
    assert.match(failed.text, /^\[tests FAILED: 1 passed, 1 failed, 1 skipped; exit code 1\]$/m);
    const bailed = await runTests(dir, "bun test --bail", "bailed");
    assert.match(bailed.text, /^\[tests FAILED: 1 passed, 1 failed; exit code 1\]$/m);
  });

  it("says no tests ran where bun found no test files or none matched -t, and where Deno found no test modules", async () => {
    const dir = project({ test: [1, BUN_NO_TESTS], nomatch: [1, BUN_NO_MATCH], modules: [1, "error: No test modules found\n"] });
    assert.match((await runTests(dir, "bun test")).text, /^\[no tests ran: the runner found no tests \(exit code 1\)\]$/m);
    assert.match((await runTests(dir, "bun test -t", "nomatch")).text, /^\[no tests ran: the runner found no tests matching the filter "nomatch" \(exit code 1\)\]$/m);
    assert.match((await runTests(dir, "deno test", "modules")).text, /^\[no tests ran: the runner found no tests matching the filter "modules" \(exit code 1\)\]$/m);
  });
});

describe("run_tests finds a Deno project's tests (deno.json, no package.json)", () => {
  const detect = async (files: Record<string, string>) => detectTestCommand(new DiskWorkspace(project({}, files)));

  it("runs deno.json's test task, which gives the tests their permissions, else deno test", async () => {
    const jsonc = `{
  // the project's tasks
  "tasks": {
    "fmt": { "command": "deno fmt", "description": "a // in a string" },
    "test": { "command": "deno test --allow-read", "dependencies": ["fmt"], }, /* trailing comma */
  },
}
`;
    const withTask = await detect({ "deno.jsonc": jsonc });
    assert.deepEqual(withTask, { command: "deno task test", because: "deno.jsonc's test task: deno test --allow-read, after the tasks it depends on: fmt" });
    assert.deepEqual(await detect({ "deno.json": '{ "tasks": { "test": "deno test -A" } }' }), { command: "deno task test", because: "deno.json's test task: deno test -A" });
    assert.deepEqual(await detect({ "deno.json": '{ "imports": {} }' }), { command: "deno test", because: "deno.json (a Deno project)" });
    // package.json's test script goes first, as before.
    assert.equal((await detect({ "deno.json": "{}", "package.json": '{ "scripts": { "test": "vitest" } }' }))?.command, "npm test");
  });

  it("runs it and reads its counts", async () => {
    const dir = project({ test: [1, DENO_FAILED] }, { "deno.json": '{ "tasks": { "test": "deno test -A" } }' });
    const run = await runTool(runTestsTool, {}, { workspace: new DiskWorkspace(dir), signal: new AbortController().signal });
    assert.match(run.text, /^\$ deno task test {2}\(deno\.json's test task: deno test -A\)\n\[tests FAILED: 1 passed, 1 failed, 1 skipped; exit code 1\]$/m);
  });
});
