/**
 * Resumes against awkward servers, real HTTP servers on 127.0.0.1: a 416 (Range Not
 * Satisfiable) to the resume of a part that is already whole, with or without the file's
 * size in it, a 206 whose Content-Range is malformed, and a redirect to a host that refuses
 * the resume. A whole part must be finished, not downloaded again; a malformed answer must be
 * named as such and never appended; a refusal names who refused and keeps the part.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, it, type TestContext } from "node:test";
import { DownloadError, downloadFile, type DownloadProgress } from "../../../src/models/download.ts";
import { gguf, writeGguf } from "../../fixtures/models/gguf-writer.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** A real GGUF of 1 MiB of tensor data, which no compression shrinks much: a model download checks that its tensors all arrived. */
const FILE = writeGguf(new Map([["general.architecture", gguf.str("qwen35")]]), [
  { name: "w", dims: [1024, 256], type: "f32", data: new Float32Array(Uint32Array.from({ length: 262_144 }, (_, i) => (i * 4 * 2654435761) >>> 0).buffer) },
]);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

interface Served {
  body: Buffer;
  /** Headers of every answer (ETag, Last-Modified), or none. */
  validators: Record<string, string>;
  /** Redirect /m.gguf to /cdn/m.gguf announcing the SHA-256 in X-Linked-Etag, as Hugging Face does. */
  announce?: boolean;
  /** The Content-Range of a 416 (a resume at or past the end); undefined: none, a bare 416. */
  unsatisfiable?: (length: number) => string;
  /** The Content-Range of a 206 from `start`, instead of the right one. */
  contentRange?: (start: number, length: number) => string;
  /** Answer a request for the first byte alone (bytes=0-0) with the whole file, chunked: no size said anywhere. */
  sizeless?: boolean;
}

