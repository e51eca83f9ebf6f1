// A file the repository stores with CRLF that .gitattributes marks `text` (committed before the
// attribute, or from Windows without autocrlf): git would store it with LF the next time it is
// added, so `git diff` shows the whole file renormalised. hearth fix's patch must still apply
// where that repository is cloned, and give what the user's checkout gives.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { runFix } from "../../../src/agent/fix.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

it("a CRLF file marked text: the patch applies with git apply in a fresh clone and gives what git stores for the user's result", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-fix-crlf-text-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [repo, clone] = [join(dir, "repo"), join(dir, "clone")];
  mkdirSync(repo);
  const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "core.autocrlf=false", ...args], { cwd, stdio: "pipe" });
  git(repo, "init", "-q");
  writeFileSync(join(repo, "calc.py"), "def add(a, b):\r\n    return a - b\r\n\r\ndef sub(a, b):\r\n    return a - b\r\n");
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "base");
  writeFileSync(join(repo, ".gitattributes"), "*.py text\n");
  git(repo, "add", ".gitattributes");
  git(repo, "commit", "-qm", "attributes");
  git(dir, "clone", "-q", repo, clone);
  // `git diff` in the user's checkout: the whole file, LF-normalised.
  writeFileSync(join(repo, "calc.py"), readFileSync(join(repo, "calc.py"), "utf8").replace("return a - b", "return a + b"));
  assert.match(execFileSync("git", ["diff"], { cwd: repo, encoding: "utf8" }), /^-def sub\(a, b\):\r\n[^]*^\+def sub\(a, b\):\n/m);
  git(repo, "checkout", "--", "calc.py");

  const turns = [call("edit_file", { path: "calc.py", old_text: "    return a - b\r\n\r\ndef sub", new_text: "    return a + b\r\n\r\ndef sub" }), call("finish", { summary: "fixed" })];
  const result = await runFix({ repo, issue: "add subtracts", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.changedFiles, ["calc.py"]);
  // git status calls such a file modified at the start, but its bytes are HEAD's: not the user's change.
  assert.equal(result.uncommittedAtStart, undefined);
  // The agent's line alone, in the file's CRLF: git apply (2.18 and later) keeps a CRLF preimage for a CRLF patch.
  assert.match(result.patch, /^-    return a - b\r\n\+    return a \+ b\r\n \r\n def sub\(a, b\):\r$/m);
  execFileSync("git", ["apply", "--check", "-"], { cwd: clone, input: result.patch });
  execFileSync("git", ["apply", "-"], { cwd: clone, input: result.patch });
  for (const cwd of [repo, clone]) git(cwd, "add", "-A");
  const stored = (cwd: string) => execFileSync("git", ["cat-file", "blob", ":calc.py"], { cwd, encoding: "latin1" });
  assert.equal(stored(clone), stored(repo));
  assert.equal(stored(clone), "def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a - b\n");
});

it("a file whose bytes are HEAD's but whose mode the user changed (chmod +x) is still an uncommitted change the user is told of (the patch does not hold it)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-fix-mode-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = join(dir, "repo");
  mkdirSync(repo);
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "core.fileMode=true", ...args], { cwd: repo, stdio: "pipe" });
  git("init", "-q");
  git("config", "core.fileMode", "true");
  writeFileSync(join(repo, "calc.py"), "def add(a, b):\n    return a - b\n");
  writeFileSync(join(repo, "run.sh"), "python -m pytest\n");
  writeFileSync(join(repo, "notes.txt"), "notes\n");
  git("add", "-A");
  git("commit", "-qm", "base");
  chmodSync(join(repo, "run.sh"), 0o755);
  // Deleted from the index and untracked: two entries of git status, one file.
  git("rm", "-q", "--cached", "notes.txt");
  const turns = [call("edit_file", { path: "calc.py", old_text: "a - b", new_text: "a + b" }), call("finish", { summary: "fixed" })];
  const result = await runFix({ repo, issue: "add subtracts", backend: new ScriptedBackend({ turns }), storageDir: join(dir, "state"), policy: "auto-all" });
  assert.deepEqual(result.uncommittedAtStart, { files: ["notes.txt", "run.sh"], inPatch: [] });
});
