/**
 * The download lock's refresh (src/models/part-lock.ts), on real files with a fake clock: a
 * lock from another machine sharing the folder (NFS) is judged by how fresh it is, so its
 * holder must keep it fresh, and must hear when another machine took it over.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { LOCK_REFRESH_MS, LOCK_STALE_MS, lockPart, type PartHolder, type PartLock } from "../../../src/models/part-lock.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** A fake clock at a whole second of real time (file times keep whole seconds everywhere). */
function clockAtNow(): FakeClock {
  const clock = new FakeClock();
  clock.set(Math.floor(Date.now() / 1000) * 1000);
  return clock;
}

async function take(part: string, clock: FakeClock, onLost?: (holder: PartHolder | undefined) => void): Promise<PartLock> {
  const lock = await lockPart(part, { clock, ...(onLost ? { onLost } : {}) });
  assert.ok(!("holder" in lock), "the lock is taken");
  return lock;
}

describe("the download lock, as another machine sharing the folder sees it", () => {
  it("its holder refreshes its mtime every LOCK_REFRESH_MS, so it never looks stale while held; release stops the refresh", async () => {
    const part = join(tempDir("hearth-part-lock-"), "m.gguf.part");
    const clock = clockAtNow();
    const start = clock.now();
    const lock = await take(part, clock);
    assert.equal(statSync(`${part}.lock`).mtimeMs, start);
    for (let i = 1; i <= (2 * LOCK_STALE_MS) / LOCK_REFRESH_MS; i++) {
      clock.advance(LOCK_REFRESH_MS);
      await lock.refreshed();
      assert.equal(statSync(`${part}.lock`).mtimeMs, start + i * LOCK_REFRESH_MS);
    }
    await lock.release();
    assert.equal(existsSync(`${part}.lock`), false);
    assert.equal(clock.pending(), 0, "no refresh is left waiting");
  });

  it("a holder whose lock another machine took over (this one was asleep) is told who has it, and leaves that lock alone", async () => {
    const part = join(tempDir("hearth-part-lock-"), "m.gguf.part");
    const clock = clockAtNow();
    const lost: Array<PartHolder | undefined> = [];
    const lock = await take(part, clock, (holder) => lost.push(holder));
    const theirs = JSON.stringify({ pid: 4242, host: "other-machine.example", token: "0123" });
    writeFileSync(`${part}.lock`, theirs);
    const theirTime = new Date(clock.now() - 1000);
    utimesSync(`${part}.lock`, theirTime, theirTime);
    clock.advance(LOCK_REFRESH_MS);
    await lock.refreshed();
    assert.deepEqual(lost, [{ pid: 4242, host: "other-machine.example" }]);
    assert.equal(statSync(`${part}.lock`).mtimeMs, theirTime.getTime(), "their lock is not refreshed by this process");
    await lock.release();
    assert.equal(readFileSync(`${part}.lock`, "utf8"), theirs, "nor removed");
  });

  it("a lock from another machine is held while fresh and taken over once stale; one from this machine goes by its pid alone", async () => {
    const part = join(tempDir("hearth-part-lock-"), "m.gguf.part");
    const clock = clockAtNow();
    writeFileSync(`${part}.lock`, JSON.stringify({ pid: 4242, host: "other-machine.example" }));
    const refreshed = new Date(clock.now());
    utimesSync(`${part}.lock`, refreshed, refreshed);
    clock.set(refreshed.getTime() + LOCK_STALE_MS - 1000);
    assert.deepEqual(await lockPart(part, { clock }), { holder: { pid: 4242, host: "other-machine.example", idleMs: LOCK_STALE_MS - 1000 } });
    clock.set(refreshed.getTime() + LOCK_STALE_MS);
    const lock = await take(part, clock);
    assert.equal(JSON.parse(readFileSync(`${part}.lock`, "utf8")).host, hostname());
    await lock.release();
  });
});

