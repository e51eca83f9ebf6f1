// hearth fix's line for the processes it stopped when the fix ended: a model's
// `for i in $(seq 500); do sleep 1000 & done` made one stderr line of 500 "pid (sleep 1000)"
// (about 10 KB). A command run many times is named once with its count; those that could
// not be stopped keep every pid, which the user needs to kill them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { leftRunningMessage } from "../../../src/cli/commands/fix.ts";

const sleeps = (from: number, n: number, command = "sleep 1000") => Array.from({ length: n }, (_, i) => ({ pid: from + i, command }));

describe("hearth fix's words for what it stopped", () => {
  it("names a command started 500 times once, with its count and first pids, and every other command as before", () => {
    const stopped = [...sleeps(1000, 500), { pid: 2000, command: "python3 -m http.server 8000" }, { pid: 2001, command: "sleep 601" }];
    const [line, ...more] = leftRunningMessage({ stopped, notStopped: [] });
    assert.deepEqual(more, []);
    assert.equal(line, "stopped 502 processes the agent's commands had left running: 500 of sleep 1000 (1000, 1001, 1002 and 497 others), 2000 (python3 -m http.server 8000), 2001 (sleep 601)");
  });

  it("counts, past ten different commands, the processes of the others", () => {
    const stopped = Array.from({ length: 14 }, (_, i) => ({ pid: 3000 + i, command: `worker ${i}` }));
    const [line] = leftRunningMessage({ stopped, notStopped: [] });
    assert.match(line!, /: 3000 \(worker 0\), .*, 3009 \(worker 9\), and 4 more$/);
    assert.doesNotMatch(line!, /worker 10/);
  });

  it("keeps two processes of the fix's integration case as they were, and every pid of those not stopped", () => {
    assert.deepEqual(leftRunningMessage({ stopped: [{ pid: 7, command: "sleep 600" }, { pid: 8, command: "sleep 601" }], notStopped: sleeps(5000, 20) }), [
      "stopped 2 processes the agent's commands had left running: 7 (sleep 600), 8 (sleep 601)",
      `20 processes the agent's commands left running could not be stopped (still running; kill -9 PID): ${sleeps(5000, 20).map((p) => `${p.pid} (sleep 1000)`).join(", ")}`,
    ]);
  });
});
