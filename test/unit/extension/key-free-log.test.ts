// The language client writes what it sends the runtime to the Hearth log: with the log at
// Trace and hearth.trace.server "verbose" (from any settings layer: a repository's
// .vscode/settings.json may set it) the initialize request went there in full, its
// initializationOptions.serverApiKey too. The log the client writes to never holds the key.
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { StreamMessageReader, StreamMessageWriter, Trace, TraceFormat, createMessageConnection } from "vscode-jsonrpc/node";
import type { LogOutputChannel } from "vscode";
import { withoutSecret } from "../../../src/extension/key-free-log.ts";
import { runtimeOutput } from "../../../src/protocol/stdout-frames.ts";

/** What a log channel was given, line by line (the editor's own channel is not here to write to). */
function recordingChannel(lines: string[]): LogOutputChannel {
  const write = (message: string | Error) => void lines.push(String(message));
  return { name: "Hearth", logLevel: 1, trace: write, debug: write, info: write, warn: write, error: write, append: write, appendLine: write, replace: write } as unknown as LogOutputChannel;
}

/** One request sent over a real JSON-RPC connection traced as the language client traces it (verbose, text or JSON). */
async function tracedRequest(log: LogOutputChannel, format: TraceFormat, params: object): Promise<void> {
  const [toServer, toClient] = [new PassThrough(), new PassThrough()];
  const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const server = createMessageConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  server.onRequest("initialize", () => ({ capabilities: {} }));
  server.listen();
  client.listen();
  // As vscode-languageclient's tracer writes: a message with its data as text, or an object as JSON.
  const write = (message: unknown, data?: string) => log.trace(typeof message === "string" ? (data ? `${message}\n${data}` : message) : JSON.stringify(message));
  await client.trace(Trace.Verbose, { log: write }, { traceFormat: format });
  await client.sendRequest("initialize", params);
  client.dispose();
  server.dispose();
}

describe("the runtime client's log", () => {
  const key = 'sk-live-"quoted"\\and-1234567890';

  for (const format of [TraceFormat.Text, TraceFormat.JSON]) {
    it(`has the initialize request's other options but not the API key (verbose trace, ${format})`, async () => {
      const lines: string[] = [];
      await tracedRequest(withoutSecret(recordingChannel(lines), key), format, { initializationOptions: { serverApiKey: key, storagePath: "/home/ada/state" } });
      const text = lines.join("\n");
      assert.match(text, /initialize/);
      assert.match(text, /home\/ada\/state/, "the rest of the request is still logged");
      assert.match(text, /\[the API key\]/);
      for (const form of [key, JSON.stringify(key).slice(1, -1), "sk-live-"]) assert.equal(text.includes(form), false, `the key (${form}) is in the log:\n${text}`);
    });
  }

  it("writes as it was given when there is no key", async () => {
    const lines: string[] = [];
    const log = withoutSecret(recordingChannel(lines), undefined);
    log.info("runtime started");
    log.error("it failed", 2);
    assert.deepEqual(lines, ["runtime started", "it failed"]);
  });

  // The extension hands the runtime's stderr (and stray stdout) to this log as runtimeOutput
  // gives it: a pipe cuts where it likes, and a key cut in two matched no form of it.
  it("has no key the runtime printed to stderr or stdout, however the pipe cut it (the last line too, without its line break)", async () => {
    const lines: string[] = [];
    const log = withoutSecret(recordingChannel(lines), key);
    const [stdout, stderr] = [new PassThrough(), new PassThrough()];
    runtimeOutput(stdout, stderr, (text) => log.append(text)).listen(() => undefined);
    const ended = Promise.all([stdout, stderr].map((stream) => new Promise((done) => stream.once("close", done))));
    const said = Buffer.from(`curl: using key ${key}\nnative: key=${key}`);
    const half = said.indexOf("1234");
    for (const stream of [stderr, stdout]) {
      stream.write(said.subarray(0, half));
      stream.write(said.subarray(half, half + 2));
      stream.write(said.subarray(half + 2));
      stream.end();
    }
    await ended;
    const text = lines.join("");
    assert.equal(text.split("[the API key]").length - 1, 4, `the log:\n${text}`);
    for (const form of [key, "sk-live-", "1234567890"]) assert.equal(text.includes(form), false, `the key (${form}) is in the log:\n${text}`);
  });

  // A line with no end past 64 Ki characters goes on in pieces; with no space near its end (a
  // minified JSON dump, a base64 blob) it went on whole as far as the pipe had cut it, the key too.
  it("has no key a long line without spaces carried, cut by the pipe inside the key", async () => {
    const lines: string[] = [];
    const log = withoutSecret(recordingChannel(lines), key);
    const [stdout, stderr] = [new PassThrough(), new PassThrough()];
    runtimeOutput(stdout, stderr, (text) => log.append(text)).listen(() => undefined);
    const closed = new Promise((done) => stderr.once("close", done));
    const said = Buffer.from(`{"blob":"${"A".repeat(70_000)}","api_key":"${key}"}\n`);
    const half = said.indexOf("1234");
    stderr.write(said.subarray(0, half));
    stderr.end(said.subarray(half));
    await closed;
    const text = lines.join("");
    assert.equal(text.split("[the API key]").length - 1, 1, `the log's end:\n${text.slice(-200)}`);
    for (const form of [key, "sk-live-", "1234567890"]) assert.equal(text.includes(form), false, `the key (${form}) is in the log's end:\n${text.slice(-200)}`);
  });
});
