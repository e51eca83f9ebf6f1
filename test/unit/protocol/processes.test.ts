// The one place that asks the system about another process, for every cross-process lock:
// a pid of 0 or below names a process group (process.kill(0, 0) succeeds), so a lock file
// saying "pid": 0 or -1 must not read as held by a live process for good.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { isAlive, processStart, startedAfter } from "../../../src/protocol/processes.ts";

const read = (path: string) => readFileSync(path, "utf8");

describe("processes", () => {
  it("isAlive: this process yes; a process that ended, 0, a negative or a fractional pid no", () => {
    assert.equal(isAlive(process.pid), true);
    const ended = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    assert.equal(isAlive(Number(ended.stdout)), false);
    for (const pid of [0, -1, 1.5, Number.NaN]) assert.equal(isAlive(pid), false, String(pid));
  });

  it("startedAfter: this process started after the epoch and not after now; unknown where /proc cannot tell", { skip: process.platform !== "linux" }, () => {
    assert.equal(startedAfter(process.pid, 0, read), true);
    assert.equal(startedAfter(process.pid, Date.now(), read), false);
    assert.ok(Math.abs(processStart(process.pid, read)! - (Date.now() - process.uptime() * 1000)) < 5_000);
    assert.equal(processStart(process.pid, () => { throw new Error("EACCES"); }), undefined);
    assert.equal(startedAfter(process.pid, Number.NaN, read), false);
  });
});
