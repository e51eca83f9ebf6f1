/**
 * Resuming a download whose file changed on the server since the part was written (a
 * model re-uploaded under the same name, common on Hugging Face), against real HTTP
 * servers on 127.0.0.1: the resume must never join the old file's head to the new file's
 * tail. Also a server that answers a resume with other bytes than the ones asked for.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { downloadFile, type DownloadProgress } from "../../../src/models/download.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** 2 MiB that are not all alike; `seed` makes another version of the "same" file. */
function version(seed: number, size = 2 * 1024 * 1024): Buffer {
  const file = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) file.writeUInt32LE(((i + seed) * 2654435761) >>> 0, i);
  return file;
}
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

interface Served {
  body: Buffer;
  /** Headers naming this version (ETag, Last-Modified), or none. */
  validators: Record<string, string>;
  /** The validators a 206 carries when they are not `validators` (some servers and CDNs leave the ETag out of a 206). */
  partialValidators?: Record<string, string>;
  /** Honour If-Range (RFC 9110: a validator that does not match gets the whole file, 200). */
  ifRange: boolean;
  /** Cut the next response after this many bytes. */
  cutAfter?: number;
  /** Answer a Range request with these bytes instead of the ones asked for. */
  wrongRange?: (start: number) => number;
}

interface Seen {
  readonly range: string | undefined;
  readonly ifRange: string | undefined;
  readonly status: number;
}

