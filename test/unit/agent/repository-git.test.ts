// Read-only git in the user's repository (src/agent/repository-git.ts): its answer, what it
// was given on stdin, and why it gave none.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { repositoryGit, repositoryGitText } from "../../../src/agent/repository-git.ts";

it("gives git's stdout in the repository, reads what it is given, and says why when git fails", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-repo-git-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [repo, plain] = [join(dir, "repo"), join(dir, "plain")];
  mkdirSync(repo);
  mkdirSync(plain);
  execFileSync("git", ["init", "-q"], { cwd: repo });
  writeFileSync(join(repo, "a.txt"), "one\r\n");
  execFileSync("git", ["add", "a.txt"], { cwd: repo });

  assert.equal(await repositoryGitText(repo, ["ls-files", "-z"]), "a.txt\0");
  const batch = await repositoryGit(repo, ["cat-file", "--batch"], { input: ":a.txt\n" });
  assert.ok(batch.ok);
  assert.match(batch.stdout.toString("latin1"), /^[0-9a-f]+ blob 5\none\r\n\n$/);

  // A folder in no repository (a ceiling keeps git from finding one above the temp folder).
  process.env.GIT_CEILING_DIRECTORIES = dir;
  t.after(() => delete process.env.GIT_CEILING_DIRECTORIES);
  assert.equal(await repositoryGitText(plain, ["ls-files"]), undefined);
  const failed = await repositoryGit(plain, ["ls-files"]);
  assert.equal(failed.ok, false);
  assert.match(failed.ok ? "" : failed.why, /not a git repository/);
});
