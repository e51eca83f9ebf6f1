// `hearth fix` in a Python project, run from a shell where the user activated the project's
// environment (a venv kept elsewhere, poetry's, conda's): the agent's run_tests took the
// checkout's own .venv (or python3) and ended "No module named …". It runs with
// $VIRTUAL_ENV's python now. Real venvs (--system-site-packages for pytest: no network here),
// real git, the built CLI, a scripted model.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

describe("hearth fix with the Python environment activated in its shell", { skip: process.platform === "win32" && "venvs here are made with bin/" }, () => {
  it("runs the tests with $VIRTUAL_ENV's python, not the checkout's own .venv", () => {
    const work = tempDir("hearth-fix-venv-");
    const repo = join(work, "repo");
    mkdirSync(join(repo, "tests"), { recursive: true });
    writeFileSync(join(repo, "pyproject.toml"), "[project]\nname = 'p'\n");
    writeFileSync(join(repo, ".gitignore"), ".venv/\n");
    writeFileSync(join(repo, "tests", "test_dep.py"), "import projdep\n\ndef test_dep():\n    assert projdep.VALUE == 42\n");
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: repo, encoding: "utf8" });
    git("init", "-q");
    git("add", ".");
    git("commit", "-qm", "init");
    // The checkout's own .venv has neither pytest nor the project's dependency; the activated one has both.
    execFileSync("python3", ["-m", "venv", "--without-pip", join(repo, ".venv")]);
    const activated = join(work, "envs", "p");
    execFileSync("python3", ["-m", "venv", "--without-pip", "--system-site-packages", activated]);
    const lib = join(activated, "lib");
    writeFileSync(join(lib, readdirSync(lib)[0]!, "site-packages", "projdep.py"), "VALUE = 42\n");
    const model = join(work, "model.json");
    writeFileSync(model, JSON.stringify({ name: "scripted", turns: [{ toolCalls: [{ name: "run_tests", arguments: {} }] }, { toolCalls: [{ name: "finish", arguments: { summary: "ran" } }] }] }));
    const trajectory = join(work, "t.jsonl");
    const env = { ...process.env, VIRTUAL_ENV: activated, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg-state") };
    const args = [CLI, "fix", "run the tests", "--model", model, "--state-dir", join(work, "state"), "--yes", "--no-index", "--trajectory", trajectory];
    const { stderr } = spawnSync(process.execPath, args, { cwd: repo, encoding: "utf8", timeout: 60_000, env });
    const text = readFileSync(trajectory, "utf8");
    assert.ok(text.includes(`$ ${join(activated, "bin", "python")} -m pytest -q  (pyproject.toml (a Python project), with the virtual environment activated in your shell ($VIRTUAL_ENV)`), stderr);
    assert.match(text, /tests PASSED: 1 passed, 0 failed; exit code 0/);
  });
});