async function serve(t: TestContext, served: Served): Promise<{ url: string; ranges: Array<string | undefined> }> {
  const ranges: Array<string | undefined> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const { body } = served;
    if (served.announce && req.url === "/m.gguf") {
      res.writeHead(302, { Location: "/cdn/m.gguf", "X-Linked-Etag": `"${sha(body)}"` }).end();
      return;
    }
    ranges.push(req.headers.range);
    if (req.headers.range === "bytes=0-0") {
      if (served.sizeless) res.writeHead(200, { "Transfer-Encoding": "chunked", ...served.validators }).end(body);
      else res.writeHead(206, { "Content-Range": `bytes 0-0/${body.length}`, "Content-Length": 1, ...served.validators }).end(body.subarray(0, 1));
      return;
    }
    const asked = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const start = asked ? Number(asked[1]) : 0;
    if (asked && start >= body.length) {
      const range = served.unsatisfiable?.(body.length);
      res.writeHead(416, { ...served.validators, ...(range ? { "Content-Range": range } : {}) }).end();
      return;
    }
    const rest = body.subarray(start);
    res.writeHead(asked ? 206 : 200, {
      "Content-Length": rest.length,
      ...served.validators,
      ...(asked ? { "Content-Range": served.contentRange?.(start, body.length) ?? `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    res.end(rest);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // A refused answer leaves its connection open (the client only cancelled the body): closed here, not left to time out.
  t.after(() => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.gguf`, ranges };
}

/**
 * A part of `bytes` with its origin as a download writes it: a first run whose answer the
 * server cut short (`cut` bytes of a 200 announcing the whole size), then `bytes` in place.
 */
async function partWithOrigin(t: TestContext, served: Served, bytes: Buffer): Promise<string> {
  const folder = tempDir("hearth-dl-awkward-");
  const cutter = createServer((_req, res) => {
    res.writeHead(200, { "Content-Length": served.body.length, ...served.validators });
    res.write(served.body.subarray(0, 1000), () => res.socket?.destroy());
  });
  await new Promise<void>((resolve) => cutter.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => cutter.close(() => resolve())));
  const url = `http://127.0.0.1:${(cutter.address() as AddressInfo).port}/m.gguf`;
  await assert.rejects(downloadFile({ url, folder, file: "m.gguf", retries: 0 }), /kept failing/);
  writeFileSync(join(folder, "m.gguf.part"), bytes);
  return folder;
}

async function download(url: string, folder: string): Promise<{ result: Awaited<ReturnType<typeof downloadFile>>; notes: string[] }> {
  const progress: DownloadProgress[] = [];
  const result = await downloadFile({ url, folder, file: "m.gguf", progressIntervalMs: 0, onProgress: (p) => progress.push(p) });
  return { result, notes: [...new Set(progress.map((p) => p.note).filter((n): n is string => n !== undefined))] };
}

describe("a 416 to the resume of a part that is already whole", () => {
  it("a bare 416 (no Content-Range): the part, as large as the size announced when it was started, is finished, not downloaded again", async (t) => {
    const served: Served = { body: FILE, validators: { ETag: '"v1"' } };
    const folder = await partWithOrigin(t, served, FILE);
    const { url, ranges } = await serve(t, served);
    const { result, notes } = await download(url, folder);
    assert.deepEqual(ranges, [`bytes=${FILE.length}-`], "one request: nothing downloaded again");
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
    assert.equal(result.verified, "size");
    assert.equal(result.startedOver, undefined);
    assert.deepEqual(notes, []);
    assert.deepEqual(readdirSync(folder), ["m.gguf"]);
  });

  it("a bare 416 with the SHA-256 announced: a whole part left without its origin is finished once its hash matches", async (t) => {
    const served: Served = { body: FILE, validators: {}, announce: true };
    const folder = tempDir("hearth-dl-awkward-");
    writeFileSync(join(folder, "m.gguf.part"), FILE);
    const { url, ranges } = await serve(t, served);
    const { result } = await download(url, folder);
    assert.deepEqual(ranges, [`bytes=${FILE.length}-`]);
    assert.equal(result.verified, "sha256");
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
  });

  it("a bare 416 with the SHA-256 announced, of a part whose bytes are not the file: downloaded again, saying why", async (t) => {
    const served: Served = { body: FILE, validators: {}, announce: true };
    const folder = tempDir("hearth-dl-awkward-");
    const wrong = Buffer.from(FILE);
    wrong[5000] = wrong[5000]! ^ 0xff;
    writeFileSync(join(folder, "m.gguf.part"), wrong);
    const { url, ranges } = await serve(t, served);
    const { result, notes } = await download(url, folder);
    assert.deepEqual(ranges, [`bytes=${FILE.length}-`, undefined]);
    assert.equal(result.verified, "sha256");
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
    assert.match(notes.join(" "), /SHA-256.*from the start/);
  });

  it("a bare 416 to a part longer than the size announced when it was started: downloaded again, saying so", async (t) => {
    const served: Served = { body: FILE, validators: { ETag: '"v1"' } };
    const folder = await partWithOrigin(t, served, Buffer.concat([FILE, Buffer.from("tail")]));
    const { url, ranges } = await serve(t, served);
    const { result, notes } = await download(url, folder);
    assert.deepEqual(ranges, [`bytes=${FILE.length + 4}-`, undefined]);
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
    assert.match(notes.join(" "), /longer than the file.*from the start/);
  });

  it("a bare 416, and neither a size kept for the part nor a SHA-256: the file's size is asked apart (its first byte), and a part of that size is finished, not downloaded again", async (t) => {
    const served: Served = { body: FILE, validators: {} };
    const folder = tempDir("hearth-dl-awkward-");
    writeFileSync(join(folder, "m.gguf.part"), FILE);
    const { url, ranges } = await serve(t, served);
    const { result, notes } = await download(url, folder);
    assert.deepEqual(ranges, [`bytes=${FILE.length}-`, "bytes=0-0"], "the file's size asked for; the file not downloaded again");
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
    assert.equal(result.verified, "size");
    assert.deepEqual(notes, []);
    assert.deepEqual(readdirSync(folder), ["m.gguf"]);
  });

  it("a bare 416, neither a size kept nor a SHA-256, and a part longer than the size asked apart: downloaded again, saying so", async (t) => {
    const served: Served = { body: FILE, validators: {} };
    const folder = tempDir("hearth-dl-awkward-");
    writeFileSync(join(folder, "m.gguf.part"), Buffer.concat([FILE, Buffer.from("tail")]));
    const { url, ranges } = await serve(t, served);
    const { result, notes } = await download(url, folder);
    assert.deepEqual(ranges, [`bytes=${FILE.length + 4}-`, "bytes=0-0", undefined]);
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
    assert.match(notes.join(" "), /longer than the file.*from the start/);
  });

  it("a bare 416 from a server that says the file's size in no way (nor asked apart): downloaded again, saying the server did not tell the size", async (t) => {
    const served: Served = { body: FILE, validators: {}, sizeless: true };
    const folder = tempDir("hearth-dl-awkward-");
    writeFileSync(join(folder, "m.gguf.part"), FILE);
    const { url, ranges } = await serve(t, served);
    const { result, notes } = await download(url, folder);
    assert.deepEqual(ranges, [`bytes=${FILE.length}-`, "bytes=0-0", undefined]);
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
    assert.match(notes.join(" "), /416.*size.*from the start/);
  });

  it("a 416 naming the size (bytes */N) of a whole part: finished, as before", async (t) => {
    const served: Served = { body: FILE, validators: {}, unsatisfiable: (length) => `bytes */${length}` };
    const folder = tempDir("hearth-dl-awkward-");
    writeFileSync(join(folder, "m.gguf.part"), FILE);
    const { url, ranges } = await serve(t, served);
    const { result, notes } = await download(url, folder);
    assert.deepEqual(ranges, [`bytes=${FILE.length}-`]);
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
    assert.deepEqual(notes, []);
  });
});

describe("a 206 whose Content-Range is malformed", () => {
  const HAVE = 300_000;
  for (const [name, contentRange] of [
    ["a total that is not a number", (start: number) => `bytes ${start}-9/abc`],
    ["an end before its start", (start: number, length: number) => `bytes ${start}-${start - 5}/${length}`],
    ["an end past the total", (start: number, length: number) => `bytes ${start}-${length + 10}/${length}`],
    ["an unknown total", (start: number, length: number) => `bytes ${start}-${length - 1}/*`],
    ["no range at all", () => "items 0-9/10"],
  ] as const) {
    it(`${name}: the message quotes what the server sent and what was expected; the part is kept as it was`, async (t) => {
      const served: Served = { body: FILE, validators: {}, contentRange };
      const { url } = await serve(t, served);
      const folder = tempDir("hearth-dl-awkward-");
      writeFileSync(join(folder, "m.gguf.part"), FILE.subarray(0, HAVE));
      const sent = contentRange(HAVE, FILE.length);
      await assert.rejects(downloadFile({ url, folder, file: "m.gguf", retries: 0 }), (error: unknown) => {
        assert.ok(error instanceof DownloadError && !error.offline, String(error));
        assert.ok(error.message.includes(`Content-Range "${sent}"`), error.message);
        assert.ok(error.message.includes(`bytes ${HAVE}-`), error.message);
        assert.match(error.message, /kept/);
        assert.doesNotMatch(error.message, /did not say how large/);
        return true;
      });
      assert.equal(statSync(join(folder, "m.gguf.part")).size, HAVE);
      assert.deepEqual(readFileSync(join(folder, "m.gguf.part")), FILE.subarray(0, HAVE), "nothing was appended");
    });
  }
});

describe("a redirect to another host that refuses the resume", () => {
  it("the message names the host that refused (not the signed address) and says the part is kept", async (t) => {
    const cdn = createServer((req, res) => {
      if (req.headers.range) return void res.writeHead(403).end("signature expired");
      res.writeHead(200, { "Content-Length": FILE.length }).end(FILE);
    });
    await new Promise<void>((resolve) => cdn.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => cdn.close(() => resolve())));
    const cdnHost = `localhost:${(cdn.address() as AddressInfo).port}`;
    const origin = createServer((_req, res) => void res.writeHead(302, { Location: `http://${cdnHost}/m.gguf?X-Signature=secret` }).end());
    await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => origin.close(() => resolve())));
    const url = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/m.gguf`;
    const folder = tempDir("hearth-dl-awkward-");
    writeFileSync(join(folder, "m.gguf.part"), FILE.subarray(0, 300_000));
    await assert.rejects(downloadFile({ url, folder, file: "m.gguf" }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.ok(error.message.includes(`403 Forbidden for ${url} (redirected to ${cdnHost})`), error.message);
      assert.match(error.message, /from byte 300000.*0\.3 MiB downloaded so far are kept/);
      assert.doesNotMatch(error.message, /secret/, "a signed address's signature stays out of the message");
      return true;
    });
    assert.deepEqual(readFileSync(join(folder, "m.gguf.part")), FILE.subarray(0, 300_000));
  });
});

describe("a page sent in the model's place (a mirror's or proxy's page, status 200)", () => {
  const PAGE = Buffer.from("<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please sign in to continue</body></html>\n");

  it("is not kept: the message says what came, and nothing is left in the folder", async (t) => {
    const { url } = await serve(t, { body: PAGE, validators: {} });
    const folder = tempDir("hearth-dl-awkward-");
    await assert.rejects(downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.match(error.message, /127\.0\.0\.1:\d+ sent 104 bytes that are not a model: the answer begins "<!DOCTYPE html> <html><head><title>Sign…", where a GGUF file begins "GGUF"/);
      assert.match(error.message, /HF_ENDPOINT.*Nothing was kept/);
      return true;
    });
    assert.deepEqual(readdirSync(folder), []);
  });

  it("a file already at the name that is not a model is moved aside and the model downloaded, saying so", async (t) => {
    const { url } = await serve(t, { body: FILE, validators: {} });
    const folder = tempDir("hearth-dl-awkward-");
    writeFileSync(join(folder, "m.gguf"), PAGE);
    const result = await downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" });
    assert.equal(result.verified, "size");
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
    assert.match(result.startedOver ?? "", /the m\.gguf already in .* was not a model \(it begins "<!DOCTYPE html>.*"\); it was moved to .*m\.gguf\.not-a-model and the model downloaded again/);
    assert.deepEqual(readFileSync(join(folder, "m.gguf.not-a-model")), PAGE, "what was there is kept, not deleted");
    assert.deepEqual(readdirSync(folder).sort(), ["m.gguf", "m.gguf.not-a-model"]);
  });

  it("a folder at the model's name is named as such, nothing downloaded or moved", async (t) => {
    const { url, ranges } = await serve(t, { body: FILE, validators: {} });
    const folder = tempDir("hearth-dl-awkward-");
    mkdirSync(join(folder, "m.gguf"));
    await assert.rejects(downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.match(error.message, /m\.gguf is there but is not a file Hearth can read \(EISDIR\): move it out of .*, then download again$/);
      return true;
    });
    assert.deepEqual(ranges, []);
    assert.deepEqual(readdirSync(folder), ["m.gguf"]);
  });

  it("a model already at the name is reported as there, nothing downloaded", async (t) => {
    const { url, ranges } = await serve(t, { body: FILE, validators: {} });
    const folder = tempDir("hearth-dl-awkward-");
    writeFileSync(join(folder, "m.gguf"), FILE);
    const result = await downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" });
    assert.equal(result.verified, "existing");
    assert.deepEqual(ranges, []);
  });
});

describe("a page sent in place of the rest of a model (a resume answered by a sign-in wall with status 200)", () => {
  const PAGE = Buffer.from("<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please sign in to continue</body></html>\n");

  it("the part downloaded before is kept as it was, and the message says what came and that the part is kept", async (t) => {
    const ranges: Array<string | undefined> = [];
    const wall = createServer((req, res) => {
      ranges.push(req.headers.range);
      res.writeHead(200, { "Content-Type": "text/html", "Content-Length": PAGE.length }).end(PAGE); // every address, any Range
    });
    await new Promise<void>((resolve) => wall.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => (wall.close(() => resolve()), wall.closeAllConnections())));
    const url = `http://127.0.0.1:${(wall.address() as AddressInfo).port}/m.gguf`;
    const folder = tempDir("hearth-dl-awkward-");
    writeFileSync(join(folder, "m.gguf.part"), FILE.subarray(0, 300_000));
    await assert.rejects(downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.match(error.message, /127\.0\.0\.1:\d+ sent .* not a model: the answer begins "<!DOCTYPE html>/);
      assert.match(error.message, /0\.3 MiB downloaded so far are kept/);
      return true;
    });
    assert.deepEqual(ranges, ["bytes=300000-"], "asked for the rest once; the page was not downloaded as the file");
    assert.deepEqual(readFileSync(join(folder, "m.gguf.part")), FILE.subarray(0, 300_000), "the part holds what it held");
  });
});

