/**
 * StdoutFrames under seeded fuzzing: real LSP frames with native-code noise between them
 * (lines that start like a header and are not one), cut into random pieces. Properties:
 * the frames that come out are exactly the frames that went in, the stray bytes exactly the
 * noise, however the pipe cuts it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { StdoutFrames } from "../../../src/protocol/stdout-frames.ts";
import { pick, seededRandom } from "../../fixtures/seeded-random.ts";

const encode = (text: string) => new TextEncoder().encode(text);

function frame(rand: () => number, id: number): Uint8Array {
  const body = JSON.stringify({ jsonrpc: "2.0", id, result: pick(rand, ["ok", "é 😀", "Content-Length: 3\r\n\r\n{", "x".repeat(Math.floor(rand() * 3000))]) });
  const contentType = rand() < 0.2 ? "\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8" : "";
  return encode(`Content-Length: ${encode(body).length}${contentType}\r\n\r\n${body}`);
}

/** What native code might print between frames: never a whole header followed by `{`. */
const NOISE = [
  "ggml_init: loaded\n", "Content-Length\n", "Content-Length: \n", "Content-Length: abc\r\n\r\n{\n", "Content-Length: 12\r\n\r\nnot json\n",
  "Content-", "C", "Content-Length: 1", "\r\n", "\r\n\r\n", "{}", "é", "\u0000", "Content-Length: 99999999999\r\n\r\n[\n", "x".repeat(1500),
];

test("fuzz: frames and noise cut at random come out as the frames and the noise, whole", () => {
  const rand = seededRandom(0xf4a3e);
  for (let i = 0; i < 300; i++) {
    const frames: Uint8Array[] = [];
    const noise: Uint8Array[] = [];
    const stream: Uint8Array[] = [];
    for (let k = 0; k < 1 + Math.floor(rand() * 6); k++) {
      if (rand() < 0.6) {
        const piece = encode(pick(rand, NOISE));
        noise.push(piece);
        stream.push(piece);
      }
      const f = frame(rand, k);
      frames.push(f);
      stream.push(f);
    }
    const bytes = Buffer.concat(stream);
    const reader = new StdoutFrames();
    const gotFrames: Uint8Array[] = [];
    const gotStray: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; ) {
      const size = 1 + Math.floor(rand() * (rand() < 0.5 ? 8 : 2000));
      const piece = reader.push(bytes.subarray(at, at + size));
      gotFrames.push(piece.frames);
      gotStray.push(piece.stray);
      at += size;
    }
    gotStray.push(reader.end());
    const label = JSON.stringify(bytes.toString("utf8").slice(0, 400));
    assert.deepEqual(Buffer.concat(gotFrames), Buffer.concat(frames), label);
    assert.deepEqual(Buffer.concat(gotStray), Buffer.concat(noise), label);
  }
});
