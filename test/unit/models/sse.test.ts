/** The event-stream line reader: lines across any chunking, a bound on length, linear scanning. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LineReader, LineTooLongError, classifySseLine } from "../../../src/models/sse.ts";

function readAll(reader: LineReader, chunks: readonly Uint8Array[]): string[] {
  const lines = chunks.flatMap((c) => reader.push(c));
  const last = reader.end();
  return last === undefined ? lines : [...lines, last];
}

describe("LineReader", () => {
  it("gives the same lines wherever the chunks split the bytes (UTF-8 characters and CRLF included)", () => {
    const bytes = Buffer.from("data: a€\r\n\n: ping\ndata: 😀 b\nlast", "utf8");
    const expected = ["data: a€", "", ": ping", "data: 😀 b", "last"];
    for (let cut = 0; cut <= bytes.length; cut++) {
      for (let cut2 = cut; cut2 <= bytes.length; cut2 += 3) {
        const chunks = [bytes.subarray(0, cut), bytes.subarray(cut, cut2), bytes.subarray(cut2)];
        assert.deepEqual(readAll(new LineReader(1000), chunks), expected, `cuts at ${cut}, ${cut2}`);
      }
    }
  });

  it("refuses a line longer than the limit as soon as it is, and accepts one exactly at the limit", () => {
    assert.deepEqual(readAll(new LineReader(10), [Buffer.from("0123456789\nabc\n")]), ["0123456789", "abc"]);
    const reader = new LineReader(10);
    reader.push(Buffer.from("01234"));
    assert.throws(() => reader.push(Buffer.from("567890")), (error: unknown) => error instanceof LineTooLongError && error.limitBytes === 10);
  });

  it("looks at each byte once: a 900 KB line in 1 KB chunks costs 900 KB of scanning, not the square", () => {
    const reader = new LineReader(1 << 20);
    const chunk = Buffer.alloc(1024, "x");
    let lines: string[] = [];
    for (let i = 0; i < 900; i++) lines = lines.concat(reader.push(chunk));
    lines = lines.concat(reader.push(Buffer.from("\n")));
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.length, 900 * 1024);
    assert.equal(reader.scannedBytes, 900 * 1024 + 1);
  });
});

describe("classifySseLine", () => {
  it("only data lines carry data; comments, blank lines and other fields do not", () => {
    assert.deepEqual(classifySseLine('data: {"a":1}'), { kind: "data", data: '{"a":1}' });
    assert.deepEqual(classifySseLine("data:[DONE]"), { kind: "data", data: "[DONE]" });
    for (const line of [": keep-alive", "", "event: ping", "id: 3"]) assert.deepEqual(classifySseLine(line), { kind: "other" });
  });
});
