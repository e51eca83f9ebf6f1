// What the built CLI (out/cli.mjs) reads from a stdin in UTF-16: cmd's `type ci.log | hearth ...`
// passes a file Windows PowerShell 5.1 wrote (`pytest > ci.log`: UTF-16 with a byte-order mark)
// as it is. Read as UTF-8 it was two U+FFFD and a NUL between every letter, said on stderr to
// be "terminal control codes", and any letter outside ASCII lost.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";

const CLI = resolve(import.meta.dirname, "../../../out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

describe("stdin in UTF-16 with a byte-order mark", () => {
  it("hearth locate ranks it as the same text in UTF-8, with nothing said of control codes", (t) => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-cli-stdin-encoding-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "loader.py"), "def load_café(path):\n    return open(path).read()\n");
    writeFileSync(join(dir, "other.py"), "def unrelated():\n    return 1\n");
    const issue = "load_café fails\r\n\r\nload_café(path) raises FileNotFoundError in loader.py";
    const locate = (input: Buffer) => spawnSync(process.execPath, [CLI, "locate", "--repo", dir, "--no-cache", "--json"], { cwd: dir, input, encoding: "utf8", timeout: 120_000 });
    const utf8 = locate(Buffer.from(issue, "utf8"));
    assert.equal(utf8.status, 0, utf8.stderr);
    for (const [name, bytes] of Object.entries({
      "utf-16le": Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(issue, "utf16le")]),
      "utf-16be": Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(issue, "utf16le").swap16()]),
    })) {
      const run = locate(bytes);
      assert.equal(run.status, 0, `${name}: ${run.stderr}`);
      assert.doesNotMatch(run.stderr, /terminal control codes/, name);
      assert.deepEqual(JSON.parse(run.stdout), JSON.parse(utf8.stdout), name);
    }
  });
});
