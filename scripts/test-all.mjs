// `npm test`: every step runs even when an earlier one fails (a broken e2e setup must not
// hide the unit results, nor a failing unit test the e2e ones), then one overall line:
//   all: N passed, N failed (typecheck ok, lint ok, build ok, unit 600/0, ...)
// The exit code is non-zero when any step failed. A step without a test summary (typecheck,
// lint, build) counts as one check.
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";

/** The steps of `npm test`, in order: [label, command line]. */
export const STEPS = [
  ["typecheck", "npm run --silent typecheck"],
  ["lint", "npm run --silent lint"],
  ["build", "npm run --silent build"],
  ["unit", "npm run --silent test:unit"],
  ["integration", "npm run --silent test:integration"],
  ["e2e", "npm run --silent test:e2e"],
];

/** Reads the "<layer>: N passed, N failed" line scripts/run-tests.mjs prints last. */
export function layerCounts(output) {
  const lines = [...output.matchAll(/^[\w-]+: (\d+) passed, (\d+) failed/gm)];
  const last = lines.at(-1);
  return last ? { passed: Number(last[1]), failed: Number(last[2]) } : undefined;
}

/** Runs each step with its output passed through; returns one result per step. */
export async function runSteps(steps, { write = (text) => process.stdout.write(text) } = {}) {
  const results = [];
  for (const [label, command] of steps) {
    write(`\n== ${label}: ${command}\n`);
    const { code, output } = await runOne(command, write);
    const counts = layerCounts(output);
    results.push({ label, ok: code === 0, code, counts });
  }
  return results;
}

/** The overall line: tests counted by layer, the other steps as one check each. */
export function summarize(results) {
  let passed = 0;
  let failed = 0;
  const parts = results.map(({ label, ok, counts }) => {
    if (counts) {
      passed += counts.passed;
      failed += counts.failed;
      // A layer that exits non-zero with no failed test (it crashed, or its setup failed)
      // still counts as a failure.
      if (!ok && counts.failed === 0) failed += 1;
      return `${label} ${counts.passed}/${counts.failed}${ok ? "" : " FAILED"}`;
    }
    if (ok) passed += 1;
    else failed += 1;
    return `${label} ${ok ? "ok" : "FAILED"}`;
  });
  return `all: ${passed} passed, ${failed} failed (${parts.join(", ")})`;
}

function runOne(command, write) {
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const take = (chunk) => {
      const text = chunk.toString("utf8");
      write(text);
      tail = (tail + text).slice(-16384);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", (error) => resolve({ code: 1, output: `${tail}\n${error.message}` }));
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output: tail }));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await runSteps(STEPS);
  const line = summarize(results);
  console.log(`\n${line}`);
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}
