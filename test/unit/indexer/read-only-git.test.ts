// read-only-git.ts's options and environment shut every transport, so no git Hearth runs in the
// user's repository reaches a remote. A git older than 2.39.4 has no GIT_NO_LAZY_FETCH: a
// missing object there is fetched from the repository's promisor remote, and only the
// protocol settings stop it. A fetch (which GIT_NO_LAZY_FETCH does not stop) tries them here.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { it } from "node:test";
import { READ_ONLY_GIT_OPTIONS, readOnlyGitEnv } from "../../../src/indexer/read-only-git.ts";
import { hostileRepo, testGit } from "./helpers/hostile-git.ts";

it("a protocol the repository's config allows by name (protocol.<name>.allow=always for a remote helper on the PATH) stays shut", (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  // A remote helper the user installed (git-remote-hg, git-remote-gcrypt): git starts git-remote-<name> for a <name>:: URL.
  const bin = join(repo.root, "..", "programs", "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "git-remote-evil"), `#!/bin/sh\ntouch '${join(repo.root, "..", "ran", "protocol.evil")}'\n`);
  chmodSync(join(bin, "git-remote-evil"), 0o755);
  testGit(repo.root, "config", "remote.evil.url", "evil::anything");
  testGit(repo.root, "config", "protocol.evil.allow", "always");
  const env = readOnlyGitEnv({ ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` });
  for (const remote of ["evil", "origin"]) {
    const fetch = spawnSync("git", [...READ_ONLY_GIT_OPTIONS, "fetch", "-q", remote], { cwd: repo.root, env, encoding: "utf8" });
    assert.match(fetch.stderr, /not allowed/, remote);
  }
  assert.deepEqual(repo.ran(), []);
});
