/**
 * run_tests in a project whose tests a makefile's `test` target runs (a C project's, or any
 * project's that keeps its commands in a Makefile), with the real make.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DiskWorkspace, detectTestCommand, runTool } from "../../../src/tools/index.ts";
import { runTestsTool } from "../../../src/tools/run-tests.ts";
import { tempDir } from "../../fixtures/temp.ts";

function project(files: Record<string, string>): string {
  const dir = tempDir("hearth-make-");
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const makeHere = spawnSync("sh", ["-c", "command -v make"]).status === 0;

describe("run_tests with a makefile's test target", () => {
  it("detects `make test`, said with the target's prerequisites and recipe, and runs it", { skip: !makeHere && "make is not installed here" }, async () => {
    const makefile = ".PHONY: test build\nbuild:\n\t@echo built\n\ntest: build # the unit tests\n\t@echo running tests\n\t@sh tests/run.sh\n\nclean:\n\trm -f out\n";
    const dir = project({ Makefile: makefile, "tests/run.sh": "echo 'ok 1 - adds'\nexit 0\n" });
    const detected = await detectTestCommand(new DiskWorkspace(dir));
    assert.deepEqual(detected, { command: "make test", because: "Makefile's test target, after build: @echo running tests; @sh tests/run.sh" });
    const run = await runTool(runTestsTool, {}, { workspace: new DiskWorkspace(dir), signal: new AbortController().signal });
    assert.match(run.text, /^\$ make test {2}\(Makefile's test target, after build: /);
    assert.match(run.text, /^built\nrunning tests\nok 1 - adds$/m);
    assert.match(run.text, /^\[tests PASSED: the test command passed \(exit code 0\); Hearth could not count its tests, as no test runner's summary it knows is in the output\]$/m);
  });

  it("reads a recipe on the target's line, a double-colon rule, GNU make's first makefile only, and no `test` variable", async () => {
    assert.equal((await detectTestCommand(new DiskWorkspace(project({ makefile: "test: ; ./run-tests\n" }))))?.because, "makefile's test target: ./run-tests");
    assert.equal((await detectTestCommand(new DiskWorkspace(project({ Makefile: "test::\n\tpytest\n" }))))?.because, "Makefile's test target: pytest");
    // make reads GNUmakefile and not Makefile: its test target is the one that runs, and it has none.
    assert.equal(await detectTestCommand(new DiskWorkspace(project({ GNUmakefile: "all:\n\tcc a.c\n", Makefile: "test:\n\t./t\n" }))), undefined);
    assert.equal(await detectTestCommand(new DiskWorkspace(project({ Makefile: "test := unit\ntests:\n\t./t\n" }))), undefined);
    // Another runner the project's files name goes first (go test here), as before.
    assert.equal((await detectTestCommand(new DiskWorkspace(project({ "go.mod": "module x\n", Makefile: "test:\n\tgo test -race ./...\n" }))))?.command, "go test ./...");
  });
});
