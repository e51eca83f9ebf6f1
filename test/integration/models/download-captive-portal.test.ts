/**
 * A captive portal (a hotel's, a company's guest network): the model's address is redirected
 * to the portal's sign-in page, which answers 200 with HTML sent chunked — no Content-Length.
 * Real HTTP servers on 127.0.0.1 (the portal as `localhost`, another host). The page is never
 * saved as the model; the message says a page came, from the portal's host (not the model's
 * server, which only redirected), and never "the server did not say how large the file is".
 * A part downloaded before is kept as it was.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { DownloadError, downloadFile } from "../../../src/models/download.ts";
import { tempDir } from "../../fixtures/temp.ts";

const PAGE = "<!DOCTYPE html>\n<html><head><title>Guest Wi-Fi</title></head><body>Accept the terms to continue</body></html>\n";

/** The portal (answers every address with PAGE, chunked) and a model server that redirects there; closed after the test. */
async function portal(t: TestContext): Promise<{ url: string; portalHost: string; modelHost: string }> {
  const page = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.write(PAGE.slice(0, 40)); // written in two pieces: sent chunked, with no Content-Length
    res.end(PAGE.slice(40));
  });
  await new Promise<void>((ready) => page.listen(0, "127.0.0.1", ready));
  const portalHost = `localhost:${(page.address() as AddressInfo).port}`;
  const model = createServer((_req, res) => void res.writeHead(302, { Location: `http://${portalHost}/login?next=m.gguf` }).end());
  await new Promise<void>((ready) => model.listen(0, "127.0.0.1", ready));
  t.after(() => {
    page.close();
    model.close();
  });
  const modelHost = `127.0.0.1:${(model.address() as AddressInfo).port}`;
  return { url: `http://${modelHost}/m.gguf`, portalHost, modelHost };
}

describe("a captive portal's sign-in page, sent chunked, in the model's place", () => {
  it("is not saved: the message says a page came from the portal's host, and nothing is left in the folder", async (t) => {
    const { url, portalHost, modelHost } = await portal(t);
    const folder = tempDir("hearth-dl-portal-");
    await assert.rejects(downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.ok(error.message.startsWith(`${modelHost} redirected to ${portalHost}, which sent a web page (of no stated size), not a model: the answer begins "<!DOCTYPE html> <html><head><title>Guest`), error.message);
      assert.match(error.message, /Nothing was kept/);
      assert.doesNotMatch(error.message, /did not say how large/);
      return true;
    });
    assert.deepEqual(readdirSync(folder), []);
  });

  it("to a resume: the part downloaded before is kept as it was", async (t) => {
    const { url, portalHost } = await portal(t);
    const folder = tempDir("hearth-dl-portal-");
    const part = Buffer.concat([Buffer.from("GGUF"), Buffer.alloc(60_000, 7)]);
    writeFileSync(join(folder, "m.gguf.part"), part);
    await assert.rejects(downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" }), (error: unknown) => {
      assert.ok(error instanceof DownloadError, String(error));
      assert.ok(error.message.includes(`redirected to ${portalHost}, which sent a web page (of no stated size), not a model`), error.message);
      assert.match(error.message, /downloaded so far are kept/);
      return true;
    });
    assert.ok(readFileSync(join(folder, "m.gguf.part")).equals(part), "the part is as it was");
  });

  it("answering 511 Network Authentication Required (RFC 6585's status for it): said as a network to sign in to, the part kept", async (t) => {
    const server = createServer((_req, res) => void res.writeHead(511, { "Content-Type": "text/html" }).end(PAGE));
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    t.after(() => server.close());
    const folder = tempDir("hearth-dl-portal-");
    writeFileSync(join(folder, "m.gguf.part"), Buffer.from("GGUF0123"));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.gguf`;
    await assert.rejects(downloadFile({ url, folder, file: "m.gguf", magic: "GGUF" }), (error: unknown) => {
      assert.ok(error instanceof DownloadError, String(error));
      assert.match(error.message, /answered 511 Network Authentication Required/, error.message);
      assert.match(error.message, /\. This network wants you to sign in first \(a captive portal: a hotel's or guest network's\): open any web page in a browser, sign in there, then run the download again/);
      assert.match(error.message, /downloaded so far are kept/);
      return true;
    });
    assert.deepEqual(readdirSync(folder), ["m.gguf.part"]);
  });
});
