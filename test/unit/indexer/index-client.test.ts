import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { IndexClient } from "../../../src/indexer/index.ts";
import { FIXTURES, QUERIES_DIR, TSX_WORKER, tempDir } from "./helpers/setup.ts";

describe("IndexClient: the index on its own thread", () => {
  it("builds, answers queries, takes edits, fits the map with the caller's counter", async () => {
    const { dir, cleanup } = tempDir();
    const client = new IndexClient({ root: dir, queriesDir: QUERIES_DIR, workerScript: TSX_WORKER, parseWorkers: 1 });
    try {
      cpSync(join(FIXTURES, "shop"), dir, { recursive: true });
      const progress: string[] = [];
      const report = await client.build({ onProgress: (p) => progress.push(p.phase) });
      assert.equal(report.files, 9);
      assert.ok(progress.includes("parsing"));
      assert.equal((await client.locate("refundCharge fails"))[0]?.path, "src/payments/stripe.ts");
      writeFileSync(join(dir, "src/tax.ts"), "export function vatRate(country: string): number { return 0.2; }\n");
      assert.equal(await client.updateFile("src/tax.ts"), "parsed");
      assert.deepEqual((await client.findDefinitions("vatRate")).map((d) => d.path), ["src/tax.ts"]);
      let calls = 0;
      const words = (t: string): number => (calls++, t.split(/\s+/).length);
      const map = await client.repoMap({ tokens: 40, countTokens: words });
      assert.ok(calls > 0 && map.tokens <= 40 && map.definitions > 0);
      const ctx = await client.contextAt("src/checkout.ts", 11);
      assert.ok(ctx.snippets.some((s) => s.symbol === "chargeCard"));
    } finally {
      await client.close();
      cleanup();
    }
  });

  it("a cancelled build rejects and leaves the client usable", async () => {
    const client = new IndexClient({ root: join(FIXTURES, "langs"), queriesDir: QUERIES_DIR, workerScript: TSX_WORKER, parseWorkers: 1 });
    try {
      const controller = new AbortController();
      const build = client.build({ signal: controller.signal });
      controller.abort();
      await assert.rejects(build);
      const report = await client.build();
      assert.equal(report.files, 9);
    } finally {
      await client.close();
    }
  });
});
