import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { main } from "../../../src/cli/main.ts";
import { DAMAGES, gitDiff, loadTree, toBuffers } from "./helpers/diffs.ts";
import { FIXTURES, tempDir, writeFiles } from "./helpers/setup.ts";
import { captureIo } from "../../fixtures/cli-io.ts";

const BEFORE = loadTree(join(FIXTURES, "patch/before"));
const AFTER = loadTree(join(FIXTURES, "patch/after"));

const fakeIo = (cwd: string, stdin = "") => captureIo(cwd, { stdin });

function repo(): string {
  const dir = tempDir();
  writeFiles(dir, toBuffers(BEFORE));
  return dir;
}

describe("hearth apply-patch", () => {
  const patch = DAMAGES["fenced with prose"]!(DAMAGES["wrong line numbers"]!(gitDiff(BEFORE, AFTER)));

  it("applies a damaged multi-file patch from stdin and prints each file and hunk", async () => {
    const dir = repo();
    const io = fakeIo("/", patch);
    assert.equal(await main(["apply-patch", "--repo", dir], io), 0, io.stderr);
    assert.deepEqual(loadTree(dir), AFTER);
    assert.match(io.stdout, /^Patch applied: 5 file\(s\)\./);
    assert.match(io.stdout, /ok     rename lib\/util.js -> lib\/helpers.js\n  hunk 1 .*: applied at line 8/);
  });

  it("--dry-run (or --check) reports and writes nothing; a FILE argument works like stdin", async () => {
    const dir = repo();
    writeFileSync(join(dir, "fix.diff"), patch);
    const io = fakeIo(dir);
    assert.equal(await main(["apply-patch", "--check", "fix.diff"], io), 0, io.stderr);
    assert.match(io.stdout, /would apply/);
    const { "fix.diff": _written, ...tree } = loadTree(dir);
    assert.deepEqual(tree, BEFORE);
  });

  // `hearth apply-patch "$PATCH"` with the variable unset: the empty name read the patch from stdin
  // instead, which in a CI step whose stdin stays open waited for ever.
  it("an empty patch file name is refused (exit 2) without reading stdin or writing anything", async () => {
    const dir = repo();
    const io = fakeIo(dir, patch);
    let stdinRead = false;
    const readStdin = io.readStdin;
    io.readStdin = () => ((stdinRead = true), readStdin());
    assert.equal(await main(["apply-patch", ""], io), 2, io.stderr);
    assert.equal(stdinRead, false, "stdin was read");
    assert.match(io.stderr, /^hearth apply-patch: the patch file given is an empty name \(an unset or empty variable, as in hearth apply-patch "\$PATCH"\?\): name the patch file, or - for stdin$/m);
    assert.deepEqual(loadTree(dir), BEFORE);
  });

  // Windows PowerShell 5.1's `git diff > fix.patch` writes UTF-16 with a byte-order mark and CRLF line ends:
  // read as bytes it was 'no unified diff found', a dead end for a patch that is one.
  it("a patch file in UTF-16 with a byte-order mark (PowerShell's git diff > fix.patch) is applied as the diff it holds", async () => {
    const diff = "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b  # café\n+    return a + b  # café\n";
    for (const [name, bytes] of Object.entries({
      "utf-16le, crlf": Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(diff.replace(/\n/g, "\r\n"), "utf16le")]),
      "utf-16be": Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(diff, "utf16le").swap16()]),
    })) {
      const dir = tempDir();
      writeFileSync(join(dir, "calc.py"), "def add(a, b):\n    return a - b  # café\n");
      writeFileSync(join(dir, "fix.patch"), bytes);
      const io = fakeIo(dir);
      assert.equal(await main(["apply-patch", "fix.patch"], io), 0, `${name}: ${io.stderr}`);
      assert.equal(readFileSync(join(dir, "calc.py"), "utf8"), "def add(a, b):\n    return a + b  # café\n", name);
    }
  });

  it("exits 1 with the reason per hunk and writes nothing when one hunk fails", async () => {
    const dir = repo();
    const bad = patch.replace("-\t\tos.Exit(1)", "-\t\tos.Exit(42)");
    const io = fakeIo(dir, bad);
    assert.equal(await main(["apply-patch", "--json"], io), 1);
    const result = JSON.parse(io.stdout) as { ok: boolean; files: { path: string; ok: boolean; hunks: { ok: boolean; reason?: string }[] }[] };
    assert.equal(result.ok, false);
    const server = result.files.find((f) => f.path === "cmd/server.go")!;
    assert.deepEqual(server.hunks.map((h) => h.ok), [true, false]);
    assert.match(server.hunks[1]!.reason!, /not found in the file/);
    assert.deepEqual(loadTree(dir), BEFORE);
  });

  it("exits 1 for text with no diff, 2 for no input", async () => {
    const dir = repo();
    const prose = fakeIo(dir, "Sorry, I cannot produce a patch.");
    assert.equal(await main(["apply-patch"], prose), 1);
    assert.match(prose.stderr, /no unified diff found/);
    assert.equal(await main(["apply-patch"], fakeIo(dir, "")), 2);
  });
});

