/**
 * git_diff without checkpoints in a repository that came with a config naming programs (an
 * fsmonitor, a filter and a diff driver for every .txt, an external diff): `git diff HEAD`
 * and the untracked files' diffs run none of them, nor a GIT_EXTERNAL_DIFF the user's shell
 * exported, and show the files' bytes as they are.
 */
import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { DiskWorkspace } from "../../../src/tools/disk-workspace.ts";
import { gitDiffTool } from "../../../src/tools/git-diff.ts";
import { type ToolContext, runTool } from "../../../src/tools/tool.ts";
import { hostileRepo } from "../indexer/helpers/hostile-git.ts";

it("git diff HEAD and an untracked file's diff run nothing the repository's config or the shell's GIT_EXTERNAL_DIFF names", async (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  writeFileSync(join(repo.root, "new.txt"), "fresh\n");
  const external = join(repo.root, "..", "programs", "external.sh");
  writeFileSync(external, `#!/bin/sh\ntouch '${join(repo.root, "..", "ran", "GIT_EXTERNAL_DIFF")}'\n`);
  chmodSync(external, 0o755);
  process.env.GIT_EXTERNAL_DIFF = external;
  t.after(() => delete process.env.GIT_EXTERNAL_DIFF);
  const ctx: ToolContext = { workspace: new DiskWorkspace(repo.root), signal: new AbortController().signal, reads: new Map() };
  const result = await runTool(gitDiffTool, {}, ctx);
  assert.equal(result.ok, true, result.text);
  const diff = (result.data as { diff: string }).diff;
  assert.match(diff, /^\+LINE 0$/m);
  assert.match(diff, /^\+fresh$/m);
  assert.deepEqual(repo.ran(), []);
});
