// A completion's context lookup (IndexClient.contextAt) in a buffer too big for the index — a
// 50 MB log, a minified bundle of megabyte lines open in the editor: only the lines the lookup
// reads cross to the index thread, and it answers as for the whole text. Sent whole, the
// buffer was copied to the thread and split into all its lines at every 16 lines the cursor
// moved. What is sent is counted (the messages to the thread), not timed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { IndexClient } from "../../../src/indexer/index.ts";
import { FIXTURES, QUERIES_DIR, TSX_WORKER, tempDir } from "./helpers/setup.ts";

describe("IndexClient.contextAt in a buffer over the index's file limit", () => {
  it("sends the lines around the cursor (each cut as the lookup reads it), and finds what the whole text gives", async () => {
    const { dir, cleanup } = tempDir();
    const client = new IndexClient({ root: dir, queriesDir: QUERIES_DIR, workerScript: TSX_WORKER, parseWorkers: 1 });
    const post = Worker.prototype.postMessage;
    const sent: number[] = [];
    Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: []) {
      const m = message as { method?: string; params?: { options?: { text?: string } } };
      if (m.method === "contextAt") sent.push(m.params?.options?.text?.length ?? 0);
      return post.call(this, message, ...rest);
    };
    try {
      cpSync(join(FIXTURES, "shop"), dir, { recursive: true });
      await client.build();
      const symbols = async (text: string, line: number, character = 0) =>
        (await client.contextAt("logs/app.log", line, { text, character })).snippets.map((s) => s.symbol);
      // The same lines alone, a buffer the index may hold: what the lookup finds there.
      const near = "  await chargeCard(card, amount);\n  refund(";
      const expected = await symbols(near, 1, 9);
      assert.ok(expected.includes("chargeCard"), expected.join());
      const filler = Array.from({ length: 60_000 }, (_, i) => `2026-12-07 12:00:${i % 60} INFO request ${i} handled in 3 ms`).join("\n");
      // 60,000 lines (3 MB, LF and CRLF) before the cursor; the cursor's line (a minified bundle) of 2 MB.
      for (const [name, text, line, character] of [
        ["LF", `${filler}\n${near}\n${filler}`, 60_001, 9],
        ["CRLF", `${filler}\n${near}\n${filler}`.replace(/\n/g, "\r\n"), 60_001, 9],
        // A log that is mostly LF with a progress bar's lone CRs (pip's, wget's) in a line above the cursor.
        ["a progress bar", `${filler}\nDownloading ${Array.from({ length: 80 }, (_, i) => `\r${i}%`).join("")} done\n${near}\n${filler}`, 60_002, 9],
        ["a 2 MB line", `${"var a=1;".repeat(125_000)}  await chargeCard(card, amount); refund(${"var b=2;".repeat(125_000)}`, 0, 1_000_000 + 33],
      ] as const) {
        sent.length = 0;
        assert.deepEqual(await symbols(text, line, character), name === "a 2 MB line" ? ["chargeCard"] : expected, name);
        assert.equal(sent.length, 1, name);
        assert.ok(sent[0]! < 100_000, `${name}: ${sent[0]} characters sent of ${text.length}`);
      }
      // A buffer the index may hold is sent whole: a definition of its own far from the cursor counts.
      sent.length = 0;
      await symbols(`${near}\n${"x\n".repeat(1000)}`, 1, 9);
      assert.equal(sent[0], near.length + 1 + 2000);
    } finally {
      Worker.prototype.postMessage = post;
      await client.close();
      cleanup();
    }
  });
});
