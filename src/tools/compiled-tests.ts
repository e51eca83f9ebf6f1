/**
 * What run_tests needs to know of compiled languages' test runners — go test, cargo, Maven,
 * Gradle, CTest; and deno test's type check — beyond their counts: a compile error, after which no test ran (read as
 * "counts not recognized", or go's "1 failed" package, it sent the model hunting a failing
 * test); the toolchain to install where it is missing; and where a test's name goes in the
 * command (appended as it is, it became a go package, a Maven phase or a Gradle task).
 */
import { access, constants, stat } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import { missingProgram } from "../protocol/program-search.ts";
import { shellWord } from "../protocol/shell-word.ts";

/**
 * The compile step's failure, where the output shows one: in words ("cargo could not compile
 * `rs` (lib test)"), and how many of go's package lines ("FAIL pkg [build failed]") it covers.
 */
export function buildFailure(output: string): { words: string; packages: number } | undefined {
  const go = [...output.matchAll(/^FAIL\s+(\S+) \[(?:build|setup) failed\]\s*$/gm)].map((m) => m[1]!);
  // go vet's findings, which go test runs first, end a package the same way ("# pkg" and the finding above it).
  if (go.length) return { words: `go could not build (or vet) ${[...new Set(go)].join(", ")}`, packages: go.length };
  const cargo = output.match(/^error: could not compile (`[^`\n]+`(?: \([^)\n]+\))?)/m)?.[1];
  if (cargo) return { words: `cargo could not compile ${cargo}`, packages: 0 };
  // deno test type-checks the test modules before running any: Deno 2 ends "error: Type checking failed.", Deno 1 began the first error "error: TS2322 [ERROR]: ".
  if (/^error: (?:Type checking failed\.$|TS\d+ \[ERROR\]: )/m.test(output)) return { words: "Deno's type check failed, so no test ran", packages: 0 };
  if (/^\[ERROR\] (?:COMPILATION ERROR|Failed to execute goal \S+maven-compiler-plugin)/m.test(output)) return { words: "Maven could not compile the project", packages: 0 };
  // RSpec runs no example when a spec file does not load ("An error occurred while loading ./spec/x_spec.rb."); Minitest's
  // rake test ends at ruby's own error ("…/test/x_test.rb:4: syntax error, unexpected `end' (SyntaxError)"), naming the file.
  const rspec = [...new Set([...output.matchAll(/^An error occurred while loading (\S+?)\.?$/gm)].map((m) => m[1]!))];
  if (rspec.length) return { words: `RSpec could not load ${rspec.join(", ")}, so no test ran`, packages: 0 };
  const ruby = output.match(/(?<=^|\s)(\S+\.rb):\d+: .*\((SyntaxError|LoadError)\)$/m);
  if (ruby) return { words: `Ruby could not load ${ruby[1]} (${ruby[2]}), so no test ran`, packages: 0 };
  // mix test compiles the project and the test files first: Elixir 1.14 "== Compilation error in file lib/x.ex ==", later ones "** (CompileError) test/x_test.exs: cannot compile …".
  const elixir = output.match(/^== Compilation error in file (\S+) ==$/m)?.[1] ?? output.match(/^\*\* \((?:CompileError|SyntaxError|TokenMissingError|MismatchedDelimiterError)\) ([^\s:]+\.exs?):/m)?.[1];
  if (elixir) return { words: `mix could not compile ${elixir}, so no test ran`, packages: 0 };
  // PHP's parse error in a test file stops PHPUnit before any test: "PHP Fatal error:  Uncaught ParseError: syntax error, … in /p/tests/XTest.php:4".
  const php = output.match(/^(?:PHP )?(?:Fatal error: +Uncaught ParseError|Parse error): .* in (\S+\.php)(?::\d+| on line \d+)$/m)?.[1];
  if (php) return { words: `PHP could not parse ${php}, so no test ran`, packages: 0 };
  const gradle = output.match(/^\s*Execution failed for task '(:(?:[\w-]+:)*compile\w*)'/m)?.[1];
  return gradle ? { words: `Gradle's task ${gradle} failed`, packages: 0 } : undefined;
}

/** What to install where the test command's program (`program`, as the shell named it) is missing; undefined for one not known here. */
export function toolchainInstall(program: string): string | undefined {
  switch (basename(program)) {
    case "go":
      return "install Go (https://go.dev/doc/install; on Debian or Ubuntu: sudo apt install golang-go), or configure the test command";
    case "cargo":
      return "install Rust with rustup (https://rustup.rs), which brings cargo, or configure the test command";
    case "mvn":
      return "install Maven and a JDK (on Debian or Ubuntu: sudo apt install maven), or configure the test command";
    case "gradle":
      return "install Gradle (https://gradle.org/install/), or add the Gradle wrapper to the project (gradle wrapper) and run ./gradlew test";
    case "ctest":
    case "cmake":
      return "install CMake, which brings ctest (on Debian or Ubuntu: sudo apt install cmake), or configure the test command";
    case "rspec":
    case "rake":
    case "bundle":
      return "install Ruby and the project's gems (on Debian or Ubuntu: sudo apt install ruby-full, then gem install bundler and bundle install), or configure the test command";
    case "mix":
      return "install Elixir, which brings mix (https://elixir-lang.org/install.html; on Debian or Ubuntu: sudo apt install elixir), or configure the test command";
    case "phpunit":
    case "pest":
      return program.includes("vendor/bin/")
        ? "install the project's dependencies with Composer (composer install), which puts it in vendor/bin, or configure the test command"
        : "install PHPUnit (on Debian or Ubuntu: sudo apt install phpunit) or the project's dependencies with Composer (composer install), or configure the test command";
    case "make":
      return "install make (on Debian or Ubuntu: sudo apt install build-essential), or configure the test command";
    default:
      return undefined;
  }
}

/**
 * `bundle exec rspec` (or rake) that Bundler could not start (bundler 2.3: "bundler: failed to
 * load command: rspec (/usr/bin/rspec)"): the Gemfile's gems not installed (Bundler::GemNotFound,
 * "Could not find gem 'rspec (= 3.13.0)' in locally installed gems."), or the command's gem not
 * in the Gemfile at all (its require's LoadError). It read "tests FAILED: counts not recognized".
 */
function bundlerUnloaded(output: string): string | undefined {
  const command = output.match(/^bundler: failed to load command: (\S+)/m)?.[1];
  if (command === undefined) return undefined;
  const missing = output.match(/(Could not find gem '[^'\n]+' in [^\n(]*?)\.? \(Bundler::GemNotFound\)$/m)?.[1];
  if (missing) return `Bundler could not start ${command}: the project's gems are not installed (${missing}); run \`bundle install\`, then the tests again`;
  if (/\(LoadError\)$/m.test(output)) return `Bundler could not start ${command}: its gem is not in the project's Gemfile (bundle exec runs only the Gemfile's gems); add it there (gem "${command}" in the test group) and run \`bundle install\`, or configure the test command`;
  return `Bundler could not start ${command}, as its output below says; \`bundle install\` installs the Gemfile's gems`;
}

/**
 * A run that could not start its runner for a reason said in its output: no Java for Maven or
 * Gradle, or a wrapper script without its executable bit — `unexecutable`, the script the
 * shell could not run, which run-tests.ts finds by lacksExecBit.
 */
export function unstartedRunner(exitCode: number | null, output: string, exit: string, unexecutable: Unexecutable | undefined): string | undefined {
  // gradlew: "ERROR: JAVA_HOME is not set and no 'java' command could be found in your PATH."; mvn: "The JAVA_HOME environment variable is not defined correctly".
  if (exitCode !== 0 && /JAVA_HOME (?:is not set and no 'java' command|environment variable is not defined correctly|is set to an invalid directory)/.test(output)) {
    return `no Java was found (${exit}); install a JDK (on Debian or Ubuntu: sudo apt install default-jdk), or set JAVA_HOME to one`;
  }
  const bundled = exitCode !== 0 ? bundlerUnloaded(output) : undefined;
  if (bundled) return `${bundled} (${exit})`;
  if (exitCode !== 126 || unexecutable === undefined) return undefined;
  const { script, file, asSh } = unexecutable;
  const name = script.startsWith("./") ? script.slice(2) : script;
  const bySh = `or configure the test command to run it as \`sh ${name}\``;
  if (file === undefined) {
    return `${script} could not be executed (${exit}), as the shell says below: where it is a script without its executable bit, make it so with \`chmod +x ${name}\` in the folder the test command runs it from (and \`git update-index --chmod=+x\` on it to keep that in the repository), ${bySh}`;
  }
  const mend = `make it so with \`chmod +x ${shellWord(file)}\` (and \`git update-index --chmod=+x ${shellWord(file)}\` to keep that in the repository)`;
  const whole = script.startsWith("./") ? `sh ${name} test` : asSh;
  return `${script} is not executable (${exit}): ${mend}, ${file === name && whole !== undefined ? `or configure the test command as \`${whole}\`` : bySh}`;
}

/**
 * The command with a filter where the runner takes a test's name: go's -run (a package path
 * takes ./...'s place), Maven's -Dtest, Gradle's --tests; undefined for other runners.
 */
export function compiledFilter(command: string, filter: string): string | undefined {
  const words = command.trim().split(/\s+/);
  const [program, task] = [basename(words[0] ?? ""), words[1]];
  if (program === "go" && task === "test") {
    if (/^\.{1,2}(?:\/|$)|\.go$/.test(filter)) return words.includes("./...") ? words.map((w) => (w === "./..." ? filter : w)).join(" ") : `${command} ${filter}`;
    // The user's own -run goes: go takes the last one, so it, not the filter, chose the tests.
    const rest = words.slice(2).filter((word, i, all) => !/^--?run(?:=|$)/.test(word) && !/^--?run$/.test(all[i - 1] ?? ""));
    return `${words[0]} test -run ${shellWord(filter)} ${rest.join(" ")}`.trimEnd();
  }
  if (words.includes("ctest") && !words.some((w) => /^-R$|^--tests-regex$/.test(w)) && !/^-/.test(filter)) return `${command} -R ${shellWord(filter)}`;
  if ((program === "mvn" || program === "mvnw") && words.includes("test") && !/^-/.test(filter)) return `${command} ${shellWord(`-Dtest=${filter}`)}`;
  if ((program === "gradlew" || program === "gradle") && words.includes("test") && !/^-/.test(filter)) return `${command} --tests ${shellWord(filter)}`;
  return undefined;
}

interface Tally { passed: number; failed: number; skipped: number }

/**
 * go test -v's tests that a failed package started ("=== RUN   TestX") and never ended ("--- PASS/FAIL/SKIP: TestX"):
 * a panic in a goroutine, a signal or os.Exit ends the test binary with no "--- FAIL" line, and "3 passed, 0 failed"
 * hid the tests it killed. Output is per package, each ending "ok pkg …" or "FAIL pkg …".
 */
export function goUnfinished(out: string): number {
  let started = new Set<string>();
  let ended = new Set<string>();
  let unfinished = 0;
  for (const line of out.split("\n")) {
    const run = line.match(/^=== RUN\s+(\S+)/)?.[1];
    if (run !== undefined) started.add(run);
    const end = line.match(/^\s*--- (?:PASS|FAIL|SKIP): (\S+)/)?.[1];
    if (end !== undefined) ended.add(end);
    const pkg = line.match(/^(ok|FAIL)\s+\S+\s/)?.[1];
    if (pkg === undefined) continue;
    if (pkg === "FAIL") unfinished += [...started].filter((name) => !ended.has(name)).length;
    started = new Set();
    ended = new Set();
  }
  return unfinished;
}

/**
 * go test -json's events ({"Action":"pass","Package":…,"Test":…}, one a line): each test's end, and as failed the
 * tests a failed package started and never ended (go 1.19 sends no event for a test its binary's death cut short).
 */
export function goJsonCounts(out: string): Tally | undefined {
  const started = new Map<string, Set<string>>();
  const tally = { passed: 0, failed: 0, skipped: 0 };
  let events = 0;
  for (const line of out.split("\n")) {
    if (!line.startsWith("{") || !line.includes('"Action"')) continue;
    let event: { Action?: unknown; Package?: unknown; Test?: unknown };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      continue;
    }
    const [action, pkg, test] = [event.Action, String(event.Package ?? ""), event.Test];
    if (typeof action !== "string") continue;
    events++;
    const tests = started.get(pkg) ?? new Set<string>();
    started.set(pkg, tests);
    if (typeof test !== "string") {
      if (action === "fail") tally.failed += tests.size;
      if (action === "pass" || action === "fail" || action === "skip") tests.clear();
    } else if (action === "run") tests.add(test);
    else if (action === "pass" || action === "fail" || action === "skip") {
      tests.delete(test);
      tally[action === "pass" ? "passed" : action === "fail" ? "failed" : "skipped"]++;
    }
  }
  return events > 0 ? tally : undefined;
}

/**
 * cargo's test binaries that died ("process didn't exit successfully: `…` (signal: 6, SIGABRT …)") after "running N
 * tests" and before their "test result:" line: the tests they said ok or ignored, and the rest as failed.
 */
export function cargoUnfinished(out: string): Tally {
  const tally = { passed: 0, failed: 0, skipped: 0 };
  for (const block of out.split(/^(?=running \d+ tests?$)/m).slice(1)) {
    if (/^test result: /m.test(block) || !/^\s*process didn't exit successfully: /m.test(block)) continue;
    const ok = (block.match(/^test .+ \.\.\. ok$/gm) ?? []).length;
    const ignored = (block.match(/^test .+ \.\.\. ignored\b.*$/gm) ?? []).length;
    tally.passed += ok;
    tally.skipped += ignored;
    tally.failed += Math.max(1, Number(block.match(/^running (\d+)/)![1]) - ok - ignored);
  }
  return tally;
}

/** A script named by a relative path (`./gradlew`, `android/gradlew`) the shell could not run (exit 126): lacksExecBit. */
export interface Unexecutable {
  /** As the shell printed it. */
  script: string;
  /** Its path from the workspace root, where it was found without its executable bit; none where the command's folder for it is not known. */
  file?: string;
  /** The test command with `sh` running the script, where the command starts with a script named without `./` (`sh scripts/test.sh`). */
  asSh?: string;
}

/**
 * The script a shell could not run (exit 126), named by a relative path (`./gradlew`,
 * `android/gradlew`), that is a file without its executable bit:
 * read from the shell's line by its shape (missingProgram), not its words, since bash says
 * them in the user's language where sh is bash (Fedora, Arch: "bash: Zeile 1: ./gradlew: Keine
 * Berechtigung"); the bit is asked of the file, in the folder the command's `cd`s lead to
 * (`cd android && ./gradlew test`), so a directory, a binary for another machine or a script
 * that exits 126 itself is not taken for one. Where that folder is not known (`cd "$DIR"`) or
 * the file is not there, the shell's line and exit code say it, without `file`.
 */
export async function lacksExecBit(root: string, command: string, exitCode: number | null, output: string): Promise<Unexecutable | undefined> {
  const script = exitCode === 126 ? missingProgram(output) : undefined;
  // A relative path (`./gradlew`, `android/gradlew`, `scripts/test.sh`): a bare name is one PATH found, an absolute path not the project's.
  if (script === undefined || !script.includes("/") || /^[/~]/.test(script)) return undefined;
  const folder = commandFolder(root, command, script);
  const path = folder === undefined ? undefined : join(folder, script);
  const found = path === undefined ? undefined : await stat(path).catch(() => undefined);
  // A path not found where the command runs it is said from the shell's line only for `./script` (a test's own line may name any path).
  if (path === undefined || found === undefined) return script.startsWith("./") ? { script } : undefined;
  if (!found.isFile()) return undefined;
  if (await access(path, constants.X_OK).then(() => true, () => false)) return undefined;
  const trimmed = command.trim();
  const first = trimmed === script || trimmed.startsWith(`${script} `);
  return { script, file: relative(root, path), ...(first ? { asSh: `sh ${trimmed}` } : {}) };
}

/**
 * The folder the command's `cd`s before `script` leave the shell in, from `root`; undefined
 * where a `cd`'s folder is not a plain word (a variable, quotes, `~`, `-`, none).
 */
function commandFolder(root: string, command: string, script: string): string | undefined {
  const at = command.indexOf(script);
  let folder = root;
  for (const [, to] of (at < 0 ? command : command.slice(0, at)).matchAll(/(?:^|[\s;&|('"])cd(?:\s+([^\s;&|()]+))?(?=\s*(?:$|[;&|)'"]))/g)) {
    if (to === undefined || to === "-" || !/^[\w@%+=:,./-]+$/.test(to)) return undefined;
    folder = resolve(folder, to);
  }
  return folder;
}
