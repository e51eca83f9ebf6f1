/**
 * A server that stops sending — headers never come, or the body stops halfway with the
 * connection held open — against a real HTTP server on 127.0.0.1. Without a limit of its own
 * the download stood still for Node fetch's 300 s headers or body timeout at each stall.
 * Hearth's idle limit ends the try, which is resumed as a dropped connection is.
 * Time is a fake clock moved by hand: the idle limit fires only when the test moves it.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it, type TestContext } from "node:test";
import { DOWNLOAD_IDLE_MS, DownloadError, downloadFile } from "../../../src/models/download.ts";
import { LOCK_REFRESH_MS } from "../../../src/models/part-lock.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";
import { tempDir } from "../../fixtures/temp.ts";

const FILE = Buffer.alloc(4 * 1024 * 1024);
for (let i = 0; i < FILE.length; i += 4) FILE.writeUInt32LE((i * 2654435761) >>> 0, i);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/**
 * A fake clock (at real time: the lock's file times are real) whose short timers — the waits
 * between tries — fire on the next turn of the event loop; the idle limit and the lock's
 * refresh fire only when the test moves it on.
 */
class StallClock extends FakeClock {
  constructor() {
    super();
    this.set(Math.floor(Date.now() / 1000) * 1000);
  }

  override setTimeout(run: () => void, ms: number): unknown {
    return ms < LOCK_REFRESH_MS ? { immediate: setImmediate(run) } : super.setTimeout(run, ms);
  }

  override clearTimeout(handle: unknown): void {
    if (typeof handle === "object" && handle && "immediate" in handle) clearImmediate(handle.immediate as NodeJS.Immediate);
    else super.clearTimeout(handle);
  }
}

/** A server whose `n`th answer (from 1) is `answer`; the Range of each request, and each request's socket closing. */
async function serve(t: TestContext, answer: (n: number, start: number, req: IncomingMessage, res: ServerResponse) => void) {
  const ranges: Array<string | undefined> = [];
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    ranges.push(req.headers.range);
    requests.push(req);
    server.emit("asked", requests.length);
    answer(requests.length, Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? "")?.[1] ?? 0), req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())));
  /** Resolves when the `n`th request has arrived. */
  const asked = async (n: number): Promise<IncomingMessage> => {
    while (requests.length < n) await once(server, "asked");
    return requests[n - 1]!;
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.bin`, ranges, asked };
}

/** The whole file from `start` (a 206 to a resume). */
function rest(res: ServerResponse, start: number): void {
  if (start === 0) res.writeHead(200, { "Content-Length": FILE.length }).end(FILE);
  else res.writeHead(206, { "Content-Range": `bytes ${start}-${FILE.length - 1}/${FILE.length}`, "Content-Length": FILE.length - start }).end(FILE.subarray(start));
}

// The timeouts only guard against a hang: without the idle limit the download waits on the held server.
describe("a server that stops sending", () => {
  it("a body that stops halfway, its connection held open: after the idle limit the try ends and the download resumes from what arrived", { timeout: 30_000 }, async (t) => {
    const half = FILE.length / 2;
    const { url, ranges, asked } = await serve(t, (n, start, _req, res) => {
      if (n > 1) return rest(res, start);
      res.writeHead(200, { "Content-Length": FILE.length });
      res.write(FILE.subarray(0, half)); // then nothing, the connection kept
    });
    const folder = tempDir("hearth-dl-stall-");
    const clock = new StallClock();
    let arrived!: () => void;
    const halfIn = new Promise<void>((resolve) => (arrived = resolve));
    const download = downloadFile({ url, folder, file: "m.bin", clock, progressIntervalMs: 0, onProgress: (p) => p.receivedBytes >= half && arrived() });
    await halfIn;
    const first = await asked(1);
    const dropped = once(first.socket, "close");
    clock.advance(DOWNLOAD_IDLE_MS - 1);
    assert.equal(ranges.length, 1, "nothing happens before the idle limit");
    clock.advance(1);
    await dropped;
    const result = await download;
    // From what reached the disk: a chunk or two received but not yet written is dropped with the connection.
    const from = Number(/^bytes=(\d+)-$/.exec(ranges[1] ?? "")?.[1]);
    assert.equal(ranges.length, 2);
    assert.ok(from > half / 2 && from <= half, `resumed from what arrived, not started over: ${ranges[1]}`);
    assert.equal(result.resumedFromBytes, 0);
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
    assert.deepEqual(readdirSync(folder), ["m.bin"]);
  });

  it("a server that takes the request and never answers: after the idle limit it is asked again; after every try, the download stops saying the server sent nothing, the part kept", { timeout: 30_000 }, async (t) => {
    const { url, ranges, asked } = await serve(t, () => undefined); // headers never sent
    const folder = tempDir("hearth-dl-stall-");
    const clock = new StallClock();
    const download = downloadFile({ url, folder, file: "m.bin", clock, retries: 2 });
    const failed = assert.rejects(download, (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.match(error.message, /^the download kept failing, 3 times in a row without a byte more \(127\.0\.0\.1:\d+ sent nothing for 60 s\)/);
      return true;
    });
    for (let n = 1; n <= 3; n++) {
      await asked(n);
      clock.advance(DOWNLOAD_IDLE_MS);
    }
    await failed;
    assert.equal(ranges.length, 3);
  });
});
