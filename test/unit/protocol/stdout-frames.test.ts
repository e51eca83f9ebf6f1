import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StdoutFrames } from "../../../src/protocol/stdout-frames.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
function frame(body: string): string {
  return `Content-Length: ${encode(body).length}\r\n\r\n${body}`;
}

/** Feeds `text` in pieces of `size` bytes; returns the frames and the stray text. */
function feed(text: string, size: number): { frames: string; stray: string } {
  const reader = new StdoutFrames();
  const bytes = encode(text);
  const frames: Uint8Array[] = [];
  const stray: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    const piece = reader.push(bytes.subarray(at, at + size));
    frames.push(piece.frames);
    stray.push(piece.stray);
  }
  const join = (parts: Uint8Array[]) => decode(Buffer.concat(parts));
  return { frames: join(frames), stray: join(stray) };
}

describe("StdoutFrames", () => {
  const a = frame('{"jsonrpc":"2.0","method":"a","params":{"text":"é 😀"}}');
  const b = frame('{"jsonrpc":"2.0","id":1,"result":"Content-Length: 3"}');

  it("passes whole frames on and hands back what came between them, however the pipe cuts it", () => {
    const stdout = `ggml: found 1 device\n${a}Content-Length: x\r\n\r\n${b}Content-Le${a}tail`;
    for (const size of [1, 2, 3, 7, 16, 1000]) {
      const { frames, stray } = feed(stdout, size);
      assert.equal(frames, a + b + a, `pieces of ${size}`);
      assert.equal(stray, "ggml: found 1 device\nContent-Length: x\r\n\r\nContent-Letail", `pieces of ${size}`);
    }
  });

  it("does not take a stray line that looks like a header for one: its 'body' is no JSON object", () => {
    // A fake length (10 digits: 10 GB) used to hold every later byte back, waiting for a body that never comes.
    for (const fake of ["Content-Length: 9999999999\r\n\r\n", "Content-Length: 30\r\n\r\n", "Content-Length: 3\r\n\r\nok\n"]) {
      for (const size of [1, 5, 1000]) {
        const { frames, stray } = feed(`${fake}${a}${b}`, size);
        assert.equal(frames, a + b, `${JSON.stringify(fake)} in pieces of ${size}`);
        assert.equal(stray, fake, `${JSON.stringify(fake)} in pieces of ${size}`);
      }
    }
  });

  it("takes a frame of megabytes in many pieces, and a header cut after its digits", () => {
    const big = frame(JSON.stringify({ text: "x".repeat(3_000_000) }));
    assert.equal(feed(big + a, 65_536).frames, big + a);
    assert.deepEqual(feed(`Content-Length: 12${a}`, 5), { frames: a, stray: "Content-Length: 12" });
  });
});
