/**
 * run_tests on Go, Rust, Java and C/C++ projects: the counts and words for what their real
 * toolchains print. The outputs in test/fixtures/tools/test-output were captured from real
 * runs (go 1.19 `go test ./...` — a vet finding too —, cargo 1.95 `cargo test`, RUST_BACKTRACE=0) of small projects
 * with passing, failing, panicking and non-compiling tests; Gradle's and CTest's lines are
 * their documented summary formats. No toolchain needs to be installed: each run replays a
 * captured output with the exit code it had.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { DiskWorkspace, countTests, runTool } from "../../../src/tools/index.ts";
import { runTestsTool, testRunShown } from "../../../src/tools/run-tests.ts";
import { tempDir } from "../../fixtures/temp.ts";

const OUTPUTS = resolve(import.meta.dirname, "../../fixtures/tools/test-output");
const output = (name: string) => readFileSync(join(OUTPUTS, `${name}.txt`), "utf8");

function project(files: Record<string, string>): string {
  const dir = tempDir("hearth-compiled-");
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}
const ctx = (dir: string, testCommand?: string) => ({ workspace: new DiskWorkspace(dir), signal: new AbortController().signal, ...(testCommand ? { testCommand } : {}) });

/** run_tests with a configured command that prints the captured output and exits as the real run did. */
async function replay(name: string, exitCode: number): Promise<{ text: string; passed: boolean }> {
  const dir = project({});
  const result = await runTool(runTestsTool, {}, ctx(dir, `cat ${join(OUTPUTS, `${name}.txt`)}; exit ${exitCode}`));
  assert.ok(result.ok, result.text);
  return { text: result.text.split("\n")[1]!, passed: (result.data as { passed: boolean }).passed };
}

describe("counting real go and cargo output", () => {
  const cases: Array<[string, object]> = [
    ["cargo-pass", { passed: 3, failed: 0, skipped: 1, fromEveryLine: true }],
    ["cargo-fail", { passed: 1, failed: 2, skipped: 1, fromEveryLine: true }],
    // go test -v: every test and subtest has its line.
    ["go-fail-v", { passed: 3, failed: 3, skipped: 1, fromEveryLine: true }],
    // Without -v go names only failing tests, so packages are what can be counted both ways.
    ["go-fail", { passed: 1, failed: 1, skipped: 0, fromEveryLine: true, unit: "packages" }],
    ["go-panic", { passed: 1, failed: 1, skipped: 0, fromEveryLine: true, unit: "packages" }],
    ["go-pass-cached", { passed: 2, failed: 0, skipped: 0, fromEveryLine: true, unit: "packages" }],
    ["go-run-one", { passed: 1, failed: 0, skipped: 0, fromEveryLine: true, unit: "packages" }],
    ["go-no-tests", { passed: 0, failed: 0, skipped: 0, fromEveryLine: true, unit: "packages" }],
    ["go-run-matches-none", { passed: 0, failed: 0, skipped: 0, fromEveryLine: true, unit: "packages" }],
  ];
  for (const [name, counts] of cases) it(name, () => assert.deepEqual(countTests(output(name)), counts));

  it("reads Gradle's and CTest's summaries", () => {
    const gradle = "> Task :test FAILED\n\nCalcTest > wrong() FAILED\n    org.opentest4j.AssertionFailedError at CalcTest.java:12\n\n5 tests completed, 1 failed, 1 skipped\n\nFAILURE: Build failed with an exception.";
    assert.deepEqual(countTests(gradle), { passed: 3, failed: 1, skipped: 1 });
    assert.deepEqual(countTests("2 tests completed, 2 failed"), { passed: 0, failed: 2, skipped: 0 });
    const ctest = "1/3 Test #1: adds .............   Passed    0.00 sec\n\n67% tests passed, 1 tests failed out of 3\n\nTotal Test time (real) =   0.01 sec";
    assert.deepEqual(countTests(ctest), { passed: 2, failed: 1, skipped: 0 });
  });
});

