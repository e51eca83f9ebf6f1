// inBatches (scan-fs.ts), the loop checkpoints, list_files and the secret-links walk check make
// their many stats through: a bounded number in flight, answers in order, and no call made
// after the caller stops.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FILE_CALLS_AT_ONCE, inBatches } from "../../../src/indexer/scan-fs.ts";

describe("inBatches", () => {
  it("makes at most FILE_CALLS_AT_ONCE calls at once and gives each item its answer, in order", async () => {
    const items = Array.from({ length: 1_000 }, (_, i) => i);
    let inFlight = 0;
    let most = 0;
    const seen: [number, number][] = [];
    for await (const batch of inBatches(items, async (n) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return n * 2;
    })) seen.push(...batch);
    assert.equal(most, FILE_CALLS_AT_ONCE);
    assert.deepEqual(seen, items.map((n) => [n, n * 2]));
  });

  it("makes no call past the batch its caller stopped at", async () => {
    const called: number[] = [];
    for await (const batch of inBatches(Array.from({ length: 1_000 }, (_, i) => i), async (n) => called.push(n))) {
      if (batch.length > 0) break;
    }
    assert.equal(called.length, FILE_CALLS_AT_ONCE);
  });

  it("yields nothing for no items", async () => {
    for await (const batch of inBatches([], async () => 0)) assert.fail(`a batch of ${batch.length}`);
  });
});
