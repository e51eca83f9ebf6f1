// A company network's certificates, as a new user meets them: the built CLI downloads a model
// (HF_ENDPOINT) and talks to a `--server` (through the runtime it spawns) over HTTPS on
// 127.0.0.1, with certificates from a test CA made with openssl (test/fixtures/certificates.ts).
// An authority this machine does not trust is said as such — often a company's TLS
// inspection — with what to do (NODE_EXTRA_CA_CERTS); NODE_EXTRA_CA_CERTS reaches the runtime
// the CLI starts; an expired certificate and one for another host name are said as what they
// are, not as a missing company CA (NODE_EXTRA_CA_CERTS cannot help with them).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { DEFAULT_PRESET } from "../../../src/models/presets.ts";
import { makeCertificates } from "../../fixtures/certificates.ts";
import { tempDir } from "../../fixtures/temp.ts";

const CLI = resolve(import.meta.dirname, "../../../out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

const certs = makeCertificates(["IP:127.0.0.1"]);
const DEBIAN_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

function hearth(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_PROXY$|^NODE_EXTRA_CA_CERTS$|^HF_ENDPOINT$/i.test(name)));
  const child = spawn(process.execPath, [CLI, ...args], { cwd: tempDir("hearth-certs-cwd-"), env: { ...clean, HEARTH_HOME: tempDir("hearth-certs-home-"), ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  return new Promise((done) => child.on("close", (code) => done({ code, stdout, stderr })));
}

/** An HTTPS server on 127.0.0.1 with `cert`: one model, whose chat answers 500 "reached it"; a download's file is a GGUF. */
async function server(t: TestContext, cert: Buffer): Promise<string> {
  const https = createServer({ key: certs.key, cert }, (req, res) => {
    req.resume();
    if (req.url === "/v1/models") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: [{ id: "m", object: "model" }] }));
    if (req.url === "/v1/chat/completions") return void res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "reached it" } }));
    res.writeHead(404).end();
  });
  await new Promise<void>((listening) => https.listen(0, "127.0.0.1", listening));
  t.after(() => {
    https.close();
    https.closeAllConnections();
  });
  return `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
}

const download = (origin: string, env: NodeJS.ProcessEnv = {}) => hearth(["models", "--download", DEFAULT_PRESET], { HF_ENDPOINT: origin, ...env });
const chat = (origin: string, env: NodeJS.ProcessEnv = {}) => hearth(["chat", "--server", `${origin}/v1`, "--no-rules", "hi"], env);

describe("HTTPS with a company's certificate authority", () => {
  it("an authority this machine does not trust: said as such, with NODE_EXTRA_CA_CERTS for hearth and for VS Code", { timeout: 120_000 }, async (t) => {
    const origin = await server(t, certs.cert);
    for (const run of [await download(origin), await chat(origin)]) {
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /the certificate of 127\.0\.0\.1:\d+ is from an authority this machine does not trust \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate\)/);
      assert.match(run.stderr, /often a company's TLS inspection/);
      assert.match(run.stderr, /NODE_EXTRA_CA_CERTS=\/path\/to\/company-ca\.pem/);
      assert.match(run.stderr, /VS Code/);
      assert.doesNotMatch(run.stderr, /what it downloads|fetch failed|offline/);
      // A company CA IT installed in the system's store is in its bundle, which hearth's Node does not read by itself.
      if (existsSync(DEBIAN_BUNDLE)) assert.ok(run.stderr.includes(`name this system's own list: NODE_EXTRA_CA_CERTS=${DEBIAN_BUNDLE}`), run.stderr);
    }
  });

  it("NODE_EXTRA_CA_CERTS naming the authority: the download and the runtime hearth chat starts both trust it", { timeout: 120_000 }, async (t) => {
    const origin = await server(t, certs.cert);
    const chatRun = await chat(origin, { NODE_EXTRA_CA_CERTS: certs.ca });
    assert.equal(chatRun.code, 1, chatRun.stderr);
    assert.match(chatRun.stderr, /the server answered 500 for \/v1\/chat\/completions: reached it/);
    const downloadRun = await download(origin, { NODE_EXTRA_CA_CERTS: certs.ca });
    assert.doesNotMatch(downloadRun.stderr, /certificate/); // reached it: the server has no model file (404)
  });

  it("NODE_EXTRA_CA_CERTS naming another authority's file: says the file named does not hold this authority", { timeout: 120_000 }, async (t) => {
    const origin = await server(t, certs.cert);
    const other = makeCertificates(["IP:127.0.0.1"]);
    const run = await download(origin, { NODE_EXTRA_CA_CERTS: other.ca });
    assert.notEqual(run.code, 0);
    assert.ok(run.stderr.includes(`NODE_EXTRA_CA_CERTS names ${other.ca}, but that file does not hold the authority`), run.stderr);
  });

  it("an expired certificate: said as expired, or this machine's date wrong, not as a company CA to add", { timeout: 120_000 }, async (t) => {
    const origin = await server(t, certs.expired);
    for (const run of [await download(origin, { NODE_EXTRA_CA_CERTS: certs.ca }), await chat(origin, { NODE_EXTRA_CA_CERTS: certs.ca })]) {
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /the certificate of 127\.0\.0\.1:\d+ has expired \(CERT_HAS_EXPIRED: certificate has expired\), or this machine's date is wrong/);
      assert.doesNotMatch(run.stderr, /NODE_EXTRA_CA_CERTS=|company-ca|what it downloads/);
    }
  });

  it("a certificate made out for another host name: said as such, not as a company CA to add", { timeout: 120_000 }, async (t) => {
    const origin = await server(t, certs.otherName);
    for (const run of [await download(origin, { NODE_EXTRA_CA_CERTS: certs.ca }), await chat(origin, { NODE_EXTRA_CA_CERTS: certs.ca })]) {
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /the certificate 127\.0\.0\.1:\d+ answered with is made out for other names \(ERR_TLS_CERT_ALTNAME_INVALID/);
      assert.doesNotMatch(run.stderr, /NODE_EXTRA_CA_CERTS=|company-ca|what it downloads/);
    }
  });
});
