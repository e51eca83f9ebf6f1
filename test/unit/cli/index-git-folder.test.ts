// hearth index, map and locate given a bare repository or git's own .git folder: there are no
// checked-out files there, and the commands indexed git's internals instead (hooks/*.sample,
// objects/…, packed-refs), printing a map of them or ranking them for an issue, exit 0.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { tempDir } from "../../fixtures/temp.ts";

function git(cwd: string, ...args: string[]): void {
  if (!cwd) throw new Error("git needs a folder");
  execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd, stdio: "ignore" });
}

function checkoutAndBare(): { top: string; bare: string; work: string } {
  const work = tempDir("hearth-index-git-folder-");
  const top = join(work, "repo");
  git(work, "init", "-q", top);
  writeFileSync(join(top, "calc.py"), "def add(a, b):\n    return a - b\n");
  git(top, "add", ".");
  git(top, "commit", "-qm", "init");
  const bare = join(work, "bare.git");
  git(work, "clone", "-q", "--bare", top, bare);
  return { top, bare, work };
}

async function run(argv: string[], cwd: string, stdin = "") {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => void out.push(t), err: (t) => void err.push(t), readStdin: async () => stdin, cwd, signal: new AbortController().signal });
  return { code, out: out.join(""), err: err.join("") };
}

describe("hearth index, map and locate in a bare repository or git's own folder", () => {
  for (const [command, stdin] of [["index", ""], ["map", ""], ["locate", "add subtracts"]] as const) {
    it(`${command}: a bare repository is refused, saying to clone it (exit 2), nothing of git's internals printed`, async () => {
      const { bare, work } = checkoutAndBare();
      const result = await run([command, "--repo", bare, "--no-cache"], work, stdin);
      assert.equal(result.code, 2, result.err);
      assert.equal(result.out, "");
      assert.match(result.err, new RegExp(`^hearth ${command}: ${bare} is a bare git repository: it has no checked-out files; clone it \\(git clone ${bare} DIR\\) and run hearth ${command} --repo DIR\\n`));
    });

    it(`${command}: git's own .git folder is refused, naming the checkout to give (exit 2)`, async () => {
      const { top, work } = checkoutAndBare();
      const result = await run([command, "--repo", join(top, ".git"), "--no-cache"], work, stdin);
      assert.equal(result.code, 2, result.err);
      assert.equal(result.out, "");
      assert.match(result.err, new RegExp(`^hearth ${command}: ${join(top, ".git")} is git's own folder, not the checkout's files: give --repo ${top}\\n`));
    });
  }

  it("a checkout is still indexed as before", async () => {
    const { top, work } = checkoutAndBare();
    const result = await run(["map", "--repo", top, "--no-cache"], work);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /calc\.py/);
  });
});