async function serve(t: TestContext, served: Served): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const { body, validators } = served;
    const asked = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const ifRange = req.headers["if-range"] as string | undefined;
    const matches = ifRange === undefined || !served.ifRange || Object.values(validators).includes(ifRange) || Object.values(served.partialValidators ?? {}).includes(ifRange);
    let start = asked && matches ? Number(asked[1]) : 0;
    if (asked && matches && served.wrongRange) start = served.wrongRange(start);
    const partial = asked !== null && matches;
    seen.push({ range: req.headers.range, ifRange, status: partial ? 206 : 200 });
    const rest = body.subarray(start);
    res.writeHead(partial ? 206 : 200, {
      "Content-Length": rest.length,
      "Accept-Ranges": "bytes",
      ...(partial ? (served.partialValidators ?? validators) : validators),
      ...(partial ? { "Content-Range": `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    const cut = served.cutAfter;
    served.cutAfter = undefined;
    if (cut === undefined) return void res.end(rest);
    res.write(rest.subarray(0, cut), () => res.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.gguf`, seen };
}

/** Downloads version A until the connection is cut (a part is left), then the server has version B. */
async function partOfA(t: TestContext, served: Served): Promise<{ url: string; seen: Seen[]; folder: string; part: number }> {
  const { url, seen } = await serve(t, served);
  const folder = tempDir("hearth-dl-resume-");
  served.cutAfter = 1024 * 1024 + 17;
  await assert.rejects(downloadFile({ url, folder, file: "m.gguf", retries: 0 }), /kept failing/);
  const part = statSync(join(folder, "m.gguf.part")).size;
  assert.ok(part > 0 && part < served.body.length);
  return { url, seen, folder, part };
}

async function resume(url: string, folder: string): Promise<{ file: Buffer; notes: string[]; startedOver: string | undefined }> {
  const progress: DownloadProgress[] = [];
  const result = await downloadFile({ url, folder, file: "m.gguf", progressIntervalMs: 0, onProgress: (p) => progress.push(p) });
  const notes = [...new Set(progress.map((p) => p.note).filter((n): n is string => n !== undefined))];
  return { file: readFileSync(result.path), notes, startedOver: result.startedOver };
}

const A = version(1);
const B = version(2);

describe("resuming a download whose file changed on the server", () => {
  it("sends If-Range with the ETag the part was started with; the server's whole new file replaces the part, saying so", async (t) => {
    const served: Served = { body: A, validators: { ETag: '"version-a"' }, ifRange: true };
    const { url, seen, folder } = await partOfA(t, served);
    Object.assign(served, { body: B, validators: { ETag: '"version-b"' } });
    seen.length = 0;
    const { file, notes, startedOver } = await resume(url, folder);
    assert.equal(seen[0]!.ifRange, '"version-a"', "the resume names the version its part holds");
    assert.equal(sha(file), sha(B), "the new file, whole: not A's head joined to B's tail");
    assert.match(notes.join(" "), /changed on the server.*from the start/);
    assert.match(startedOver ?? "", /changed on the server/);
    assert.deepEqual(readdirSync(folder), ["m.gguf"], "nothing is left beside the file");
  });

  it("uses Last-Modified when the server sends no ETag", async (t) => {
    const served: Served = { body: A, validators: { "Last-Modified": "Tue, 01 Apr 2025 10:00:00 GMT" }, ifRange: true };
    const { url, seen, folder } = await partOfA(t, served);
    Object.assign(served, { body: B, validators: { "Last-Modified": "Wed, 02 Apr 2025 10:00:00 GMT" } });
    seen.length = 0;
    const { file } = await resume(url, folder);
    assert.equal(seen[0]!.ifRange, "Tue, 01 Apr 2025 10:00:00 GMT");
    assert.equal(sha(file), sha(B));
  });

  it("a server that ignores If-Range but names the new version: the 206 is not joined to the old part", async (t) => {
    const served: Served = { body: A, validators: { ETag: '"version-a"' }, ifRange: false };
    const { url, folder } = await partOfA(t, served);
    Object.assign(served, { body: B, validators: { ETag: '"version-b"' } });
    const { file, notes } = await resume(url, folder);
    assert.equal(sha(file), sha(B));
    assert.match(notes.join(" "), /changed on the server/);
  });

  it("a server with no validator: a file whose size changed is downloaded again from the start", async (t) => {
    const served: Served = { body: A, validators: {}, ifRange: true };
    const { url, seen, folder } = await partOfA(t, served);
    const bigger = version(3, A.length + 4096);
    served.body = bigger;
    seen.length = 0;
    const { file, notes } = await resume(url, folder);
    assert.equal(seen[0]!.ifRange, undefined, "no validator to send");
    assert.equal(sha(file), sha(bigger));
    assert.match(notes.join(" "), /changed on the server/);
  });

  it("a Hugging Face-style server announcing another SHA-256 than the part's: started over at once, not refused after the whole download", async (t) => {
    // No validator and the same size: only the announced SHA-256 tells the versions apart.
    const served: Served = { body: A, validators: { "X-Linked-Etag": `"${sha(A)}"` }, ifRange: false };
    const { url, folder } = await partOfA(t, served);
    Object.assign(served, { body: B, validators: { "X-Linked-Etag": `"${sha(B)}"` } });
    const { file, notes } = await resume(url, folder);
    assert.equal(sha(file), sha(B));
    assert.match(notes.join(" "), /changed on the server/);
  });

  it("an unchanged file resumes as before: one ranged request from the part's end, no note", async (t) => {
    const served: Served = { body: A, validators: { ETag: '"version-a"' }, ifRange: true };
    const { url, seen, folder, part } = await partOfA(t, served);
    seen.length = 0;
    const { file, notes, startedOver } = await resume(url, folder);
    assert.deepEqual(seen, [{ range: `bytes=${part}-`, ifRange: '"version-a"', status: 206 }]);
    assert.equal(sha(file), sha(A));
    assert.deepEqual(notes, []);
    assert.equal(startedOver, undefined);
    assert.deepEqual(readdirSync(folder), ["m.gguf"]);
  });
});

describe("resuming from a server whose 206 carries other validators than its 200", () => {
  const STARTED = { ETag: '"version-a"', "Last-Modified": "Tue, 01 Apr 2025 10:00:00 GMT" };

  for (const [name, partialValidators] of [
    ["Last-Modified and no ETag", { "Last-Modified": STARTED["Last-Modified"] }],
    ["neither ETag nor Last-Modified", {}],
  ] as const) {
    it(`a 206 with ${name}: an unchanged file resumes from the part's end, not from zero`, async (t) => {
      const served: Served = { body: A, validators: STARTED, partialValidators, ifRange: true };
      const { url, seen, folder, part } = await partOfA(t, served);
      seen.length = 0;
      const { file, notes, startedOver } = await resume(url, folder);
      assert.deepEqual(seen, [{ range: `bytes=${part}-`, ifRange: '"version-a"', status: 206 }]);
      assert.equal(sha(file), sha(A));
      assert.deepEqual(notes, []);
      assert.equal(startedOver, undefined);
    });
  }

  it("a 206 with neither, of a file whose size changed (a server ignoring If-Range): downloaded again from the start", async (t) => {
    const served: Served = { body: A, validators: STARTED, partialValidators: {}, ifRange: false };
    const { url, folder } = await partOfA(t, served);
    const bigger = version(3, A.length + 4096);
    served.body = bigger;
    const { file, notes } = await resume(url, folder);
    assert.equal(sha(file), sha(bigger));
    assert.match(notes.join(" "), /changed on the server/);
  });
});

describe("a server answering a resume with other bytes than asked for", () => {
  it("a 206 whose Content-Range starts elsewhere is not appended to the part: the file is downloaded again whole", async (t) => {
    const served: Served = { body: A, validators: {}, ifRange: true };
    const { url, seen, folder, part } = await partOfA(t, served);
    served.wrongRange = (start) => start - 1000;
    seen.length = 0;
    const { file, notes } = await resume(url, folder);
    assert.equal(seen[0]!.range, `bytes=${part}-`);
    assert.equal(sha(file), sha(A), "not the part with 1000 bytes twice");
    assert.match(notes.join(" "), /other bytes than asked for.*from the start/);
    assert.ok(!existsSync(join(folder, "m.gguf.part")));
  });
});

describe("resuming, in a later run, a part whose SHA-256 was announced when it was started", () => {
  // A server whose 200 carries the SHA-256 as its ETag and whose 206 leaves the ETag out (Last-Modified only).
  const started = () => ({ ETag: `"${sha(A)}"`, "Last-Modified": "Tue, 01 Apr 2025 10:00:00 GMT" });
  const partial = { "Last-Modified": "Tue, 01 Apr 2025 10:00:00 GMT" };

  it("is verified against that SHA-256 though the resume's answer announces none", async (t) => {
    const served: Served = { body: A, validators: started(), partialValidators: partial, ifRange: true };
    const { url, folder } = await partOfA(t, served);
    const result = await downloadFile({ url, folder, file: "m.gguf" });
    assert.equal(result.verified, "sha256");
    assert.equal(result.sha256, sha(A));
    assert.equal(sha(readFileSync(result.path)), sha(A));
  });

  it("a rest that does not match it is refused as corrupt, not kept as a model checked by size", async (t) => {
    const served: Served = { body: A, validators: started(), partialValidators: partial, ifRange: true };
    const { url, folder } = await partOfA(t, served);
    const changed = Buffer.from(A);
    changed[A.length - 10] = changed[A.length - 10]! ^ 0xff; // a proxy or mirror serving other bytes under the same validators
    served.body = changed;
    await assert.rejects(downloadFile({ url, folder, file: "m.gguf" }), (error: unknown) => {
      assert.match((error as Error).message, new RegExp(`is corrupt: its SHA-256 is ${sha(changed)}, but the server announced ${sha(A)} \\(announced when the download started\\)`));
      return true;
    });
    assert.deepEqual(readdirSync(folder), []);
  });
});
