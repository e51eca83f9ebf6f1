// Downloads that find one stale part lock (its runtime was killed) at the same moment and take
// it over: each a process of its own, stopped at every step of its takeover while the test lets
// the others on (test/fixtures/lock-takers.ts), so the interleaving is the same each time.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { lockPart } from "../../../src/models/part-lock.ts";
import { deadPid, startTakers, takeOverTogether } from "../../fixtures/lock-takers.ts";
import { tempDir } from "../../fixtures/temp.ts";

describe("downloads that take one stale part lock over at the same moment", () => {
  for (const count of [2, 3, 5]) {
    it(`of ${count} downloads that all judged the killed one's lock stale, exactly one holds the part; the rest are told who does`, async (t) => {
      const dir = tempDir("hearth-part-takeover-");
      const part = join(dir, "m.gguf.part");
      writeFileSync(`${part}.lock`, JSON.stringify({ pid: deadPid(), host: hostname(), token: "killed" }));
      const takers = startTakers(t, count, ["part", part]);
      const answers = await takeOverTogether(takers);
      const holders = takers.filter((_, i) => answers[i] === "locked");
      assert.equal(holders.length, 1, `one download holds the part, not ${holders.length}: ${answers.join(" | ")}`);
      const pid = holders[0]!.child.pid;
      assert.equal(JSON.parse(readFileSync(`${part}.lock`, "utf8")).pid, pid, "the lock file names it");
      for (const answer of answers.filter((a) => a !== "locked")) assert.equal(answer, `refused: ${JSON.stringify({ pid, host: hostname() })}`);
      for (const taker of takers) await taker.end();
      assert.deepEqual(readdirSync(dir), [], "released by its holder, nothing left beside it");
    });
  }

  it("while a live download is taking the stale lock over, another is told that one holds the part, not the killed one, and removes nothing", async (t) => {
    const dir = tempDir("hearth-part-takeover-");
    const part = join(dir, "m.gguf.part");
    const stale = JSON.stringify({ pid: deadPid(), host: hostname(), token: "killed" });
    writeFileSync(`${part}.lock`, stale);
    const [taker] = startTakers(t, 1, ["part", part]);
    assert.equal(await taker!.next(), "judged");
    assert.equal(await taker!.until("guarded"), true, "it holds the takeover guard");
    assert.deepEqual(await lockPart(part), { holder: { pid: taker!.child.pid, host: hostname() } });
    assert.equal(readFileSync(`${part}.lock`, "utf8"), stale, "the stale lock is left to the download taking it over");
    await taker!.finish();
    assert.equal(taker!.answer(), "locked");
    await taker!.end();
    assert.deepEqual(readdirSync(dir), [], "released, and no guard left behind");
  });

  it("a download killed while taking the stale lock over leaves no guard that blocks the next one", async (t) => {
    const dir = tempDir("hearth-part-takeover-");
    const part = join(dir, "m.gguf.part");
    writeFileSync(`${part}.lock`, JSON.stringify({ pid: deadPid(), host: hostname(), token: "killed" }));
    const [killed, next] = startTakers(t, 2, ["part", part]);
    assert.equal(await killed!.next(), "judged");
    assert.equal(await killed!.until("guarded"), true, "it holds the takeover guard");
    await killed!.kill();
    assert.equal(await next!.next(), "judged");
    await next!.finish();
    assert.equal(next!.answer(), "locked");
    assert.equal(JSON.parse(readFileSync(`${part}.lock`, "utf8")).pid, next!.child.pid);
    await next!.end();
    assert.deepEqual(readdirSync(dir), [], "released, and no guard left behind");
  });
});
