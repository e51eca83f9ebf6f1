// `hearth models --download` from the built CLI into a pipe (a CI log, `| tee`): the file
// arrives whole from a real HTTP server on 127.0.0.1 (HF_ENDPOINT, Hugging Face's own mirror
// setting, points the preset's URL there), and progress is a line per tenth at most, never
// a stream of \r frames; a second download of the same file says it is there already.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_PRESET, findPreset, findQuantization } from "../../../src/models/presets.ts";
import { gguf, writeGguf } from "../../fixtures/models/gguf-writer.ts";
import { tempDir } from "../../fixtures/temp.ts";

const CLI = resolve(import.meta.dirname, "../../../out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

function hearth(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

describe("hearth models --download into a pipe", () => {
  it("downloads the file whole, prints progress as at most a line per tenth without \\r, and knows it has it", async () => {
    const quant = findQuantization(findPreset(DEFAULT_PRESET)!)!;
    // 24 MiB in 64 KiB writes 10 ms apart: about 4 s, so some 16 progress reports (one each 250 ms) on the way.
    const body = Buffer.alloc(24 * 1024 * 1024);
    for (let i = 4096; i < body.length; i += 4096) body.writeUInt32LE(i, i);
    body.write("GGUF", 0); // a model file's first bytes: anything else is a page sent in its place
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(req.url ?? "");
      res.writeHead(200, { "Content-Length": body.length });
      let at = 0;
      const next = (): void => {
        if (at >= body.length) return void res.end();
        const chunk = body.subarray(at, (at += 64 * 1024));
        if (res.write(chunk)) setTimeout(next, 10);
        else res.once("drain", next);
      };
      next();
    });
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    try {
      const home = tempDir("hearth-models-download-");
      const env = { HEARTH_HOME: home, HF_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
      const run = await hearth(["models", "--download", DEFAULT_PRESET], env);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(paths[0]?.endsWith(`/resolve/main/${quant.file}`), paths.join(" "));
      const file = join(home, "models", quant.file);
      assert.equal(createHash("sha256").update(readFileSync(file)).digest("hex"), createHash("sha256").update(body).digest("hex"));
      assert.doesNotMatch(run.stderr, /\r/, "no progress frames into a pipe");
      const progress = run.stderr.split("\n").filter((line) => /^\d+% /.test(line));
      const tenths = progress.map((line) => Math.floor(Number(line.split("%")[0]) / 10));
      assert.ok(tenths.length <= 11, run.stderr);
      assert.deepEqual(tenths, [...new Set(tenths)].sort((a, b) => a - b), `one line per tenth, in order:\n${run.stderr}`);
      assert.match(run.stdout, new RegExp(quant.file.replace(/\./g, "\\.")));
      assert.match(run.stdout, /verified by size only: the server announced no SHA-256/, "this server sends no hash");
      const again = await hearth(["models", "--download", DEFAULT_PRESET], env);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(paths.length, 1, "the file was not fetched again");
    } finally {
      server.close();
    }
  });
});

describe("hearth models --download --json", () => {
  it("prints one JSON document on stdout (the file, its size, how it was checked), progress on stderr, and an error as JSON too", async () => {
    const quant = findQuantization(findPreset(DEFAULT_PRESET)!)!;
    const body = Buffer.alloc(256 * 1024);
    body.write("GGUF", 0);
    let status = 200;
    const server = createServer((_req, res) => void (status === 200 ? res.writeHead(200, { "Content-Length": body.length }).end(body) : res.writeHead(status).end("Entry not found")));
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    try {
      const home = tempDir("hearth-models-download-json-");
      const env = { HEARTH_HOME: home, HF_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
      status = 404;
      const failed = await hearth(["models", "--download", DEFAULT_PRESET, "--json"], env);
      assert.equal(failed.code, 1, failed.stderr);
      assert.ok(typeof (JSON.parse(failed.stdout) as { error: { message: string } }).error.message === "string", failed.stdout);
      status = 200;
      const run = await hearth(["models", "--download", DEFAULT_PRESET, "--json"], env);
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout) as { path: string; sizeBytes: number; verified: string };
      assert.equal(result.path, join(home, "models", quant.file));
      assert.equal(result.sizeBytes, body.length);
      assert.equal(result.verified, "size");
      const again = await hearth(["models", "--download", DEFAULT_PRESET, "--json"], env);
      assert.equal(again.code, 0, again.stderr);
      assert.equal((JSON.parse(again.stdout) as { verified: string }).verified, "existing");
    } finally {
      server.close();
    }
  });
});

describe("hearth models --download from a Hugging Face-style server (X-Linked-Etag)", () => {
  it("verifies the SHA-256 the redirect announces, and refuses (and deletes) bytes that do not match it", async () => {
    const quant = findQuantization(findPreset(DEFAULT_PRESET)!)!;
    // A real GGUF (a download checks that its tensors all arrived), 1 MiB of tensor data.
    const body = writeGguf(new Map([["general.architecture", gguf.str("qwen35")]]), [
      { name: "w", dims: [1024, 256], type: "f32", data: new Float32Array(Uint32Array.from({ length: 262_144 }, (_, i) => (i * 4 * 2654435761) >>> 0).buffer) },
    ]);
    const good = createHash("sha256").update(body).digest("hex");
    let corrupt = true;
    const server = createServer((req, res) => {
      if (req.url?.includes("/resolve/main/")) {
        res.writeHead(302, { Location: "/cdn/file?sig=1", "X-Linked-Etag": `"${good}"`, "X-Linked-Size": String(body.length) }).end();
        return;
      }
      const served = Buffer.from(body);
      if (corrupt) served[1000] = served[1000]! ^ 1;
      res.writeHead(200, { "Content-Length": served.length }).end(served);
    });
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    try {
      const home = tempDir("hearth-models-download-");
      const env = { HEARTH_HOME: home, HF_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
      const bad = await hearth(["models", "--download", DEFAULT_PRESET], env);
      assert.notEqual(bad.code, 0, bad.stdout);
      assert.match(bad.stderr, new RegExp(`is corrupt: its SHA-256 is [0-9a-f]{64}, but the server announced ${good}`));
      assert.deepEqual(readdirSync(join(home, "models")), [], "nothing that looks downloaded, nothing to resume");
      corrupt = false;
      const run = await hearth(["models", "--download", DEFAULT_PRESET], env);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /SHA-256 verified against the server's/);
      assert.equal(createHash("sha256").update(readFileSync(join(home, "models", quant.file))).digest("hex"), good);
    } finally {
      server.close();
    }
  });
});

describe("hearth models --download from a mirror that answers with a page", () => {
  it("keeps nothing, says what came and where, and a later download from a right mirror is not told the model is there", async () => {
    const quant = findQuantization(findPreset(DEFAULT_PRESET)!)!;
    const page = Buffer.from("<!DOCTYPE html><html><body><h1>Mirror maintenance</h1><p>Back soon.</p></body></html>");
    const model = Buffer.alloc(256 * 1024);
    model.write("GGUF", 0);
    let body = page;
    const server = createServer((_req, res) => void res.writeHead(200, { "Content-Length": body.length }).end(body));
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    try {
      const home = tempDir("hearth-models-download-");
      const env = { HEARTH_HOME: home, HF_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
      const bad = await hearth(["models", "--download", DEFAULT_PRESET], env);
      assert.notEqual(bad.code, 0, bad.stdout);
      assert.match(bad.stderr, /sent \d+ bytes that are not a model: the answer begins "<!DOCTYPE html><html><body><h1>Mirror ma…"/);
      assert.match(bad.stderr, /HF_ENDPOINT/);
      assert.deepEqual(readdirSync(join(home, "models")), [], "no page saved under the model's name");
      body = model;
      const run = await hearth(["models", "--download", DEFAULT_PRESET], env);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(readFileSync(join(home, "models", quant.file)), model);
    } finally {
      server.close();
    }
  });
});
