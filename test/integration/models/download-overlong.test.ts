/**
 * A server whose answer goes on past the size it announced — a 206 sent chunked (no
 * Content-Length) that carries the file's rest and then keeps streaming, by a bug or on
 * purpose — against a real HTTP server on 127.0.0.1: what it sends past the file's end is
 * never written, so it cannot fill the disk, and the download finishes with the file's bytes.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { downloadFile } from "../../../src/models/download.ts";
import { tempDir } from "../../fixtures/temp.ts";

const FILE = Buffer.alloc(1024 * 1024);
for (let i = 0; i < FILE.length; i += 4) FILE.writeUInt32LE((i * 2654435761) >>> 0, i);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
/** How much the server sends past the file's end at most (a bound, so a failing run ends). */
const EXTRA_CAP = 64 * 1024 * 1024;

/**
 * A server answering a resume with a 206 of the file's rest, chunked, followed by junk until
 * the client closes the connection (or EXTRA_CAP); `sentPastEnd` is what it wrote after the file.
 */
async function serveEndless(t: TestContext): Promise<{ url: string; sentPastEnd: () => number }> {
  let extra = 0;
  const server = createServer((req, res: ServerResponse) => {
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? "")?.[1] ?? 0);
    res.writeHead(206, { "Content-Range": `bytes ${start}-${FILE.length - 1}/${FILE.length}`, "Transfer-Encoding": "chunked" });
    res.write(FILE.subarray(start));
    const junk = Buffer.alloc(64 * 1024, 0x5a);
    const more = (): void => {
      if (res.destroyed || extra >= EXTRA_CAP) return void res.end();
      extra += junk.length;
      if (res.write(junk)) setImmediate(more);
      else res.once("drain", more);
    };
    more();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.gguf`, sentPastEnd: () => extra };
}

describe("an answer that goes on past the size the server announced", () => {
  it("a 206 that keeps streaming after the file's end: nothing past the end is written, the download finishes whole and the connection is closed", async (t) => {
    const { url, sentPastEnd } = await serveEndless(t);
    const folder = tempDir("hearth-dl-overlong-");
    writeFileSync(join(folder, "m.gguf.part"), FILE.subarray(0, 300_000));
    const result = await downloadFile({ url, folder, file: "m.gguf" });
    assert.equal(result.sizeBytes, FILE.length);
    assert.equal(sha(readFileSync(result.path)), sha(FILE), "the file is the server's file, nothing appended");
    assert.deepEqual(readdirSync(folder), ["m.gguf"]);
    assert.ok(sentPastEnd() < EXTRA_CAP, `the connection was closed, not read to the server's end (${sentPastEnd()} bytes sent past the file)`);
  });
});
