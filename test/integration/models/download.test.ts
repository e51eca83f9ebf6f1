/**
 * Downloads against a real HTTP server on 127.0.0.1 that serves a generated GGUF with
 * Range support and drops connections midway: the finished file must be byte-identical.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DownloadError, downloadFile, type DownloadProgress } from "../../../src/models/download.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

let bytes: Buffer;
let server: Server;
let base: string;
/** Requests whose response is cut after this many bytes (consumed one per request). */
const drops: number[] = [];
const requests: Array<string | undefined> = [];

before(async () => {
  bytes = readFileSync(await ensureTinyModel({ arch: "qwen35", vocab: "full" }));
  server = createServer((req, res) => {
    requests.push(req.headers.range);
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    if (start >= bytes.length) {
      res.writeHead(416, { "Content-Range": `bytes */${bytes.length}` }).end();
      return;
    }
    const body = bytes.subarray(start);
    res.writeHead(range ? 206 : 200, {
      "Content-Length": body.length,
      "Accept-Ranges": "bytes",
      ...(range ? { "Content-Range": `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}),
    });
    const cut = drops.shift();
    if (cut === undefined) {
      res.end(body);
      return;
    }
    res.write(body.subarray(0, cut), () => res.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("model download", () => {
  it("resumes after the connection drops midway; the file is byte-identical and progress has bytes, speed and ETA", async () => {
    const folder = tempDir("hearth-dl-");
    drops.push(Math.floor(bytes.length / 2));
    requests.length = 0;
    const progress: DownloadProgress[] = [];
    const result = await downloadFile({ url: `${base}/m.gguf`, folder, file: "m.gguf", onProgress: (p) => progress.push(p), progressIntervalMs: 0 });
    assert.equal(sha(readFileSync(result.path)), sha(bytes));
    assert.equal(result.sizeBytes, bytes.length);
    assert.equal(requests.length, 2);
    assert.equal(requests[0], undefined);
    assert.match(requests[1]!, /^bytes=\d+-$/, "the second request resumes with Range");
    assert.ok(Number(/\d+/.exec(requests[1]!)![0]) > 0);
    const last = progress.at(-1)!;
    assert.equal(last.receivedBytes, bytes.length);
    assert.equal(last.totalBytes, bytes.length);
    assert.ok(progress.some((p) => p.bytesPerSecond > 0 && p.etaSeconds !== undefined));
    assert.ok(!existsSync(`${result.path}.part`));
  });

  it("a cancelled download leaves its .part file, and the next run continues it", async () => {
    const folder = tempDir("hearth-dl-");
    const controller = new AbortController();
    drops.push(Math.floor(bytes.length / 3));
    await assert.rejects(downloadFile({
      url: `${base}/m.gguf`, folder, file: "m.gguf", signal: controller.signal, progressIntervalMs: 0,
      onProgress: (p) => { if (p.receivedBytes >= bytes.length / 4) controller.abort(); },
    }));
    const part = join(folder, "m.gguf.part");
    assert.ok(existsSync(part));
    const partial = statSync(part).size;
    assert.ok(partial > 0 && partial < bytes.length);
    const result = await downloadFile({ url: `${base}/m.gguf`, folder, file: "m.gguf" });
    assert.equal(result.resumedFromBytes, partial);
    assert.equal(sha(readFileSync(result.path)), sha(bytes));
  });

  it("offline: a clear message with the alternatives", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const folder = tempDir("hearth-dl-");
    await assert.rejects(downloadFile({ url: `http://127.0.0.1:${port}/m.gguf`, folder, file: "m.gguf" }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && error.offline);
      assert.match(error.message, /cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\).*offline.*GGUF file you already have.*server URL/);
      return true;
    });
  });

  it("a full disk ends the download at once with a clear message (no retries), and no file appears", async (t) => {
    if (!existsSync("/dev/full")) return t.skip("needs /dev/full (Linux)");
    const folder = tempDir("hearth-dl-");
    // Writes to /dev/full fail with a real ENOSPC from the kernel.
    symlinkSync("/dev/full", join(folder, "m.gguf.part"));
    requests.length = 0;
    await assert.rejects(downloadFile({ url: `${base}/m.gguf`, folder, file: "m.gguf" }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline);
      assert.match(error.message, /^Cannot save the download in .*: the disk is full \(ENOSPC\)\. Free some space/);
      return true;
    });
    assert.equal(requests.length, 1, "a full disk is not a dropped connection: no retry");
    assert.ok(!existsSync(join(folder, "m.gguf")));
  });
});
