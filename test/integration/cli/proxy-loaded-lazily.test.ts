// undici (models/proxy.ts) is read only when a proxy is named: it is a chunk of the runtime's
// and the CLI's bundles that took a third of a second of every start. Here the built bundles
// are copied without that chunk: with no proxy, `hearth models --download` still downloads
// and the runtime still answers `initialize`; with HTTPS_PROXY set, the CLI says the proxy
// could not be set up (so the chunk is what a proxy needs) instead of going on silently.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { DEFAULT_PRESET, findPreset, findQuantization } from "../../../src/models/presets.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const OUT = join(ROOT, "out");
if (!existsSync(join(OUT, "cli.mjs"))) throw new Error(`${OUT}/cli.mjs is missing: run "npm run build" first`);

/** out/'s bundles and chunks in a new folder, undici's chunks left out; returns that folder's out/. */
function bundlesWithoutUndici(): string {
  const copy = tempDir("hearth-no-undici-");
  mkdirSync(join(copy, "out", "chunks"), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"));
  for (const file of ["cli.mjs", "runtime.mjs", "indexer-worker.mjs"]) copyFileSync(join(OUT, file), join(copy, "out", file));
  const chunks = readdirSync(join(OUT, "chunks")).filter((name) => name.endsWith(".mjs"));
  const undici = chunks.filter((name) => name.startsWith("undici-"));
  assert.ok(undici.length > 0, `no undici chunk in out/chunks (${chunks.join(", ")}): undici is in the bundles themselves, read at every start`);
  for (const name of chunks) if (!undici.includes(name)) copyFileSync(join(OUT, "chunks", name), join(copy, "out", "chunks", name));
  return join(copy, "out");
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_PROXY$|^HEARTH_NETWORK$/i.test(name)));
  return new Promise((done) => {
    const child = spawn(process.execPath, [file, ...args], { env: { ...clean, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      // The runtime serves until its client goes: end it once it answered.
      if (input !== undefined && stdout.includes('"id":1')) child.stdin.end();
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => done({ code, stdout, stderr }));
    if (input === undefined) child.stdin.end();
    else child.stdin.write(input);
  });
}

describe("undici is not read without a proxy", () => {
  const quant = findQuantization(findPreset(DEFAULT_PRESET)!)!;
  const body = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 4096; i < body.length; i += 4096) body.writeUInt32LE(i, i);
  body.write("GGUF", 0);
  const server = createServer((_req, res) => void res.writeHead(200, { "Content-Length": body.length }).end(body));
  let out = "";

  before(async () => {
    out = bundlesWithoutUndici();
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  });
  after(() => server.close());

  it("hearth models --download downloads without undici's chunk, and a named proxy says it needs it", async () => {
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const home = tempDir("hearth-no-undici-home-");
    const direct = await run(join(out, "cli.mjs"), ["models", "--download", DEFAULT_PRESET], { HEARTH_HOME: home, HF_ENDPOINT: endpoint });
    assert.equal(direct.code, 0, direct.stderr);
    assert.ok(readFileSync(join(home, "models", quant.file)).equals(body));

    const proxied = await run(join(out, "cli.mjs"), ["models", "--download", DEFAULT_PRESET], {
      HEARTH_HOME: tempDir("hearth-no-undici-home-"), HF_ENDPOINT: endpoint, HTTPS_PROXY: "http://worker:pw@127.0.0.1:9",
    });
    assert.match(proxied.stderr, /hearth: The proxy http:\/\/127\.0\.0\.1:9 could not be set up \(.*\)\. Requests connect directly\./);
    assert.doesNotMatch(proxied.stderr, /worker:pw/);
  });

  it("the runtime answers initialize without undici's chunk", async () => {
    const request = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { processId: null, rootUri: null, capabilities: {} } });
    const runtime = await run(join(out, "runtime.mjs"), [], { HEARTH_HOME: tempDir("hearth-no-undici-home-") }, `Content-Length: ${Buffer.byteLength(request)}\r\n\r\n${request}`);
    assert.match(runtime.stdout, /"id":1,"result":\{"capabilities"/, runtime.stderr);
  });
});