describe("hearth apply-patch never writes into .git (issue 13)", () => {
  const HOOK = ["#!/bin/sh", "touch /tmp/hearth-pwned"];

  /** A patch that keeps `old` and adds the fsmonitor command at its end. */
  function appendPatch(path: string, old: string): string {
    const lines = old.replace(/\n$/, "").split("\n");
    const body = [...lines.map((l) => ` ${l}`), "+\tfsmonitor = touch /tmp/hearth-pwned"];
    return `--- a/${path}\n+++ b/${path}\n@@ -1,${lines.length} +1,${lines.length + 1} @@\n${body.join("\n")}\n`;
  }

  function createPatch(path: string): string {
    return `--- /dev/null\n+++ b/${path}\n@@ -0,0 +1,${HOOK.length} @@\n${HOOK.map((l) => `+${l}`).join("\n")}\n`;
  }

  function attackRepo(): { dir: string; config: string } {
    const dir = tempDir();
    execFileSync("git", ["init", "-q", dir]);
    mkdirSync(join(dir, "sub/.git"), { recursive: true });
    writeFileSync(join(dir, "sub/.git/config"), "[core]\n");
    symlinkSync(join(dir, ".git/config"), join(dir, "settings.ini"));
    symlinkSync(join(dir, ".git"), join(dir, "gitlink"));
    return { dir, config: readFileSync(join(dir, ".git/config"), "utf8") };
  }

  const cases: [string, (config: string) => string][] = [
    [".git/config", (config) => appendPatch(".git/config", config)],
    ["settings.ini", (config) => appendPatch("settings.ini", config)],
    ["sub/.git/config", () => appendPatch("sub/.git/config", "[core]\n")],
    [".GIT/config", () => createPatch(".GIT/config")],
    ["gitlink/hooks/post-checkout", () => createPatch("gitlink/hooks/post-checkout")],
  ];

  for (const [name, makePatch] of cases) {
    it(`refuses a patch to ${name}, with --check too, and writes nothing`, async () => {
      const { dir, config } = attackRepo();
      for (const flags of [["--check"], []]) {
        const io = fakeIo(dir, makePatch(config));
        assert.equal(await main(["apply-patch", ...flags], io), 1, `${flags.join(" ")}: ${io.stdout}`);
        assert.match(io.stderr, /inside a \.git folder.*nothing was written/s);
      }
      assert.equal(readFileSync(join(dir, ".git/config"), "utf8"), config);
      assert.equal(readFileSync(join(dir, "sub/.git/config"), "utf8"), "[core]\n");
      assert.equal(existsSync(join(dir, ".git/hooks/post-checkout")), false);
      assert.equal(existsSync(join(dir, ".GIT")), false);
    });
  }
});

