import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RepetitionGuard, canonical } from "../../../src/agent/repetition.ts";
import { AGENT_TOOLS, toolByName } from "../../../src/tools/index.ts";

/** What the agent loop passes: each tool's own `failuresByOutput`. */
const byDefinition = { failuresByOutput: (name: string) => toolByName(name)?.failuresByOutput === true };

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
    const guard = new RepetitionGuard(byDefinition);
    const verdicts = ["npm test", "npm test -- -x", "npm run test", "npx jest"].map((cmd) => guard.record("run_command", { command: cmd }, false, "FAIL: expected 5 got -1").action);
    assert.deepEqual(verdicts, ["continue", "continue", "steer", "stop"]);
  });

  it("knows failures by their output only for the tools whose definitions say so (run_command, run_tests)", () => {
    assert.deepEqual(AGENT_TOOLS.filter((t) => t.failuresByOutput).map((t) => t.definition.name).sort(), ["run_command", "run_tests"]);
    const guard = new RepetitionGuard(byDefinition);
    const verdicts = ["a.ts", "b.ts", "c.ts", "d.ts"].map((path) => guard.record("edit_file", { path }, false, "Error (no-match): the old text is not in the file").action);
    assert.deepEqual(verdicts, ["continue", "continue", "continue", "continue"]);
    const mcp = new RepetitionGuard(byDefinition);
    const remote = [1, 2, 3, 4].map((n) => mcp.record("mcp__deploy__run", { command: `deploy ${n}` }, false, "denied").action);
    assert.deepEqual(remote, ["continue", "continue", "continue", "continue"], "an MCP tool called with a `command` argument is not a local command");
  });

  it("a call that could not be run: the same text again steers, then stops; another tool with the same arguments text is another call", () => {
    const guard = new RepetitionGuard();
    assert.equal(guard.recordUnrunnable("foo", "{}", "Unknown tool \"foo\".").action, "continue");
    assert.equal(guard.recordUnrunnable("bar", "{}", "Unknown tool \"bar\".").action, "continue");
    assert.equal(guard.recordUnrunnable("foo", "{}\n", "Unknown tool \"foo\".").action, "steer");
    const stop = guard.recordUnrunnable("foo", "{}", "Unknown tool \"foo\".\nAvailable tools: …");
    assert.deepEqual(stop, { action: "stop", reason: "the model wrote the same tool call that could not be run 3 times (Unknown tool \"foo\".)" });
  });
});
