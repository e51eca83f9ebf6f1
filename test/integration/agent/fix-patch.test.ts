// The patch `hearth fix` returns is what SWE-bench and reviewers apply: applied with
// `git apply` to a copy of the starting tree, it must give the agent's result byte for byte,
// whatever kind of file the agent changed.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { runFix } from "../../../src/agent/fix.ts";
import { leftOutOfPatchMessage } from "../../../src/agent/fix-files.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { MAX_CHECKPOINT_FILE_BYTES } from "../../../src/tools/limits.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

it("hearth fix's patch applies with git apply: a binary file a command wrote, a file the repository marks -diff", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-fix-patch-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [repo, copy] = [join(dir, "repo"), join(dir, "copy")];
  mkdirSync(repo);
  writeFileSync(join(repo, ".gitattributes"), "package-lock.json -diff\n");
  writeFileSync(join(repo, "package-lock.json"), '{\n  "version": "1.0.0"\n}\n');
  writeFileSync(join(repo, "logo.bin"), Buffer.from([0, 1, 2, 3]));
  cpSync(repo, copy, { recursive: true });
  const turns = [
    call("edit_file", { path: "package-lock.json", old_text: '"version": "1.0.0"', new_text: '"version": "1.0.1"' }),
    call("run_command", { command: "printf '\\000\\011\\377' > logo.bin" }),
    call("finish", { summary: "bumped" }),
  ];
  const result = await runFix({ repo, issue: "bump the version", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual([...result.changedFiles].sort(), ["logo.bin", "package-lock.json"]);
  execFileSync("git", ["apply", "-"], { cwd: copy, input: result.patch });
  for (const name of ["package-lock.json", "logo.bin"]) assert.deepEqual(readFileSync(join(copy, name)), readFileSync(join(repo, name)), name);
  assert.deepEqual(readFileSync(join(copy, "logo.bin")), Buffer.from([0, 9, 0xff]));
});

it("hearth fix's patch leaves out what commands made as build output, caches, logs or binaries, names them, and keeps what the edit tools and commands wrote as source", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-fix-junk-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [repo, copy] = [join(dir, "repo"), join(dir, "copy")];
  mkdirSync(repo);
  // No .gitignore: a small project as people start one.
  writeFileSync(join(repo, "calc.py"), "def add(a, b):\n    return a - b\n");
  writeFileSync(join(repo, "notes.txt"), "old\n");
  writeFileSync(join(repo, "logo.bin"), Buffer.from([0, 1, 2]));
  cpSync(repo, copy, { recursive: true });
  const junk = [
    "mkdir -p build/lib dist calc.egg-info coverage",
    "echo lib > build/lib/calc.py", "printf '\\037\\213\\000' > dist/calc-0.1.tar.gz", "echo meta > calc.egg-info/PKG-INFO",
    "echo c > .coverage", "echo l > coverage/lcov.info", "echo started > debug.log", "printf '\\177ELF\\000' > calc.o", "printf 'SQLite\\000' > test.db",
  ].join(" && ");
  const turns = [
    call("edit_file", { path: "calc.py", old_text: "a - b", new_text: "a + b" }),
    call("write_file", { path: "build/notes.md", content: "written by the agent on purpose\n" }),
    call("run_command", { command: junk }),
    // Source a command writes on purpose, and existing files a command changes: the fix.
    call("run_command", { command: "printf 'def sub(a, b):\\n    return a - b\\n' > helpers.py && echo new >> notes.txt && printf '\\000\\011' > logo.bin" }),
    call("finish", { summary: "fixed" }),
  ];
  const result = await runFix({ repo, issue: "add subtracts", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual([...result.changedFiles].sort(), ["build/notes.md", "calc.py", "helpers.py", "logo.bin", "notes.txt"]);
  assert.deepEqual(result.leftOutOfPatch, [
    { path: ".coverage", why: "output" }, { path: "build/lib/calc.py", why: "output" }, { path: "calc.egg-info/PKG-INFO", why: "output" },
    { path: "calc.o", why: "output" }, { path: "coverage/lcov.info", why: "output" }, { path: "debug.log", why: "output" },
    { path: "dist/calc-0.1.tar.gz", why: "output" }, { path: "test.db", why: "binary" },
  ]);
  assert.deepEqual(result.madeByCommands, ["helpers.py"]);
  execFileSync("git", ["apply", "-"], { cwd: copy, input: result.patch });
  for (const name of ["calc.py", "build/notes.md", "helpers.py", "notes.txt", "logo.bin"]) assert.deepEqual(readFileSync(join(copy, name)), readFileSync(join(repo, name)), name);
  assert.doesNotMatch(result.patch, /egg-info|\.coverage|debug\.log|calc\.o|test\.db|dist\/|build\/lib/);
  // Still on disk: the patch leaves them out, the checkout keeps them.
  assert.equal(readFileSync(join(repo, "debug.log"), "utf8"), "started\n");
});

it("hearth fix says when the checkout had uncommitted changes at the start, and which the patch builds on (it does not apply to a clean checkout of HEAD then)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-fix-dirty-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = join(dir, "repo");
  mkdirSync(join(repo, "src"), { recursive: true });
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: repo, stdio: "pipe" });
  git("init", "-q");
  writeFileSync(join(repo, "src", "calc.py"), "def add(a, b):\n    return a - b\n");
  writeFileSync(join(repo, "src", "other.py"), "X = 1\n");
  writeFileSync(join(repo, "README"), "calc\n");
  git("add", "-A");
  git("commit", "-qm", "base");
  // The user's own work in progress: an edit, a staged edit, a new file of theirs.
  writeFileSync(join(repo, "src", "calc.py"), "# mine\ndef add(a, b):\n    return a - b\n");
  writeFileSync(join(repo, "src", "other.py"), "X = 2\n");
  git("add", "src/other.py");
  writeFileSync(join(repo, "src", "scratch.txt"), "notes\n");
  const turns = [call("edit_file", { path: "calc.py", old_text: "a - b", new_text: "a + b" }), call("finish", { summary: "fixed" })];
  // The checkout given is a folder of the repository: paths are the folder's.
  const result = await runFix({ repo: join(repo, "src"), issue: "add subtracts", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.uncommittedAtStart, { files: ["calc.py", "other.py", "scratch.txt"], inPatch: ["calc.py"] });
  assert.doesNotMatch(result.patch, /^[+-].*(# mine|X = 2|scratch)/m);

  const clean = await runFix({ repo: join(repo, "src"), issue: "add subtracts", backend: new ScriptedBackend({ turns: [call("finish", { summary: "nothing" })] }), storageDir: join(dir, "state2"), policy: "auto-all" });
  assert.equal(clean.uncommittedAtStart?.inPatch.length, 0);
});

it("a file a command grows past the checkpoints' size limit is not deleted by the patch, and is named as left out of it", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-fix-grown-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [repo, copy] = [join(dir, "repo"), join(dir, "copy")];
  mkdirSync(repo);
  writeFileSync(join(repo, "data.csv"), "a,b\n");
  writeFileSync(join(repo, "calc.py"), "def add(a, b):\n    return a - b\n");
  cpSync(repo, copy, { recursive: true });
  const turns = [
    call("run_command", { command: `truncate -s ${MAX_CHECKPOINT_FILE_BYTES + 1} data.csv` }),
    call("edit_file", { path: "calc.py", old_text: "a - b", new_text: "a + b" }),
    call("finish", { summary: "fixed" }),
  ];
  const result = await runFix({ repo, issue: "add subtracts", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.changedFiles, ["calc.py"]);
  assert.deepEqual(result.leftOutOfPatch, [{ path: "data.csv", why: "large" }]);
  assert.deepEqual(leftOutOfPatchMessage(result.leftOutOfPatch!), ["not in the patch: a command's change to 1 file(s) now over 32 MiB, which checkpoints leave out (the checkout has the change; the patch leaves the file as it was): data.csv"]);
  execFileSync("git", ["apply", "-"], { cwd: copy, input: result.patch });
  assert.equal(readFileSync(join(copy, "data.csv"), "utf8"), "a,b\n");
});

it("a file over the checkpoints' size limit at the start that a command shrinks under it is not a new file in the patch: it is left out and named", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-fix-shrunk-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [repo, copy] = [join(dir, "repo"), join(dir, "copy")];
  mkdirSync(repo);
  writeFileSync(join(repo, "calc.py"), "def add(a, b):\n    return a - b\n");
  execFileSync("truncate", ["-s", String(MAX_CHECKPOINT_FILE_BYTES + 1), join(repo, "data.csv")]);
  cpSync(repo, copy, { recursive: true });
  const turns = [
    call("run_command", { command: "printf 'a,b\\n' > data.csv" }),
    call("edit_file", { path: "calc.py", old_text: "a - b", new_text: "a + b" }),
    call("finish", { summary: "fixed" }),
  ];
  const result = await runFix({ repo, issue: "add subtracts", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.changedFiles, ["calc.py"]);
  assert.deepEqual(result.leftOutOfPatch, [{ path: "data.csv", why: "shrunk" }]);
  assert.deepEqual(leftOutOfPatchMessage(result.leftOutOfPatch!), ["not in the patch: 1 file(s) changed, but too large to diff from their start (over 32 MiB when the run started, which checkpoints leave out; the checkout has the change): data.csv"]);
  assert.equal(result.madeByCommands, undefined);
  execFileSync("git", ["apply", "-"], { cwd: copy, input: result.patch });
  assert.equal(readFileSync(join(copy, "calc.py"), "utf8"), "def add(a, b):\n    return a + b\n");
});

it("a file over the checkpoints' size limit at the start and at the end that a command changed, or deleted, is named as left out of the patch; one left alone is not", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-fix-large-both-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [repo, copy] = [join(dir, "repo"), join(dir, "copy")];
  mkdirSync(repo);
  writeFileSync(join(repo, "calc.py"), "def add(a, b):\n    return a - b\n");
  for (const name of ["data.csv", "gone.bin", "kept.bin"]) execFileSync("truncate", ["-s", String(MAX_CHECKPOINT_FILE_BYTES + 1), join(repo, name)]);
  cpSync(repo, copy, { recursive: true });
  const turns = [
    call("run_command", { command: "printf 'a,b\\n' >> data.csv && rm gone.bin" }),
    call("edit_file", { path: "calc.py", old_text: "a - b", new_text: "a + b" }),
    call("finish", { summary: "fixed" }),
  ];
  const result = await runFix({ repo, issue: "add subtracts", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.changedFiles, ["calc.py"]);
  assert.deepEqual(result.leftOutOfPatch, [{ path: "data.csv", why: "large" }, { path: "gone.bin", why: "deletedLarge" }]);
  assert.deepEqual(leftOutOfPatchMessage(result.leftOutOfPatch!), [
    "not in the patch: a command's change to 1 file(s) now over 32 MiB, which checkpoints leave out (the checkout has the change; the patch leaves the file as it was): data.csv",
    "not in the patch: the deletion of 1 file(s) over 32 MiB when the run started, which checkpoints leave out (the checkout has it deleted; the patch leaves the file as it was): gone.bin",
  ]);
  execFileSync("git", ["apply", "-"], { cwd: copy, input: result.patch });
  assert.equal(readFileSync(join(copy, "calc.py"), "utf8"), "def add(a, b):\n    return a + b\n");
});

it("a new file a command made where the project keeps its own files of that kind is in the patch: source in a folder named build/ or coverage/, a binary or .log fixture beside others", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-fix-own-kind-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [repo, copy] = [join(dir, "repo"), join(dir, "copy")];
  const files: Record<string, string | Buffer> = {
    // coverage.py keeps its source in coverage/, pip in …/operations/build/.
    "coverage/__init__.py": "", "pkg/build/__init__.py": "",
    // Fixtures: gzip files and expected logs the tests read; a folder kept by a .gitkeep alone.
    "tests/data/one.gz": Buffer.from([0x1f, 0x8b, 0, 1]), "tests/expected/one.log": "ok\n", "dist/.gitkeep": "",
    "Makefile": "all:\n", "calc.py": "def add(a, b):\n    return a - b\n",
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(repo, path, ".."), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: repo, stdio: "pipe" });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "base");
  cpSync(repo, copy, { recursive: true });
  const made = [
    "printf 'X = 1\\n' > coverage/plugin2.py", "printf 'Y = 2\\n' > pkg/build/wheel2.py",
    "printf '\\037\\213\\000\\002' > tests/data/two.gz", "echo fine > tests/expected/two.log",
    // What builds and test runs make stays out: an untracked build/, a log, a binary without a kind the project keeps.
    "mkdir -p build && echo copy > build/calc.py", "echo bundle > dist/app.js", "echo ran > test.log", "printf '\\177ELF\\000' > main",
  ].join(" && ");
  const turns = [call("edit_file", { path: "calc.py", old_text: "a - b", new_text: "a + b" }), call("run_command", { command: made }), call("finish", { summary: "fixed" })];
  const result = await runFix({ repo, issue: "add subtracts", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.leftOutOfPatch, [
    { path: "build/calc.py", why: "output" }, { path: "dist/app.js", why: "output" }, { path: "main", why: "binary" }, { path: "test.log", why: "output" },
  ]);
  assert.deepEqual(result.madeByCommands, ["coverage/plugin2.py", "pkg/build/wheel2.py", "tests/data/two.gz", "tests/expected/two.log"]);
  execFileSync("git", ["apply", "-"], { cwd: copy, input: result.patch });
  for (const path of ["calc.py", ...result.madeByCommands!]) assert.deepEqual(readFileSync(join(copy, path)), readFileSync(join(repo, path)), path);
});

