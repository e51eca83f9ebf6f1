// The takeover guard of a stale lock file (src/protocol/takeover-guard.ts), with node:fs's files:
// who is taken to hold a guard, and which guards a run leaves behind.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type GuardFiles, seeFile, takeGuard } from "../../../src/protocol/takeover-guard.ts";
import { deadPid } from "../../fixtures/lock-takers.ts";
import { tempDir } from "../../fixtures/temp.ts";

const FILES: GuardFiles = {
  create: (path, text) => writeFileSync(path, text, { flag: "wx" }),
  lstat: lstatSync,
  remove: (path) => rmSync(path, { force: true }),
  read: (path) => readFileSync(path, "utf8"),
  host: hostname(),
  digest: (text) => createHash("sha256").update(text).digest("hex"),
};

/** A stale lock in a new folder, as judged, and where the first guard of its row goes (taken once to learn its name, then given back). */
function staleLock(): { dir: string; lock: string; judged: NonNullable<ReturnType<typeof seeFile>>; first: string } {
  const dir = tempDir("hearth-guard-");
  const lock = join(dir, "x.lock");
  writeFileSync(lock, JSON.stringify({ pid: deadPid() }));
  const judged = seeFile(lock, FILES)!;
  const guard = takeGuard(lock, judged, FILES);
  assert.ok("release" in guard);
  const first = join(dir, readdirSync(dir).find((name) => name.endsWith(".takeover.1"))!);
  guard.release(true);
  return { dir, lock, judged, first };
}

function setAge(path: string, ms: number): void {
  const then = (Date.now() - ms) / 1000;
  utimesSync(path, then, then);
}

describe("a stale lock's takeover guard", () => {
  it("one being written (empty, seconds old) is held, by a taker not known yet; one left empty for 10 s is passed by", () => {
    const { dir, lock, judged, first } = staleLock();
    writeFileSync(first, "");
    assert.deepEqual(takeGuard(lock, judged, FILES), { by: undefined });
    setAge(first, 11_000);
    const guard = takeGuard(lock, judged, FILES);
    assert.ok("release" in guard, "passed by: this run holds the next");
    assert.deepEqual(readdirSync(dir).filter((name) => name.includes(".takeover.")).length, 2);
    guard.release(false);
    assert.deepEqual(readdirSync(dir).sort(), [first.slice(dir.length + 1), "x.lock"].sort(), "the lock still there, the dead taker's guard stays; this run's goes");
  });

  it("another machine's is held, naming it, until it is 5 minutes old; once the lock is gone the whole row is removed", () => {
    const { dir, lock, judged, first } = staleLock();
    writeFileSync(first, JSON.stringify({ pid: 4242, host: "elsewhere", started: Date.now() }));
    assert.deepEqual(takeGuard(lock, judged, FILES), { by: { pid: 4242, host: "elsewhere" } });
    setAge(first, 5 * 60_000 + 1_000);
    const guard = takeGuard(lock, judged, FILES);
    assert.ok("release" in guard);
    guard.release(true);
    assert.deepEqual(readdirSync(dir), ["x.lock"]);
  });

  it("this machine's naming a dead process is passed by; one with no host (written before guards named one) is this machine's", () => {
    const { lock, judged, first } = staleLock();
    writeFileSync(first, JSON.stringify({ pid: deadPid(), started: Date.now() }));
    const guard = takeGuard(lock, judged, FILES);
    assert.ok("release" in guard, "a dead taker's guard is passed by");
    guard.release(true);
    writeFileSync(first, JSON.stringify({ pid: process.ppid, started: Date.now() }));
    assert.deepEqual(takeGuard(lock, judged, FILES), { by: { pid: process.ppid, host: hostname() } }, "a live process's, on this machine");
  });
});
