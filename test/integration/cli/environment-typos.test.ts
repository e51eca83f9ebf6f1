// HEARTH_* variables hearth does not read, from the built CLI: a typo of one it reads
// (HEARTH_HOEM: the downloads went to the default folder without a word) and one named like an
// option (HEARTH_THREADS=abc: silently nothing) are each named on stderr with what to do
// instead; the command still runs. Other HEARTH_* names (the test suites' own) stay quiet.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const CLI = resolve(import.meta.dirname, "../../../out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

function hearthIndex(env: NodeJS.ProcessEnv) {
  const repo = tempDir("hearth-env-");
  writeFileSync(join(repo, "a.py"), "def f():\n    return 1\n");
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("HEARTH_")));
  return spawnSync(process.execPath, [CLI, "index", "--repo", repo], { encoding: "utf8", timeout: 60_000, env: { ...clean, HEARTH_HOME: join(repo, "..", "home-unused"), ...env } });
}

describe("HEARTH_* variables hearth does not read", () => {
  it("names a typo of a variable hearth reads, and one named like an option, and runs the command all the same", () => {
    const { status, stderr } = hearthIndex({ HEARTH_HOEM: "/mnt/big/hearth", HEARTH_THREADS: "abc", HEARTH_MODEL_CACHE: "/tmp/cache" });
    assert.equal(status, 0, stderr);
    assert.match(stderr, /^hearth: warning: HEARTH_HOEM is not a variable hearth reads: did you mean HEARTH_HOME\?$/m);
    assert.match(stderr, /^hearth: warning: HEARTH_THREADS is not a variable hearth reads: give --threads N to the command \(hearth <command> --help lists its options\)$/m);
    assert.doesNotMatch(stderr, /HEARTH_MODEL_CACHE/);
  });

  it("says nothing about the variables it reads", () => {
    const { status, stderr } = hearthIndex({ HEARTH_API_KEY: "k", HEARTH_LOG_LEVEL: "debug" });
    assert.equal(status, 0, stderr);
    assert.doesNotMatch(stderr, /warning/);
  });
});
