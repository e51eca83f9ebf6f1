// Which checkpoint a restore takes each file back to, from the checkpoints' labels alone.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type CheckpointContents, agentBaselines } from "../../../src/tools/checkpoint-authorship.ts";

/** A history from [label, content of "f"] pairs (undefined: unchanged there), ids c0, c1…. */
function history(...steps: readonly (readonly [string, string?])[]): CheckpointContents[] {
  return steps.map(([label, blob], i) => ({ id: `c${i}`, label, changed: new Map(blob === undefined ? [] : [["f", blob]]) }));
}

describe("agentBaselines", () => {
  it("takes a file back to just before the agent's first write, after what the user saved during the run", () => {
    const h = history(["before: fix it", "v0"], ["before edit_file", "typed"], ["after edit_file", "typed+agent"], ["after: fix it"]);
    assert.deepEqual(agentBaselines(["f"], h, 0, 3).get("f"), { changed: true, checkpoint: "c1", userAfter: false });
  });

  it("says when the user changed it after the agent's first write, between writes or before the run's end", () => {
    const between = history(["before: fix it", "v0"], ["before edit_file"], ["after edit_file", "agent"], ["before edit_file", "agent+mine"], ["after edit_file", "agent+mine+agent"], ["after: fix it"]);
    assert.deepEqual(agentBaselines(["f"], between, 0, 5).get("f"), { changed: true, checkpoint: "c1", userAfter: true });
    const atEnd = history(["before: fix it", "v0"], ["before edit_file"], ["after edit_file", "agent"], ["after: fix it", "agent+mine"]);
    assert.equal(agentBaselines(["f"], atEnd, 0, 3).get("f")?.userAfter, true);
  });

  it("takes a change back to content the span held before (an undo) for no new work, and a command's change for the agent's", () => {
    const h = history(["before: fix it", "v0"], ["before run_command"], ["before edit_file", "generated"], ["after edit_file", "edited"], ["before edit_file", "generated"], ["after: fix it"]);
    assert.deepEqual(agentBaselines(["f"], h, 0, 5).get("f"), { changed: true, checkpoint: "c1", userAfter: false });
  });

  it("takes a user's change that a later Reject or undo took out again for no change to keep", () => {
    // The user's line after run 1, dropped by their Reject of run 2 (back to run 2's start), then run 3 writes.
    const h = history(
      ["before: one", "v0"], ["before edit_file"], ["after edit_file", "one"], ["after: one"],
      ["before: two", "one"], ["before edit_file"], ["after edit_file", "two"], ["after: two", "two+mine"],
      ["before restoring c4", "two+mine"], ["before: three", "one"], ["before edit_file"], ["after edit_file", "three"], ["after: three"],
    );
    assert.deepEqual(agentBaselines(["f"], h, 0, 12).get("f"), { changed: true, checkpoint: "c1", userAfter: false });
    // Kept while it is there: no Reject came.
    assert.equal(agentBaselines(["f"], h, 0, 8).get("f")?.userAfter, true);
  });

  it("finds no write of the agent's in a file only the user changed, and looks no further than `to`", () => {
    const h = history(["before: fix it", "v0"], ["before edit_file", "mine"], ["after edit_file"], ["after: fix it"], ["before: next", "mine"], ["before edit_file"], ["after edit_file", "next's"]);
    assert.deepEqual(agentBaselines(["f"], h, 0, 3).get("f"), { changed: true, userAfter: false });
    assert.deepEqual(agentBaselines(["f"], h, 0, 6).get("f"), { changed: true, checkpoint: "c5", userAfter: false });
  });
});
