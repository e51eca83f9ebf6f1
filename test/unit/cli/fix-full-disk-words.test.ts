// hearth fix stopped by a full disk names the disk that is full: the checkout's (a real tmpfs
// filled to its last page, the state folder on another disk) is not told as the state folder's,
// and a checkpoint store's error (which names its folder inside the state folder) is. Skipped
// where a tmpfs cannot be mounted (not root).
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { fullDiskWords } from "../../../src/cli/commands/fix.ts";
import { smallDisk } from "../../fixtures/small-disk.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** Node's own ENOSPC from writing more than `folder`'s disk has room for. */
function enospcIn(folder: string): unknown {
  try {
    writeFileSync(join(folder, "too-big"), Buffer.alloc(256 * 1024));
  } catch (error) {
    return error;
  }
  throw new Error(`${folder} had room for 256 KB`);
}

it("a full checkout disk with the state folder on another disk: the checkout's disk is named, not the state folder's", (t) => {
  const work = tempDir("hearth-fix-fullwords-");
  const repo = smallDisk(t, { size: "32k", at: join(work, "repo") });
  if (!repo) return;
  const state = join(work, "state");
  mkdirSync(state);
  const error = enospcIn(repo);
  assert.equal((error as NodeJS.ErrnoException).code, "ENOSPC");
  const words = fullDiskWords(error, { stateDir: state, repo });
  assert.match(words, new RegExp(`^the disk holding the checkout ${repo} is full \\(\\d+ KB free\\)`));
  assert.doesNotMatch(words, /the disk holding the state folder/);
  // git's words in the workspace, as they reach Hearth: the same disk.
  assert.match(fullDiskWords(new Error("git status failed: fatal: unable to write new index file: No space left on device"), { stateDir: state, repo }), /^the disk holding the checkout /);
});

it("a checkpoint store's error names its folder in the state folder: the state folder's disk is named, though the checkout's is the fuller", (t) => {
  const work = tempDir("hearth-fix-fullwords-");
  const repo = smallDisk(t, { size: "32k", at: join(work, "repo") });
  if (!repo) return;
  enospcIn(repo);
  const state = join(work, "state");
  const error = new Error(`the checkpoint before this change could not be stored: the disk holding Hearth's checkpoints (${join(state, "checkpoints", "abc")}) is full (No space left on device)`);
  assert.match(fullDiskWords(error, { stateDir: state, repo }), new RegExp(`^the disk holding the state folder ${state} is full \\(.* free\\): Hearth's checkpoints of the checkout could not be stored`));
});

it("the state folder and the checkout on one disk: both are named, as one disk", () => {
  const work = tempDir("hearth-fix-fullwords-");
  const words = fullDiskWords(new Error("No space left on device"), { stateDir: join(work, "state"), repo: join(work, "repo") });
  assert.match(words, new RegExp(`^the disk holding the state folder ${join(work, "state")} and the checkout ${join(work, "repo")} is full`));
});
