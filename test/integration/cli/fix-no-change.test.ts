// `hearth fix` from the built CLI (out/cli.mjs) when the model calls finish without changing
// a file: nothing was fixed, and the exit code and the last lines say so.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

it("a model that finishes without changing anything exits 1 (not fixed), and says that nothing changed", () => {
  const repo = tempDir("hearth-fix-nochange-");
  cpSync(join(ROOT, "test/fixtures/agent/python-calc"), repo, { recursive: true });
  const work = tempDir("hearth-fix-nochange-out-");
  const model = join(work, "model.json");
  writeFileSync(model, JSON.stringify({ name: "scripted-fixer", turns: [
    { toolCalls: [{ name: "read_file", arguments: { path: "calc.py" } }] },
    { toolCalls: [{ name: "finish", arguments: { summary: "Fixed add()." } }] },
  ] }));
  const run = spawnSync(process.execPath, [CLI, "fix", "--state-dir", join(work, "state"), "--repo", repo, "--issue", "add(2, 3) returns -1", "--model", model, "--yes", "--no-index", "--out", "fix.diff"], {
    cwd: work, encoding: "utf8", timeout: 120_000, env: { ...process.env, HEARTH_HOME: join(work, "home") },
  });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /^hearth fix: the model finished without changing any file: nothing was fixed$/m);
});
