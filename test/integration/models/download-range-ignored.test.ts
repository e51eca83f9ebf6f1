/**
 * A server (or a proxy in front of it) that ignores Range: a resume is answered with the whole
 * file, status 200, not 206. Real HTTP servers on 127.0.0.1. The 200 must never be appended to
 * the part — the file would hold its beginning twice — whether the server names the same
 * version (the part's ETag, kept from the run that started it) or none; the download starts
 * over from byte 0 and says so. A regression guard: this held already when it was written.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { downloadFile } from "../../../src/models/download.ts";
import { writeOrigin } from "../../../src/models/part-origin.ts";
import { tempDir } from "../../fixtures/temp.ts";

const FILE = Buffer.alloc(300_000);
FILE.write("GGUF", 0, "latin1");
for (let i = 4; i < FILE.length; i++) FILE[i] = (i * 131) & 0xff;

/** Answers every request with all of FILE (200), whatever Range or If-Range asks; `ranges`: the Range headers asked with. */
async function ignoringRange(t: TestContext, headers: Record<string, string>): Promise<{ url: string; ranges: Array<string | undefined> }> {
  const ranges: Array<string | undefined> = [];
  const server = createServer((req, res) => {
    ranges.push(req.headers.range);
    res.writeHead(200, { "Content-Length": String(FILE.length), ...headers }).end(FILE);
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.gguf`, ranges };
}

describe("a resume answered with the whole file (200: the server ignores Range)", () => {
  for (const [name, headers] of [["no validator", {}], ["the part's own ETag", { ETag: '"v1"' }]] as const) {
    it(`${name}: the file is the server's, byte for byte, not the part joined to it; the restart is said`, async (t) => {
      const { url, ranges } = await ignoringRange(t, headers);
      const folder = tempDir("hearth-dl-range-ignored-");
      const part = join(folder, "m.gguf.part");
      writeFileSync(part, FILE.subarray(0, 100_000));
      await writeOrigin(part, { total: FILE.length, ...("ETag" in headers ? { validator: headers.ETag } : {}) });
      const result = await downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" });
      assert.equal(ranges[0], "bytes=100000-", "the resume asked for the rest");
      assert.ok(readFileSync(join(folder, "m.gguf")).equals(FILE), "byte-identical to the server's file");
      assert.equal(result.sizeBytes, FILE.length);
      assert.match(result.startedOver ?? "", /downloaded again from the start/);
      assert.deepEqual(readdirSync(folder), ["m.gguf"]);
    });
  }
});
