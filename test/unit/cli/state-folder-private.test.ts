// Hearth's state folder (~/.local/state/hearth) holds hearth fix's checkpoint stores (copies of
// the checkout's files: an .env, a key) and its trajectories (the prompts, what the agent read):
// on a shared machine it is this user's alone from its first mkdir, whatever the umask, and the
// default one an older Hearth left 0755 is made so when next used. A --state-dir the user
// names is made 0700 when Hearth makes it, and otherwise left as the user keeps it.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { hearthStateDir, lockCheckout } from "../../../src/cli/checkout-lock.ts";
import { tempDir } from "../../fixtures/temp.ts";

const mode = (path: string): number => statSync(path).mode & 0o777;

describe("the state folder on a shared machine", () => {
  it("makes the state folder and its locks/ 0700 under umask 022", (t) => {
    const before = process.umask(0o022);
    t.after(() => process.umask(before));
    const top = tempDir("hearth-state-private-");
    chmodSync(top, 0o755);
    const repo = tempDir("hearth-state-repo-");
    const state = join(top, "state", "hearth");
    lockCheckout(state, repo).release();
    assert.equal(mode(join(top, "state")), 0o700, "state/");
    assert.equal(mode(state), 0o700, "state/hearth/");
    assert.equal(mode(join(state, "locks")), 0o700, "locks/");
  });

  it("makes the default state folder an older Hearth left 0755 this user's alone; leaves a --state-dir the user made as it is", (t) => {
    const top = tempDir("hearth-state-private-");
    const xdg = process.env.XDG_STATE_HOME;
    t.after(() => (xdg === undefined ? delete process.env.XDG_STATE_HOME : (process.env.XDG_STATE_HOME = xdg)));
    process.env.XDG_STATE_HOME = join(top, "xdg");
    const repo = tempDir("hearth-state-repo-");
    const state = hearthStateDir();
    mkdirSync(join(state, "locks"), { recursive: true, mode: 0o755 });
    chmodSync(state, 0o755);
    chmodSync(join(state, "locks"), 0o755);
    lockCheckout(state, repo).release();
    assert.equal(mode(state), 0o700, "the default state folder");
    assert.equal(mode(join(state, "locks")), 0o700, "its locks/");

    const own = join(top, "my-state");
    mkdirSync(own, { mode: 0o755 });
    chmodSync(own, 0o755);
    lockCheckout(own, repo).release();
    assert.equal(mode(own), 0o755, "a folder the user named and made");
  });
});