describe("hearth apply-patch: a file it may not write", () => {
  it("is named once with what to do, and says once that nothing was written", async () => {
    const dir = tempDir();
    writeFiles(dir, { "a.txt": "1\n2\n", "gen.txt": "g\n" });
    chmodSync(join(dir, "gen.txt"), 0o444);
    const io = fakeIo(dir, "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n-1\n+one\n 2\n--- a/gen.txt\n+++ b/gen.txt\n@@ -1 +1 @@\n-g\n+G\n");
    assert.equal(await main(["apply-patch"], io), 1);
    assert.equal(io.stderr, `hearth apply-patch: "gen.txt" is read-only (mode 0444): nothing was written. It is marked so on purpose (generated or vendored code, or by the user): ask the user to make it writable if it should change, or leave it\n`);
    assert.equal(readFileSync(join(dir, "a.txt"), "utf8"), "1\n2\n");
  });

  // `hearth apply-patch --check fix.diff && hearth apply-patch fix.diff` in a script: the check
  // answered "would apply" for what the real run then refused, so the script went on as if patched.
  const edit = "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n-1\n+one\n 2\n";
  const refusedByApply: [string, (dir: string) => void, string, RegExp][] = [
    ["a read-only file", (dir) => chmodSync(join(dir, "gen.txt"), 0o444), `${edit}--- a/gen.txt\n+++ b/gen.txt\n@@ -1 +1 @@\n-g\n+G\n`, /"gen\.txt" is read-only \(mode 0444\)/],
    ["the delete of a read-only file", (dir) => chmodSync(join(dir, "gen.txt"), 0o444), `${edit}--- a/gen.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-g\n`, /"gen\.txt" is read-only/],
    ["the rename of a read-only file", (dir) => chmodSync(join(dir, "gen.txt"), 0o444), `${edit}diff --git a/gen.txt b/lib/gen.txt\nsimilarity index 100%\nrename from gen.txt\nrename to lib/gen.txt\n`, /"gen\.txt" is read-only/],
    ["a link to a read-only file", (dir) => { chmodSync(join(dir, "gen.txt"), 0o444); symlinkSync("gen.txt", join(dir, "link.txt")); }, `${edit}--- a/link.txt\n+++ b/link.txt\n@@ -1 +1 @@\n-g\n+G\n`, /"link\.txt" is read-only/],
  ];
  for (const [name, arrange, patch, said] of refusedByApply) {
    it(`--check refuses what the real run refuses: ${name}`, async () => {
      const dir = tempDir();
      writeFiles(dir, { "a.txt": "1\n2\n", "gen.txt": "g\n" });
      arrange(dir);
      for (const flags of [["--check"], ["--check", "--json"], []]) {
        const io = fakeIo(dir, patch);
        assert.equal(await main(["apply-patch", ...flags], io), 1, `${flags.join(" ")}: ${io.stdout}`);
        assert.match(io.stderr, said);
        if (flags.includes("--json")) assert.match((JSON.parse(io.stdout) as { error: { message: string } }).error.message, said);
      }
      assert.equal(readFileSync(join(dir, "a.txt"), "utf8"), "1\n2\n");
      assert.equal(readFileSync(join(dir, "gen.txt"), "utf8"), "g\n");
    });
  }
});

describe("hearth apply-patch --json: a patch refused as a whole", () => {
  // A script reads stdout as JSON (hearth apply-patch --json fix.diff | jq .ok): a refusal that
  // printed only on stderr left it parsing nothing. It is main's {"error":{"message"}}.
  it("prints the refusal as JSON on stdout too, exit 1, nothing written: a path into .git and a read-only file", async () => {
    const dir = tempDir();
    execFileSync("git", ["init", "-q", dir]);
    writeFiles(dir, { "a.txt": "1\n2\n", "gen.txt": "g\n" });
    chmodSync(join(dir, "gen.txt"), 0o444);
    const config = readFileSync(join(dir, ".git/config"), "utf8");
    const intoGit = "--- /dev/null\n+++ b/.git/hooks/post-checkout\n@@ -0,0 +1 @@\n+touch /tmp/hearth-pwned\n";
    const readOnly = "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n-1\n+one\n 2\n--- a/gen.txt\n+++ b/gen.txt\n@@ -1 +1 @@\n-g\n+G\n";
    const cases = [[intoGit, /inside a \.git folder.*nothing was written/s, [["--json"], ["--json", "--check"]]], [readOnly, /"gen\.txt" is read-only \(mode 0444\): nothing was written/, [["--json"]]]] as const;
    for (const [patch, said, runs] of cases) {
      for (const flags of runs) {
        const io = fakeIo(dir, patch);
        assert.equal(await main(["apply-patch", ...flags], io), 1, io.stderr);
        const answer = JSON.parse(io.stdout) as { error: { message: string } };
        assert.match(answer.error.message, said);
        assert.match(io.stderr, said);
      }
    }
    assert.equal(readFileSync(join(dir, ".git/config"), "utf8"), config);
    assert.equal(existsSync(join(dir, ".git/hooks/post-checkout")), false);
    assert.equal(readFileSync(join(dir, "a.txt"), "utf8"), "1\n2\n");
  });
});

