/**
 * A model that arrives shorter than it is, against real HTTP servers on 127.0.0.1: a server
 * or proxy whose Content-Length is smaller than the file (fetch stops reading there), so the
 * download's size matches what was announced though the model is cut off. The GGUF's own
 * header says where its tensor data ends: a model shorter than that is never reported as
 * downloaded, whether it just arrived or was already at the model's name.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { DownloadError, downloadFile } from "../../../src/models/download.ts";
import { gguf, writeGguf } from "../../fixtures/models/gguf-writer.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** A small real GGUF: one f32 tensor of 256 KiB after its header. */
const MODEL = writeGguf(new Map([["general.architecture", gguf.str("qwen35")]]), [
  { name: "w", dims: [1024, 64], type: "f32", data: Float32Array.from({ length: 65536 }, (_, i) => i) },
]);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A server sending the whole model after a Content-Length `short` bytes too small (a misconfigured proxy, a mirror's stale index). */
async function serve(t: TestContext, short: number): Promise<{ url: string; requests: number[] }> {
  const requests: number[] = [];
  const server = createServer((_req, res) => {
    requests.push(requests.length);
    res.writeHead(200, { "Content-Length": MODEL.length - short });
    res.end(MODEL);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.gguf`, requests };
}

describe("a model that arrives cut short though its size matches what the server announced", () => {
  it("is not reported as downloaded: the message says how much of the model came, and no model is left at its name", async (t) => {
    const { url } = await serve(t, 5000);
    const folder = tempDir("hearth-dl-truncated-");
    await assert.rejects(downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.match(error.message, new RegExp(`m\\.gguf arrived incomplete: its own header says it is at least ${MODEL.length} bytes, but the server announced and sent ${MODEL.length - 5000}`));
      assert.match(error.message, /proxy|mirror/);
      return true;
    });
    assert.deepEqual(readdirSync(folder), [], "neither a model nor a part that would resume into a wrong file");
  });

  it("a model cut short on the server itself (its SHA-256 is the one announced): says so — downloading again brings the same — not that a proxy cut it", async (t) => {
    const cut = MODEL.subarray(0, MODEL.length - 5000);
    const server = createServer((_req, res) => res.writeHead(200, { "Content-Length": cut.length, ETag: `"${sha(cut)}"` }).end(cut));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())));
    const folder = tempDir("hearth-dl-truncated-");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.gguf`;
    await assert.rejects(downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.match(error.message, new RegExp(`^The m\\.gguf on 127\\.0\\.0\\.1:\\d+ is itself incomplete: its own header says it is at least ${MODEL.length} bytes, but it has ${cut.length}`));
      assert.match(error.message, /its SHA-256 is the one the server announced \(ETag\), so downloading it again brings the same/);
      assert.doesNotMatch(error.message, /proxy|another network/);
      return true;
    });
    assert.deepEqual(readdirSync(folder), [], "nothing kept: it is no model");
  });

  it("a truncated model already at the name is not 'existing': it is moved aside and the model downloaded, saying so", async (t) => {
    const { url } = await serve(t, 0);
    const folder = tempDir("hearth-dl-truncated-");
    writeFileSync(join(folder, "m.gguf"), MODEL.subarray(0, MODEL.length - 5000));
    const result = await downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" });
    assert.equal(result.verified, "size");
    assert.equal(sha(readFileSync(result.path)), sha(MODEL));
    assert.match(result.startedOver ?? "", /the m\.gguf already in .* was incomplete \(\d+ of at least \d+ bytes\); it was moved to .*m\.gguf\.incomplete and the model downloaded again/);
    assert.deepEqual(readdirSync(folder).sort(), ["m.gguf", "m.gguf.incomplete"]);
  });

  it("a whole model already at the name is still 'existing', nothing downloaded", async (t) => {
    const { url, requests } = await serve(t, 0);
    const folder = tempDir("hearth-dl-truncated-");
    writeFileSync(join(folder, "m.gguf"), MODEL);
    const result = await downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" });
    assert.equal(result.verified, "existing");
    assert.deepEqual(requests, []);
  });
});

// llama.cpp's ggml-vocab-*.gguf: a tokenizer and no tensors, whose file ends with its metadata
// (no padding to the data section it does not have). It is whole, and it is no model.
const VOCAB_ONLY_PADDED = writeGguf(new Map([["general.architecture", gguf.str("qwen35")], ["tokenizer.ggml.model", gguf.str("gpt2")]]), []);
const VOCAB_ONLY = VOCAB_ONLY_PADDED.subarray(0, VOCAB_ONLY_PADDED.findLastIndex((byte) => byte !== 0) + 1);

/** A server sending `file` whole, with its own size. */
async function serveFile(t: TestContext, file: Buffer): Promise<string> {
  const server = createServer((_req, res) => res.writeHead(200, { "Content-Length": file.length }).end(file));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.gguf`;
}

describe("a GGUF with no tensors (a vocabulary-only file) where the model should be", () => {
  it("that arrives is refused as holding no weights, not as cut short by a proxy, and nothing is kept", async (t) => {
    assert.ok(VOCAB_ONLY.length < VOCAB_ONLY_PADDED.length, "the fixture ends before the padding, as ggml-vocab-qwen35.gguf does");
    for (const file of [VOCAB_ONLY, VOCAB_ONLY_PADDED]) {
      const url = await serveFile(t, file);
      const folder = tempDir("hearth-dl-vocab-");
      await assert.rejects(downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" }), (error: unknown) => {
        assert.ok(error instanceof DownloadError && !error.offline, String(error));
        assert.match(error.message, /^The m\.gguf from 127\.0\.0\.1:\d+ holds no weights \(0 tensors\): it is a vocabulary-only GGUF, not a model\. Nothing was kept/);
        assert.doesNotMatch(error.message, /incomplete|cut it short/);
        return true;
      });
      assert.deepEqual(readdirSync(folder), [], String(file.length));
    }
  });

  it("already at the model's name is moved aside as not a model (not 'incomplete', nor kept as 'existing') and the model downloaded", async (t) => {
    for (const file of [VOCAB_ONLY, VOCAB_ONLY_PADDED]) {
      const { url } = await serve(t, 0);
      const folder = tempDir("hearth-dl-vocab-");
      writeFileSync(join(folder, "m.gguf"), file);
      const result = await downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" });
      assert.equal(sha(readFileSync(result.path)), sha(MODEL), String(file.length));
      assert.match(result.startedOver ?? "", /the m\.gguf already in .* was not a model \(a GGUF with no weights, 0 tensors: a vocabulary-only file\); it was moved to .*m\.gguf\.not-a-model and the model downloaded again/);
      assert.deepEqual(readdirSync(folder).sort(), ["m.gguf", "m.gguf.not-a-model"]);
    }
  });
});
