// hearth fix in an unlocked git-crypt checkout: Hearth's read-only git empties the repository's
// own filter drivers (indexer/read-only-git.ts), git-crypt's among them, so where git read a
// decrypted secret file again (just after git-crypt unlock, after a touch or a copied checkout)
// it compared the plain bytes with the encrypted blob and uncommittedFiles called it changed:
// hearth fix said the checkout had uncommitted changes (secret.env) the user never made. Now the
// blob git-crypt would store is made from the checkout's key (agent/git-crypt.ts), without
// running git-crypt. Real git and real git-crypt (skipped where it is not installed).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { uncommittedFiles } from "../../../src/agent/fix-files.ts";
import { gitCryptEncrypted, gitCryptKeys } from "../../../src/tools/git-crypt.ts";
import { git } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const hasGitCrypt = spawnSync("git-crypt", ["--version"]).status === 0;

it("does not call an unlocked git-crypt checkout's secret file changed, and still sees a real change", { skip: !hasGitCrypt && "git-crypt is not installed" }, async () => {
  const dir = tempDir("hearth-git-crypt-");
  const origin = join(dir, "origin");
  git(dir, "init", "-q", origin);
  spawnSync("git-crypt", ["init"], { cwd: origin });
  writeFileSync(join(origin, ".gitattributes"), "secret.env filter=git-crypt diff=git-crypt\n");
  writeFileSync(join(origin, "secret.env"), "API_KEY=hunter2\n");
  writeFileSync(join(origin, "app.py"), "print(1)\n");
  git(origin, "add", ".");
  git(origin, "commit", "-qm", "base");
  assert.equal(spawnSync("git-crypt", ["export-key", join(dir, "key")], { cwd: origin }).status, 0);
  const clone = join(dir, "clone");
  git(dir, "clone", "-q", origin, clone);
  assert.equal(readFileSync(join(clone, "secret.env")).subarray(0, 10).toString("latin1"), "\0GITCRYPT\0", "locked after the clone");
  assert.equal(spawnSync("git-crypt", ["unlock", join(dir, "key")], { cwd: clone }).status, 0);
  assert.equal(readFileSync(join(clone, "secret.env"), "utf8"), "API_KEY=hunter2\n");
  // git-crypt's own encryption, made here: the committed blob's bytes.
  const [key] = await gitCryptKeys(join(clone, ".git"));
  assert.ok(key, "the key git-crypt unlock wrote");
  assert.deepEqual(gitCryptEncrypted(readFileSync(join(clone, "secret.env")), key), spawnSync("git", ["cat-file", "blob", "HEAD:secret.env"], { cwd: clone }).stdout);
  // Its times changed (as a copied checkout's do): git must read it again, through the emptied filter.
  utimesSync(join(clone, "secret.env"), new Date(2001, 0, 1), new Date(2001, 0, 1));
  assert.deepEqual(await uncommittedFiles(clone), { files: [] });
  // Real changes are still seen: the secret, and a plain file.
  writeFileSync(join(clone, "secret.env"), "API_KEY=hunter3\n");
  writeFileSync(join(clone, "app.py"), "print(2)\n");
  assert.deepEqual(await uncommittedFiles(clone), { files: ["app.py", "secret.env"] });
});
