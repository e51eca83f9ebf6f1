// git's own folder opened as the workspace (a bare repository, a .git opened in the editor):
// its `config` is .git/config — a remote URL can carry a token, actions/checkout leaves an
// http.extraheader with one — and a read of it asks, as .git/config's does in a checkout.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { secretFileRead, secretFileWrite } from "../../../src/tools/secret-reads.ts";
import { tempDir } from "./helpers/setup.ts";

/** `git init` (bare or not) of `name` in `parent`; refuses an empty folder (never the checkout itself). */
function gitInit(parent: string, ...args: string[]): void {
  if (!parent) throw new Error("gitInit: no folder");
  execFileSync("git", ["init", "-q", ...args], { cwd: parent, stdio: "ignore" });
}

describe("secret reads: git's own folder as the workspace", () => {
  it("config, config.worktree and a submodule's config ask in a bare repository or a .git folder; an ordinary folder's config does not", async () => {
    const parent = tempDir("hearth-secret-gitdir-");
    gitInit(parent, "--bare", "server.git");
    mkdirSync(join(parent, "checkout"));
    gitInit(join(parent, "checkout"));
    for (const root of [join(parent, "server.git"), join(parent, "checkout", ".git")]) {
      mkdirSync(join(root, "modules", "lib"), { recursive: true });
      writeFileSync(join(root, "modules", "lib", "config"), "[core]\n");
      writeFileSync(join(root, "config.worktree"), "[core]\n");
      assert.match((await secretFileRead(root, "config")) ?? "", /^it reads config: it looks like it holds secrets/, root);
      assert.match((await secretFileRead(root, "config.worktree")) ?? "", /it looks like it holds secrets/, root);
      assert.match((await secretFileRead(root, "modules/lib/config")) ?? "", /it looks like it holds secrets/, root);
      assert.match((await secretFileWrite(root, "config")) ?? "", /^it changes config: /, root);
      assert.equal(await secretFileRead(root, "description"), undefined, root);
    }
    const plain = join(parent, "plain");
    mkdirSync(plain);
    writeFileSync(join(plain, "config"), "x = 1\n");
    assert.equal(await secretFileRead(plain, "config"), undefined);
  });
  it("a bare repository inside the project (a fixture's remote.git) asks for its config as the workspace's own .git/config does", async () => {
    const root = tempDir("hearth-secret-gitdir-");
    mkdirSync(join(root, "fixtures"));
    gitInit(join(root, "fixtures"), "--bare", "remote.git");
    writeFileSync(join(root, "config"), "x = 1\n");
    assert.match((await secretFileRead(root, "fixtures/remote.git/config")) ?? "", /^it reads fixtures\/remote\.git\/config: it looks like it holds secrets/);
    assert.match((await secretFileRead(root, "./fixtures/remote.git/config")) ?? "", /it looks like it holds secrets/);
    assert.match((await secretFileWrite(root, "fixtures/remote.git/config")) ?? "", /^it changes fixtures\/remote\.git\/config: /);
    assert.equal(await secretFileRead(root, "fixtures/remote.git/description"), undefined);
    assert.equal(await secretFileRead(root, "config"), undefined);
  });
  it("a bare repository's config inside the project asks when named by its absolute path, or through a link to the file", async () => {
    const root = tempDir("hearth-secret-gitdir-");
    mkdirSync(join(root, "fixtures"));
    gitInit(join(root, "fixtures"), "--bare", "remote.git");
    symlinkSync("fixtures/remote.git/config", join(root, "remote.cfg"));
    assert.match((await secretFileRead(root, join(root, "fixtures/remote.git/config"))) ?? "", /it looks like it holds secrets/);
    assert.match((await secretFileWrite(root, join(root, "fixtures/remote.git/config"))) ?? "", /it looks like it holds secrets/);
    assert.match((await secretFileRead(root, "remote.cfg")) ?? "", /^it reads remote\.cfg, a link to fixtures\/remote\.git\/config: it looks like it holds secrets/);
    assert.equal(await secretFileRead(root, join(root, "fixtures/remote.git/description")), undefined);
  });
});
