// `hearth fix` runs the agent in hearth's own process: its checkpoints, its git calls in the
// repository and the commands the model runs start from hearth's environment. With an empty
// or relative PATH entry (PATH=.:$PATH, $EXTRA:$PATH with EXTRA unset) that environment
// named the checkout itself, and a repository's own ./git ran in place of git. Real git, the
// built CLI, a scripted model.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

describe("hearth fix's own program search", { skip: process.platform === "win32" && "a #! script stands for git here" }, () => {
  it("never runs the checkout's own ./git through a relative PATH entry", () => {
    const work = tempDir("hearth-fix-path-");
    const repo = join(work, "repo");
    const marker = join(work, "planted-git-ran");
    mkdirSync(repo);
    writeFileSync(join(repo, "calc.py"), "def add(a, b):\n    return a - b\n");
    writeFileSync(join(repo, "git"), `#!/bin/sh\necho "$@" >> '${marker}'\nexit 1\n`);
    chmodSync(join(repo, "git"), 0o755);
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: repo, encoding: "utf8" });
    git("init", "-q");
    git("add", ".");
    git("commit", "-qm", "init");
    const model = join(work, "model.json");
    const turns = [
      { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "return a - b", new_text: "return a + b" } }] },
      { toolCalls: [{ name: "finish", arguments: { summary: "adds" } }] },
    ];
    writeFileSync(model, JSON.stringify({ name: "scripted", turns }));
    const env = { ...process.env, PATH: `.${delimiter}${delimiter}${process.env.PATH}`, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg-state") };
    const args = [CLI, "fix", "add() subtracts", "--model", model, "--state-dir", join(work, "state"), "--yes", "--no-index", "--out", join(work, "fix.diff")];
    const { status, stderr } = spawnSync(process.execPath, args, { cwd: repo, encoding: "utf8", timeout: 60_000, env });
    assert.equal(existsSync(marker), false, "the checkout's own ./git ran");
    assert.equal(status, 0, stderr);
  });
});
