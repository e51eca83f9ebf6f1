import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CliIo } from "../../../src/cli/command.ts";
import { main } from "../../../src/cli/main.ts";
import { DAMAGES, gitDiff, loadTree, toBuffers } from "./helpers/diffs.ts";
import { FIXTURES, tempDir, writeFiles } from "./helpers/setup.ts";

const BEFORE = loadTree(join(FIXTURES, "patch/before"));
const AFTER = loadTree(join(FIXTURES, "patch/after"));

function fakeIo(cwd: string, stdin = ""): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
    readStdin: async () => stdin,
    cwd,
    signal: new AbortController().signal,
  };
  return io;
}

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
