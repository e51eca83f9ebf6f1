// hearth fix in a checkout that converts line endings (core.autocrlf=true, Git for Windows'
// default; .gitattributes' text/eol): the work tree holds CRLF where the repository stores LF.
// The patch is applied to a plain clone (SWE-bench, CI, a reviewer on Linux), so it must be in
// the repository's stored form — what `git diff` in the user's checkout shows — while the
// checkpoints keep the work tree's bytes, so Undo gives back exactly what was on disk.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { runFix } from "../../../src/agent/fix.ts";
import { repositoryLineEnds } from "../../../src/agent/fix-line-ends.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import { CheckpointStore } from "../../../src/tools/index.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });
const KEPT = ["calc.py", "data.dat", "legacy.txt", "logo.bin", "mixed.txt", "notes.txt", "run.cmd", "run.sh", "win.bat"];
const FILES = [...KEPT, "new.bat", "new.py", "tool.py"].sort();

it("hearth fix's patch in an autocrlf checkout is in the repository's line endings: it applies to a plain clone, and files stored with CRLF, binaries and mixed files keep their bytes", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-fix-eol-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [repo, clone] = [join(dir, "repo"), join(dir, "clone")];
  mkdirSync(repo);
  const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, stdio: "pipe" });
  git(repo, "init", "-q");
  git(repo, "config", "core.autocrlf", "false");
  writeFileSync(join(repo, ".gitattributes"), "*.bat -text\n*.bin -text\n*.cmd text eol=crlf\n*.sh text eol=lf\n");
  writeFileSync(join(repo, "calc.py"), "def add(a, b):\n    return a - b\n");
  writeFileSync(join(repo, "notes.txt"), "one\n");
  writeFileSync(join(repo, "run.cmd"), "@echo off\necho old\n");
  writeFileSync(join(repo, "run.sh"), "echo old\n");
  // Stored with CRLF: a -text file, and one committed so before the attributes and autocrlf (git then leaves it be).
  writeFileSync(join(repo, "win.bat"), "@echo off\r\necho old\r\n");
  writeFileSync(join(repo, "legacy.txt"), "old\r\n");
  writeFileSync(join(repo, "mixed.txt"), "crlf\r\nlf\n");
  // Binaries, one marked -text and one git tells by its bytes, that get a CRLF from the agent.
  writeFileSync(join(repo, "logo.bin"), Buffer.from("\x00\n\x01\n", "latin1"));
  writeFileSync(join(repo, "data.dat"), Buffer.from("\x00\n", "latin1"));
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "base");
  git(dir, "clone", "-q", "-c", "core.autocrlf=false", repo, clone);
  // Check the work tree out again the way Git for Windows does: LF files come out with CRLF.
  git(repo, "config", "core.autocrlf", "true");
  for (const name of ["calc.py", "notes.txt", "run.cmd", "win.bat", "legacy.txt", "mixed.txt"]) rmSync(join(repo, name));
  git(repo, "checkout", "--", ".");
  assert.equal(readFileSync(join(repo, "calc.py"), "utf8"), "def add(a, b):\r\n    return a - b\r\n");
  assert.equal(readFileSync(join(repo, "legacy.txt"), "utf8"), "old\r\n");
  const before = new Map(KEPT.map((name) => [name, readFileSync(join(repo, name))]));

  const turns = [
    call("edit_file", { path: "calc.py", old_text: "a - b", new_text: "a + b" }),
    call("edit_file", { path: "run.cmd", old_text: "echo old", new_text: "echo new" }),
    call("edit_file", { path: "win.bat", old_text: "echo old", new_text: "echo new" }),
    // A new file the agent writes with LF among CRLF files, and one a command writes with CRLF.
    call("write_file", { path: "new.py", content: "X = 1\n" }),
    call("run_command", { command: "printf 'Y = 2\\r\\n' > tool.py" }),
    // A line with LF appended to a CRLF checkout's file; CRLF written into an eol=lf file.
    call("run_command", { command: "printf 'two\\n' >> notes.txt && printf 'echo new\\r\\n' > run.sh" }),
    call("run_command", { command: "printf 'new\\r\\n' >> legacy.txt && printf 'more\\r\\n' >> mixed.txt && printf '\\000\\r\\n\\002\\n' > logo.bin && printf '\\000\\r\\n\\003' > data.dat" }),
    // A new -text file a command writes with CRLF: the repository stores it so.
    call("run_command", { command: "printf '@echo off\\r\\n' > new.bat" }),
    call("finish", { summary: "fixed" }),
  ];
  const result = await runFix({ repo, issue: "add subtracts", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual([...result.changedFiles].sort(), FILES);

  // The clone after `git apply` holds what git itself stores for the result in the user's checkout.
  execFileSync("git", ["apply", "--whitespace=nowarn", "--check", "-"], { cwd: clone, input: result.patch });
  execFileSync("git", ["apply", "--whitespace=nowarn", "-"], { cwd: clone, input: result.patch });
  for (const cwd of [repo, clone]) git(cwd, "add", "-A");
  const stored = (cwd: string, name: string) => execFileSync("git", ["cat-file", "blob", `:${name}`], { cwd });
  for (const name of FILES) assert.deepEqual(stored(clone, name), stored(repo, name), name);
  const text = (name: string) => stored(clone, name).toString("latin1");
  assert.equal(text("calc.py"), "def add(a, b):\n    return a + b\n");
  assert.equal(text("run.cmd"), "@echo off\necho new\n");
  assert.equal(text("run.sh"), "echo new\n");
  assert.equal(text("notes.txt"), "one\ntwo\n");
  assert.equal(text("new.py"), "X = 1\n");
  assert.equal(text("tool.py"), "Y = 2\n");
  assert.equal(text("win.bat"), "@echo off\r\necho new\r\n");
  assert.equal(text("legacy.txt"), "old\r\nnew\r\n");
  assert.equal(text("mixed.txt"), "crlf\r\nlf\nmore\r\n");
  assert.equal(text("logo.bin"), "\x00\r\n\x02\n");
  assert.equal(text("data.dat"), "\x00\r\n\x03");
  assert.equal(text("new.bat"), "@echo off\r\n");

  // The checkpoints still hold the work tree's bytes: undoing the fix gives back each file as it was.
  const store = await CheckpointStore.open({ workspaceRoot: repo, storageDir: join(dir, "state") });
  await store.restore(result.startCheckpoint);
  for (const name of KEPT) assert.deepEqual(readFileSync(join(repo, name)), before.get(name), name);
  assert.equal(existsSync(join(repo, "new.py")) || existsSync(join(repo, "tool.py")), false);
});

