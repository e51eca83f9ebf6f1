// What the built CLI (out/cli.mjs) does with more on stdin than any issue text or patch:
// `hearth locate < /dev/zero` or a pasted disk image must end with a clear error, not read
// until the heap or V8's string limit gives out.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it, type TestContext } from "node:test";

const CLI = resolve(import.meta.dirname, "../../../out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

function repo(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "hearth-cli-stdin-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "loader.py"), "def load(path):\n    return open(path).read()\n");
  return dir;
}

// 40 MiB: over the 32 MiB limit; spawnSync keeps writing while the CLI stops reading.
const FLOOD = Buffer.alloc(40 * 1024 * 1024, "load the file ");

describe("stdin over the limit", () => {
  it("hearth locate stops reading and says what to pipe instead", (t) => {
    const dir = repo(t);
    const run = spawnSync(process.execPath, [CLI, "locate", "--repo", dir], { cwd: dir, input: FLOOD, encoding: "utf8", timeout: 120_000 });
    assert.equal(run.status, 2, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /hearth locate: The text on stdin is over 32 MB/);
    assert.equal(run.stdout, "");
    // An issue text under the limit is read and ranked as before.
    const ok = spawnSync(process.execPath, [CLI, "locate", "--repo", dir], { cwd: dir, input: "Loading a file fails\n\nload(path) raises", encoding: "utf8", timeout: 120_000 });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /loader\.py/);
  });

  it("hearth fix --issue-file - is not told to use apply-patch, nor to pass a file the same limit refuses", (t) => {
    const dir = repo(t);
    const run = spawnSync(process.execPath, [CLI, "fix", "--repo", dir, "--issue-file", "-", "--yes"], { cwd: dir, input: FLOOD, encoding: "utf8", timeout: 120_000 });
    assert.equal(run.status, 2, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /^hearth fix: The text on stdin is over 32 MB: pipe the issue's text itself, not a log or an archive$/m);
    assert.doesNotMatch(run.stderr, /apply-patch|pass a file/);
  });

  it("each command is told what its own stdin holds: chat a message, apply-patch a patch, not an issue's text", (t) => {
    const dir = repo(t);
    const model = join(dir, "model.json");
    writeFileSync(model, JSON.stringify({ name: "scripted", turns: [{ text: "hello" }] }));
    const chat = spawnSync(process.execPath, [CLI, "chat", "--repo", dir, "--model", model], { cwd: dir, input: FLOOD, encoding: "utf8", timeout: 120_000 });
    assert.equal(chat.status, 2, `${chat.stdout}\n${chat.stderr}`);
    assert.match(chat.stderr, /^hearth chat: The text on stdin is over 32 MB: pipe your message itself, not a log or an archive$/m);
    const patch = spawnSync(process.execPath, [CLI, "apply-patch", "--repo", dir], { cwd: dir, input: FLOOD, encoding: "utf8", timeout: 120_000 });
    assert.equal(patch.status, 2, `${patch.stdout}\n${patch.stderr}`);
    assert.match(patch.stderr, /^hearth apply-patch: The text on stdin is over 32 MB: pipe the patch itself, not a log or an archive$/m);
  });

  it("hearth apply-patch from stdin writes nothing", (t) => {
    const dir = repo(t);
    const run = spawnSync(process.execPath, [CLI, "apply-patch", "--repo", dir], { cwd: dir, input: FLOOD, encoding: "utf8", timeout: 120_000 });
    assert.equal(run.status, 2, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /The text on stdin is over 32 MB/);
    assert.equal(spawnSync("ls", [dir], { encoding: "utf8" }).stdout.trim(), "loader.py");
  });
});
