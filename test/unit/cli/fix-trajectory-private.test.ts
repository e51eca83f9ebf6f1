// hearth fix's default trajectory (the prompts, the tool results: what the agent read of the
// checkout, an .env included) is in the state folder: a --state-dir not there yet was made 0755
// by the trajectory's mkdir under umask 022, and the trajectory written 0644, readable by every
// user of a shared machine. Both are this user's alone from their mkdir and open now; a
// trajectory the user names elsewhere keeps the usual modes (theirs to choose). In-process, a
// scripted model.
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { calcCheckout, ownStateHome } from "../../fixtures/calc-checkout.ts";
import { captureIo } from "../../fixtures/cli-io.ts";

const mode = (path: string): number => statSync(path).mode & 0o777;

describe("hearth fix's trajectory on a shared machine", () => {
  ownStateHome("hearth-fix-trajectory-xdg-");

  it("makes a --state-dir not there yet 0700 and the trajectory in it 0600 under umask 022; a --trajectory named elsewhere keeps the usual modes", async (t) => {
    const before = process.umask(0o022);
    t.after(() => process.umask(before));
    const { work, repo, model } = calcCheckout("hearth-fix-trajectory-");
    const state = join(work, "state");
    const io = captureIo(repo);
    assert.equal(await main(["fix", "--repo", ".", "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--state-dir", state], io), 0, io.stderr);
    assert.equal(mode(state), 0o700, "the state folder");
    const [trajectory] = readdirSync(state).filter((name) => name.endsWith(".trajectory.jsonl"));
    assert.ok(trajectory, readdirSync(state).join(", "));
    assert.equal(mode(join(state, trajectory)), 0o600, "the trajectory");

    const { work: otherWork, repo: other, model: otherModel } = calcCheckout("hearth-fix-trajectory-");
    const named = join(otherWork, "runs", "run.jsonl");
    const second = captureIo(other);
    assert.equal(await main(["fix", "--repo", ".", "--issue", "add is wrong", "--model", otherModel, "--yes", "--no-index", "--state-dir", join(otherWork, "state"), "--trajectory", named], second), 0, second.stderr);
    assert.equal(mode(join(otherWork, "runs")), 0o755, "a folder the user named for it");
    assert.equal(mode(named), 0o644, "a trajectory the user named");
  });
});
