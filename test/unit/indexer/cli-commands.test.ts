import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { indexCommand } from "../../../src/cli/commands/index.ts";
import { locateCommand } from "../../../src/cli/commands/locate.ts";
import { mapCommand } from "../../../src/cli/commands/map.ts";
import { captureIo } from "../../fixtures/cli-io.ts";
import { FIXTURES, tempDir } from "./helpers/setup.ts";

const fakeIo = (stdin = "") => captureIo(FIXTURES, { stdin });

describe("indexer CLI commands", () => {
  it("hearth index prints files by language, symbols, skipped files and time", async () => {
    const io = fakeIo();
    assert.equal(await indexCommand.run(["--repo", "langs", "--no-cache", "--quiet"], io), 0);
    assert.match(io.stdout, /Files: +9 \(/);
    assert.match(io.stdout, /typescript 1/);
    assert.match(io.stdout, /Symbols: +\d+ definitions, \d+ references/);
    assert.match(io.stdout, /Time: +[\d.]+ s/);
  });

  it("hearth index --max-files keeps the files nearest the root and says where it stopped; a bad value is refused", async () => {
    const io = fakeIo();
    assert.equal(await indexCommand.run(["--repo", "langs", "--no-cache", "--quiet", "--max-files", "4"], io), 0);
    assert.match(io.stdout, /Files: +4 \(/);
    assert.match(io.stdout, /^Limit: +stopped at 4 files, the ones nearest the root \(1 folder not fully indexed\): open the project's own folder, or list folders to skip in \.hearthignore$/m);
    const whole = fakeIo();
    assert.equal(await indexCommand.run(["--repo", "langs", "--no-cache", "--quiet"], whole), 0);
    assert.doesNotMatch(whole.stdout, /Limit:/);
    await assert.rejects(indexCommand.run(["--repo", "langs", "--no-cache", "--quiet", "--max-files", "0"], fakeIo()), /--max-files needs a positive whole number/);
  });

  it("hearth index with a cache it cannot write still indexes, and says the cache was not written and why", async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, "storage"), "a file, not a folder");
      const io = fakeIo();
      assert.equal(await indexCommand.run(["--repo", "langs", "--cache", join(dir, "storage", "index"), "--no-history", "--quiet"], io), 0);
      assert.match(io.stdout, /Files: +9 \(/);
      assert.match(io.stdout, /^Cache: +not written \(ENOTDIR: not a directory, mkdir '.*'\): the next run parses these files again$/m);
    } finally {
      cleanup();
    }
  });

  it("hearth locate --json gives {files: [{path, score, reasons}], entities} best first from stdin", async () => {
    const io = fakeIo("Refunds fail: refundCharge rejects ids that are fine");
    assert.equal(await locateCommand.run(["--repo", join(FIXTURES, "shop"), "--no-cache", "--no-history", "--quiet", "--json", "--top", "3"], io), 0);
    const { files: results, entities } = JSON.parse(io.stdout) as { files: { path: string; score: number; reasons: string[] }[]; entities: { name: string }[] };
    assert.equal(entities[0]?.name, "refundCharge");
    assert.equal(results.length, 3);
    assert.equal(results[0]!.path, "src/payments/stripe.ts");
    assert.ok(results[0]!.score >= results[1]!.score && Array.isArray(results[0]!.reasons));
  });

  it("hearth map stays within --tokens", async () => {
    const io = fakeIo();
    assert.equal(await mapCommand.run(["--repo", "shop", "--no-cache", "--quiet", "--tokens", "100"], io), 0);
    assert.ok(io.stdout.length / 3.5 <= 100);
    assert.match(io.stdout, /^src\//);
  });
});
