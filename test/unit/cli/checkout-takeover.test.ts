// Runs that find one stale checkout lock (its holder was killed) at the same moment and take it
// over: each run a process of its own, stopped at every step of its takeover while the test
// lets the others on (test/fixtures/lock-takers.ts), so the interleaving is the same each time.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CheckoutBusyError, lockCheckout } from "../../../src/cli/checkout-lock.ts";
import { deadPid, startTakers, takeOverTogether } from "../../fixtures/lock-takers.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** The lock a killed run left in a new state folder for a new checkout. */
function staleLock(): { state: string; repo: string; file: string } {
  const state = tempDir("hearth-takeover-state-");
  const repo = tempDir("hearth-takeover-repo-");
  lockCheckout(state, repo); // taken, never released: the run was killed
  const file = join(state, "locks", readdirSync(join(state, "locks"))[0]!);
  writeFileSync(file, JSON.stringify({ pid: deadPid(), started: new Date(Date.now() - 60_000).toISOString(), by: "hearth fix" }));
  return { state, repo, file };
}

describe("runs that take one stale checkout lock over at the same moment", () => {
  for (const count of [2, 3, 5]) {
    it(`of ${count} runs that all judged the killed run's lock stale, exactly one holds the checkout; the rest are refused, naming it`, async (t) => {
      const { state, repo, file } = staleLock();
      const takers = startTakers(t, count, ["checkout", state, repo]);
      const answers = await takeOverTogether(takers);
      const holders = takers.filter((_, i) => answers[i] === "locked");
      assert.equal(holders.length, 1, `one run holds the checkout, not ${holders.length}: ${answers.join(" | ")}`);
      const pid = holders[0]!.child.pid;
      assert.equal(JSON.parse(readFileSync(file, "utf8")).pid, pid, "the lock file names it");
      for (const answer of answers.filter((a) => a !== "locked")) assert.match(answer, new RegExp(`^refused: another hearth fix \\(pid ${pid}, started .+\\) is working in `));
      for (const taker of takers) await taker.end();
      assert.deepEqual(readdirSync(join(state, "locks")), [], "released by its holder, nothing left beside it");
    });
  }

  it("while a live run is taking the stale lock over, another is refused as beside it and removes nothing; the first then holds the checkout", async (t) => {
    const { state, repo, file } = staleLock();
    const [taker] = startTakers(t, 1, ["checkout", state, repo]);
    assert.equal(await taker!.next(), "judged");
    assert.equal(await taker!.until("guarded"), true, "it holds the takeover guard");
    const stale = readFileSync(file, "utf8");
    assert.throws(() => lockCheckout(state, repo), (error: Error) => {
      assert.ok(error instanceof CheckoutBusyError, `a CheckoutBusyError, not ${String(error)}`);
      assert.match(error.message, /^another Hearth run is taking the lock on .+ at this moment: try again in a few seconds; if none runs there, delete /);
      return true;
    });
    assert.equal(readFileSync(file, "utf8"), stale, "the stale lock is left to the run taking it over");
    await taker!.finish();
    assert.equal(taker!.answer(), "locked");
    assert.equal(JSON.parse(readFileSync(file, "utf8")).pid, taker!.child.pid);
    await taker!.end();
  });

  it("a guard untouched for minutes whose pid is alive (a reused pid, where the system does not say when a process started) does not block the next run", async (t) => {
    const { state, repo, file } = staleLock();
    const [taker] = startTakers(t, 1, ["checkout", state, repo]);
    assert.equal(await taker!.next(), "judged");
    assert.equal(await taker!.until("guarded"), true, "it holds the takeover guard");
    // Its process lives on, stopped: as a pid reused by an unrelated process looks where start times cannot be read (macOS, Windows).
    const guards = readdirSync(join(state, "locks")).filter((name) => name.includes(".takeover."));
    assert.equal(guards.length, 1, `one guard: ${guards.join(", ")}`);
    const sixMinutesAgo = (Date.now() - 6 * 60_000) / 1000;
    utimesSync(join(state, "locks", guards[0]!), sixMinutesAgo, sixMinutesAgo);
    const lock = lockCheckout(state, repo);
    assert.equal(JSON.parse(readFileSync(file, "utf8")).pid, process.pid, "the next run holds the checkout");
    lock.release();
    await taker!.kill();
  });

  it("a run killed while taking the stale lock over leaves no guard that blocks the next run: it takes the lock, and no guard is left behind", async (t) => {
    const { state, repo, file } = staleLock();
    const [taker] = startTakers(t, 1, ["checkout", state, repo]);
    assert.equal(await taker!.next(), "judged");
    assert.equal(await taker!.until("guarded"), true, "it holds the takeover guard");
    await taker!.kill();
    const lock = lockCheckout(state, repo);
    assert.equal(JSON.parse(readFileSync(file, "utf8")).pid, process.pid, "the next run holds the checkout");
    lock.release();
    // Its draft of its own lock (written before it looked) stays: it was killed before clearing it up.
    const left = readdirSync(join(state, "locks")).filter((name) => name !== `${file.slice(file.lastIndexOf("/") + 1)}.${taker!.child.pid}.tmp`);
    assert.deepEqual(left, [], "nor is the killed run's guard left behind");
  });
});
