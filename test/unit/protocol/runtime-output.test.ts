// The runtime's two output pipes as both of its clients (the extension, the CLI) read them:
// whole frames from stdout for the connection; its stderr, and whatever else came on stdout,
// as text for the log. Node streams here, fed piece by piece as a pipe cuts them.
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { it } from "node:test";
import { runtimeOutput } from "../../../src/protocol/stdout-frames.ts";

const encode = (text: string) => Buffer.from(text, "utf8");
const frame = (body: string) => `Content-Length: ${encode(body).length}\r\n\r\n${body}`;

it("decodes a character the pipe cut in two, on stderr and on stdout, and passes the frames on", async () => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = "";
  const reader = runtimeOutput(stdout, stderr, (piece) => (text += piece));
  const messages: unknown[] = [];
  const both = new Promise<void>((done) => reader.listen((message) => messages.push(message) === 2 && done()));
  const closed = new Promise<void>((done) => reader.onClose(() => done()));
  const emoji = encode("ggml: 😀 é\n");
  const body = JSON.stringify({ jsonrpc: "2.0", method: "a", params: { text: "é 😀" } });
  for (const piece of [emoji.subarray(0, 7), emoji.subarray(7, 13), emoji.subarray(13)]) stderr.write(piece);
  const out = encode(`${frame(body)}é${frame(body)}`);
  const cut = out.indexOf(encode("é")) + 1; // inside the é between the frames
  stdout.write(out.subarray(0, cut));
  stdout.write(out.subarray(cut));
  stdout.end();
  stderr.end();
  await Promise.all([both, closed]);
  assert.equal(text, "ggml: 😀 é\né");
  assert.deepEqual(messages, [JSON.parse(body), JSON.parse(body)]);
});

it("logs what stdout held back as the start of a header once the runtime's output ends, and drops a frame cut short", async () => {
  for (const [tail, logged] of [
    ["ggml: done. Content-Len", "ggml: done. Content-Len"],
    [`Content-Length: 500\r\n\r\n{"jsonrpc":"2.0"`, ""],
  ]) {
    const [stdout, stderr] = [new PassThrough(), new PassThrough()];
    let text = "";
    const reader = runtimeOutput(stdout, stderr, (piece) => (text += piece));
    const closed = new Promise<void>((done) => reader.onClose(() => done()));
    reader.listen(() => undefined);
    stdout.end(encode(`${frame("{}")}${tail}`));
    stderr.end();
    await closed;
    assert.equal(text, logged);
  }
});

it("hands the log whole lines, and a line with no end in pieces of a bounded size cut at a space", async () => {
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  const pieces: string[] = [];
  runtimeOutput(stdout, stderr, (piece) => pieces.push(piece)).listen(() => undefined);
  const word = "x".repeat(99);
  for (let i = 0; i < 3000; i++) stderr.write(encode(`${word} `.slice(0, 50)), () => undefined), stderr.write(encode(`${word} `.slice(50)));
  await new Promise<void>((done) => setImmediate(done));
  assert.ok(pieces.length > 0, "a 300,000-character line is not held back whole");
  for (const piece of pieces) assert.ok(piece.endsWith(" ") && piece.length <= 64 * 1024 + 100, `cut at a space: …${piece.slice(-20)}`);
  const before = pieces.length;
  stderr.write(encode("end of it\nnext"));
  await new Promise<void>((done) => setImmediate(done));
  assert.equal(pieces.at(-1)!.endsWith(" end of it\n"), true);
  assert.equal(pieces.length, before + 1);
  const closed = new Promise((done) => stderr.once("close", done));
  stderr.end();
  await closed;
  assert.equal(pieces.at(-1), "next");
});
