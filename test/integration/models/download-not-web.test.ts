/**
 * A download address that is no web address — `HF_ENDPOINT=hf-mirror.com` (no scheme), a
 * `file:` or `ftp:` URL, a registry's tarball URL of that kind — is refused at once, saying
 * so, with nothing written: it was taken for a dropped connection and tried six times
 * (~11 s), then reported as "fetch failed … the 0.0 MiB downloaded so far are kept: run it
 * again to resume".
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { BackendError, type Clock } from "../../../src/models/index.ts";
import { DownloadError, downloadFile } from "../../../src/models/download.ts";
import { downloadPreset } from "../../../src/runtime/model-files.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** A clock that records the waits asked for and fires them at once. */
function recordingClock(): Clock & { waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    now: () => Date.now(),
    setTimeout: (run, ms) => (waits.push(ms), setImmediate(run)),
    clearTimeout: (handle) => clearImmediate(handle as NodeJS.Immediate),
  };
}

describe("a download address that is not a web address", () => {
  for (const url of ["hf-mirror.com/unsloth/m.gguf", "file:///etc/hostname", "ftp://127.0.0.1/m.gguf"]) {
    it(`${url}: refused at once, saying so, nothing written`, async () => {
      const folder = join(tempDir("hearth-dl-not-web-"), "models");
      const clock = recordingClock();
      await assert.rejects(downloadFile({ url, folder, file: "m.gguf", clock }), (error: unknown) => {
        assert.ok(error instanceof DownloadError && !error.offline, String(error));
        assert.equal(error.message, `Cannot download m.gguf from ${url}: it is not a web address (http:// or https://). Nothing was downloaded.`);
        return true;
      });
      assert.deepEqual(clock.waits, [], "not retried");
      assert.ok(!existsSync(folder), "the folder was not even made");
    });
  }
});

describe("a redirect to an address that is not a web address", () => {
  // A CDN's signed address carries its token in the query: the error named both hops in full.
  it("is refused naming both addresses without their query or fragment", async (t) => {
    const server = createServer((req, res) => {
      const location = req.url === "/m.gguf" ? "/signed/m.gguf?X-Amz-Signature=first-secret#frag-secret" : "ftp://cdn.example/m.gguf?token=second-secret";
      res.writeHead(302, { Location: location }).end();
    });
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    t.after(() => server.close());
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const folder = tempDir("hearth-dl-not-web-");
    // Retry waits are recorded and fired at once; the idle limit and the lock's refresh (a minute, 30 s) never come due.
    const waits: number[] = [];
    const clock: Clock = {
      now: () => Date.now(),
      setTimeout: (run, ms) => (ms >= 30_000 ? undefined : (waits.push(ms), setImmediate(run))),
      clearTimeout: (handle) => clearImmediate(handle as NodeJS.Immediate),
    };
    await assert.rejects(downloadFile({ url: `${origin}/m.gguf`, folder, file: "m.gguf", clock }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.equal(error.message, `${origin}/signed/m.gguf?… redirected to ftp://cdn.example/m.gguf?…, which is not a web address`);
      return true;
    });
    assert.deepEqual(waits, [], "not retried");
  });
});

describe("HF_ENDPOINT that is not a web address", () => {
  function withEndpoint(t: TestContext, value: string): void {
    const before = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = value;
    t.after(() => {
      if (before === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = before;
    });
  }

  it("a host without http(s):// is refused naming HF_ENDPOINT and what it should look like, nothing written", async (t) => {
    withEndpoint(t, "hf-mirror.com");
    const folder = tempDir("hearth-dl-not-web-");
    await assert.rejects(downloadPreset(folder, { preset: "qwen3.5-0.8b", quantization: "Q8_0" }, new AbortController().signal, () => undefined), (error: unknown) => {
      assert.ok(error instanceof BackendError, String(error));
      assert.equal(error.message, 'HF_ENDPOINT is "hf-mirror.com", which is not a web address: set it to the mirror\'s address with http:// or https:// (as https://hf-mirror.com), or unset it to download from Hugging Face. Nothing was downloaded.');
      return true;
    });
    assert.deepEqual(readdirSync(folder), []);
  });

  // fetch refuses such an address: it was tried six times, then the error showed it whole, password and all.
  it("a user name or password in it is refused at once, never shown, the mirror asked nothing", async (t) => {
    const asked: string[] = [];
    const server = createServer((req, res) => (asked.push(req.url ?? ""), res.writeHead(404).end()));
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    t.after(() => server.close());
    const port = (server.address() as { port: number }).port;
    const cases: Array<[string, string]> = [
      [`http://alice:s3cret@127.0.0.1:${port}/`, `http://127.0.0.1:${port}`],
      ["alice:s3cret@hf-mirror.com", "https://hf-mirror.com"],
      ["https://alice:s3cret@[::1:8080", "https://[::1:8080"],
    ];
    withEndpoint(t, "");
    for (const [value, shown] of cases) {
      process.env.HF_ENDPOINT = value;
      const folder = tempDir("hearth-dl-not-web-");
      await assert.rejects(downloadPreset(folder, { preset: "qwen3.5-0.8b", quantization: "Q8_0" }, new AbortController().signal, () => undefined), (error: unknown) => {
        assert.ok(error instanceof BackendError, String(error));
        assert.equal(error.message, `HF_ENDPOINT holds a user name or password (${shown}), which Hearth does not send to a mirror: set it to the mirror's address without them, or unset it to download from Hugging Face. Nothing was downloaded.`);
        return true;
      });
      assert.deepEqual(readdirSync(folder), []);
    }
    assert.deepEqual(asked, []);
  });
});
