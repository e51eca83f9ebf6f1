// git_diff without checkpoints in an unlocked git-crypt checkout: the repository's filters are
// emptied (indexer/read-only-git.ts), so where git read the decrypted file again (its times
// changed: a touch, a copied checkout, right after git-crypt unlock) the model was shown
// "Binary files a/app_config.py and b/app_config.py differ", a change nobody made. Now a file
// whose bytes encrypt (tools/git-crypt.ts, with the checkout's key) to HEAD's blob is left out;
// a real change still shows. Real git and git-crypt (skipped where it is not installed).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { DiskWorkspace } from "../../../src/tools/disk-workspace.ts";
import { gitDiffTool } from "../../../src/tools/git-diff.ts";
import { type ToolContext, runTool } from "../../../src/tools/tool.ts";
import { git } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const hasGitCrypt = spawnSync("git-crypt", ["--version"]).status === 0;

it("shows no change of an unlocked git-crypt file that holds what HEAD holds, and still shows real changes", { skip: !hasGitCrypt && "git-crypt is not installed" }, async () => {
  const dir = tempDir("hearth-git-crypt-diff-");
  const origin = join(dir, "origin");
  git(dir, "init", "-q", origin);
  assert.equal(spawnSync("git-crypt", ["init"], { cwd: origin }).status, 0);
  writeFileSync(join(origin, ".gitattributes"), "app_config.py filter=git-crypt diff=git-crypt\n");
  writeFileSync(join(origin, "app_config.py"), "API_KEY = 'hunter2'\n");
  writeFileSync(join(origin, "app.py"), "print(1)\n");
  git(origin, "add", ".");
  git(origin, "commit", "-qm", "base");
  assert.equal(spawnSync("git-crypt", ["export-key", join(dir, "key")], { cwd: origin }).status, 0);
  const clone = join(dir, "clone");
  git(dir, "clone", "-q", origin, clone);
  assert.equal(spawnSync("git-crypt", ["unlock", join(dir, "key")], { cwd: clone }).status, 0);
  utimesSync(join(clone, "app_config.py"), new Date(2001, 0, 1), new Date(2001, 0, 1));
  const ctx: ToolContext = { workspace: new DiskWorkspace(clone), signal: new AbortController().signal, reads: new Map() };
  const diff = async (): Promise<string> => {
    const result = await runTool(gitDiffTool, {}, ctx);
    assert.equal(result.ok, true, result.text);
    return result.text;
  };
  assert.equal(await diff(), "No changes.");
  writeFileSync(join(clone, "app.py"), "print(2)\n");
  assert.match(await diff(), /^diff --git a\/app\.py b\/app\.py\n[^]*^\+print\(2\)$/m);
  assert.doesNotMatch(await diff(), /app_config/);
  // A real change to the secret still shows (as git shows it: binary against the encrypted blob).
  writeFileSync(join(clone, "app_config.py"), "API_KEY = 'hunter3'\n");
  assert.match(await diff(), /^Binary files a\/app_config\.py and b\/app_config\.py differ$/m);
});
