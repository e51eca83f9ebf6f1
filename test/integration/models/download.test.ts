/**
 * Downloads against a real HTTP server on 127.0.0.1 that serves a generated GGUF with
 * Range support and drops connections midway: the finished file must be byte-identical.
 * A second server answers like Hugging Face (a redirect to its "CDN" announcing the file's
 * SHA-256 in X-Linked-Etag), and can serve bytes that do not match it.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
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

  it("a server that announces no SHA-256: verified by size only, and the result says so", async () => {
    const result = await downloadFile({ url: `${base}/m.gguf`, folder: tempDir("hearth-dl-"), file: "m.gguf" });
    assert.equal(sha(readFileSync(result.path)), sha(bytes));
    assert.equal(result.verified, "size");
    assert.equal(result.sha256, undefined);
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

describe("model download larger than the disk's free space", () => {
  it("is refused before a byte is written, naming what it needs and what is free; a part already there is kept", async (t) => {
    // A server announcing 8 PiB: more than any disk here has free (it sends 4 bytes and ends:
    // without the check the download would fail later, and differently).
    const huge = 8 * 1024 ** 5;
    const seen: Array<string | undefined> = [];
    const big = createServer((req, res) => {
      seen.push(req.headers.range);
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? "")?.[1] ?? 0);
      res.writeHead(start ? 206 : 200, { "Content-Length": String(huge - start), ...(start ? { "Content-Range": `bytes ${start}-${huge - 1}/${huge}` } : {}) });
      res.end("GGUF");
    });
    await new Promise<void>((resolve) => big.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => big.close(() => resolve())));
    const url = `http://127.0.0.1:${(big.address() as AddressInfo).port}/big.gguf`;
    for (const part of [undefined, Buffer.from("GGUF-part")]) {
      const folder = tempDir("hearth-dl-room-");
      if (part) writeFileSync(join(folder, "big.gguf.part"), part);
      await assert.rejects(downloadFile({ url, folder, file: "big.gguf" }), (error: unknown) => {
        assert.ok(error instanceof DownloadError && !error.offline, String(error));
        assert.match(error.message, /^Not enough disk space for big\.gguf: it needs 8388608\.0 GiB more, and .* has [\d.]+ [GM]iB free\. Free some space/);
        // With no part there, nothing is "kept".
        assert.match(error.message, part ? /then try again; the part already downloaded is kept\.$/ : /then try again; nothing was downloaded yet\.$/);
        return true;
      });
      assert.equal(existsSync(join(folder, "big.gguf")), false);
      if (part) assert.deepEqual(readFileSync(join(folder, "big.gguf.part")), part, "the part already downloaded is kept as it was");
      else assert.equal(existsSync(join(folder, "big.gguf.part")) && statSync(join(folder, "big.gguf.part")).size > 0, false, "nothing was written");
    }
    assert.deepEqual(seen, [undefined, "bytes=9-"], "one request each: no retry");
  });
});

/** 4 MiB that are not all alike, so a resumed part is hashed in several 1 MiB reads. */
const FILE = Buffer.alloc(4 * 1024 * 1024);
for (let i = 0; i < FILE.length; i += 4) FILE.writeUInt32LE((i * 2654435761) >>> 0, i);
const FILE_SHA = sha(FILE);

