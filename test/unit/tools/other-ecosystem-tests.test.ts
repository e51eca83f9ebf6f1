/**
 * run_tests on Ruby, PHP and Elixir projects: which command a project's files point to, and the counts and
 * words for what the real runners print. The outputs in test/fixtures/tools/test-output were
 * captured from real runs with NO_COLOR=1 and stdin closed: RSpec 3.12 (rspec-core 3.12.0,
 * ruby 3.1.2) — rspec-*.txt —, Minitest through rake 13.0.6's test task — minitest-*.txt —, of
 * small projects with passing, failing, pending and unloadable tests, and bundler 2.3.15's
 * `bundle exec rspec` without the Gemfile's gems — bundle-*.txt —; PHPUnit 9.6.7 (php 8.2) —
 * phpunit-*.txt; mix test of Elixir 1.14.0 (OTP 24) — mix-*.txt. No runner needs to be
 * installed: each run replays a captured output with the exit code it had.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, it } from "node:test";
import { DiskWorkspace, countTests, runTool } from "../../../src/tools/index.ts";
import { runTestsTool, testRunShown } from "../../../src/tools/run-tests.ts";
import { tempDir } from "../../fixtures/temp.ts";

const OUTPUTS = resolve(import.meta.dirname, "../../fixtures/tools/test-output");
const output = (name: string) => readFileSync(join(OUTPUTS, `${name}.txt`), "utf8");

function project(files: Record<string, string>): string {
  const dir = tempDir("hearth-ecosystem-");
  for (const [name, content] of Object.entries(files)) {
    // A name ending in / is a folder.
    mkdirSync(name.endsWith("/") ? join(dir, name) : dirname(join(dir, name)), { recursive: true });
    if (!name.endsWith("/")) writeFileSync(join(dir, name), content);
  }
  return dir;
}
const ctx = (dir: string, testCommand?: string) => ({ workspace: new DiskWorkspace(dir), signal: new AbortController().signal, ...(testCommand ? { testCommand } : {}) });

/** run_tests with a configured command that prints the captured output and exits as the real run did: its verdict line. */
async function replay(name: string, exitCode: number): Promise<{ text: string; passed: boolean }> {
  const result = await runTool(runTestsTool, {}, ctx(project({}), `cat ${join(OUTPUTS, `${name}.txt`)}; exit ${exitCode}`));
  assert.ok(result.ok, result.text);
  return { text: result.text.split("\n")[1]!, passed: (result.data as { passed: boolean }).passed };
}

