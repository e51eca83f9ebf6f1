// checkoutRoot answers for the folder given, whatever git variables the shell holds: with
// GIT_DIR and GIT_WORK_TREE exported (a dotfiles setup: GIT_DIR=~/.dotfiles GIT_WORK_TREE=~,
// or hearth run from a git hook) git rev-parse named their work tree as the top, so hearth fix
// --repo PROJECT worked on another folder and said PROJECT was "inside" it. Real git.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { checkoutRoot } from "../../../src/cli/checkout-root.ts";
import { tempDir } from "../../fixtures/temp.ts";

const saved = { GIT_DIR: process.env.GIT_DIR, GIT_WORK_TREE: process.env.GIT_WORK_TREE };

function repo(folder: string): void {
  mkdirSync(join(folder, "lib"), { recursive: true });
  execFileSync("git", ["init", "-q"], { cwd: folder, env: { ...process.env, GIT_DIR: undefined, GIT_WORK_TREE: undefined } as NodeJS.ProcessEnv });
}

describe("checkoutRoot with git's variables in the environment", () => {
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("names the given folder's checkout, not the one GIT_DIR and GIT_WORK_TREE point at", () => {
    const work = tempDir("hearth-checkout-root-");
    const project = join(work, "project");
    const dotfiles = join(work, "home");
    repo(project);
    repo(dotfiles);
    process.env.GIT_DIR = join(dotfiles, ".git");
    process.env.GIT_WORK_TREE = dotfiles;
    assert.deepEqual(checkoutRoot(project), { root: project });
    const sub = checkoutRoot(join(project, "lib"));
    assert.equal(sub.root, project);
    assert.match(sub.note ?? "", /lib is inside the checkout .*project:/);
  });
});
