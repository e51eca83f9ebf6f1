// The built CLI (out/cli.mjs) whose output cannot be written: stdout or stderr sent to a
// full disk (/dev/full answers every write with ENOSPC, as a full file system does). The
// output is then cut short, which a script must learn from the exit code and one line, not
// from a stack trace; a stderr that cannot be written loses only hearth's notes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
const FULL = "/dev/full";

function project(): string {
  const repo = tempDir("hearth-full-disk-");
  for (let i = 0; i < 20; i++) writeFileSync(join(repo, `module_${i}.py`), `def handle_${i}(request):\n    return request\n`);
  return repo;
}

/** Runs `hearth ARGS` with one of its outputs (1 stdout, 2 stderr) on /dev/full; the other is read. */
function runWithFull(args: string[], full: 1 | 2, input?: string) {
  const fd = openSync(FULL, "w");
  try {
    const stdio: ["pipe", number | "pipe", number | "pipe"] = ["pipe", full === 1 ? fd : "pipe", full === 2 ? fd : "pipe"];
    return spawnSync(process.execPath, [CLI, ...args], { stdio, input: input ?? "", encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  } finally {
    closeSync(fd);
  }
}

describe("output to a full disk", { skip: !existsSync(FULL) && "no /dev/full here" }, () => {
  it("stdout that cannot be written: one line saying the output is cut short and why, exit 1, no stack trace", () => {
    for (const [args, input] of [[["map", "--no-cache", "--quiet"]], [["locate", "--no-cache", "--json"], "handle a request"], [["--help"]]] as const) {
      const repo = project();
      const result = runWithFull([...args, ...(args[0] === "--help" ? [] : ["--repo", repo])], 1, input);
      const name = args[0] === "--help" ? "hearth" : `hearth ${args[0]}`;
      assert.equal(result.status, 1, `${args.join(" ")}: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /\n\s+at |node:|ENOSPC: no space left on device, write/, result.stderr);
      assert.match(result.stderr, new RegExp(`^${name}: the output could not be written to stdout \\(no space left on device\\): it is cut short\\n$`, "m"));
    }
  });

  it("stderr that cannot be written: the result on stdout, the command's own exit code", () => {
    const result = runWithFull(["map", "--repo", project(), "--no-cache"], 2);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /module_0\.py/);
  });
});
