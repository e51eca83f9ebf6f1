// A node:test reporter that prints one closing line CI can read: "<layer>: N passed, N failed".
// Counts top-level and nested tests alike (each `it`/`test` is one), skipped ones separately.
export default async function* summaryReporter(source) {
  let passed = 0, failed = 0, skipped = 0;
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    if (event.data.details?.type === "suite") continue;
    if (event.data.skip || event.data.todo) skipped++;
    else if (event.type === "test:pass") passed++;
    else failed++;
  }
  const layer = process.env.HEARTH_TEST_LAYER ?? "tests";
  yield `\n${layer}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`;
}
