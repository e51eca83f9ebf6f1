// `hearth chat --server URL` whose server names its model and fails the request with words
// holding terminal control sequences (OSC 52 writes the clipboard, OSC 0 the title, a screen
// clear): the built CLI says why it failed, and with --verbose echoes the runtime's log, with
// the server's words escaped. A real HTTP server on 127.0.0.1.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const CLI = resolve(import.meta.dirname, "../../../out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

/** Runs the CLI without blocking this process (the server answers from it). */
function hearth(args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  return new Promise((done) => child.on("close", (status) => done({ status, stdout, stderr })));
}

/** A server on 127.0.0.1 whose one model is `model` and whose chat answers 500 with `error`; closed after the test. */
async function hostileServer(t: TestContext, model: string, error: string): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.url === "/v1/models") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: [{ id: model, object: "model" }] }));
      if (req.url === "/v1/chat/completions") return void res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: error } }));
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

describe("hearth chat --server: what the server says", () => {
  it("its error message is shown escaped on stderr", { timeout: 120_000 }, async (t) => {
    const url = await hostileServer(t, "m", "boom \x1b]52;c;Y3VybCBldmlsLnNofHNo\x07\x1b[2J\u009b1A\rgone");
    const run = await hearth(["chat", "--server", url, "--no-rules", "hi"], tempDir("hearth-error-print-"));
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /hearth chat: the server answered 500 for \/v1\/chat\/completions: boom \\x1b\]52;c;Y3VybCBldmlsLnNofHNo\\x07\\x1b\[2J\\x9b1A gone/);
    assert.equal(RAW_CONTROL.exec(run.stderr), null, JSON.stringify(run.stderr));
  });

  it("with --verbose, the runtime's log lines that name its model are shown escaped", { timeout: 120_000 }, async (t) => {
    const url = await hostileServer(t, "m\x1b]0;pwned\x07\x1b]52;c;eA==\x07x", "down");
    const run = await hearth(["chat", "--verbose", "--server", url, "--no-rules", "hi"], tempDir("hearth-error-print-"));
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /^\[info\] model m\\x1b\]0;pwned\\x07\\x1b\]52;c;eA==\\x07x ready/m);
    assert.equal(RAW_CONTROL.exec(run.stderr), null, JSON.stringify(run.stderr));
  });
});
