/**
 * The model's name comes from the file (`general.name`) and travels in every status message,
 * the status bar and the log: a file can make it 16 MB long or put line breaks and control
 * characters in it. What the validator reports is one short line.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { validateModelFile } from "../../../src/models/llama-cpp/validate.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** The tiny qwen35 model with `general.name` set to `name` (padded with spaces to keep the data aligned). */
async function withName(name: string): Promise<string> {
  const bytes = readFileSync(await ensureTinyModel({ arch: "qwen35" }));
  const key = Buffer.from("general.name");
  const keyLength = Buffer.alloc(8);
  keyLength.writeBigUInt64LE(BigInt(key.length));
  const valueAt = bytes.indexOf(Buffer.concat([keyLength, key])) + 8 + key.length + 4;
  const oldLength = Number(bytes.readBigUInt64LE(valueAt));
  let value = Buffer.from(name, "utf8");
  value = Buffer.concat([value, Buffer.alloc((32 - ((value.length - oldLength) % 32) + 32) % 32, " ")]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(value.length));
  const file = join(tempDir("hearth-name-"), "model.gguf");
  writeFileSync(file, Buffer.concat([bytes.subarray(0, valueAt), length, value, bytes.subarray(valueAt + 8 + oldLength)]));
  return file;
}

it("a name of a million characters with line breaks and escapes is reported as one line of at most 120 characters", async () => {
  const model = await validateModelFile(await withName(`Evil\n\u001b[31mModel\u202e ${"x".repeat(1_000_000)}`));
  assert.ok(model.name.length <= 120, `${model.name.length} characters`);
  assert.match(model.name, /^Evil \[31mModel x+…$/);
});

it("an ordinary name is kept as it is", async () => {
  assert.equal((await validateModelFile(await withName("Qwen3.6 35B A3B"))).name.trim(), "Qwen3.6 35B A3B");
});
