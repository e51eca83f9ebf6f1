/**
 * A registry (npm's `registry=`, often a company mirror) whose answer to the CUDA package's
 * version metadata is not npm's JSON — a proxy's sign-in page sent with status 200, or a body
 * that never ends — against a real HTTP server on 127.0.0.1: the install stops with a
 * DownloadError that says what came, reads at most a bounded amount, and installs nothing.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { DOWNLOAD_IDLE_MS, DownloadError } from "../../../src/models/download.ts";
import { installNativePackage } from "../../../src/models/native-packages.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";
import { tempDir } from "../../fixtures/temp.ts";

const NAME = "@node-llama-cpp/linux-x64-cuda";
const VERSION = "3.22.1";
/** How much the endless registry sends at most (a bound, so a failing run ends). */
const ENDLESS_CAP = 256 * 1024 * 1024;

async function registry(t: TestContext, answer: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((_req, res) => answer(res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function nothingInstalled(native: string): void {
  assert.ok(!existsSync(join(native, "@node-llama-cpp")) || readdirSync(join(native, "@node-llama-cpp")).length === 0, "nothing installed");
  assert.ok(!existsSync(join(native, ".downloads")) || readdirSync(join(native, ".downloads")).length === 0, "nothing downloaded");
}

describe("a registry whose address holds a user name and password (registry=https://user:pass@… in .npmrc)", () => {
  // fetch refuses such an address; its message named the whole address, password and all.
  it("is refused saying so, without showing the password; nothing asked, nothing installed", async (t) => {
    let asked = 0;
    const url = await registry(t, (res) => void (asked++, res.writeHead(404).end()));
    const withCredentials = url.replace("http://", "http://someone:s3cret-pass@");
    const native = tempDir("hearth-native-hostile-");
    await assert.rejects(installNativePackage({ name: NAME, version: VERSION, nativeFolder: native, registry: withCredentials }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.equal(
        error.message,
        `The registry in npm's settings, ${url}/, has a user name or password in its address, which Hearth's installer does not send; nothing was installed. ` +
          "Set npm's \"registry\" (npm config get registry) to one that needs none, or keep using Vulkan.",
      );
      return true;
    });
    assert.equal(asked, 0);
    nothingInstalled(native);
  });
});

describe("a registry whose metadata answer is not npm's JSON", () => {
  it("a sign-in page sent with 200: the error says the registry answered with something else and how it begins", async (t) => {
    const url = await registry(t, (res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>\n<head><title>Sign in to the proxy</title></head>\n<body><form action=\"/login\" method=\"post\"></form></body></html>");
    });
    const native = tempDir("hearth-native-hostile-");
    await assert.rejects(installNativePackage({ name: NAME, version: VERSION, nativeFolder: native, registry: url }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.equal(
        error.message,
        `The registry ${url} answered the request for ${NAME}@${VERSION} with something that is not npm's JSON (it begins "<html> <head><title>Sign in to the proxy</title></head> <body><form action="/log…"): ` +
          "a proxy or sign-in page may have answered in its place. Check npm's \"registry\" setting (npm config get registry) and try again; nothing was installed.",
      );
      return true;
    });
    nothingInstalled(native);
  });

  it("a body that never ends: refused once it passes what any version's metadata takes, without reading it all", async (t) => {
    let sent = 0;
    const url = await registry(t, (res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"name":"x","padding":"');
      const junk = Buffer.alloc(64 * 1024, 0x61);
      const more = (): void => {
        if (res.destroyed || sent >= ENDLESS_CAP) return void res.end('"}');
        sent += junk.length;
        if (res.write(junk)) setImmediate(more);
        else res.once("drain", more);
      };
      more();
    });
    const native = tempDir("hearth-native-hostile-");
    await assert.rejects(installNativePackage({ name: NAME, version: VERSION, nativeFolder: native, registry: url }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.match(error.message, /^The registry http:\/\/127\.0\.0\.1:\d+ sent more than 16 MB for @node-llama-cpp\/linux-x64-cuda@3\.22\.1's metadata \(npm's is a few kB\), so it was not read; nothing was installed\./);
      return true;
    });
    assert.ok(sent < ENDLESS_CAP, `the connection was closed early (${sent} bytes sent)`);
    nothingInstalled(native);
  });

  // Bounded in size (a026fb2) but not in time: a registry that stopped sending mid-answer held
  // the install (its notification spinning) until cancelled, where a download gives up after a minute.
  it("a body that stops coming: refused once it sent nothing for the downloads' idle limit", async (t) => {
    const url = await registry(t, (res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"name":"x","dist":{');
    });
    const clock = new FakeClock();
    const native = tempDir("hearth-native-hostile-");
    const install = installNativePackage({ name: NAME, version: VERSION, nativeFolder: native, registry: url, clock });
    // The answer has started once its idle timer waits beside the one for the response.
    for (let tries = 0; clock.pending() < 2; tries++) {
      if (tries === 1000) assert.fail("the registry's answer is not timed by the clock given");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    clock.advance(DOWNLOAD_IDLE_MS);
    await assert.rejects(install, (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.match(error.message, /^The registry http:\/\/127\.0\.0\.1:\d+ sent nothing more for 60 s while answering for @node-llama-cpp\/linux-x64-cuda@3\.22\.1; nothing was installed\./);
      return true;
    });
    nothingInstalled(native);
  });
});

