/**
 * A server that answers a request for the whole file with a 206 of a part of it that does not
 * start at byte 0 (a broken cache or proxy replaying another client's range), against a real
 * HTTP server on 127.0.0.1: those bytes are never written as the file's beginning, the
 * download stops saying what came, nothing is left in the folder, and it is not asked again
 * and again.
 */
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { DownloadError, downloadFile } from "../../../src/models/download.ts";
import { writeOrigin } from "../../../src/models/part-origin.ts";
import { tempDir } from "../../fixtures/temp.ts";

const FILE = Buffer.alloc(256 * 1024);
FILE.write("GGUF", 0, "latin1");
for (let i = 4; i < FILE.length; i++) FILE[i] = (i * 31) & 0xff;

/** Answers every request with a 206 from byte `from` to the end; `ranges` are the Range headers asked with. */
async function serveFrom(t: TestContext, from: number): Promise<{ url: string; ranges: Array<string | undefined> }> {
  const ranges: Array<string | undefined> = [];
  const server = createServer((req, res) => {
    ranges.push(req.headers.range);
    res.writeHead(206, { "Content-Range": `bytes ${from}-${FILE.length - 1}/${FILE.length}`, "Content-Length": String(FILE.length - from) });
    res.end(FILE.subarray(from));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.gguf`, ranges };
}

describe("a 206 that does not start at byte 0, to a request for the whole file", () => {
  it("is not written as the file's beginning: the download stops saying what came, with nothing left in the folder, after one request", async (t) => {
    const { url, ranges } = await serveFrom(t, 1000);
    const folder = tempDir("hearth-dl-wrong-start-");
    await assert.rejects(downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.equal(
        error.message,
        `127.0.0.1:${new URL(url).port} answered the request for all of m.gguf with only a part of it (Content-Range "bytes 1000-262143/262144": from byte 1000, not 0), so none of it was used. ` +
          "Nothing was kept. Something between this machine and the server (a proxy or cache) is changing the answers: try again later or through another network.",
      );
      return true;
    });
    assert.deepEqual(ranges, [undefined], "asked once, for the whole file");
    assert.deepEqual(readdirSync(folder), []);
  });

  it("to a resume too: the part is dropped once (other bytes than asked for), then the whole file's request stops there, not asked again and again", async (t) => {
    const { url, ranges } = await serveFrom(t, 1000);
    const folder = tempDir("hearth-dl-wrong-start-");
    writeFileSync(join(folder, "m.gguf.part"), FILE.subarray(0, 50_000));
    await assert.rejects(downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" }), /answered the request for all of m\.gguf with only a part of it \(Content-Range "bytes 1000-262143\/262144": from byte 1000, not 0\)/);
    assert.deepEqual(ranges, ["bytes=50000-", undefined]);
    assert.deepEqual(readdirSync(folder), [], "no empty part left behind");
  });

  // "Nothing was kept", yet the record of an empty part (a run stopped after the answer's
  // headers, before its first byte) stayed in the folder.
  it("after a run that stopped before its first byte: its empty part and the part's record are both removed", async (t) => {
    const { url } = await serveFrom(t, 1000);
    const folder = tempDir("hearth-dl-wrong-start-");
    const part = join(folder, "m.gguf.part");
    writeFileSync(part, "");
    await writeOrigin(part, { total: FILE.length });
    await assert.rejects(downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" }), /Nothing was kept\./);
    assert.deepEqual(readdirSync(folder), [], "nothing left behind");
  });
});