describe("run_tests' verdict on a compiled project", () => {
  it("says a cargo compile error is a build failure, not a count it could not read", async () => {
    const run = await replay("cargo-build", 101);
    assert.equal(run.passed, false);
    assert.equal(run.text, "[the tests did not build: cargo could not compile `rs` (lib test) — its errors are in the output below; fix them and run the tests again (exit code 101)]");
  });

  it("says which go packages did not build, and how the others went", async () => {
    for (const name of ["go-build", "go-build-test"]) {
      const run = await replay(name, 2);
      assert.equal(run.passed, false);
      assert.equal(run.text, "[the tests did not build: go could not build (or vet) example.com/gop/calc — its errors are in the output below; fix them and run the tests again (exit code 2); the other packages: 1 passed, 0 failed]");
    }
  });

  it("says go vet's finding, which fails go test as a build does, as a build failure", async () => {
    const run = await replay("go-vet", 2);
    assert.equal(run.passed, false);
    assert.equal(run.text, "[the tests did not build: go could not build (or vet) example.com/govet — its errors are in the output below; fix them and run the tests again (exit code 2)]");
  });

  it("says go's failing packages as packages, and a panic as a failure", async () => {
    assert.equal((await replay("go-fail", 1)).text, "[tests FAILED: 1 passed, 1 failed (packages: without -v go test names only the tests that fail); exit code 1]");
    assert.equal((await replay("go-panic", 1)).passed, false);
    assert.equal((await replay("go-pass-cached", 0)).text, "[tests PASSED: 2 passed, 0 failed (packages: without -v go test names only the tests that fail); exit code 0]");
  });

  it("says no tests ran where go found no test files or no test the -run pattern matches", async () => {
    for (const name of ["go-no-tests", "go-run-matches-none"]) {
      const run = await replay(name, 0);
      assert.equal(run.passed, false);
      assert.match(run.text, /^\[no tests ran: the runner found no tests/);
    }
  });

  it("names what to install when the toolchain is not there (a real exit 127)", async () => {
    const cases: Array<[string, RegExp]> = [
      ["go", /install Go \(https:\/\/go\.dev\/doc\/install; on Debian or Ubuntu: sudo apt install golang-go\)/],
      ["cargo", /install Rust with rustup \(https:\/\/rustup\.rs\), which brings cargo/],
      ["mvn", /install Maven and a JDK \(on Debian or Ubuntu: sudo apt install maven\)/],
      ["gradle", /install Gradle \(https:\/\/gradle\.org\/install\/\)/],
      ["ctest", /install CMake, which brings ctest/],
    ];
    for (const [program, words] of cases) {
      const result = await runTool(runTestsTool, {}, ctx(project({}), `/nonexistent/bin/${program} test`));
      assert.ok(result.ok);
      const line = result.text.split("\n")[1]!;
      assert.match(line, /^\[tests did not run: `\/nonexistent\/bin\/\w+` was not found \(exit code 127\); /);
      assert.match(line, words);
    }
  });

  it("says a Java toolchain's missing JDK in words", async () => {
    const gradlew = "#!/bin/sh\necho 'ERROR: JAVA_HOME is not set and no '\\''java'\\'' command could be found in your PATH.' >&2\nexit 1\n";
    const dir = project({ "build.gradle": "", gradlew });
    const result = await runTool(runTestsTool, {}, ctx(dir, "sh gradlew test"));
    assert.match(result.text.split("\n")[1]!, /^\[tests did not run: no Java was found \(exit code 1\); install a JDK \(on Debian or Ubuntu: sudo apt install default-jdk\), or set JAVA_HOME to one\]/);
  });

  it("says a checked-out ./gradlew without its executable bit is that, with the mend (a real exit 126)", async () => {
    const dir = project({ "build.gradle": "", gradlew: "#!/bin/sh\necho never\n" });
    const result = await runTool(runTestsTool, {}, ctx(dir));
    assert.ok(result.ok);
    assert.match(result.text, /^\$ \.\/gradlew test/);
    assert.equal(
      result.text.split("\n")[1],
      "[tests did not run: ./gradlew is not executable (exit code 126): make it so with `chmod +x gradlew` (and `git update-index --chmod=+x gradlew` to keep that in the repository), or configure the test command as `sh gradlew test`]",
    );
  });

  it("says so where sh is bash speaking the user's language (Fedora, Arch: 'bash: Zeile 1: ./gradlew: Keine Berechtigung'), and not for a script that is executable", async (t) => {
    // bash's words follow LANGUAGE unless the locale is C; C.UTF-8 is not C and is in every glibc.
    const german = spawnSync("bash", ["-c", "./missing-script"], { encoding: "utf8", env: { ...process.env, LC_ALL: "C.UTF-8", LANGUAGE: "de" } });
    if (!/Zeile 1/.test(german.stderr)) return t.skip(`bash has no German messages here: ${german.stderr.trim()}`);
    const dir = project({ "build.gradle": "", gradlew: "#!/bin/sh\necho never\n" });
    const bash = "LC_ALL=C.UTF-8 LANGUAGE=de bash -c './gradlew test'";
    const result = await runTool(runTestsTool, {}, ctx(dir, bash));
    assert.equal(
      result.text.split("\n")[1],
      "[tests did not run: ./gradlew is not executable (exit code 126): make it so with `chmod +x gradlew` (and `git update-index --chmod=+x gradlew` to keep that in the repository), or configure the test command as `sh gradlew test`]",
      result.text,
    );
    // An executable script that exits 126 with a line of that shape itself is its own failure.
    writeFileSync(join(dir, "gradlew"), "#!/bin/sh\necho 'bash: Zeile 1: ./gradlew: Keine Berechtigung' >&2\nexit 126\n", { mode: 0o755 });
    chmodSync(join(dir, "gradlew"), 0o755);
    const own = await runTool(runTestsTool, {}, ctx(dir, bash));
    assert.doesNotMatch(own.text, /is not executable/, own.text);
  });

  it("says so for a script the command reaches in a subfolder (`cd sub && ./gradlew test`), in English and German, and in words where the folder cannot be read from the command", async (t) => {
    const dir = project({});
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub", "gradlew"), "#!/bin/sh\necho never\n");
    const checked =
      "[tests did not run: ./gradlew is not executable (exit code 126): make it so with `chmod +x sub/gradlew` (and `git update-index --chmod=+x sub/gradlew` to keep that in the repository), or configure the test command to run it as `sh gradlew`]";
    const english = await runTool(runTestsTool, {}, ctx(dir, "cd sub && ./gradlew test"));
    assert.match(english.text, /^sh: \d+: \.\/gradlew: Permission denied$/m, english.text);
    assert.equal(english.text.split("\n")[1], checked, english.text);
    // A folder the command names by a variable is not known: the shell's line and exit code say it.
    const unread = await runTool(runTestsTool, {}, ctx(dir, 'D=sub; cd "$D" && ./gradlew test'));
    assert.equal(
      unread.text.split("\n")[1],
      "[tests did not run: ./gradlew could not be executed (exit code 126), as the shell says below: where it is a script without its executable bit, make it so with `chmod +x gradlew` in the folder the test command runs it from (and `git update-index --chmod=+x` on it to keep that in the repository), or configure the test command to run it as `sh gradlew`]",
      unread.text,
    );
    // An executable script there that exits 126 with such a line itself is its own failure.
    writeFileSync(join(dir, "sub", "gradlew"), "#!/bin/sh\necho 'sh: 1: ./gradlew: Permission denied' >&2\nexit 126\n");
    chmodSync(join(dir, "sub", "gradlew"), 0o755);
    const own = await runTool(runTestsTool, {}, ctx(dir, "cd sub && ./gradlew test"));
    assert.doesNotMatch(own.text.split("\n")[1]!, /not executable|could not be executed/, own.text);
    chmodSync(join(dir, "sub", "gradlew"), 0o644);
    const german = spawnSync("bash", ["-c", "./missing-script"], { encoding: "utf8", env: { ...process.env, LC_ALL: "C.UTF-8", LANGUAGE: "de" } });
    if (!/Zeile 1/.test(german.stderr)) return t.skip(`bash has no German messages here: ${german.stderr.trim()}`);
    const inGerman = await runTool(runTestsTool, {}, ctx(dir, "LC_ALL=C.UTF-8 LANGUAGE=de bash -c 'cd sub && ./gradlew test'"));
    assert.match(inGerman.text, /Keine Berechtigung$/m, inGerman.text);
    assert.equal(inGerman.text.split("\n")[1], checked, inGerman.text);
  });

  it("says so for a script named by a relative path without ./ (`android/gradlew test`, `scripts/test.sh`), and not for one that is executable", async () => {
    const dir = project({});
    mkdirSync(join(dir, "android"));
    mkdirSync(join(dir, "scripts"));
    writeFileSync(join(dir, "android", "gradlew"), "#!/bin/sh\necho never\n");
    writeFileSync(join(dir, "scripts", "test.sh"), "#!/bin/sh\necho never\n");
    const gradle = await runTool(runTestsTool, {}, ctx(dir, "android/gradlew test"));
    assert.match(gradle.text, /^sh: \d+: android\/gradlew: Permission denied$/m, gradle.text);
    assert.equal(
      gradle.text.split("\n")[1],
      "[tests did not run: android/gradlew is not executable (exit code 126): make it so with `chmod +x android/gradlew` (and `git update-index --chmod=+x android/gradlew` to keep that in the repository), or configure the test command as `sh android/gradlew test`]",
      gradle.text,
    );
    const script = await runTool(runTestsTool, {}, ctx(dir, "scripts/test.sh"));
    assert.equal(
      script.text.split("\n")[1],
      "[tests did not run: scripts/test.sh is not executable (exit code 126): make it so with `chmod +x scripts/test.sh` (and `git update-index --chmod=+x scripts/test.sh` to keep that in the repository), or configure the test command as `sh scripts/test.sh`]",
      script.text,
    );
    // An executable script that prints such a line and exits 126 itself is its own failure.
    writeFileSync(join(dir, "scripts", "test.sh"), "#!/bin/sh\necho 'sh: 1: scripts/test.sh: Permission denied' >&2\nexit 126\n");
    chmodSync(join(dir, "scripts", "test.sh"), 0o755);
    const own = await runTool(runTestsTool, {}, ctx(dir, "scripts/test.sh"));
    assert.doesNotMatch(own.text.split("\n")[1]!, /not executable|could not be executed/, own.text);
  });
});

describe("a filter on go, Maven and Gradle", () => {
  // Appended as it is, a test name became a package (go: "package TestAdd is not in GOROOT"), a lifecycle phase (Maven) or a task (Gradle).
  const shown = (files: Record<string, string>, filter: string) => testRunShown(new DiskWorkspace(project(files)), undefined, filter);

  it("goes where each runner takes a test's name", async () => {
    assert.equal(await shown({ "go.mod": "module x" }, "TestAdd"), "`go test -run TestAdd ./...` (go.mod)");
    assert.equal(await shown({ "go.mod": "module x" }, "TestAdd/sub"), "`go test -run TestAdd/sub ./...` (go.mod)");
    assert.equal(await shown({ "pom.xml": "<project/>" }, "CalcTest#adds"), "`mvn -q test '-Dtest=CalcTest#adds'` (pom.xml)");
    assert.equal(await shown({ "build.gradle": "", gradlew: "" }, "CalcTest"), "`./gradlew test --tests CalcTest` (build.gradle)");
    // cargo takes a name where it is appended.
    assert.equal(await shown({ "Cargo.toml": "[package]" }, "tests::adds"), "`cargo test tests::adds` (Cargo.toml)");
  });

  it("puts the filter in place of a -run the user's own go test command has, not after it", async () => {
    // Appended, a second -run went first and the user's own (go takes the last) chose the tests: TestAdd ran TestFoo.
    const configured = async (command: string, filter: string) => (await testRunShown(new DiskWorkspace(project({ "go.mod": "module x" })), command, filter)) ?? "";
    assert.match(await configured("go test -v -run=TestFoo ./...", "TestAdd"), /^`go test -run TestAdd -v \.\/\.\.\.`/);
    assert.match(await configured("go test -run TestFoo -race ./...", "TestAdd"), /^`go test -run TestAdd -race \.\/\.\.\.`/);
    assert.match(await configured("go test -count=1 ./...", "TestAdd/sub case"), /^`go test -run 'TestAdd\/sub case' -count=1 \.\/\.\.\.`/);
  });

  it("runs a CMake project's tests in its build folder with ctest, a filter as -R", async () => {
    const dir = project({ "CMakeLists.txt": "cmake_minimum_required(VERSION 3.20)\nproject(calc C)\nenable_testing()\nadd_executable(t t.c)\nadd_test(NAME adds COMMAND t)\n" });
    mkdirSync(join(dir, "build"));
    writeFileSync(join(dir, "build", "CTestTestfile.cmake"), "add_test([=[adds]=] \"t\")\n");
    assert.equal(await testRunShown(new DiskWorkspace(dir), undefined), "`cmake --build build && ctest --test-dir build --output-on-failure` (CMakeLists.txt, configured in build/)");
    assert.equal(await testRunShown(new DiskWorkspace(dir), undefined, "adds"), "`cmake --build build && ctest --test-dir build --output-on-failure -R adds` (CMakeLists.txt, configured in build/)");
  });

  it("leaves a go package path as one", async () => {
    assert.equal(await shown({ "go.mod": "module x" }, "./calc/..."), "`go test ./calc/...` (go.mod)");
  });
});

describe("a test binary that dies before its tests end (a panic in a goroutine, a signal, an abort)", () => {
  // Real captures: go 1.19 (a package whose test panics in a goroutine, one whose test is SIGKILLed), cargo 1.95
  // --no-fail-fast (a binary that aborts, a failing doc-test). Their dead tests print no "--- FAIL" or "test result" line.
  it("counts go -v's tests that started and never ended as failed", () => {
    assert.deepEqual(countTests(output("go-died-v")), { passed: 3, failed: 2, skipped: 0, fromEveryLine: true });
    assert.deepEqual(countTests(output("go-died")), { passed: 1, failed: 2, skipped: 0, fromEveryLine: true, unit: "packages" });
  });

  it("counts go test -json's tests, the ones that never ended as failed", () => {
    assert.deepEqual(countTests(output("go-json-died")), { passed: 3, failed: 2, skipped: 0, fromEveryLine: true });
    assert.deepEqual(countTests(output("go-json-pass")), { passed: 1, failed: 0, skipped: 0, fromEveryLine: true });
  });

  it("counts a cargo test binary killed by a signal as its unfinished tests failed", async () => {
    assert.deepEqual(countTests(output("cargo-died")), { passed: 4, failed: 3, skipped: 0, fromEveryLine: true });
    const run = await replay("cargo-died", 101);
    assert.equal(run.passed, false);
    assert.equal(run.text, "[tests FAILED: 4 passed, 3 failed; exit code 101]");
  });

  it("says go -json's runs with their counts", async () => {
    assert.equal((await replay("go-json-died", 1)).text, "[tests FAILED: 3 passed, 2 failed; exit code 1]");
    assert.equal((await replay("go-json-pass", 0)).text, "[tests PASSED: 1 passed, 0 failed; exit code 0]");
  });
});