it("in a checkout that is no git repository, what it held at the start is what the project keeps: new source in its coverage/ folder is in the patch", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-fix-own-kind-nogit-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = join(dir, "repo");
  mkdirSync(join(repo, "coverage"), { recursive: true });
  writeFileSync(join(repo, "coverage", "__init__.py"), "");
  const turns = [call("run_command", { command: "printf 'X = 1\\n' > coverage/plugin2.py && mkdir dist && echo b > dist/app.js" }), call("finish", { summary: "added" })];
  const result = await runFix({ repo, issue: "add a plugin", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.madeByCommands, ["coverage/plugin2.py"]);
  assert.deepEqual(result.leftOutOfPatch, [{ path: "dist/app.js", why: "output" }]);
});

it("what checkpoints never hold is no uncommitted change of the user's: this run's trajectory in the checkout, __pycache__/ and .pytest_cache/ without a .gitignore, .hearth/", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-fix-dirty-own-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = join(dir, "repo");
  mkdirSync(repo);
  writeFileSync(join(repo, "calc.py"), "def add(a, b):\n    return a - b\n");
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: repo, stdio: "pipe" });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "base");
  // An earlier test run's caches, an earlier run's memory, and this run's trajectory (hearth fix --out fix.diff writes it before the run).
  for (const path of ["__pycache__/calc.cpython-312.pyc", ".pytest_cache/v/cache/nodeids", ".hearth/memory/notes.md", "fix.diff.trajectory.jsonl"]) {
    mkdirSync(join(repo, path, ".."), { recursive: true });
    writeFileSync(join(repo, path), "x");
  }
  const turns = [call("edit_file", { path: "calc.py", old_text: "a - b", new_text: "a + b" }), call("finish", { summary: "fixed" })];
  const result = await runFix({ repo, issue: "add subtracts", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all", ownFiles: [join(repo, "fix.diff.trajectory.jsonl"), join(repo, "fix.diff")] });
  assert.deepEqual(result.changedFiles, ["calc.py"]);
  assert.equal(result.uncommittedAtStart, undefined);
});
