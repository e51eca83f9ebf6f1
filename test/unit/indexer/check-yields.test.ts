import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RepoIndex } from "../../../src/indexer/index.ts";
import { nodeScanFs, type ScanFs } from "../../../src/indexer/scan-fs.ts";
import { QUERIES_DIR, tempDir } from "./helpers/setup.ts";

/**
 * The runtime checks the disk every 5 minutes with a build, on the index thread that answers
 * locate, find_symbol and the completions' context: on a 50,000-file tree that build's look at
 * each file after the scan ran 400 ms without a turn of the event loop, and a request sent then
 * waited for all of it. The look now gives way to what is queued every few thousand files.
 */
describe("a build of an unchanged tree", () => {
  it("answers a request queued after its scan before it ends", { timeout: 120_000 }, async () => {
    const { dir, cleanup } = tempDir();
    try {
      for (let d = 0; d < 50; d++) {
        mkdirSync(join(dir, `d${d}`));
        for (let f = 0; f < 100; f++) writeFileSync(join(dir, `d${d}`, `f${f}.txt`), `alpha${f} beta${d}\n`);
      }
      // The scan's file calls answer on later turns of the event loop; a request queued by the
      // last of them can be answered only where the build gives way after its scan.
      const events: string[] = [];
      let scanning = false;
      const answerAfterCall = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
        const result = await call(...args);
        if (scanning) {
          events.push("queued");
          setImmediate(() => events.push("answered"));
        }
        return result;
      };
      const fs: ScanFs = {
        ...nodeScanFs,
        readdir: answerAfterCall(nodeScanFs.readdir),
        stat: answerAfterCall(nodeScanFs.stat),
        lstat: answerAfterCall(nodeScanFs.lstat),
        realpath: answerAfterCall(nodeScanFs.realpath),
      };
      const index = new RepoIndex({ root: dir, queriesDir: QUERIES_DIR, history: false, fs, now: () => Date.now() + 120_000 });
      const first = await index.build();
      assert.equal(first.files, 5000);
      scanning = true;
      const check = await index.build();
      scanning = false;
      events.push("built");
      assert.equal(check.parsed, 0);
      assert.equal(check.reused, 5000);
      // Every request queued before the build ended was answered before it ended.
      const lastQueued = events.lastIndexOf("queued");
      assert.ok(lastQueued >= 0);
      assert.ok(events.indexOf("answered", lastQueued) >= 0 && events.indexOf("answered", lastQueued) < events.indexOf("built"), `the last request queued during the build was answered after it: …${events.slice(-4).join(", ")}`);
      await index.close();
    } finally {
      cleanup();
    }
  });
});
