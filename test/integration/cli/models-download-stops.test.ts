// `hearth models --download` stopped half-way, from the built CLI: by a file-size limit (a
// FAT32 disk's 4 GiB, `ulimit -f`: EFBIG), which is not a full disk, and by Ctrl-C. Each says
// what to do next, keeps the part, and the same command again resumes it (a Range request
// from the part's end) and completes the file. A real HTTP server on 127.0.0.1 (HF_ENDPOINT).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { findPreset, findQuantization } from "../../../src/models/presets.ts";
import { tempDir } from "../../fixtures/temp.ts";

const CLI = resolve(import.meta.dirname, "../../../out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

const PRESET = "qwen3.5-0.8b";
const FILE = findQuantization(findPreset(PRESET)!)!.file;
const body = Buffer.alloc(4 * 1024 * 1024);
body.write("GGUF", 0);
for (let i = 4096; i < body.length; i += 4096) body.writeUInt32LE(i, i);

/** Serves `body` with Range support; with `holdAfter`, a first request sends that many bytes, then a trickle that never completes the file, until `release()`. */
async function modelServer(holdAfter?: number): Promise<{ server: Server; endpoint: string; ranges: string[]; release(): void }> {
  const ranges: string[] = [];
  let release = (): void => undefined;
  const server = createServer((req, res) => {
    ranges.push(req.headers.range ?? "");
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? "")?.[1] ?? 0);
    res.writeHead(start ? 206 : 200, { "Content-Length": body.length - start, ...(start ? { "Content-Range": `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
    if (holdAfter === undefined || ranges.length > 1) return void res.end(body.subarray(start));
    res.write(body.subarray(0, holdAfter));
    // Then a trickle that never ends the file: progress goes on being reported (it is reported with the bytes that come).
    let at = holdAfter;
    const trickle = setInterval(() => at < body.length - 1024 && res.write(body.subarray(at, (at += 1024))), 20);
    release = () => (clearInterval(trickle), res.destroy());
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, ranges, release: () => release() };
}

/** The CLI through bash, so `ulimit` can limit it; `onStderr` sees its stderr as it comes; `more`: further arguments after `--download PRESET`. */
function hearth(shell: string, env: NodeJS.ProcessEnv, onStderr?: (text: string, kill: (signal: NodeJS.Signals) => void) => void, more: string[] = []) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn("bash", ["-c", `${shell}; exec "$0" "$1" models --download ${PRESET} "\${@:2}"`, process.execPath, CLI, ...more], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, (signal) => child.kill(signal));
    });
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

describe("hearth models --download, stopped and resumed", () => {
  it("over a file-size limit says so, not that the disk is full, keeps the part, and resumes it", async () => {
    const { server, endpoint, ranges } = await modelServer();
    try {
      const home = tempDir("hearth-download-efbig-");
      const env = { HEARTH_HOME: home, HF_ENDPOINT: endpoint };
      const limited = await hearth("ulimit -f 1024", env); // bash counts in KiB: 1 MiB
      assert.equal(limited.code, 1, limited.stderr);
      assert.match(limited.stderr, /larger than this disk's file system or this process's file-size limit allows \(EFBIG/);
      assert.match(limited.stderr, /Download to a folder on another disk, then try again; the part already downloaded is kept/);
      assert.doesNotMatch(limited.stderr, /disk is full/);
      // How to download to another disk, for hearth: its folder is HEARTH_HOME's.
      assert.match(limited.stderr, /; the part already downloaded is kept\. hearth downloads into \$HEARTH_HOME\/models: run HEARTH_HOME=\/a\/folder\/on\/another\/disk hearth models --download qwen3\.5-0\.8b$/m);
      const part = join(home, "models", `${FILE}.part`);
      assert.equal(statSync(part).size, 1024 * 1024);
      const again = await hearth("true", env);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(ranges, ["", `bytes=${1024 * 1024}-`]);
      assert.ok(readFileSync(join(home, "models", FILE)).equals(body));
    } finally {
      server.close();
    }
  });

  it("cancelled with Ctrl-C, says the part is kept and how to resume it, and the same command resumes it", async () => {
    const { server, endpoint, ranges, release } = await modelServer(1024 * 1024);
    try {
      const home = tempDir("hearth-download-cancel-");
      const env = { HEARTH_HOME: home, HF_ENDPOINT: endpoint };
      let sent = false;
      // A word the command ignores (models takes no positional argument) is not repeated in the command to paste.
      const cancelled = await hearth("true", env, (text, kill) => {
        // Once a quarter has come (its progress line, a line per tenth into a pipe), Ctrl-C.
        if (sent || !/^[1-9]\d*% /m.test(text)) return;
        sent = true;
        kill("SIGINT");
      }, ["--quant", "q8_0", "notes; rm -rf x"]);
      release();
      assert.equal(cancelled.code, 130, cancelled.stderr);
      assert.match(cancelled.stderr, /^hearth models: cancelled; the part downloaded so far is kept in .*\.part: run hearth models --download qwen3\.5-0\.8b --quant Q8_0 again to resume it$/m);
      // Said once: main's own "cancelled" line after it read as a second, bare cancel.
      assert.deepEqual(cancelled.stderr.split("\n").filter((line) => line.includes("cancelled")).length, 1, cancelled.stderr);
      const again = await hearth("true", env);
      assert.equal(again.code, 0, again.stderr);
      assert.match(ranges[1] ?? "", /^bytes=\d+-$/);
      assert.ok(readFileSync(join(home, "models", FILE)).equals(body));
    } finally {
      server.close();
    }
  });

  it("cancelled with --json, its stdout is one JSON document naming the part kept", async () => {
    const { server, endpoint, release } = await modelServer(1024 * 1024);
    try {
      const home = tempDir("hearth-download-cancel-json-");
      let sent = false;
      const cancelled = await hearth("true", { HEARTH_HOME: home, HF_ENDPOINT: endpoint }, (text, kill) => {
        if (sent || !/^[1-9]\d*% /m.test(text)) return;
        sent = true;
        kill("SIGINT");
      }, ["--json"]);
      release();
      assert.equal(cancelled.code, 130, cancelled.stderr);
      const { error } = JSON.parse(cancelled.stdout) as { error: { message: string } };
      assert.match(error.message, /^hearth models: cancelled; the part downloaded so far is kept in .*\.part: run hearth models --download qwen3\.5-0\.8b again to resume it$/);
    } finally {
      server.close();
    }
  });
});
