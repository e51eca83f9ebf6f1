/**
 * A download's progress while the system clock moves: set back (NTP correcting a clock that ran
 * fast, a user fixing the date, a VM resumed from an older snapshot), the time of the last
 * report lay in the future, so no report was due again until the clock caught up — for a clock
 * set back a day the progress bar stood still for the rest of the download, which went on.
 * Speed and time left are measured on the monotonic clock now. A real HTTP server on 127.0.0.1;
 * the system clock is set back by hand (Date.now), as the system would.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { it, type TestContext } from "node:test";
import { downloadFile, type DownloadProgress } from "../../../src/models/download.ts";
import { tempDir } from "../../fixtures/temp.ts";

const FILE = Buffer.alloc(2 * 1024 * 1024, 7);
const FIRST = 64 * 1024;
const DAY = 24 * 3_600_000;

/** A server that sends the first FIRST bytes, then the rest once `more` resolves. */
async function serve(t: TestContext, more: Promise<void>): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Length": FILE.length });
    res.write(FILE.subarray(0, FIRST));
    void more.then(() => res.end(FILE.subarray(FIRST)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.bin`;
}

it("keeps reporting progress after the system clock was set back a day mid-download", async (t) => {
  let sendMore!: () => void;
  const url = await serve(t, new Promise<void>((resolve) => (sendMore = resolve)));
  const folder = tempDir("hearth-dl-clock-");
  const systemNow = Date.now;
  t.after(() => (Date.now = systemNow));
  const progress: DownloadProgress[] = [];
  let firstIn!: () => void;
  const first = new Promise<void>((resolve) => (firstIn = resolve));
  const download = downloadFile({
    url, folder, file: "m.bin", progressIntervalMs: 0,
    onProgress: (p) => (progress.push(p), p.receivedBytes >= FIRST && firstIn()),
  });
  await first;
  Date.now = () => systemNow() - DAY; // the clock set back
  const before = progress.length;
  sendMore();
  const result = await download;
  Date.now = systemNow;
  assert.equal(result.sizeBytes, FILE.length);
  const after = progress.slice(before).filter((p) => p.phase === "downloading" && p.receivedBytes < FILE.length);
  assert.ok(after.length > 0, `reports between the clock's jump and the end: ${progress.slice(before).map((p) => p.receivedBytes).join(", ")}`);
  for (const p of after) assert.ok(Number.isFinite(p.bytesPerSecond) && p.bytesPerSecond > 0, `speed ${p.bytesPerSecond}`);
});
