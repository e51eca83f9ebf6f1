// `hearth models --download` prints its progress, and the notes that come with it, on stderr:
// a note names the models folder (a file there that was not a model, moved aside), and the
// folder's name may hold what a terminal acts on (ESC ]0; sets the title, ESC ]52; writes the
// clipboard). The built CLI shows them escaped, as every other printer does, in the progress
// and in the path it prints at the end. A real HTTP server on 127.0.0.1 (HF_ENDPOINT).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { findPreset, findQuantization } from "../../../src/models/presets.ts";
import { tempDir } from "../../fixtures/temp.ts";

const CLI = resolve(import.meta.dirname, "../../../out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

const PRESET = "qwen3.5-0.8b";
const FILE = findQuantization(findPreset(PRESET)!)!.file;
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

function hearth(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

describe("hearth models --download: a folder name with terminal controls", () => {
  it("is shown escaped in the progress's note and the path printed at the end", async () => {
    const body = Buffer.alloc(256 * 1024);
    body.write("GGUF", 0);
    const server = createServer((_req, res) => void res.writeHead(200, { "Content-Length": body.length }).end(body));
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    try {
      const home = join(tempDir("hearth-progress-escaped-"), "x\x1b]0;pwned\x07\x1b]52;c;eA==\x07y");
      mkdirSync(join(home, "models"), { recursive: true });
      // Not a model: moved aside, and the progress's note says where, naming the folder.
      writeFileSync(join(home, "models", FILE), "<html>not found</html>");
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const run = await hearth(["models", "--download", PRESET], { HEARTH_HOME: home, HF_ENDPOINT: endpoint });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /% .*was not a model .*x\\x1b\]0;pwned\\x07\\x1b\]52;c;eA==\\x07y/);
      assert.match(run.stdout, /x\\x1b\]0;pwned\\x07\\x1b\]52;c;eA==\\x07y/);
      assert.equal(RAW_CONTROL.exec(run.stderr), null, JSON.stringify(run.stderr));
      assert.equal(RAW_CONTROL.exec(run.stdout), null, JSON.stringify(run.stdout));
    } finally {
      server.close();
    }
  });
});

describe("hearth models --json: a folder name with terminal controls", () => {
  it("is written as JSON escapes the terminal shows, and parses to the same name", async () => {
    // C1's CSI and a bidi override: JSON.stringify escapes C0 only.
    const home = join(tempDir("hearth-json-escaped-"), "x\u009b2J\u202ey");
    mkdirSync(home, { recursive: true });
    const run = await hearth(["models", "--json"], { HEARTH_HOME: home });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(RAW_CONTROL.exec(run.stdout), null, JSON.stringify(run.stdout));
    assert.match(run.stdout, /x\\u009b2J\\u202ey/);
    assert.equal((JSON.parse(run.stdout) as { modelsFolder: string }).modelsFolder, join(home, "models"));
  });
});

describe("hearth models --help: a folder name with terminal controls", () => {
  it("names the storage folder escaped", async () => {
    const home = join(tempDir("hearth-help-escaped-"), "x\x1b]0;pwned\x07y");
    const run = await hearth(["models", "--help"], { HEARTH_HOME: home });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout + run.stderr, /Models are stored in .*x\\x1b\]0;pwned\\x07y/);
    assert.equal(RAW_CONTROL.exec(run.stdout), null, JSON.stringify(run.stdout));
    assert.equal(RAW_CONTROL.exec(run.stderr), null, JSON.stringify(run.stderr));
  });
});
