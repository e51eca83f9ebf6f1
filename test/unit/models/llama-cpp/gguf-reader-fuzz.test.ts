/**
 * The GGUF reader under seeded fuzzing: a real GGUF the test writes (metadata of every kind,
 * tensors), its bytes overwritten, cut or with counts and lengths swapped for extreme
 * values. Property: the layout is read or refused with GgufFormatError, never another
 * error (a RangeError from a Buffer read, a TypeError); what it reads keeps to the file
 * (no more tensors or entries than its bytes could hold). Seed and case count fixed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { GgufFormatError, readGgufLayout } from "../../../../src/models/llama-cpp/gguf-reader.ts";
import { gguf, writeGguf, type GgufValue } from "../../../fixtures/models/gguf-writer.ts";
import { pick, seededRandom } from "../../../fixtures/seeded-random.ts";

const REAL = writeGguf(
  new Map<string, GgufValue>([
    ["general.architecture", gguf.str("qwen35")],
    ["general.alignment", gguf.u32(32)],
    ["qwen35.block_count", gguf.u32(2)],
    ["qwen35.rope.freq_base", gguf.f32(1e6)],
    ["qwen35.rope.dimension_sections", gguf.arr("i32", [11, 11, 10, 0])],
    ["tokenizer.ggml.tokens", gguf.arr("string", ["<|im_start|>", "a", "é"])],
    ["tokenizer.ggml.add_bos_token", gguf.bool(false)],
    ["general.size", { kind: "u64", value: 1n << 60n }],
  ]),
  [
    { name: "output_norm.weight", dims: [4], type: "f32", data: new Float32Array(4).fill(1) },
    { name: "blk.0.attn_q.weight", dims: [4, 2], type: "f16", data: new Float32Array(8) },
  ],
);

const EXTREMES = [0n, 1n, 2n, 3n, 4n, 9n, 12n, 13n, 0xffn, 0xffffffffn, 1n << 31n, 1n << 32n, 1n << 53n, (1n << 63n) - 1n, (1n << 64n) - 1n];

function mutated(rand: () => number): Buffer {
  let bytes = Buffer.from(REAL);
  for (let m = 0; m < 1 + Math.floor(rand() * 3); m++) {
    const kind = rand();
    const at = 4 + Math.floor(rand() * (bytes.length - 4));
    if (kind < 0.3) bytes[at] = Math.floor(rand() * 256);
    else if (kind < 0.55 && at + 8 <= bytes.length) bytes.writeBigUInt64LE(pick(rand, EXTREMES), at);
    else if (kind < 0.75 && at + 4 <= bytes.length) bytes.writeUInt32LE(Number(pick(rand, EXTREMES) & 0xffffffffn), at);
    else if (kind < 0.9) bytes = bytes.subarray(0, at);
    else bytes = Buffer.concat([bytes.subarray(0, at), Buffer.alloc(Math.floor(rand() * 64), Math.floor(rand() * 256)), bytes.subarray(at)]);
  }
  return bytes;
}

test("fuzz: a damaged GGUF is read or refused with GgufFormatError, nothing else", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-gguf-fuzz-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "model.gguf");
  writeFileSync(file, REAL);
  const whole = await readGgufLayout(file, REAL.length);
  assert.equal(whole.tensors.length, 2);
  const rand = seededRandom(0x66756);
  let refused = 0;
  for (let i = 0; i < 400; i++) {
    const bytes = mutated(rand);
    writeFileSync(file, bytes);
    try {
      const layout = await readGgufLayout(file, bytes.length);
      assert.ok(layout.tensors.length * 33 + layout.metadata.size * 13 <= bytes.length, `case ${i}: more records than bytes`);
      assert.ok(Number.isInteger(layout.dataOffset) && layout.dataOffset % layout.alignment === 0, `case ${i}: data offset ${layout.dataOffset}`);
    } catch (error) {
      assert.ok(error instanceof GgufFormatError, `case ${i}: ${String((error as Error).stack)}`);
      refused++;
    }
  }
  assert.ok(refused > 0 && refused < 400, `${refused} of 400 refused`);
});
