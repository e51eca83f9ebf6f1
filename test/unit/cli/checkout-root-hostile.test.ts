// checkoutRoot (hearth fix --repo) in a repository that came with its .git: asking git which
// folder is the checkout's top runs nothing the repository's config names. git ls-files runs
// core.fsmonitor, which the helper's repository sets (through include.path) to a program that
// leaves a marker file.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { checkoutRoot } from "../../../src/cli/checkout-root.ts";
import { hostileRepo } from "../indexer/helpers/hostile-git.ts";

it("asks rev-parse and ls-files about a folder HEAD does not hold without running the repository's fsmonitor", (t) => {
  const repo = hostileRepo();
  t.after(() => repo.remove());
  const scratch = join(repo.root, "scratch");
  mkdirSync(scratch);
  writeFileSync(join(scratch, "notes.txt"), "n\n");
  assert.deepEqual(checkoutRoot(scratch), { root: scratch });
  assert.deepEqual(repo.ran(), []);
});
