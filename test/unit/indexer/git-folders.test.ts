// git's own folders met as ordinary ones: a bare repository (a server's project.git, a test
// fixture's) or a .git folder opened as the workspace. Their files are git's internals, and
// their `config` names the remote — a URL that can carry a token (https://bot:TOKEN@host/…).
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_LIMITS, leftOutMessage } from "../../../src/indexer/index.ts";
import { scanRepository } from "../../../src/indexer/scan.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { testGit } from "./helpers/hostile-git.ts";
import { indexOf } from "./helpers/setup.ts";

const TOKEN_URL = "https://bot:tokenzq1234567890@git.acme-corp.io/team/app.git";

/** A bare repository at `path` whose remote URL holds a token. */
function bareRepository(parent: string, name: string): string {
  testGit(parent, "init", "-q", "--bare", name);
  testGit(join(parent, name), "config", "remote.origin.url", TOKEN_URL);
  return join(parent, name);
}

describe("scan: git's own folders", () => {
  it("a bare repository inside the folder is not entered, as .git is not", async () => {
    const root = tempDir("hearth-git-folders-");
    mkdirSync(join(root, "fixtures"));
    bareRepository(join(root, "fixtures"), "remote.git");
    writeFileSync(join(root, "a.py"), "def a():\n    return 1\n");
    const scan = await scanRepository(root, { ...DEFAULT_LIMITS, useGitignore: true });
    assert.deepEqual(scan.files.map((f) => f.path), ["a.py"]);
    const skip = scan.skipped.find((s) => s.path === "fixtures/remote.git");
    assert.equal(skip?.reason, "excluded-dir");
    assert.match(skip?.detail ?? "", /git's own folder/);
  });

  it("a bare repository or a .git folder opened as the workspace indexes nothing of git's, its config included", async () => {
    const parent = tempDir("hearth-git-folders-");
    const checkout = join(parent, "checkout");
    mkdirSync(checkout);
    testGit(checkout, "init", "-q");
    testGit(checkout, "config", "remote.origin.url", TOKEN_URL);
    for (const root of [bareRepository(parent, "server.git"), join(checkout, ".git")]) {
      const index = await indexOf(root, { history: false });
      try {
        assert.deepEqual([...index.files.keys()], [], root);
        const report = await index.build();
        // The Hearth view's index line says why nothing is indexed, and what to open instead.
        assert.match(leftOutMessage(report) ?? "", /^nothing indexed: this folder is git's own \(a bare repository, or a \.git folder\), with no checked-out files; open a clone of it \(git clone\), or the checkout whose \.git it is$/, root);
      } finally {
        await index.close();
      }
    }
  });
  it("a watcher's update or unsaved text of a file in a bare repository inside the folder (a push into a fixture's remote.git) is left out too", async () => {
    const root = tempDir("hearth-git-folders-");
    mkdirSync(join(root, "fixtures"));
    const remote = bareRepository(join(root, "fixtures"), "remote.git");
    writeFileSync(join(root, "a.py"), "def a():\n    return 1\n");
    const index = await indexOf(root, { history: false });
    try {
      assert.deepEqual([...index.files.keys()], ["a.py"]);
      // git config, git push: the watcher names the files git wrote.
      testGit(remote, "config", "remote.backup.url", TOKEN_URL);
      writeFileSync(join(remote, "packed-refs"), "# pack-refs with: peeled\n");
      assert.equal(await index.updateFile("fixtures/remote.git/config"), "skipped");
      assert.equal(await index.updateFile("fixtures/remote.git/packed-refs"), "skipped");
      assert.equal(await index.updateFile("fixtures/remote.git/description", "typed text\n"), "skipped");
      assert.deepEqual([...index.files.keys()], ["a.py"]);
      // An ordinary folder's files still update.
      writeFileSync(join(root, "b.py"), "def b():\n    return 2\n");
      assert.equal(await index.updateFile("b.py"), "parsed");
    } finally {
      await index.close();
    }
  });
});
