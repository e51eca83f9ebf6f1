/**
 * run_tests in a Maven project that ships the Maven wrapper (mvnw beside pom.xml, as Spring
 * Initializr's projects do), where no mvn may be installed: the wrapper is the Maven the project
 * is built with, as ./gradlew is for Gradle. A stand-in mvnw (the real one downloads Maven
 * first, which cannot be done here) says how it was called and prints surefire's summary line.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DiskWorkspace, detectTestCommand, runTool } from "../../../src/tools/index.ts";
import { runTestsTool, testRunShown } from "../../../src/tools/run-tests.ts";
import { tempDir } from "../../fixtures/temp.ts";

const MVNW = `#!/bin/sh
echo "mvnw called with: $*"
echo "[INFO] Tests run: 2, Failures: 0, Errors: 0, Skipped: 0"
`;

function mavenProject(withWrapper: boolean): string {
  const dir = tempDir("hearth-mvnw-");
  writeFileSync(join(dir, "pom.xml"), "<project/>\n");
  mkdirSync(join(dir, ".mvn", "wrapper"), { recursive: true });
  if (withWrapper) {
    writeFileSync(join(dir, "mvnw"), MVNW);
    chmodSync(join(dir, "mvnw"), 0o755);
  }
  return dir;
}

describe("run_tests in a Maven project with the Maven wrapper", () => {
  it("runs ./mvnw, not an mvn that may not be installed, and passes a filter to it as -Dtest", async () => {
    const dir = mavenProject(true);
    assert.deepEqual(await detectTestCommand(new DiskWorkspace(dir)), { command: "./mvnw -q test", because: "pom.xml" });
    assert.equal(await testRunShown(new DiskWorkspace(dir), undefined, "CalcTest#adds"), "`./mvnw -q test '-Dtest=CalcTest#adds'` (pom.xml)");
    const run = await runTool(runTestsTool, { filter: "CalcTest#adds" }, { workspace: new DiskWorkspace(dir), signal: new AbortController().signal });
    assert.match(run.text, /^mvnw called with: -q test -Dtest=CalcTest#adds$/m);
    assert.match(run.text, /^\[tests PASSED: 2 passed, 0 failed; exit code 0\]$/m);
  });

  it("runs mvn where there is no wrapper, as before", async () => {
    assert.equal((await detectTestCommand(new DiskWorkspace(mavenProject(false))))?.command, "mvn -q test");
  });
});
