// The runtime writes its messages to stdout, which native code on other threads writes to as
// well (llama.cpp's log printf): vscode-jsonrpc's writer put each frame's header and body in
// two writes, and a native line landing between them turned the frame into stray text for the
// client (the message lost). The runtime's writer puts each frame in one write.
import assert from "node:assert/strict";
import { PassThrough, Writable } from "node:stream";
import { it } from "node:test";
import { type Message, StreamMessageReader } from "vscode-languageserver/node";
import { FrameWriter } from "../../../src/runtime/frame-writer.ts";

it("writes each message's header and body in one write, as frames the client reads", async () => {
  const writes: Buffer[] = [];
  const copy = new PassThrough();
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk);
      copy.write(chunk);
      done();
    },
  });
  const writer = new FrameWriter(out);
  const messages = [
    { jsonrpc: "2.0", method: "window/logMessage", params: { type: 3, message: "é 😀 loaded" } },
    { jsonrpc: "2.0", id: 1, result: { text: "x".repeat(200_000) } },
  ];
  const read: unknown[] = [];
  const both = new Promise<void>((done) => new StreamMessageReader(copy).listen((message) => read.push(message) === 2 && done()));
  for (const message of messages) await writer.write(message);
  await both;
  assert.equal(writes.length, 2, "one write a message");
  assert.match(writes[0]!.toString("utf8"), /^Content-Length: \d+\r\n\r\n\{"jsonrpc"/);
  assert.deepEqual(read, messages);
});

it("rejects a write to a closed stdout and says so to the connection", async () => {
  const out = new Writable({ write: (_chunk, _encoding, done) => done(new Error("write EPIPE")) });
  out.on("error", () => undefined);
  const writer = new FrameWriter(out);
  const errors: unknown[] = [];
  writer.onError(([error]) => errors.push(error));
  await assert.rejects(writer.write({ jsonrpc: "2.0", method: "x" } as Message), /EPIPE/);
  assert.match(String(errors[0]), /EPIPE/);
});