describe("a server that compresses what it sends when asked (nginx's gzip_types *, a mirror)", () => {
  it("the file is asked for as it is (Accept-Encoding: identity), so its size and SHA-256 are the file's: it downloads", async (t) => {
    const encodings: Array<string | undefined> = [];
    const mirror = createServer((req, res) => {
      encodings.push(req.headers["accept-encoding"]);
      if (/gzip/.test(req.headers["accept-encoding"] ?? "")) {
        const packed = gzipSync(FILE);
        return void res.writeHead(200, { "Content-Encoding": "gzip", "Content-Length": packed.length }).end(packed);
      }
      res.writeHead(200, { "Content-Length": FILE.length }).end(FILE);
    });
    await new Promise<void>((resolve) => mirror.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => (mirror.close(() => resolve()), mirror.closeAllConnections())));
    const folder = tempDir("hearth-dl-awkward-");
    const result = await downloadFile({ url: `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/m.gguf`, folder, file: "m.gguf", magic: "GGUF", retries: 0 });
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
    assert.equal(result.sizeBytes, FILE.length);
    assert.deepEqual(encodings, ["identity"]);
    assert.deepEqual(readdirSync(folder), ["m.gguf"]);
  });

  // S3 serves an object stored with Content-Encoding: gzip as it is, whatever the request's Accept-Encoding says.
  it("a server that compresses it anyway is refused before anything is written, saying so: the part downloaded before is kept as it was", async (t) => {
    const packed = gzipSync(FILE);
    const ranges: Array<string | undefined> = [];
    const bucket = createServer((req, res) => {
      ranges.push(req.headers.range);
      res.writeHead(200, { "Content-Encoding": "gzip", "Content-Length": packed.length }).end(packed);
    });
    await new Promise<void>((resolve) => bucket.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => (bucket.close(() => resolve()), bucket.closeAllConnections())));
    const url = `http://127.0.0.1:${(bucket.address() as AddressInfo).port}/m.gguf`;
    const fresh = tempDir("hearth-dl-awkward-");
    const refusedAsCompressed = (kept: RegExp) => (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.match(error.message, /127\.0\.0\.1:\d+ sent m\.gguf compressed \(Content-Encoding: gzip\) though asked for it as it is/);
      assert.match(error.message, kept);
      return true;
    };
    await assert.rejects(downloadFile({ url, folder: fresh, file: "m.gguf", magic: "GGUF", retries: 0 }), refusedAsCompressed(/Nothing was kept/));
    assert.deepEqual(readdirSync(fresh), [], "no part announcing the compressed size, which the next run would download whole again");
    const resumed = tempDir("hearth-dl-awkward-");
    writeFileSync(join(resumed, "m.gguf.part"), FILE.subarray(0, 300_000));
    await assert.rejects(downloadFile({ url, folder: resumed, file: "m.gguf", magic: "GGUF", retries: 0 }), refusedAsCompressed(/0\.3 MiB downloaded so far are kept/));
    assert.deepEqual(readFileSync(join(resumed, "m.gguf.part")), FILE.subarray(0, 300_000), "the part holds what it held");
    assert.deepEqual(ranges, [undefined, "bytes=300000-"]);
  });
});