describe("a download lock another version of Hearth wrote in a shape this one does not read", () => {
  // It was taken for one torn while written and taken over once JUST_MADE_MS old: two downloads wrote one part.
  it("a whole JSON object without pid and host is held while refreshed and taken over once not refreshed for LOCK_STALE_MS; a torn one is not held", async () => {
    const part = join(tempDir("hearth-part-lock-"), "m.gguf.part");
    const clock = clockAtNow();
    const theirs = JSON.stringify({ format: 2, owner: { pid: 4242, host: "other-machine.example" } });
    writeFileSync(`${part}.lock`, theirs);
    const refreshed = new Date(clock.now() - 60_000);
    utimesSync(`${part}.lock`, refreshed, refreshed);
    clock.set(refreshed.getTime() + LOCK_STALE_MS - 1000);
    assert.deepEqual(await lockPart(part, { clock }), { holder: { pid: process.pid, host: hostname(), otherVersion: true, idleMs: LOCK_STALE_MS - 1000 } });
    assert.equal(readFileSync(`${part}.lock`, "utf8"), theirs, "its lock is left as it was");
    clock.set(refreshed.getTime() + LOCK_STALE_MS);
    const lock = await take(part, clock);
    assert.equal(JSON.parse(readFileSync(`${part}.lock`, "utf8")).host, hostname());
    await lock.release();
    // Torn as it was written (its maker died), a minute old: taken over, as before.
    writeFileSync(`${part}.lock`, '{"pid": 42');
    utimesSync(`${part}.lock`, refreshed, refreshed);
    clock.set(refreshed.getTime() + 60_000);
    await (await take(part, clock)).release();
  });
});

describe("the download lock when two downloads take over one stale lock at the same moment", () => {
  it("the slower one's takeover leaves the faster one's new lock in place, and answers with its holder", async () => {
    const dir = tempDir("hearth-part-lock-");
    const part = join(dir, "m.gguf.part");
    const clock = clockAtNow();
    // Another machine's lock, not refreshed for longer than LOCK_STALE_MS: that machine stopped.
    writeFileSync(`${part}.lock`, JSON.stringify({ pid: 4242, host: "other-machine.example" }));
    const old = new Date(clock.now() - LOCK_STALE_MS - 60_000);
    utimesSync(`${part}.lock`, old, old);
    // This download judges it stale; before it removes it, a download on a third machine judges
    // it the same, removes it and puts its own (fresh) lock there.
    const theirs = JSON.stringify({ pid: 4343, host: "third-machine.example", token: "0123" });
    let takeovers = 0;
    const fasterDownload = (lock: string): void => {
      if (++takeovers > 1) return;
      rmSync(lock);
      writeFileSync(lock, theirs);
      const now = new Date(clock.now());
      utimesSync(lock, now, now);
    };
    const answer = await lockPart(part, { clock, beforeTakeover: fasterDownload });
    assert.deepEqual(answer, { holder: { pid: 4343, host: "third-machine.example", idleMs: 0 } }, "refused, naming the faster download");
    assert.equal(readFileSync(`${part}.lock`, "utf8"), theirs, "its lock is still in place: one download writes the part");
    assert.deepEqual(readdirSync(dir), ["m.gguf.part.lock"], "nothing moved aside is left behind");
  });
});

describe("a download lock that is not a file Hearth wrote", () => {
  it("a folder where the lock file goes is refused with an error naming it, and left as it is", async () => {
    const dir = tempDir("hearth-part-lock-");
    const part = join(dir, "m.gguf.part");
    mkdirSync(`${part}.lock`);
    writeFileSync(join(`${part}.lock`, "notes.txt"), "someone's");
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(`${part}.lock`, old, old);
    await assert.rejects(lockPart(part, { clock: clockAtNow() }), (error: NodeJS.ErrnoException) => {
      assert.equal(error.code, "EISDIR");
      assert.equal(error.message, `${part}.lock is a folder, not a lock file: move it away; Hearth leaves it alone`);
      return true;
    });
    assert.equal(readFileSync(join(`${part}.lock`, "notes.txt"), "utf8"), "someone's");
    assert.deepEqual(readdirSync(dir), ["m.gguf.part.lock"], "nothing moved aside");
  });
});
