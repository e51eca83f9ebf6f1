// `hearth models --download` behind a company proxy that inspects HTTPS: the built CLI reaches
// https://model.test (HF_ENDPOINT) only through a real CONNECT proxy on 127.0.0.1 — which
// asks for a password and resolves model.test and cdn.test itself, so a direct connection
// cannot work — from a real HTTPS server whose certificate a test CA (made here with openssl)
// signed. The model redirects to the CDN, as Hugging Face does, and the proxy cuts the first
// transfer short: the download resumes (Range) through it. Without the CA, with a wrong
// password or with no proxy listening, the CLI says which, never "fetch failed" or "offline",
// and never prints the proxy's password.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, connect, type Socket } from "node:net";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { DEFAULT_PRESET, findPreset, findQuantization } from "../../../src/models/presets.ts";
import { makeCertificates } from "../../fixtures/certificates.ts";
import { tempDir } from "../../fixtures/temp.ts";

const CLI = resolve(import.meta.dirname, "../../../out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

const PASSWORD = "s3cret-pass";

function hearth(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_PROXY$|^NODE_EXTRA_CA_CERTS$/i.test(name)));
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...clean, ...env }, ...(cwd ? { cwd } : {}), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

describe("hearth models --download through a company proxy and CA", () => {
  const certs = makeCertificates(["DNS:model.test", "DNS:cdn.test", "DNS:api.github.test"]);
  const quant = findQuantization(findPreset(DEFAULT_PRESET)!)!;
  const body = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 4096; i < body.length; i += 4096) body.writeUInt32LE(i, i);
  body.write("GGUF", 0);
  const requests: string[] = [];
  const tunnels: string[] = [];
  let cutFirst = true;

  const server = createHttpsServer({ key: certs.key, cert: certs.cert }, (req, res) => {
    requests.push(`${req.headers.host} ${req.url} ${req.headers.range ?? ""}`);
    if (req.url === "/repos/acme/calc/issues/7") return void res.end(JSON.stringify({ title: "add() subtracts", body: "add(2, 3) returns -1", comments: 0 }));
    if (req.url?.includes("/resolve/main/")) return void res.writeHead(302, { Location: "https://cdn.test/blob?sig=1" }).end();
    const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? "")?.[1] ?? 0);
    const headers = { "Content-Length": body.length - from, "Accept-Ranges": "bytes", ETag: '"blob-1"' };
    if (from > 0) res.writeHead(206, { ...headers, "Content-Range": `bytes ${from}-${body.length - 1}/${body.length}` });
    else res.writeHead(200, headers);
    res.end(body.subarray(from));
  });

  const proxy = createServer((_req, res) => void res.writeHead(405).end());
  proxy.on("connect", (req: IncomingMessage, client: Socket) => {
    tunnels.push(req.url ?? "");
    const auth = req.headers["proxy-authorization"];
    if (auth !== `Basic ${Buffer.from(`worker:${PASSWORD}`).toString("base64")}`) {
      return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\n\r\n');
    }
    // The proxy looks names up itself: model.test, cdn.test and api.github.test are this test's server.
    if (!/^(model|cdn|api\.github)\.test:443$/.test(req.url ?? "")) return void client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
    const upstream = connect((server.address() as AddressInfo).port, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      client.pipe(upstream);
      let sent = 0;
      const cut = req.url === "cdn.test:443" && cutFirst;
      if (cut) cutFirst = false;
      upstream.on("data", (chunk: Buffer) => {
        sent += chunk.length;
        client.write(chunk);
        // A proxy that closes a long transfer midway: the download resumes from what arrived.
        if (cut && sent > 1024 * 1024) {
          client.destroy();
          upstream.destroy();
        }
      });
      upstream.on("end", () => client.end());
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });

  before(async () => {
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    await new Promise<void>((ready) => proxy.listen(0, "127.0.0.1", ready));
  });
  after(() => {
    server.close();
    proxy.close();
    server.closeAllConnections();
    proxy.closeAllConnections();
  });

  const proxyUrl = (password: string): string => `http://worker:${password}@127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const home = (): string => tempDir("hearth-proxy-home-");

  it("downloads through the proxy with the CA given, follows the redirect and resumes after the proxy cut it", async () => {
    const at = home();
    const run = await hearth(["models", "--download", DEFAULT_PRESET], {
      HEARTH_HOME: at, HF_ENDPOINT: "https://model.test", HTTPS_PROXY: proxyUrl(PASSWORD), NODE_EXTRA_CA_CERTS: certs.ca,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(createHash("sha256").update(readFileSync(join(at, "models", quant.file))).digest("hex"), createHash("sha256").update(body).digest("hex"));
    assert.ok(tunnels.includes("model.test:443") && tunnels.includes("cdn.test:443"), tunnels.join(" "));
    assert.ok(requests.some((line) => /^cdn\.test \/blob\?sig=1 bytes=\d+-$/.test(line)), `resumed with Range:\n${requests.join("\n")}`);
    assert.doesNotMatch(run.stdout + run.stderr, new RegExp(PASSWORD));
  });

  it("names the certificate problem and NODE_EXTRA_CA_CERTS when the company CA is not given", async () => {
    const run = await hearth(["models", "--download", DEFAULT_PRESET], { HEARTH_HOME: home(), HF_ENDPOINT: "https://model.test", HTTPS_PROXY: proxyUrl(PASSWORD) });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /the certificate of model\.test is from an authority this machine does not trust \(UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    assert.match(run.stderr, /NODE_EXTRA_CA_CERTS/);
    assert.match(run.stderr, /through|the proxy http:\/\/127\.0\.0\.1:\d+/);
    assert.doesNotMatch(run.stderr, /fetch failed|offline/);
    assert.doesNotMatch(run.stdout + run.stderr, new RegExp(PASSWORD));
  });

  it("says the proxy asks for a sign-in (407) when its password is wrong, without printing it", async () => {
    const run = await hearth(["models", "--download", DEFAULT_PRESET], {
      HEARTH_HOME: home(), HF_ENDPOINT: "https://model.test", https_proxy: proxyUrl("wrong-pass"), NODE_EXTRA_CA_CERTS: certs.ca,
    });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /the proxy http:\/\/127\.0\.0\.1:\d+ asks for a sign-in \(407 Proxy Authentication Required\)/);
    assert.doesNotMatch(run.stdout + run.stderr, /wrong-pass|fetch failed|offline/);
  });

  it("says a host the proxy refuses to CONNECT to is refused by the proxy", async () => {
    const run = await hearth(["models", "--download", DEFAULT_PRESET], {
      HEARTH_HOME: home(), HF_ENDPOINT: "https://blocked.test", HTTPS_PROXY: proxyUrl(PASSWORD), NODE_EXTRA_CA_CERTS: certs.ca,
    });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /the proxy http:\/\/127\.0\.0\.1:\d+ refused to connect to blocked\.test \(it answered 403 to CONNECT\)/);
  });

  it("says the proxy cannot be reached, not that the machine is offline, when no proxy listens", async () => {
    const closed = createServer();
    await new Promise<void>((ready) => closed.listen(0, "127.0.0.1", ready));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    const run = await hearth(["models", "--download", DEFAULT_PRESET], {
      HEARTH_HOME: home(), HF_ENDPOINT: "https://model.test", HTTPS_PROXY: `http://worker:${PASSWORD}@127.0.0.1:${port}`,
    });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, new RegExp(`cannot reach the proxy http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    assert.doesNotMatch(run.stdout + run.stderr, new RegExp(PASSWORD));
  });

  it("connects to 127.0.0.1 directly even with a proxy named", async () => {
    const local = createServer((_req, res) => void res.writeHead(200, { "Content-Length": body.length }).end(body));
    await new Promise<void>((ready) => local.listen(0, "127.0.0.1", ready));
    try {
      const before = tunnels.length;
      const run = await hearth(["models", "--download", DEFAULT_PRESET], {
        HEARTH_HOME: home(), HF_ENDPOINT: `http://127.0.0.1:${(local.address() as AddressInfo).port}`, HTTP_PROXY: proxyUrl(PASSWORD), HTTPS_PROXY: proxyUrl(PASSWORD),
      });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(tunnels.length, before, "nothing went through the proxy");
    } finally {
      local.close();
    }
  });

  it("fetches a GitHub issue for hearth fix through the proxy (the CLI's own requests)", async () => {
    const repo = tempDir("hearth-proxy-repo-");
    writeFileSync(join(repo, "calc.py"), "def add(a, b):\n    return a - b\n");
    execFileSync("git", ["init", "-q"], { cwd: repo });
    execFileSync("git", ["remote", "add", "origin", "git@github.com:acme/calc.git"], { cwd: repo });
    const work = tempDir("hearth-proxy-fix-");
    const model = join(work, "model.json");
    writeFileSync(model, JSON.stringify({ name: "scripted-fixer", turns: [{ toolCalls: [{ name: "finish", arguments: { summary: "read it" } }] }] }));
    const args = ["fix", "--repo", repo, "https://github.com/acme/calc/issues/7", "--model", model, "--yes", "--no-index", "--state-dir", join(work, "state"), "--out", join(work, "fix.diff")];
    const env = { HEARTH_HOME: join(work, "home"), GITHUB_API_URL: "https://api.github.test", HTTPS_PROXY: proxyUrl(PASSWORD), NODE_EXTRA_CA_CERTS: certs.ca };
    const run = await hearth(args, env, work);
    assert.equal(run.code, 1, run.stderr); // finished without a change: not fixed
    assert.ok(tunnels.includes("api.github.test:443"), tunnels.join(" "));
    const start = JSON.parse(readFileSync(join(work, "fix.diff.trajectory.jsonl"), "utf8").split("\n")[0]!);
    assert.equal(start.issue, "add() subtracts (acme/calc#7)\n\nadd(2, 3) returns -1");
    assert.doesNotMatch(run.stderr, new RegExp(PASSWORD));
    const refused = await hearth(args, { ...env, HTTPS_PROXY: proxyUrl("wrong-pass") }, work);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /GitHub's API at https:\/\/api\.github\.test cannot be reached: the proxy http:\/\/127\.0\.0\.1:\d+ asks for a sign-in \(407/);
    assert.doesNotMatch(refused.stderr, /wrong-pass|offline/);
  });
});
