import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RepetitionGuard, canonical } from "../../../src/agent/repetition.ts";

describe("RepetitionGuard", () => {
  it("steers on the second identical call+result and stops on the third", () => {
    const guard = new RepetitionGuard();
    assert.equal(guard.record("read_file", { path: "a" }, true, "x").action, "continue");
    assert.equal(guard.record("read_file", { path: "a" }, true, "x").action, "steer");
    assert.equal(guard.record("read_file", { path: "a" }, true, "x").action, "stop");
  });

  it("does not count the same call with a different result (the file changed)", () => {
    const guard = new RepetitionGuard();
    guard.record("read_file", { path: "a" }, true, "v1");
    assert.equal(guard.record("read_file", { path: "a" }, true, "v2").action, "continue");
  });

  it("treats argument order as irrelevant", () => {
    assert.equal(canonical({ b: 1, a: [2, { d: 1, c: 2 }] }), canonical({ a: [2, { c: 2, d: 1 }], b: 1 }));
  });

  it("steers when different commands keep failing with the same output, then stops", () => {
    const guard = new RepetitionGuard();
    const verdicts = ["npm test", "npm test -- -x", "npm run test", "npx jest"].map((cmd) => guard.record("run_command", { command: cmd }, false, "FAIL: expected 5 got -1").action);
    assert.deepEqual(verdicts, ["continue", "continue", "steer", "stop"]);
  });
});
