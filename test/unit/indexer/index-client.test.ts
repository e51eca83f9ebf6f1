import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { IndexClient } from "../../../src/indexer/index.ts";
import { FIXTURES, QUERIES_DIR, TSX_WORKER, tempDir } from "./helpers/setup.ts";

// One client for the whole file: each start costs a thread per role loading tsx.

describe("IndexClient: the index on its own thread", () => {
  it("builds, answers queries, takes edits, fits the map with the caller's counter, cancels", async () => {
    const { dir, cleanup } = tempDir();
    const client = new IndexClient({ root: dir, queriesDir: QUERIES_DIR, workerScript: TSX_WORKER, parseWorkers: 1 });
    try {
      cpSync(join(FIXTURES, "shop"), dir, { recursive: true });
      const progress: string[] = [];
      const report = await client.build({ onProgress: (p) => progress.push(p.phase) });
      assert.equal(report.files, 9);
      assert.ok(progress.includes("parsing"));
      assert.equal((await client.locate("refundCharge fails"))[0]?.path, "src/payments/stripe.ts");
      // Entities cross the thread too: the runtime's agent asks for them after locate.
      const located = await client.locate("refundCharge fails");
      assert.equal((await client.locateEntities("refundCharge fails", located, { top: 3 }))[0]?.name, "refundCharge");
      writeFileSync(join(dir, "src/tax.ts"), "export function vatRate(country: string): number { return 0.2; }\n");
      assert.equal(await client.updateFile("src/tax.ts"), "parsed");
      assert.deepEqual((await client.findDefinitions("vatRate")).map((d) => d.path), ["src/tax.ts"]);
      let calls = 0;
      const words = (t: string): number => (calls++, t.split(/\s+/).length);
      const map = await client.repoMap({ tokens: 40, countTokens: words });
      assert.ok(calls > 0 && map.tokens <= 40 && map.definitions > 0);
      const ctx = await client.contextAt("src/checkout.ts", 11);
      assert.ok(ctx.snippets.some((s) => s.symbol === "chargeCard"));
      // A cancelled build rejects and leaves the client usable.
      const controller = new AbortController();
      const cancelled = client.build({ signal: controller.signal });
      controller.abort();
      await assert.rejects(cancelled);
      assert.equal((await client.build()).files, 10);
    } finally {
      await client.close();
      cleanup();
    }
  });

  // The runtime checks the disk every 5 minutes (RECHECK_MS) with one build signal, aborted
  // only by Reindex Workspace or the close: each check left its abort listener on it, about
  // 2,000 a week in a window left open, and Node's "MaxListenersExceededWarning: Possible
  // EventTarget memory leak detected. 11 abort listeners" in the log after the 11th.
  it("leaves no abort listener on the signal once a build ends, however many share it; a build under way still cancels", async () => {
    const { dir, cleanup } = tempDir();
    const client = new IndexClient({ root: dir, queriesDir: QUERIES_DIR, workerScript: TSX_WORKER, parseWorkers: 1 });
    try {
      cpSync(join(FIXTURES, "shop"), dir, { recursive: true });
      const controller = new AbortController();
      for (let check = 0; check < 12; check++) {
        assert.equal((await client.build({ signal: controller.signal })).files, 9);
        assert.equal(getEventListeners(controller.signal, "abort").length, 0, `after build ${check + 1}`);
      }
      const stop = new AbortController();
      const cancelled = client.build({ signal: stop.signal });
      stop.abort();
      await assert.rejects(cancelled);
      assert.equal(getEventListeners(stop.signal, "abort").length, 0);
    } finally {
      await client.close();
      cleanup();
    }
  });
});
