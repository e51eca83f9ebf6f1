// `hearth apply-patch` with patches that are not UTF-8: git diff writes a file's bytes as
// they are, so the diff of a Latin-1 (or Windows-1252) source file — common in older C and
// Python projects — is Latin-1 where that file's lines are. The patch is applied to those
// bytes; a patch whose bytes and the file disagree on the encoding is refused, and no file
// ever has its untouched lines re-encoded.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { captureIo } from "../../fixtures/cli-io.ts";
import { tempDir, writeFiles } from "./helpers/setup.ts";

type Files = Record<string, Buffer>;

const latin1 = (text: string): Buffer => Buffer.from(text, "latin1");
const utf8 = (text: string): Buffer => Buffer.from(text, "utf8");

/** The bytes `git diff` prints between two trees (real git, nothing decoded). */
function gitDiffBytes(before: Files, after: Files): Buffer {
  const dir = tempDir("hearth-latin1-diff-");
  const git = (...args: string[]) => execFileSync("git", ["-c", "core.autocrlf=false", "-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: dir });
  git("init", "-q");
  writeFiles(dir, before);
  git("add", "-A");
  git("commit", "-qm", "before", "--allow-empty");
  for (const [path, bytes] of Object.entries(after)) writeFileSync(join(dir, path), bytes);
  git("add", "-A");
  return git("diff", "--cached");
}

/** Runs `hearth apply-patch PATCH` on a tree holding `files`; the tree's files after it. */
async function applyPatchFile(files: Files, patch: Buffer): Promise<{ code: number; stdout: string; stderr: string; read: (path: string) => Buffer }> {
  const dir = tempDir("hearth-latin1-repo-");
  writeFiles(dir, files);
  const patchFile = join(tempDir("hearth-latin1-patch-"), "fix.diff");
  writeFileSync(patchFile, patch);
  const io = captureIo(dir);
  const code = await main(["apply-patch", patchFile], io);
  return { code, stdout: io.stdout, stderr: io.stderr, read: (path) => readFileSync(join(dir, path)) };
}

const HELLO = [
  "/* Copyright (c) 1998 François Müller */",
  "#include <stdio.h>",
  "",
  "/* Grüße an die Welt */",
  "int main(void) {",
  '    printf("Hello\\n");',
  "    return 0;",
  "}",
  "/* fin du fichier - été */",
  "",
].join("\n");
const HELLO_AFTER = HELLO.replace('printf("Hello\\n");', 'printf("Hello, world\\n");\n    /* à bientôt */');

describe("hearth apply-patch with a patch that is not UTF-8", () => {
  it("applies git's diff of a Latin-1 file, non-ASCII context and added lines included, byte for byte", async () => {
    const patch = gitDiffBytes({ "hello.c": latin1(HELLO) }, { "hello.c": latin1(HELLO_AFTER) });
    assert.throws(() => new TextDecoder("utf-8", { fatal: true }).decode(patch), "the patch itself is Latin-1");
    const run = await applyPatchFile({ "hello.c": latin1(HELLO) }, patch);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(run.read("hello.c"), latin1(HELLO_AFTER));
  });

  it("creates a Latin-1 file with the patch's bytes, and patches a Latin-1 and a UTF-8 file from one diff", async () => {
    const before = { "hello.c": latin1(HELLO), "README.md": utf8("# Grüße\n\nSee hello.c.\n") };
    const after = { "hello.c": latin1(HELLO_AFTER), "README.md": utf8("# Grüße\n\nSee hello.c and strings.c (in Latin-1).\n"), "strings.c": latin1("const char *hi = \"¡Hola señor!\";\n") };
    const patch = gitDiffBytes(before, after);
    const run = await applyPatchFile(before, patch);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const [path, bytes] of Object.entries(after)) assert.deepEqual(run.read(path), bytes, path);
  });

  // A file that is not UTF-8 is read as Windows-1252 (” for 0x94): the patch's bytes are read
  // so too, and a UTF-8 file's section in the same diff ('€' is E2 82 AC: 0x82 is ‚ there) is
  // still decoded from its own bytes.
  it("patches a Windows-1252 file's 0x80–0x9F bytes and a UTF-8 file's '€' and '“”' from one diff, byte for byte", async () => {
    const before = { "quotes.c": latin1('/* \x93caf\xe9\x94 */\nint n = 1;\n/* \x80 \x85 */\n'), "README.md": utf8("# “Prices” in €\n\nOne.\n") };
    const after = { "quotes.c": latin1('/* \x93caf\xe9\x94 */\nint n = 2; /* \x96 \x93two\x94 */\n/* \x80 \x85 */\n'), "README.md": utf8("# “Prices” in €\n\nTwo — “€2”.\n") };
    const patch = gitDiffBytes(before, after);
    const run = await applyPatchFile(before, patch);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const [path, bytes] of Object.entries(after)) assert.deepEqual(run.read(path), bytes, path);
  });

  it("refuses, writing nothing, Latin-1 lines for a file that is UTF-8, and says which encodings disagree", async () => {
    const patch = gitDiffBytes({ "hello.c": latin1(HELLO) }, { "hello.c": latin1(HELLO_AFTER) });
    // The same file, converted to UTF-8 since the patch was made.
    const run = await applyPatchFile({ "hello.c": utf8(HELLO) }, patch);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /hello\.c.*UTF-8.*not UTF-8|not UTF-8.*hello\.c.*UTF-8/s);
    assert.deepEqual(run.read("hello.c"), utf8(HELLO));
  });

  it("reads a patch piped on stdin as its bytes too", async () => {
    const patch = gitDiffBytes({ "hello.c": latin1(HELLO) }, { "hello.c": latin1(HELLO_AFTER) });
    const dir = tempDir("hearth-latin1-repo-");
    writeFiles(dir, { "hello.c": latin1(HELLO) });
    const io = { ...captureIo(dir, { stdin: patch.toString("utf8") }), readStdinBytes: async () => patch };
    assert.equal(await main(["apply-patch"], io), 0, io.stdout + io.stderr);
    assert.deepEqual(readFileSync(join(dir, "hello.c")), latin1(HELLO_AFTER));
  });

  it("adds Latin-1 lines to an ASCII file as the patch's bytes (ASCII is both)", async () => {
    const before = { "names.py": latin1("NAMES = [\n    'Bob',\n]\n") };
    const after = { "names.py": latin1("NAMES = [\n    'Bob',\n    'José',\n]\n") };
    const run = await applyPatchFile(before, gitDiffBytes(before, after));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(run.read("names.py"), after["names.py"]);
  });
});
