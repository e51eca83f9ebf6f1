// Where hearth keeps its index cache and downloads when the XDG variables are set oddly. The
// XDG spec: a variable that is empty or not an absolute path is to be ignored. An empty
// XDG_CACHE_HOME (a CI's `XDG_CACHE_HOME=$UNSET_VAR`) put `hearth index`'s cache in
// hearth/index under whatever folder hearth ran in — inside the user's repository.
import assert from "node:assert/strict";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { hearthStateDir } from "../../../src/agent/checkout-lock.ts";
import { indexCommand } from "../../../src/cli/commands/index.ts";
import { cliStoragePath } from "../../../src/cli/commands/models.ts";
import { xdgFolder } from "../../../src/cli/user-folders.ts";
import { captureIo } from "../../fixtures/cli-io.ts";
import { tempDir } from "../../fixtures/temp.ts";

const NAMES = ["HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "HEARTH_HOME"] as const;

describe("hearth's folders under odd XDG variables", () => {
  const saved = new Map<string, string | undefined>();
  const cwd = process.cwd();
  let home = "";
  let elsewhere = "";

  beforeEach(() => {
    for (const name of NAMES) saved.set(name, process.env[name]);
    home = tempDir("hearth-user-home-");
    elsewhere = tempDir("hearth-user-cwd-");
    process.env.HOME = home;
    delete process.env.HEARTH_HOME;
    // A relative cache folder resolves against the process's folder: keep it a temp one.
    process.chdir(elsewhere);
  });

  afterEach(() => {
    process.chdir(cwd);
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  for (const [what, value] of [["an empty", ""], ["a relative", "cache"]] as const) {
    it(`${what} XDG_CACHE_HOME is ignored: the index cache goes to ~/.cache/hearth/index, not into the folder hearth runs in`, async () => {
      process.env.XDG_CACHE_HOME = value;
      const repo = tempDir("hearth-user-repo-");
      writeFileSync(join(repo, "a.py"), "def a():\n    return 1\n");
      process.chdir(repo);
      const io = captureIo(repo, { errIsTerminal: false });
      assert.equal(await indexCommand.run(["--repo", repo], io), 0, io.stderr);
      assert.deepEqual(readdirSync(repo), ["a.py"], "nothing written into the repository");
      assert.equal(existsSync(join(home, ".cache", "hearth", "index")), true);
    });
  }

  // HOME= (a systemd unit's Environment=HOME=, a CI step's env) makes os.homedir() "", and
  // every folder under it relative: the index cache, the downloads and hearth fix's state
  // (checkpoints, trajectory, the lock) went into the folder hearth ran in.
  it("an empty or relative HOME is not used: the home folder is the user's own, from the system's user list", () => {
    const own = userInfo().homedir;
    for (const value of ["", "home"]) {
      process.env.HOME = value;
      delete process.env.XDG_CACHE_HOME;
      delete process.env.XDG_DATA_HOME;
      assert.equal(xdgFolder("XDG_CACHE_HOME"), join(own, ".cache"), JSON.stringify(value));
      assert.equal(cliStoragePath(), join(own, ".local", "share", "hearth"), JSON.stringify(value));
      assert.equal(hearthStateDir({}), join(own, ".local", "state", "hearth"), JSON.stringify(value));
    }
  });

  // export HEARTH_HOME="~/models" (quoted: no shell expands it), a systemd unit's or an .env file's
  // HEARTH_HOME=~/models: hearth storage said '… in ~/models/models' while a download went
  // into a folder named ~ in the folder hearth ran in (a repository), where `rm -rf ~` removes the home instead.
  it("a HEARTH_HOME of ~ or ~/… that no shell expanded is in the home folder, not a folder named ~ where hearth runs", () => {
    process.env.HEARTH_HOME = "~/models";
    assert.equal(cliStoragePath(), join(home, "models"));
    process.env.HEARTH_HOME = "~";
    assert.equal(cliStoragePath(), home);
    // An absolute one as it is.
    process.env.HEARTH_HOME = join(elsewhere, "hearth");
    assert.equal(cliStoragePath(), join(elsewhere, "hearth"));
  });

  it("an empty or relative XDG_DATA_HOME is ignored: downloads go to ~/.local/share/hearth", () => {
    for (const value of ["", "data"]) {
      process.env.XDG_DATA_HOME = value;
      assert.equal(cliStoragePath(), join(home, ".local", "share", "hearth"), JSON.stringify(value));
    }
    process.env.XDG_DATA_HOME = join(elsewhere, "data");
    assert.equal(cliStoragePath(), join(elsewhere, "data", "hearth"));
  });
});