it("in a checkout that converts nothing (no autocrlf, no attributes; and with no git at all) the patch keeps the files' CRLF, new ones' too", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-fix-crlf-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const withGit of [true, false]) {
    const [repo, copy] = [join(dir, `repo-${withGit}`), join(dir, `copy-${withGit}`)];
    mkdirSync(repo);
    writeFileSync(join(repo, "calc.py"), "def add(a, b):\r\n    return a - b\r\n");
    if (withGit) {
      execFileSync("git", ["init", "-q"], { cwd: repo });
      execFileSync("git", ["config", "core.autocrlf", "false"], { cwd: repo });
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base", "--allow-empty"], { cwd: repo });
    }
    mkdirSync(copy);
    writeFileSync(join(copy, "calc.py"), readFileSync(join(repo, "calc.py")));
    const turns = [
      call("edit_file", { path: "calc.py", old_text: "a - b", new_text: "a + b" }),
      call("run_command", { command: "printf 'Y = 2\\r\\n' > tool.py" }),
      call("finish", { summary: "fixed" }),
    ];
    const result = await runFix({ repo, issue: "add subtracts", backend: new ScriptedBackend({ turns }), storageDir: join(dir, `state-${withGit}`), policy: "auto-all" });
    execFileSync("git", ["apply", "--whitespace=nowarn", "-"], { cwd: copy, input: result.patch });
    assert.equal(readFileSync(join(copy, "calc.py"), "utf8"), "def add(a, b):\r\n    return a + b\r\n");
    assert.equal(readFileSync(join(copy, "tool.py"), "utf8"), "Y = 2\r\n");
  }
});

it("a file whose name is not UTF-8 keeps its bytes in the patch rather than gaining a twin under a mangled name", { skip: process.platform !== "linux" && "non-UTF-8 names: Linux file systems only" }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-fix-eol-name-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = join(dir, "repo");
  mkdirSync(repo);
  const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, stdio: "pipe" });
  git(repo, "init", "-q");
  git(repo, "config", "core.autocrlf", "true");
  const latin1 = Buffer.concat([Buffer.from(`${repo}/caf`), Buffer.from([0xe9]), Buffer.from(".py")]);
  writeFileSync(latin1, "a = 1\r\n");
  writeFileSync(join(repo, "ok.py"), "b = 1\r\n");
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "base");
  const store = await CheckpointStore.open({ workspaceRoot: repo, storageDir: join(dir, "state") });
  const start = await store.create("start");
  writeFileSync(latin1, "a = 2\r\n");
  writeFileSync(join(repo, "ok.py"), "b = 2\r\n");

  const patch = await store.diff(start.id, undefined, [], { patch: true, storedForm: repositoryLineEnds(repo) });
  // The one name git quotes byte for byte, and no other: its CRLF stays (git cannot be asked about it by name), ok.py's goes.
  assert.deepEqual(patch.match(/^diff --git .*$/gm), ['diff --git "a/caf\\351.py" "b/caf\\351.py"', "diff --git a/ok.py b/ok.py"]);
  assert.match(patch, /^\+a = 2\r$/m);
  assert.match(patch, /^\+b = 2$/m);
  // It applies where it was made: the user's own checkout, back at the start.
  await store.restore(start.id);
  execFileSync("git", ["apply", "--check", "-"], { cwd: repo, input: patch });
});