describe("model download verified by SHA-256 (a Hugging Face-style server)", () => {
  let hf: Server;
  let hfBase: string;
  const seen: Array<{ url: string; range: string | undefined }> = [];
  /** Served bytes differ from the announced hash at this offset while set. */
  let corruptAt: number | undefined;
  /** The next CDN response is cut after this many bytes. */
  let cutAfter: number | undefined;

  /** Serves FILE from `start`, with Range, a cut and a corruption as set. */
  function serve(req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): void {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    const file = Buffer.from(FILE);
    if (corruptAt !== undefined) file[corruptAt] = file[corruptAt]! ^ 0xff;
    const body = file.subarray(start);
    res.writeHead(range ? 206 : 200, {
      "Content-Length": body.length,
      "Accept-Ranges": "bytes",
      ...headers,
      ...(range ? { "Content-Range": `bytes ${start}-${file.length - 1}/${file.length}` } : {}),
    });
    const cut = cutAfter;
    cutAfter = undefined;
    if (cut === undefined) return void res.end(body);
    res.write(body.subarray(0, cut), () => res.socket?.destroy());
  }

  before(async () => {
    hf = createServer((req, res) => {
      seen.push({ url: req.url ?? "", range: req.headers.range });
      const name = (req.url ?? "").split("?")[0]!;
      if (name === "/org/repo/resolve/main/m.gguf") {
        // What huggingface.co answers for an LFS file: a redirect carrying its SHA-256 and size.
        res.writeHead(302, { Location: "/cdn/m.gguf?signature=abc", "X-Linked-Etag": `"${FILE_SHA}"`, "X-Linked-Size": String(FILE.length) }).end();
      } else if (name === "/cdn/m.gguf") {
        serve(req, res, {});
      } else if (name === "/direct/m.gguf") {
        serve(req, res, { ETag: `"${FILE_SHA}"` });
      } else if (name === "/md5-etag/m.gguf") {
        serve(req, res, { ETag: `"${createHash("md5").update(FILE).digest("hex")}"` });
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => hf.listen(0, "127.0.0.1", resolve));
    hfBase = `http://127.0.0.1:${(hf.address() as AddressInfo).port}`;
  });
  after(() => hf.close());

  const resolveUrl = () => `${hfBase}/org/repo/resolve/main/m.gguf`;

  it("follows the redirect and verifies the file against its X-Linked-Etag", async () => {
    const folder = tempDir("hearth-dl-sha-");
    seen.length = 0;
    const result = await downloadFile({ url: resolveUrl(), folder, file: "m.gguf" });
    assert.deepEqual(seen.map((s) => s.url), ["/org/repo/resolve/main/m.gguf", "/cdn/m.gguf?signature=abc"]);
    assert.equal(result.verified, "sha256");
    assert.equal(result.sha256, FILE_SHA);
    assert.equal(sha(readFileSync(result.path)), FILE_SHA);
    assert.deepEqual(readdirSync(folder), ["m.gguf"]);
  });

  it("a strong 64-hex ETag without a redirect counts as the SHA-256; an MD5 ETag does not", async () => {
    const direct = await downloadFile({ url: `${hfBase}/direct/m.gguf`, folder: tempDir("hearth-dl-sha-"), file: "m.gguf" });
    assert.equal(direct.verified, "sha256");
    const md5 = await downloadFile({ url: `${hfBase}/md5-etag/m.gguf`, folder: tempDir("hearth-dl-sha-"), file: "m.gguf" });
    assert.equal(md5.verified, "size");
  });

  it("bytes that do not match the announced SHA-256 are refused and deleted; a retry downloads afresh", async () => {
    const folder = tempDir("hearth-dl-sha-");
    corruptAt = 3 * 1024 * 1024 + 7;
    const corrupt = Buffer.from(FILE);
    corrupt[corruptAt] = corrupt[corruptAt]! ^ 0xff;
    try {
      await assert.rejects(downloadFile({ url: resolveUrl(), folder, file: "m.gguf" }), (error: unknown) => {
        assert.ok(error instanceof DownloadError && !error.offline);
        assert.ok(error.message.includes(sha(corrupt)), error.message);
        assert.ok(error.message.includes(FILE_SHA), error.message);
        assert.match(error.message, /is corrupt: .*X-Linked-Etag.*deleted; download it again/);
        return true;
      });
    } finally {
      corruptAt = undefined;
    }
    assert.deepEqual(readdirSync(folder), [], "neither the file nor a part to resume is left");
    seen.length = 0;
    const result = await downloadFile({ url: resolveUrl(), folder, file: "m.gguf" });
    assert.equal(result.resumedFromBytes, 0);
    assert.ok(seen.every((s) => s.range === undefined), "the retry starts from byte 0");
    assert.equal(result.verified, "sha256");
    assert.equal(sha(readFileSync(result.path)), FILE_SHA);
  });

  it("a part whose bytes are not the server's (a resume joining the wrong bytes) is refused, not completed", async () => {
    const folder = tempDir("hearth-dl-sha-");
    const wrong = Buffer.from(FILE.subarray(0, 1024 * 1024));
    wrong.fill(0, 1000, 2000);
    writeFileSync(join(folder, "m.gguf.part"), wrong);
    await assert.rejects(downloadFile({ url: resolveUrl(), folder, file: "m.gguf" }), /is corrupt/);
    assert.deepEqual(readdirSync(folder), []);
  });

  it("a download cut midway resumes in the next run: the part is hashed first (shown as checking), then the whole file verifies", async () => {
    const folder = tempDir("hearth-dl-sha-");
    cutAfter = 2 * 1024 * 1024 + 123;
    await assert.rejects(downloadFile({ url: resolveUrl(), folder, file: "m.gguf", retries: 0 }), /kept failing/);
    const part = statSync(join(folder, "m.gguf.part")).size;
    assert.ok(part > 1024 * 1024 && part <= 2 * 1024 * 1024 + 123, `${part}`);
    seen.length = 0;
    const progress: DownloadProgress[] = [];
    const result = await downloadFile({ url: resolveUrl(), folder, file: "m.gguf", progressIntervalMs: 0, onProgress: (p) => progress.push(p) });
    assert.equal(result.resumedFromBytes, part);
    assert.equal(result.verified, "sha256");
    assert.equal(sha(readFileSync(result.path)), FILE_SHA);
    assert.equal(seen.at(-1)!.range, `bytes=${part}-`, "the bytes on disk were kept, not fetched again");
    const checking = progress.filter((p) => p.phase === "checking");
    assert.ok(checking.length >= 2, "hashing the part reports progress as it goes");
    assert.deepEqual(checking.map((p) => p.totalBytes), checking.map(() => part));
    assert.equal(checking.at(-1)!.receivedBytes, part);
    const firstDownloading = progress.findIndex((p) => p.phase === "downloading");
    assert.ok(firstDownloading > progress.lastIndexOf(checking.at(-1)!), "checking comes first");
    assert.equal(progress.at(-1)!.receivedBytes, FILE.length);
  });

  it("a connection dropped within a run resumes and still verifies (the hash follows the bytes on disk)", async () => {
    const folder = tempDir("hearth-dl-sha-");
    cutAfter = 1024 * 1024 + 5;
    seen.length = 0;
    const progress: DownloadProgress[] = [];
    const result = await downloadFile({ url: resolveUrl(), folder, file: "m.gguf", progressIntervalMs: 0, onProgress: (p) => progress.push(p) });
    assert.equal(result.verified, "sha256");
    assert.equal(sha(readFileSync(result.path)), FILE_SHA);
    assert.ok(seen.some((s) => s.range !== undefined), "it resumed with Range");
    assert.ok(!progress.some((p) => p.phase === "checking"), "nothing was read back from disk");
  });

  it("Cancel stops the checking of a resumed part at once, and the part is kept whole", async () => {
    const folder = tempDir("hearth-dl-sha-");
    writeFileSync(join(folder, "m.gguf.part"), FILE.subarray(0, 3 * 1024 * 1024));
    const controller = new AbortController();
    seen.length = 0;
    await assert.rejects(downloadFile({
      url: resolveUrl(), folder, file: "m.gguf", signal: controller.signal, progressIntervalMs: 0,
      onProgress: (p) => { if (p.phase === "checking") controller.abort(); },
    }), (error: unknown) => (error as Error).name === "AbortError");
    assert.equal(seen.length, 0, "no request after Cancel");
    assert.equal(statSync(join(folder, "m.gguf.part")).size, 3 * 1024 * 1024);
  });
});
