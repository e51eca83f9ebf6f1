// The event-stream line splitter on a data line that never ends: time to take N and 4N
// bytes in 1 KB chunks, for the old splitter (append the chunk to a string, indexOf from the
// start each time) and src/models/sse.ts's LineReader (each byte scanned once). Linear
// code takes ~4× as long for 4N; the old one far more (quadratic, ~16×).
//   node --import tsx test/bench/remote-lines.ts [N in MB, default 0.5]
import { LineReader } from "../../src/models/sse.ts";

const CHUNK = Buffer.alloc(1024, "x");

/** The splitter remote.ts used before: quadratic on a line without a newline. */
function oldSplitter(bytes: number): void {
  const decoder = new TextDecoder();
  let buffer = "";
  for (let sent = 0; sent < bytes; sent += CHUNK.length) {
    buffer += decoder.decode(CHUNK, { stream: true });
    while (buffer.indexOf("\n") >= 0) buffer = buffer.slice(buffer.indexOf("\n") + 1);
  }
}

function newSplitter(bytes: number): void {
  const reader = new LineReader(Number.MAX_SAFE_INTEGER);
  for (let sent = 0; sent < bytes; sent += CHUNK.length) reader.push(CHUNK);
}

function timeMs(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

const n = Number(process.argv[2] ?? 0.5) * (1 << 20);
console.log("| splitter | N | ms for N | ms for 4N | ratio |\n|---|---|---|---|---|");
for (const [name, split] of [["old (string + indexOf)", oldSplitter], ["LineReader", newSplitter]] as const) {
  const small = timeMs(() => split(n));
  const large = timeMs(() => split(4 * n));
  console.log(`| ${name} | ${n / (1 << 20)} MB | ${small.toFixed(1)} | ${large.toFixed(1)} | ${(large / small).toFixed(1)} |`);
}
