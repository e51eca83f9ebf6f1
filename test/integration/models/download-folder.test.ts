/**
 * A models folder that is not a folder — a file at its name (HEARTH_HOME set to a file), a
 * file at a folder above it — or a folder standing at the name of the download's part: the
 * download stops at once saying what is in the way, as for a read-only disk, nothing
 * retried and nothing written. They failed with a bare "EEXIST: file already exists, mkdir"
 * or after six tries as "EISDIR … kept: run it again to resume".
 */
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Clock } from "../../../src/models/index.ts";
import { DownloadError, downloadFile } from "../../../src/models/download.ts";
import { LOCK_REFRESH_MS } from "../../../src/models/part-lock.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** A clock that records the waits between tries and fires them at once; the lock's refresh (LOCK_REFRESH_MS) is never due here. */
function recordingClock(): Clock & { waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    now: () => Date.now(),
    setTimeout: (run, ms) => (ms >= LOCK_REFRESH_MS ? undefined : (waits.push(ms), setImmediate(run))),
    clearTimeout: (handle) => clearImmediate(handle as NodeJS.Immediate),
  };
}

// Nothing listens on port 9 (discard): a request that got that far would fail as offline.
const URL_ = "http://127.0.0.1:9/m.gguf";

async function refusal(folder: string): Promise<{ message: string; waits: number[] }> {
  const clock = recordingClock();
  let message = "";
  await assert.rejects(downloadFile({ url: URL_, folder, file: "m.gguf", clock }), (error: unknown) => {
    assert.ok(error instanceof DownloadError && !error.offline, String(error));
    message = error.message;
    return true;
  });
  return { message, waits: clock.waits };
}

describe("a models folder that is not a folder", () => {
  it("a file at the folder's name: says it is a file, not a folder; the file is left as it was", async () => {
    const folder = join(tempDir("hearth-dl-folder-"), "models");
    writeFileSync(folder, "notes");
    const { message, waits } = await refusal(folder);
    assert.match(message, /^Cannot save the download in .*models: it or a folder above it is a file, not a folder \(EEXIST\)\. Move that file away or download to another folder, then try again/);
    assert.deepEqual(waits, []);
    assert.equal(readFileSync(folder, "utf8"), "notes");
  });

  it("a file at a folder above it: the same", async () => {
    const above = join(tempDir("hearth-dl-folder-"), "home");
    writeFileSync(above, "notes");
    const { message, waits } = await refusal(join(above, "models"));
    assert.match(message, /: it or a folder above it is a file, not a folder \(ENOTDIR\)\. Move that file away or download to another folder, then try again/);
    assert.deepEqual(waits, []);
  });

  it("a folder at the part's name: says a folder is in the way, not retried", async () => {
    const folder = tempDir("hearth-dl-folder-");
    mkdirSync(join(folder, "m.gguf.part"));
    const { message, waits } = await refusal(folder);
    assert.match(message, /: a folder is in the way of the download's own files \(EISDIR\)\. Move m\.gguf\.part out of .*, then try again; nothing was downloaded yet\.$/);
    assert.deepEqual(waits, [], "not retried");
  });

  // A folder made there just now was read as a lock being written: "already being downloaded by another Hearth (process <this one>)".
  it("a folder at the name of the part's lock (.part.lock), new or old: names that folder, not another Hearth", async () => {
    for (const age of [0, 60]) {
      const folder = tempDir("hearth-dl-folder-");
      const lock = join(folder, "m.gguf.part.lock");
      mkdirSync(lock);
      const then = Date.now() / 1000 - age;
      utimesSync(lock, then, then);
      const { message, waits } = await refusal(folder);
      assert.match(message, /: a folder is in the way of the download's own files \(EISDIR\)\. Move m\.gguf\.part\.lock out of .*, then try again; nothing was downloaded yet\.$/, `a folder ${age} s old`);
      assert.doesNotMatch(message, /already being downloaded/);
      assert.deepEqual(waits, [], "not retried");
      assert.ok(statSync(lock).isDirectory(), "the folder is left as it was");
      assert.deepEqual(readdirSync(folder), ["m.gguf.part.lock"], "nothing written beside it");
    }
  });

  // With no magic to check (the CUDA package's tarball), a folder at the file's name was
  // taken for the file, already downloaded ('existing', its 4096 bytes), and read as one next.
  it("a folder at the file's own name, with no magic check: refused, not taken for the file", async () => {
    const folder = tempDir("hearth-dl-folder-");
    mkdirSync(join(folder, "m.gguf"));
    writeFileSync(join(folder, "m.gguf", "notes"), "kept");
    const { message, waits } = await refusal(folder);
    assert.match(message, /m\.gguf is there but is not a file Hearth can read \(EISDIR\): move it out of .*, then download again/);
    assert.deepEqual(waits, [], "not retried");
    assert.ok(statSync(join(folder, "m.gguf")).isDirectory());
    assert.equal(readFileSync(join(folder, "m.gguf", "notes"), "utf8"), "kept", "the folder is left as it was");
    assert.deepEqual(readdirSync(folder), ["m.gguf"], "nothing written beside it");
  });

  // The message named the part whatever was in the way: "Move m.gguf.part out", a file that is not there.
  it("a folder at the name of the part's record (.part.json): names that folder, not the part", async (t) => {
    const server = createServer((_req, res) => void res.writeHead(200, { "Content-Length": 4 }).end("data"));
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    t.after(() => server.close());
    const folder = tempDir("hearth-dl-folder-");
    mkdirSync(join(folder, "m.bin.part.json"));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/m.bin`;
    await assert.rejects(downloadFile({ url, folder, file: "m.bin", clock: recordingClock() }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.match(error.message, /: a folder is in the way of the download's own files \(EISDIR\)\. Move m\.bin\.part\.json out of .*, then try again/);
      return true;
    });
    assert.ok(statSync(join(folder, "m.bin.part.json")).isDirectory(), "the folder is left as it was");
  });

  // rename's EISDIR names the part (its source) as its path: "Move m.bin.part out", the whole download, not the folder.
  it("a folder made at the file's name while it downloads: names that folder, and keeps the finished part", async (t) => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const server = createServer((_req, res) => {
      res.writeHead(200, { "Content-Length": 8 });
      res.write("data", () => void held.then(() => res.end("more")));
    });
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    t.after(() => (release(), server.close(), server.closeAllConnections()));
    const folder = tempDir("hearth-dl-folder-");
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/m.bin`;
    let started!: () => void;
    const receiving = new Promise<void>((resolve) => (started = resolve));
    const download = downloadFile({ url, folder, file: "m.bin", clock: recordingClock(), progressIntervalMs: 0, onProgress: (p) => p.receivedBytes > 0 && started() });
    await receiving;
    mkdirSync(join(folder, "m.bin"));
    release();
    await assert.rejects(download, (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.match(error.message, /: a folder is in the way of the download's own files \(EISDIR\)\. Move m\.bin out of .*, then try again; the part already downloaded is kept\.$/);
      return true;
    });
    assert.equal(readFileSync(join(folder, "m.bin.part"), "utf8"), "datamore", "the finished part is kept");
    assert.ok(statSync(join(folder, "m.bin")).isDirectory(), "the folder is left as it was");
  });
});
