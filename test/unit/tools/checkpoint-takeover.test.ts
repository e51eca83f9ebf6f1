// Processes that find one stale checkpoint owner file (its runtime was killed mid-checkpoint) at
// the same moment and take it over: each a process of its own, stopped at every step of its
// takeover while the test lets the others on (test/fixtures/lock-takers.ts).
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RepoLock } from "../../../src/tools/checkpoint-lock.ts";
import { deadPid, startTakers, takeOverTogether } from "../../fixtures/lock-takers.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** A shadow git folder with the owner file a killed runtime left. */
function staleOwner(): string {
  const gitDir = tempDir("hearth-checkpoint-takeover-");
  writeFileSync(join(gitDir, "hearth.owner"), JSON.stringify({ pid: deadPid() }));
  return gitDir;
}

describe("processes that take one stale checkpoint owner file over at the same moment", () => {
  for (const count of [2, 3, 5]) {
    it(`of ${count} that all judged the killed runtime's owner file stale, exactly one runs git there; the rest are refused, naming it`, async (t) => {
      const gitDir = staleOwner();
      const takers = startTakers(t, count, ["checkpoint", gitDir]);
      const answers = await takeOverTogether(takers);
      const holders = takers.filter((_, i) => answers[i] === "locked");
      assert.equal(holders.length, 1, `one process holds the repository, not ${holders.length}: ${answers.join(" | ")}`);
      const pid = holders[0]!.child.pid;
      assert.deepEqual(JSON.parse(readFileSync(join(gitDir, "hearth.owner"), "utf8")), { pid }, "the owner file names it");
      for (const answer of answers.filter((a) => a !== "locked")) assert.match(answer, new RegExp(`^refused: Checkpoints are in use by another Hearth process \\(pid ${pid}\\) for this folder`));
      for (const taker of takers) await taker.end();
      assert.deepEqual(readdirSync(gitDir), [], "released by its holder, nothing left beside it");
    });
  }

  it("while a live process is taking the stale owner file over, another gives up saying so and removes nothing; the first then holds the repository", async (t) => {
    const gitDir = staleOwner();
    const owner = join(gitDir, "hearth.owner");
    const [taker] = startTakers(t, 1, ["checkpoint", gitDir]);
    assert.equal(await taker!.next(), "judged");
    assert.equal(await taker!.until("guarded"), true, "it holds the takeover guard");
    const stale = readFileSync(owner, "utf8");
    await assert.rejects(new RepoLock(gitDir, 0).run(async () => undefined), (error: Error) => {
      assert.equal(error.message, `Checkpoints for this folder are being taken over by another Hearth process from one that is gone (pid ${JSON.parse(stale).pid}); try again in a few seconds, or if no other Hearth window is open, delete ${owner}.`);
      return true;
    });
    assert.equal(readFileSync(owner, "utf8"), stale, "the stale owner file is left to the process taking it over");
    await taker!.finish();
    assert.equal(taker!.answer(), "locked");
    assert.deepEqual(JSON.parse(readFileSync(owner, "utf8")), { pid: taker!.child.pid });
    await taker!.end();
  });

  it("a process killed while taking the stale owner file over leaves no guard that blocks the next one", async (t) => {
    const gitDir = staleOwner();
    const [killed] = startTakers(t, 1, ["checkpoint", gitDir]);
    assert.equal(await killed!.next(), "judged");
    assert.equal(await killed!.until("guarded"), true, "it holds the takeover guard");
    await killed!.kill();
    const ran = await new RepoLock(gitDir, 0).run(async () => readFileSync(join(gitDir, "hearth.owner"), "utf8"));
    assert.deepEqual(JSON.parse(ran), { pid: process.pid }, "the next process holds the repository");
    assert.deepEqual(readdirSync(gitDir), [], "released, and no guard left behind");
  });
});
