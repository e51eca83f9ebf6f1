// The registry `hearth models --cuda` fetches native packages from, with HOME empty or relative
// (a systemd unit's `Environment=HOME=`, a CI step's env): ~/.npmrc was read as .npmrc of the
// folder Hearth runs in — a repository's own, whose `registry=` then chose where the native
// code Hearth loads came from. It is the user's home's .npmrc, from the system's user list.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { npmRegistry } from "../../../src/models/native-packages.ts";

describe("npmRegistry with HOME empty or relative", () => {
  for (const home of ["", "."]) {
    it(`HOME=${JSON.stringify(home)}: a .npmrc in the folder Hearth runs in is not the user's`, (t) => {
      const repo = mkdtempSync(join(tmpdir(), "hearth-npmrc-"));
      const [savedHome, savedCwd] = [process.env.HOME, process.cwd()];
      t.after(() => {
        process.chdir(savedCwd);
        process.env.HOME = savedHome;
        rmSync(repo, { recursive: true, force: true });
      });
      writeFileSync(join(repo, ".npmrc"), "registry=http://127.0.0.1:9/repository-registry/\n");
      process.chdir(repo);
      process.env.HOME = home;
      assert.notEqual(npmRegistry({}), "http://127.0.0.1:9/repository-registry");
    });
  }
});