describe("hearth apply-patch: a person's patch", () => {
  // `git diff` names files from the repository's top; a person in its subfolder ran
  // `hearth apply-patch fix.diff` there and read only 'sub/calc.py does not exist', with words
  // meant for the model ('send the whole patch again').
  it("run from a subfolder with a patch made at the repository's top: says where its paths are from and to give --repo", async () => {
    const dir = tempDir();
    execFileSync("git", ["init", "-q"], { cwd: dir });
    writeFiles(dir, { "sub/calc.py": "def add(a, b):\n    return a - b\n" });
    const patch = "--- a/sub/calc.py\n+++ b/sub/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n";
    const io = fakeIo(join(dir, "sub"), patch);
    assert.equal(await main(["apply-patch"], io), 1, io.stdout);
    assert.match(io.stderr, /"sub\/calc\.py" does not exist/);
    assert.match(io.stderr, /its paths are taken from the current folder.*sub.*, not the repository's top .*: run hearth apply-patch --repo /s);
    assert.doesNotMatch(io.stderr, /send the whole patch again/);
    assert.equal(readFileSync(join(dir, "sub/calc.py"), "utf8"), "def add(a, b):\n    return a - b\n");
    // A script reading --json's stdout gets it too: where the paths are found and the --repo to give.
    const json = fakeIo(join(dir, "sub"), patch);
    assert.equal(await main(["apply-patch", "--json"], json), 1, json.stdout);
    const answer = JSON.parse(json.stdout) as { ok: boolean; repoTop?: { repo: string; path: string; message: string } };
    assert.equal(answer.ok, false);
    assert.deepEqual({ repo: answer.repoTop?.repo, path: answer.repoTop?.path }, { repo: realpathSync(dir), path: "sub/calc.py" });
    assert.match(answer.repoTop?.message ?? "", /its paths are taken from the current folder.*, not the repository's top .*: run hearth apply-patch --repo /s);
    assert.match(json.stderr, /run hearth apply-patch --repo /);
    const there = fakeIo(join(dir, "sub"), patch);
    assert.equal(await main(["apply-patch", "--repo", ".."], there), 0, there.stderr);
  });

  it("takes a person's patch's paths as git apply does: Src/X.ts is not src/x.ts, and a new Src/New.ts is made as named", async () => {
    const git = (cwd: string, ...args: string[]): void => {
      if (!cwd) throw new Error("git needs a folder");
      execFileSync("git", args, { cwd, stdio: "pipe" });
    };
    const modify = "--- a/Src/X.ts\n+++ b/Src/X.ts\n@@ -1 +1 @@\n-x\n+y\n";
    const create = "--- /dev/null\n+++ b/Src/New.ts\n@@ -0,0 +1 @@\n+n\n";
    const plain = tempDir();
    writeFiles(plain, { "src/x.ts": "x\n" });
    git(plain, "init", "-q");
    writeFileSync(join(plain, "modify.diff"), modify);
    writeFileSync(join(plain, "create.diff"), create);
    assert.throws(() => git(plain, "apply", "modify.diff"), /Src\/X\.ts/);
    git(plain, "apply", "create.diff");
    assert.equal(readFileSync(join(plain, "Src/New.ts"), "utf8"), "n\n");

    const dir = tempDir();
    writeFiles(dir, { "src/x.ts": "x\n" });
    const refused = fakeIo(dir, modify);
    assert.equal(await main(["apply-patch"], refused), 1, refused.stdout);
    assert.match(refused.stderr, /Src\/X\.ts/);
    assert.equal(readFileSync(join(dir, "src/x.ts"), "utf8"), "x\n");
    const created = fakeIo(dir, create);
    assert.equal(await main(["apply-patch"], created), 0, created.stderr);
    assert.equal(readFileSync(join(dir, "Src/New.ts"), "utf8"), "n\n");
    assert.equal(existsSync(join(dir, "src/New.ts")), false);
  });
});
