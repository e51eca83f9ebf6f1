// `npm test` (scripts/test-all.mjs) runs every step even when one fails and ends with one
// overall line. The steps here are real child processes standing in for the layers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
// @ts-expect-error: a plain .mjs script without type declarations
import * as testAll from "../../../scripts/test-all.mjs";

interface StepResult { label: string; ok: boolean; counts?: { passed: number; failed: number } }
const runSteps = testAll.runSteps as (steps: string[][], options: { write: (text: string) => void }) => Promise<StepResult[]>;
const summarize = testAll.summarize as (results: StepResult[]) => string;
const STEPS = testAll.STEPS as string[][];

const node = (code: string) => `"${process.execPath}" -e ${JSON.stringify(code)}`;

describe("npm test's runner", () => {
  it("runs the steps after a failing one and adds everything up in one line", async () => {
    let output = "";
    const results = await runSteps([
      ["typecheck", node("process.exit(2)")],
      ["unit", node('console.log("...\\nunit: 5 passed, 2 failed"); process.exit(1)')],
      ["integration", node('console.log("integration: 7 passed, 0 failed")')],
      ["e2e", node('console.error("setup failed"); process.exit(1)')],
    ], { write: (text) => { output += text; } });
    assert.deepEqual(results.map((r) => [r.label, r.ok]), [["typecheck", false], ["unit", false], ["integration", true], ["e2e", false]]);
    assert.match(output, /integration: 7 passed/);
    assert.match(output, /setup failed/);
    assert.equal(summarize(results), "all: 12 passed, 4 failed (typecheck FAILED, unit 5/2 FAILED, integration 7/0, e2e FAILED)");
  });

  it("counts a layer that crashed after its summary as failed", () => {
    assert.equal(summarize([{ label: "unit", ok: false, counts: { passed: 3, failed: 0 } }]), "all: 3 passed, 1 failed (unit 3/0 FAILED)");
  });

  it("runs every layer the README promises", () => {
    assert.deepEqual(STEPS.map((s) => s[0]), ["typecheck", "lint", "build", "unit", "integration", "e2e"]);
  });
});