describe("Ruby: RSpec and Minitest", () => {
  it("counts RSpec's and Minitest's real summaries", () => {
    assert.deepEqual(countTests(output("rspec-fail")), { passed: 2, failed: 1, skipped: 2 });
    assert.deepEqual(countTests(output("rspec-pass")), { passed: 2, failed: 0, skipped: 0 });
    assert.deepEqual(countTests(output("minitest-fail")), { passed: 1, failed: 2, skipped: 1 });
    assert.deepEqual(countTests(output("minitest-pass")), { passed: 1, failed: 0, skipped: 0 });
  });

  it("says a run's counts, and a spec or test file that did not load as the tests not built", async () => {
    assert.deepEqual(await replay("rspec-fail", 1), { passed: false, text: "[tests FAILED: 2 passed, 1 failed, 2 skipped; exit code 1]" });
    assert.deepEqual(await replay("rspec-pass", 0), { passed: true, text: "[tests PASSED: 2 passed, 0 failed; exit code 0]" });
    assert.deepEqual(await replay("minitest-fail", 1), { passed: false, text: "[tests FAILED: 1 passed, 2 failed, 1 skipped; exit code 1]" });
    assert.deepEqual(await replay("rspec-load", 1), {
      passed: false,
      text: "[the tests did not build: RSpec could not load ./spec/broken_spec.rb, so no test ran — its errors are in the output below; fix them and run the tests again (exit code 1)]",
    });
    assert.deepEqual(await replay("minitest-load", 1), {
      passed: false,
      text: "[the tests did not build: Ruby could not load /tmp/f13/mt/test/broken_test.rb (SyntaxError), so no test ran — its errors are in the output below; fix them and run the tests again (exit code 1)]",
    });
  });

  it("says Bundler could not start rspec where the Gemfile's gems are not installed, or rspec is not in it (bundler 2.3.15)", async () => {
    assert.deepEqual(await replay("bundle-uninstalled", 1), {
      passed: false,
      text: "[tests did not run: Bundler could not start rspec: the project's gems are not installed (Could not find gem 'rspec (= 3.13.0)' in locally installed gems); run `bundle install`, then the tests again (exit code 1)]",
    });
    assert.deepEqual(await replay("bundle-not-in-gemfile", 1), {
      passed: false,
      text: "[tests did not run: Bundler could not start rspec: its gem is not in the project's Gemfile (bundle exec runs only the Gemfile's gems); add it there (gem \"rspec\" in the test group) and run `bundle install`, or configure the test command (exit code 1)]",
    });
  });

  it("names what to install where rspec is not found", async () => {
    const result = await runTool(runTestsTool, {}, ctx(project({}), "PATH=/nonexistent; rspec"));
    assert.ok(result.ok, result.text);
    assert.match(result.text.split("\n")[1]!, /^\[tests did not run: `rspec` was not found \(exit code 127\); install Ruby and the project's gems \(on Debian or Ubuntu: sudo apt install ruby-full/);
  });

  it("detects rspec where there is a spec/ folder or .rspec, rake test for a Rakefile with test/, through Bundler with a Gemfile", async () => {
    const shown = (files: Record<string, string>) => testRunShown(new DiskWorkspace(project(files)), undefined);
    assert.equal(await shown({ Gemfile: "gem 'rspec'\n", "spec/": "" }), "`bundle exec rspec` (spec/ (RSpec), through Bundler (Gemfile))");
    assert.equal(await shown({ ".rspec": "--require spec_helper\n" }), "`rspec` (.rspec (RSpec))");
    assert.equal(await shown({ Gemfile: "", Rakefile: "require 'rake/testtask'\n", "test/": "" }), "`bundle exec rake test` (Rakefile and test/ (Minitest through rake), through Bundler (Gemfile))");
    assert.equal(await shown({ Rakefile: "", "test/": "" }), "`rake test` (Rakefile and test/ (Minitest through rake))");
    // A Rakefile without test/, or a Gemfile alone, is no test setup; package.json's test script comes first.
    assert.equal(await shown({ Gemfile: "", Rakefile: "" }), undefined);
    assert.equal(await shown({ Gemfile: "", "spec/": "", "package.json": '{"scripts":{"test":"jest"}}' }), "`npm test` (package.json's test script: jest)");
  });
});

describe("PHP: PHPUnit and Pest", () => {
  it("counts PHPUnit's real summaries", () => {
    assert.deepEqual(countTests(output("phpunit-fail")), { passed: 2, failed: 2, skipped: 1 });
    assert.deepEqual(countTests(output("phpunit-skip")), { passed: 2, failed: 0, skipped: 1 });
    assert.deepEqual(countTests(output("phpunit-pass")), { passed: 2, failed: 0, skipped: 0 });
    // PHPUnit 10 and later (ResultPrinter::printFooter): two-word fields, which PHPUnit 11 prints for its doc-comment annotations' deprecations.
    assert.deepEqual(countTests("FAILURES!\nTests: 5, Assertions: 3, Failures: 1, PHPUnit Deprecations: 2, Skipped: 1.\n"), { passed: 3, failed: 1, skipped: 1 });
    assert.deepEqual(countTests("OK, but there were issues!\nTests: 2, Assertions: 2, PHPUnit Warnings: 1, Deprecations: 1.\n"), { passed: 2, failed: 0, skipped: 0 });
  });

  it("says a run's counts, and a test file PHP could not parse as the tests not built", async () => {
    assert.deepEqual(await replay("phpunit-fail", 2), { passed: false, text: "[tests FAILED: 2 passed, 2 failed, 1 skipped; exit code 2]" });
    assert.deepEqual(await replay("phpunit-pass", 0), { passed: true, text: "[tests PASSED: 2 passed, 0 failed; exit code 0]" });
    assert.deepEqual(await replay("phpunit-parse", 255), {
      passed: false,
      text: "[the tests did not build: PHP could not parse /tmp/f13/php/tests/BrokenTest.php, so no test ran — its errors are in the output below; fix them and run the tests again (exit code 255)]",
    });
  });

  it("detects vendor/bin/phpunit (or pest) where phpunit.xml is, and says to run composer install where vendor/ is not there", async () => {
    const shown = (files: Record<string, string>) => testRunShown(new DiskWorkspace(project(files)), undefined);
    assert.equal(await shown({ "composer.json": "{}", "phpunit.xml.dist": "<phpunit/>" }), "`vendor/bin/phpunit` (phpunit.xml.dist (PHPUnit))");
    assert.equal(await shown({ "phpunit.xml": "<phpunit/>" }), "`phpunit` (phpunit.xml (PHPUnit))");
    assert.equal(await shown({ "composer.json": "{}", "phpunit.xml": "<phpunit/>", "tests/Pest.php": "<?php\n" }), "`vendor/bin/pest` (tests/Pest.php and phpunit.xml (Pest))");
    // composer.json alone is no test setup.
    assert.equal(await shown({ "composer.json": "{}" }), undefined);
    const result = await runTool(runTestsTool, {}, ctx(project({ "composer.json": "{}", "phpunit.xml": "<phpunit/>" })));
    assert.ok(result.ok, result.text);
    assert.equal(result.text.split("\n")[1], "[tests did not run: `vendor/bin/phpunit` was not found (exit code 127); install the project's dependencies with Composer (composer install), which puts it in vendor/bin, or configure the test command]");
  });
});

describe("Elixir: mix test", () => {
  it("counts ExUnit's real summary, doctests with the tests", () => {
    assert.deepEqual(countTests(output("mix-fail")), { passed: 2, failed: 1, skipped: 1 });
    assert.deepEqual(countTests(output("mix-pass")), { passed: 2, failed: 0, skipped: 1 });
    assert.deepEqual(countTests("5 tests, 1 failure, 1 invalid, 2 excluded\n"), { passed: 1, failed: 2, skipped: 2 });
    // Real mix test --exclude slow of Elixir 1.14: the excluded test counted among the 4 tests.
    assert.deepEqual(countTests("Finished in 0.01 seconds (0.00s async, 0.01s sync)\n4 tests, 1 failure, 1 excluded, 1 skipped\n"), { passed: 1, failed: 1, skipped: 2 });
    // Later Elixir (ExUnit.CLIFormatter's print_summary): the excluded after the rest, in brackets, not among the tests.
    assert.deepEqual(countTests("3 tests, 1 failure, 1 skipped (1 excluded)\n"), { passed: 1, failed: 1, skipped: 2 });
    assert.deepEqual(countTests("1 doctest, 2 tests, 0 failures (3 excluded)\n"), { passed: 3, failed: 0, skipped: 3 });
    // An umbrella's mix test (real, Elixir 1.14: apps a and b, b's test failing): one summary per app, summed.
    assert.deepEqual(countTests(output("mix-umbrella")), { passed: 3, failed: 1, skipped: 0, fromEveryLine: true });
  });

  it("says a run's counts, and a compile error in the project or a test file as the tests not built", async () => {
    assert.deepEqual(await replay("mix-fail", 2), { passed: false, text: "[tests FAILED: 2 passed, 1 failed, 1 skipped; exit code 2]" });
    assert.deepEqual(await replay("mix-pass", 0), { passed: true, text: "[tests PASSED: 2 passed, 0 failed, 1 skipped; exit code 0]" });
    assert.deepEqual(await replay("mix-umbrella", 2), { passed: false, text: "[tests FAILED: 3 passed, 1 failed; exit code 2]" });
    for (const [name, file] of [["mix-compile", "lib/ex.ex"], ["mix-test-compile", "test/b_test.exs"]]) {
      assert.deepEqual(await replay(name!, 1), {
        passed: false,
        text: `[the tests did not build: mix could not compile ${file}, so no test ran — its errors are in the output below; fix them and run the tests again (exit code 1)]`,
      });
    }
  });

  it("detects mix test from mix.exs", async () => {
    assert.equal(await testRunShown(new DiskWorkspace(project({ "mix.exs": "defmodule Ex.MixProject do\nend\n" })), undefined), "`mix test` (mix.exs (an Elixir project))");
  });
});

describe("run_tests' description", () => {
  it("names the Ruby, PHP and Elixir projects it detects, so that the model does not reach for run_command there", () => {
    for (const word of ["a Ruby project's spec/ or Rakefile", "phpunit.xml", "mix.exs", "CMake"]) assert.ok(runTestsTool.definition.description.includes(word), word);
  });
});
