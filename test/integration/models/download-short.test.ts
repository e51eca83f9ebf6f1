/**
 * Answers that end before the whole file arrived without the connection failing — a proxy or
 * CDN that sends a 206 chunked (no Content-Length) and stops, or caps what one response
 * carries — against real HTTP servers on 127.0.0.1: what arrived is kept and the download
 * resumes from there. The backoff between tries goes through a clock that records each wait
 * and fires at once, so nothing here waits for real.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { DownloadError, downloadFile, type DownloadProgress } from "../../../src/models/download.ts";
import type { Clock } from "../../../src/models/index.ts";
import { LOCK_REFRESH_MS } from "../../../src/models/part-lock.ts";
import { tempDir } from "../../fixtures/temp.ts";

const FILE = Buffer.alloc(2 * 1024 * 1024);
for (let i = 0; i < FILE.length; i += 4) FILE.writeUInt32LE((i * 2654435761) >>> 0, i);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/**
 * A clock whose timers fire on the next turn of the event loop; `waits` are the delays asked
 * for. The lock's refresh (LOCK_REFRESH_MS) is never due in these short downloads.
 */
function instantClock(): Clock & { waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    now: () => Date.now(),
    setTimeout: (run, ms) => (ms >= LOCK_REFRESH_MS ? undefined : (waits.push(ms), setImmediate(run))),
    clearTimeout: (handle) => clearImmediate(handle as NodeJS.Immediate),
  };
}

/** A server answering every request with `answer`; the Range asked for each request. */
async function serve(t: TestContext, answer: (start: number, req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; ranges: Array<string | undefined> }> {
  const ranges: Array<string | undefined> = [];
  const server = createServer((req, res) => {
    ranges.push(req.headers.range);
    answer(Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? "")?.[1] ?? 0), req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.gguf`, ranges };
}

/** A 206 from `start`, chunked (no Content-Length), that ends cleanly after at most `cap` bytes. */
function chunkedPartial(res: ServerResponse, start: number, cap: number): void {
  res.writeHead(206, { "Content-Range": `bytes ${start}-${FILE.length - 1}/${FILE.length}`, "Transfer-Encoding": "chunked" });
  res.end(FILE.subarray(start, start + cap));
}

describe("an answer that ends before the whole file arrived (a proxy or CDN stopping mid-body)", () => {
  it("a 206 sent chunked that stops early is kept and resumed from where it stopped, as often as each answer brings more", async (t) => {
    // A CDN that sends at most 256 KiB per answer: 8 answers for 2 MiB, more than the 5 retries, each bringing more.
    const { url, ranges } = await serve(t, (start, _req, res) => chunkedPartial(res, start, 256 * 1024));
    const folder = tempDir("hearth-dl-short-");
    writeFileSync(join(folder, "m.gguf.part"), FILE.subarray(0, 100_000));
    const clock = instantClock();
    const progress: DownloadProgress[] = [];
    const result = await downloadFile({ url, folder, file: "m.gguf", clock, progressIntervalMs: 0, onProgress: (p) => progress.push(p) });
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
    assert.equal(result.resumedFromBytes, 100_000);
    assert.deepEqual(ranges, [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `bytes=${100_000 + i * 256 * 1024}-`), "each answer resumed where the last one stopped");
    assert.deepEqual(clock.waits, [], "no wait while each answer brings more (a capped answer is no reason to slow down)");
    const received = progress.filter((p) => p.phase === "downloading").map((p) => p.receivedBytes);
    assert.deepEqual(received, [...received].sort((a, b) => a - b), "progress never goes back");
    assert.equal(received.at(-1), FILE.length);
    assert.deepEqual(readdirSync(folder), ["m.gguf"]);
  });

  it("answers that keep ending with nothing new fail after the retries with a message saying so; the part is kept", async (t) => {
    const { url, ranges } = await serve(t, (start, _req, res) => chunkedPartial(res, start, 0));
    const folder = tempDir("hearth-dl-short-");
    writeFileSync(join(folder, "m.gguf.part"), FILE.subarray(0, 100_000));
    const clock = instantClock();
    await assert.rejects(downloadFile({ url, folder, file: "m.gguf", clock, retries: 3 }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.match(error.message, /^the download kept failing, 4 times in a row without a byte more \(the server ended its answer at byte 100000 of 2097152\); the 0\.1 MiB downloaded so far are kept: run it again to resume$/);
      return true;
    });
    assert.equal(ranges.length, 4);
    assert.deepEqual(clock.waits, [400, 800, 1600], "the waits grow while nothing arrives");
    assert.equal(statSync(join(folder, "m.gguf.part")).size, 100_000, "the part is kept as it was");
  });
});
