// scripts/run-tests.mjs, the runner `npm test` and CI use: its last line adds up node's own
// summary ("ℹ pass N", "ℹ fail N"). node prints that summary and then the details of every
// failure once more, so a layer with many failures pushes it far from the output's end —
// where the runner once looked for it, and then said "0 passed, 0 failed".
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");

/** A folder with scripts/run-tests.mjs and test/unit/ to put test files in. */
function runnerFolder(): string {
  const work = tempDir("hearth-run-tests-");
  mkdirSync(join(work, "scripts"));
  copyFileSync(join(ROOT, "scripts/run-tests.mjs"), join(work, "scripts/run-tests.mjs"));
  symlinkSync(join(ROOT, "node_modules"), join(work, "node_modules"));
  mkdirSync(join(work, "test", "unit"), { recursive: true });
  return work;
}

describe("scripts/run-tests.mjs", () => {
  it("counts passes and failures however long the failures' details after node's summary are", () => {
    const work = runnerFolder();
    const failing = Array.from({ length: 30 }, (_, i) => `test("fails ${i}", () => assert.equal("${"x".repeat(400)}", "y"));`).join("\n");
    writeFileSync(join(work, "test/unit/many.test.ts"), `import assert from "node:assert/strict";\nimport { test } from "node:test";\ntest("passes 1", () => {});\ntest("passes 2", () => {});\n${failing}\n`);
    // This file runs under node --test itself: NODE_TEST_CONTEXT would make the inner run report to it, not print.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const run = spawnSync(process.execPath, ["scripts/run-tests.mjs", "unit"], { cwd: work, env, encoding: "utf8", timeout: 120_000 });
    assert.notEqual(run.status, 0);
    // Node 20 with --test-force-exit now and then loses the last few results of a file this loud
    // (its child exits before its output is drained): the runner must say what node's own summary says.
    const said = (name: string) => Number(new RegExp(`^\u2139 ${name} (\\d+)$`, "m").exec(run.stdout)?.[1]);
    const [passed, failed] = [said("pass"), said("fail")];
    assert.ok(passed === 2 && failed >= 20, run.stdout.slice(-2000));
    assert.ok(run.stdout.length - run.stdout.lastIndexOf("\u2139 fail") > 8192, "the failures' details after node's summary are longer than the 8 KB the runner once read");
    const lines = run.stdout.trimEnd().split("\n");
    assert.equal(lines.at(-1), `unit: ${passed} passed, ${failed} failed`, run.stdout.slice(-2000));
  });

  // Node 22 and later colour the summary when FORCE_COLOR is set (CI systems set it), even into a pipe: "\x1b[34mℹ pass 2\x1b[39m".
  it("counts them when node prints its summary in colour (FORCE_COLOR=1, node 22 and later)", () => {
    const work = runnerFolder();
    writeFileSync(join(work, "test/unit/one.test.ts"), `import assert from "node:assert/strict";\nimport { test } from "node:test";\ntest("passes", () => {});\ntest("fails", () => assert.equal(1, 2));\n`);
    const { NODE_TEST_CONTEXT: _, NO_COLOR: __, NODE_DISABLE_COLORS: ___, ...env } = process.env;
    const run = spawnSync(process.execPath, ["scripts/run-tests.mjs", "unit"], { cwd: work, env: { ...env, FORCE_COLOR: "1" }, encoding: "utf8", timeout: 120_000 });
    assert.notEqual(run.status, 0);
    assert.equal(run.stdout.trimEnd().split("\n").at(-1), "unit: 1 passed, 1 failed", run.stdout.slice(-2000));
  });

  // Node 20 bounds each file with --test-timeout (30 minutes): llama-server's first build (10-30
  // minutes) inside a test file's hook would spend that bound, so the runner builds it first for
  // every file that uses it, not only remote-backend (remote-does-not-fit, run alone, built it inside).
  it("builds llama-server before the integration files that run it, whichever of them the filter picks", () => {
    const work = runnerFolder();
    mkdirSync(join(work, "test/integration/models"), { recursive: true });
    mkdirSync(join(work, "test/fixtures/llama-server"), { recursive: true });
    writeFileSync(join(work, "test/fixtures/llama-server/setup.sh"), `echo built > "$(dirname "$0")/built"\n`);
    writeFileSync(
      join(work, "test/integration/models/remote-does-not-fit.test.ts"),
      `import { resolve } from "node:path";\nimport { test } from "node:test";\nconst SETUP = resolve(import.meta.dirname, "../../fixtures/llama-server/setup.sh");\ntest("passes", () => {});\n`,
    );
    writeFileSync(join(work, "test/integration/models/other.test.ts"), `import { test } from "node:test";\ntest("passes", () => {});\n`);
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const run = spawnSync(process.execPath, ["scripts/run-tests.mjs", "integration", "remote-does-not-fit"], { cwd: work, env, encoding: "utf8", timeout: 120_000 });
    assert.equal(run.status, 0, run.stdout.slice(-2000) + run.stderr);
    assert.ok(existsSync(join(work, "test/fixtures/llama-server/built")), "setup.sh ran before the tests");
    rmSync(join(work, "test/fixtures/llama-server/built"));
    const other = spawnSync(process.execPath, ["scripts/run-tests.mjs", "integration", "other"], { cwd: work, env, encoding: "utf8", timeout: 120_000 });
    assert.equal(other.status, 0, other.stdout.slice(-2000) + other.stderr);
    assert.ok(!existsSync(join(work, "test/fixtures/llama-server/built")), "no build for files that do not run llama-server");
  });
});
