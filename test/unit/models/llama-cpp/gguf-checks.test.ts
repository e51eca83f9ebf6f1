// The bounded GGUF reader and the hyper-parameter checks on small hand-written files and
// metadata maps: declared lengths past the end of the file, broken tensor records, and the
// relations between keys that llama.cpp asserts instead of checking.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { BackendError } from "../../../../src/models/backend.ts";
import { type GgufEntry, GgufFormatError, MAX_ARRAY_STRINGS, MAX_ENTRIES, MAX_KEPT_TEXT, MAX_TENSORS, readGgufLayout } from "../../../../src/models/llama-cpp/gguf-reader.ts";
import { checkHyperParameters } from "../../../../src/models/llama-cpp/hyper-parameters.ts";
import { validateModelFile } from "../../../../src/models/llama-cpp/validate.ts";
import { gguf, writeGguf, type GgufTensor, type GgufValue } from "../../../fixtures/models/gguf-writer.ts";
import { ensureTinyModel } from "../../../fixtures/models/index.ts";

function tempFile(t: TestContext, bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), "hearth-gguf-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "model.gguf");
  writeFileSync(file, bytes);
  return file;
}

/** A GGUF v3 header declaring `tensors` tensor records and `entries` metadata entries. */
function header(tensors: number, entries: number): Buffer {
  const bytes = Buffer.alloc(24);
  bytes.write("GGUF", 0, "latin1");
  bytes.writeUInt32LE(3, 4);
  bytes.writeBigUInt64LE(BigInt(tensors), 8);
  bytes.writeBigUInt64LE(BigInt(entries), 16);
  return bytes;
}

const NORM: GgufTensor = { name: "output_norm.weight", dims: [4], type: "f32", data: new Float32Array(4).fill(1) };

describe("readGgufLayout", () => {
  it("reads metadata values, short numeric arrays and tensor records of a well-formed file", async (t) => {
    const bytes = writeGguf(new Map<string, GgufValue>([["general.architecture", gguf.str("qwen35")], ["qwen35.rope.dimension_sections", gguf.arr("i32", [11, 11, 10, 0])], ["tokens", gguf.arr("string", ["a", "bc"])]]), [NORM]);
    const layout = await readGgufLayout(tempFile(t, bytes), bytes.length);
    assert.deepEqual(layout.metadata.get("general.architecture"), { type: "string", value: "qwen35" });
    assert.deepEqual(layout.metadata.get("qwen35.rope.dimension_sections"), { type: "array", itemType: "i32", length: 4, items: [11, 11, 10, 0] });
    assert.deepEqual(layout.metadata.get("tokens"), { type: "array", itemType: "string", length: 2 });
    assert.deepEqual(layout.tensors, [{ name: "output_norm.weight", dims: [4n], ggmlType: 0, offset: 0n }]);
    assert.equal(layout.dataOffset, bytes.length - 32, "16 bytes of data, padded to 32");
  });

  it("refuses a string whose declared length runs past the end of the file", async (t) => {
    const bytes = writeGguf(new Map([["general.name", gguf.str("tiny")]]), []);
    bytes.writeBigUInt64LE(1n << 50n, 24 + 8 + "general.name".length + 4); // the value's length prefix
    await assert.rejects(readGgufLayout(tempFile(t, bytes), bytes.length), /general\.name declares 1125899906842624 bytes, but only 8 are left in the file/);
  });

  // A record is 33 bytes on disk and ~320 bytes once read: 3 million records in a 100 MB
  // file took 1 GB of heap, so a few hundred MB of records ended the runtime (heap limit ~4 GB).
  // The limits are constants of the reader; the files hold one item more.
  it("refuses a version no GGUF has (0, 4) as invalid, not as a file of no tensors", async (t) => {
    // "GGUF" then zeros (a download test's body, a file of garbage after the magic) would read
    // as a version-0 file of no tensors: a download would delete it as a vocabulary-only GGUF.
    for (const version of [0, 4]) {
      const bytes = header(0, 0);
      bytes.writeUInt32LE(version, 4);
      await assert.rejects(readGgufLayout(tempFile(t, bytes), bytes.length), (error: unknown) => {
        assert.ok(error instanceof GgufFormatError && error.reason === "invalid", String(error));
        assert.match(error.message, new RegExp(`unknown GGUF version ${version}; GGUF files are versions 1 to 3`));
        return true;
      });
    }
  });

  it("refuses more tensor records than any model has before reading one, though the file holds them", async (t) => {
    const count = MAX_TENSORS + 1;
    const record = Buffer.alloc(33);
    record.writeBigUInt64LE(1n, 0);
    record.write("a", 8);
    record.writeUInt32LE(1, 9);
    record.writeBigUInt64LE(32n, 13);
    const bytes = Buffer.concat([header(count, 0), Buffer.alloc(count * record.length).fill(record)]);
    await assert.rejects(readGgufLayout(tempFile(t, bytes), bytes.length), /its header lists 65537 tensors; no model has more than 65536/);
  });

  it("refuses more metadata entries than any model has before reading one, though the file holds them", async (t) => {
    const count = MAX_ENTRIES + 1;
    const bytes = Buffer.concat([header(0, count), Buffer.alloc(count * 13)]);
    await assert.rejects(readGgufLayout(tempFile(t, bytes), bytes.length), /its header lists 65537 metadata entries; no model has more than 65536/);
  });

  // Skipping an empty string costs no memory but an await: 20 million of them (160 MB) took 13 s.
  // The file (32 MB) holds every string, so only the count can refuse it.
  it("refuses metadata arrays holding more strings than any tokenizer, before skipping them", async (t) => {
    const count = MAX_ARRAY_STRINGS + 1;
    const key = Buffer.from("tokenizer.ggml.tokens");
    const entry = Buffer.alloc(8 + key.length + 16);
    entry.writeBigUInt64LE(BigInt(key.length), 0);
    key.copy(entry, 8);
    entry.writeUInt32LE(9, 8 + key.length);
    entry.writeUInt32LE(8, 12 + key.length);
    entry.writeBigUInt64LE(BigInt(count), 16 + key.length);
    const bytes = Buffer.concat([header(0, 1), entry, Buffer.alloc(count * 8)]);
    await assert.rejects(readGgufLayout(tempFile(t, bytes), bytes.length), /tokenizer\.ggml\.tokens holds 4194305 strings; no model's metadata arrays hold more than 4194304 in all/);
  });

  // Each string under the 16 MB a string may have, 300 of them (a 5 GB file, sparse: no disk)
  // took the process past its heap: "FATAL ERROR: Reached heap limit", no message (the CLI's
  // --model check and the runtime read it alike). Here 5 strings of 16 MB, 80 MB in all.
  it("refuses metadata strings that come to more text than any model's, before keeping them all", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-gguf-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "model.gguf");
    const length = 16 << 20;
    const count = Math.floor(MAX_KEPT_TEXT / length) + 1;
    const handle = await open(file, "w");
    let at = 0;
    const put = async (bytes: Buffer) => {
      await handle.write(bytes, 0, bytes.length, at);
      at += bytes.length;
    };
    await put(header(0, count));
    for (let i = 0; i < count; i++) {
      const key = Buffer.from(`general.note.${i}`);
      const entry = Buffer.alloc(8 + key.length + 12);
      entry.writeBigUInt64LE(BigInt(key.length), 0);
      key.copy(entry, 8);
      entry.writeUInt32LE(8, 8 + key.length);
      entry.writeBigUInt64LE(BigInt(length), 12 + key.length);
      await put(entry);
      at += length; // the string's bytes: zeros, left unwritten
    }
    await handle.truncate(at);
    await handle.close();
    await assert.rejects(readGgufLayout(file, at), (error: unknown) => {
      assert.ok(error instanceof GgufFormatError);
      assert.equal(error.reason, "invalid");
      assert.match(error.message, new RegExp(`^its metadata text comes to more than ${MAX_KEPT_TEXT} bytes at general\\.note\\.\\d+; no model's comes near`));
      return true;
    });
  });

  // llama.cpp's own reader refuses a file that names a key or a tensor twice, logging the reason
  // and failing the load with no more than "failed to load model"; ours read the last one and
  // passed it. The key is a file's: shown escaped (a terminal escape in it must not act).
  it("refuses a metadata key that appears twice, naming it", async (t) => {
    const bytes = writeGguf(new Map([["qwen35.block_count", gguf.u32(0)], ["qwen35.block_counu", gguf.u32(24)]]), []);
    bytes.write("t", bytes.indexOf("qwen35.block_counu") + "qwen35.block_coun".length, "latin1");
    await assert.rejects(readGgufLayout(tempFile(t, bytes), bytes.length), (error: unknown) => {
      assert.ok(error instanceof GgufFormatError && error.reason === "invalid", String(error));
      assert.equal(error.message, 'metadata key "qwen35.block_count" appears twice (entries 1 and 2); a GGUF names each key once');
      return true;
    });
  });

  it("refuses a tensor name that appears twice, naming it", async (t) => {
    const bytes = writeGguf(new Map(), [NORM, { ...NORM, name: "output_norm.weighu" }]);
    bytes.write("t", bytes.indexOf("output_norm.weighu") + "output_norm.weigh".length, "latin1");
    await assert.rejects(readGgufLayout(tempFile(t, bytes), bytes.length), /tensor "output_norm\.weight" appears twice \(tensors 1 and 2\); a GGUF names each tensor once$/);
  });

  it("shows a repeated key with its control characters escaped", async (t) => {
    const bytes = writeGguf(new Map([["a\x1b]0;x\x07", gguf.u32(1)], ["b\x1b]0;x\x07", gguf.u32(2)]]), []);
    bytes.write("a", bytes.indexOf("b\x1b]0;x"), "latin1");
    await assert.rejects(readGgufLayout(tempFile(t, bytes), bytes.length), /metadata key "a\\x1b\]0;x\\x07" appears twice/);
  });

  it("refuses a tensor with more than 4 dimensions", async (t) => {
    const bytes = writeGguf(new Map(), [{ name: "x", dims: [1, 1, 1, 1, 2], type: "f32", data: new Float32Array(2) }]);
    await assert.rejects(readGgufLayout(tempFile(t, bytes), bytes.length), /tensor x has 5 dimensions; a GGUF tensor has 1 to 4/);
  });
});

describe("validateModelFile on tensor records", () => {
  it("refuses a tensor with a 0 dimension, naming it", async (t) => {
    const file = tempFile(t, writeGguf(new Map(), [{ name: "blk.0.attn_q.weight", dims: [4, 0], type: "f32", data: new Float32Array(0) }]));
    await assert.rejects(validateModelFile(file), (error: unknown) => {
      assert.ok(error instanceof BackendError);
      assert.equal(error.message, `${file}: tensor blk.0.attn_q.weight has size 0 in dimension 1 (4 x 0). The file is damaged.`);
      return true;
    });
  });

  it("refuses a tensor whose data lies past the end of the file as incomplete", async (t) => {
    const bytes = writeGguf(new Map(), [NORM]);
    // The record: name, dimension count (4), one dimension (8), type (4), then the offset.
    const at = bytes.lastIndexOf(Buffer.from(NORM.name)) + NORM.name.length + 4 + 8 + 4;
    // One alignment unit further: its 16 bytes now end past the end of the file.
    bytes.writeBigUInt64LE(32n, at);
    const file = tempFile(t, bytes);
    await assert.rejects(validateModelFile(file), /the model file is incomplete \(128 bytes of 144 bytes, 88%\), probably an interrupted download/);
  });
});

/** Metadata of a plausible qwen35moe model, with `changes` applied (undefined removes a key). */
function moe(changes: Record<string, GgufEntry | undefined> = {}): Map<string, GgufEntry> {
  const u32 = (value: number): GgufEntry => ({ type: "u32", value });
  const base: Record<string, GgufEntry> = {
    "qwen35moe.context_length": u32(262_144), "qwen35moe.embedding_length": u32(2048), "qwen35moe.block_count": u32(40),
    "qwen35moe.attention.head_count": u32(16), "qwen35moe.attention.head_count_kv": u32(2),
    "qwen35moe.attention.key_length": u32(256), "qwen35moe.attention.value_length": u32(256),
    "qwen35moe.rope.dimension_count": u32(64), "qwen35moe.rope.freq_base": { type: "f32", value: 1e7 },
    "qwen35moe.ssm.conv_kernel": u32(4), "qwen35moe.ssm.state_size": u32(128), "qwen35moe.ssm.time_step_rank": u32(32),
    "qwen35moe.ssm.group_count": u32(16), "qwen35moe.full_attention_interval": u32(4),
    "qwen35moe.expert_count": u32(256), "qwen35moe.expert_used_count": u32(8),
  };
  const merged = { ...base, ...changes };
  return new Map(Object.entries(merged).filter((entry): entry is [string, GgufEntry] => entry[1] !== undefined));
}

describe("checkHyperParameters", () => {
  it("accepts the shape of Qwen3.5-35B-A3B", () => {
    assert.equal(checkHyperParameters("qwen35moe", moe()), undefined);
  });

  const cases: Array<[string, Record<string, GgufEntry | undefined>, string]> = [
    ["more experts used than exist", { "qwen35moe.expert_used_count": { type: "u32", value: 300 } }, "qwen35moe.expert_used_count is 300; it must be at most qwen35moe.expert_count (256)."],
    ["no experts in a MoE model", { "qwen35moe.expert_count": { type: "u32", value: 0 } }, "qwen35moe.expert_count is 0; it must be at least 1."],
    ["kv heads that do not divide the heads", { "qwen35moe.attention.head_count_kv": { type: "u32", value: 3 } }, "qwen35moe.attention.head_count_kv is 3; it must divide qwen35moe.attention.head_count (16)."],
    ["an interval longer than the model", { "qwen35moe.full_attention_interval": { type: "u32", value: 41 } }, "qwen35moe.full_attention_interval is 41; it must be at most qwen35moe.block_count (40)."],
    ["a NaN rope base", { "qwen35moe.rope.freq_base": { type: "f32", value: NaN } }, "qwen35moe.rope.freq_base is NaN; it must be a finite number above 0."],
    ["value heads not a multiple of key heads", { "qwen35moe.ssm.time_step_rank": { type: "u32", value: 24 } }, "qwen35moe.ssm.time_step_rank is 24; it must be a multiple of qwen35moe.ssm.group_count (16)."],
    ["a block count given as a string", { "qwen35moe.block_count": { type: "string", value: "forty" } }, "qwen35moe.block_count is \"forty\" (a string); it must be a whole number from 1 to 512."],
    ["a per-layer head count with a 0", { "qwen35moe.attention.head_count": { type: "array", itemType: "u32", length: 40, items: [...Array(39).fill(16), 0] } }, "qwen35moe.attention.head_count[39] is 0; it must be at least 1."],
    ["a per-layer array of the wrong length", { "qwen35moe.attention.head_count": { type: "array", itemType: "u32", length: 2, items: [16, 16] } }, "qwen35moe.attention.head_count has 2 values; it must have one per layer (qwen35moe.block_count is 40)."],
    ["different key and value head sizes", { "qwen35moe.attention.value_length": { type: "u32", value: 128 } }, "qwen35moe.attention.value_length is 128; it must equal qwen35moe.attention.key_length (256)."],
  ];
  for (const [what, changes, message] of cases) {
    it(`refuses ${what}`, () => {
      assert.equal(checkHyperParameters("qwen35moe", moe(changes)), message);
    });
  }
});

describe("a .gguf that is no GGUF at all, chosen as the model (Choose a GGUF file…, hearth.modelPath)", () => {
  // What a browser or curl saves in a model's place, and what a clone without git lfs holds: said as in hearth --model's check.
  const cases = [
    ["a web page", "\n<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>\n", "the file is a web page, not a GGUF model (it starts with <!DOCTYPE html>): an error page saved in the model's place; download the model again or choose its .gguf file"],
    // A signed download link past its time (Hugging Face's CDN, S3) answers an XML error, which curl -o or wget saves.
    ["an XML error from a storage server", '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>', "the file is a web page, not a GGUF model (it starts with <?xml version=\"1.0\" encoding=\"UTF-8\"?>): an error page saved in the model's place; download the model again or choose its .gguf file"],
    ["a web page saved with a byte-order mark", "\uFEFF<!DOCTYPE html><html><body>Sign in</body></html>", "the file is a web page, not a GGUF model (it starts with <!DOCTYPE html>): an error page saved in the model's place; download the model again or choose its .gguf file"],
    ["a Git LFS pointer", "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 19700000000\n", "the file is a Git LFS pointer, not the model: run git lfs pull in the repository it came from, or choose the model's .gguf file"],
    // Hugging Face's plain-text answers, which curl -o (without -f) or wget saves: a file name the repository lacks, a gated or private model without a token.
    ["Hugging Face's 'Entry not found'", "Entry not found", `the file is text, not a GGUF model (it reads "Entry not found"): a server's answer saved in the model's place (a wrong link, or a gated or private model fetched without a token); download the model again or choose its .gguf file`],
    ["Hugging Face's answer to a gated model without a token", "Invalid username or password.", `the file is text, not a GGUF model (it reads "Invalid username or password."): a server's answer saved in the model's place (a wrong link, or a gated or private model fetched without a token); download the model again or choose its .gguf file`],
    ["a JSON error", '\n{"error":"Repository not found"}\n', `the file is text, not a GGUF model (it reads "{"error":"Repository not found"}"): a server's answer saved in the model's place (a wrong link, or a gated or private model fetched without a token); download the model again or choose its .gguf file`],
    ["a longer text file", `# calc\n\n${"A calculator. ".repeat(30)}\n`, `the file is a text file, not a GGUF model (it starts with "# calc"); download the model again or choose its .gguf file`],
    ["any other file", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10", "not a GGUF model file (no GGUF header)"],
    // A file that starts as a GGUF but is cut short before its header ends: a broken model, not a server's answer (fdfa5fde called it text).
    ["a GGUF cut short before its header ends", "GGUF", "not a GGUF model file (no GGUF header)"],
    ["a file that starts with GGUF and goes on as text", "GGUF-not-really", "not a GGUF model file (no GGUF header)"],
  ] as const;
  for (const [what, text, says] of cases) {
    it(`${what}: says what it is`, async (t) => {
      const file = tempFile(t, Buffer.from(text));
      await assert.rejects(validateModelFile(file), (error: unknown) => {
        assert.ok(error instanceof BackendError);
        assert.equal(error.message, `${says}: ${file}`);
        assert.equal(error.fix, "selectModel");
        return true;
      });
    });
  }
});

describe("a model's vision projector (mmproj-*.gguf, beside Qwen3.5's weights in LM Studio's and Hugging Face's folders) chosen as the model", () => {
  it("is refused as the projector it is, not as an architecture Hearth does not run", async (t) => {
    const metadata = new Map([["general.architecture", gguf.str("clip")], ["general.type", gguf.str("mmproj")], ["clip.has_vision_encoder", gguf.bool(true)]]);
    const file = tempFile(t, writeGguf(metadata, [{ name: "v.patch_embd.weight", dims: [16], type: "f32", data: new Float32Array(16).fill(1) }]));
    await assert.rejects(validateModelFile(file), (error: unknown) => {
      assert.ok(error instanceof BackendError);
      assert.equal(error.message, `the file is a vision projector (mmproj, architecture "clip"): it goes with a model but is not one. Choose the model's own GGUF, the one not named mmproj, from the same folder: ${file}`);
      assert.equal(error.fix, "selectModel");
      return true;
    });
  });
});

/**
 * `bytes` (a GGUF v3 with 32-byte alignment) with a u32 metadata key added before its first,
 * and a filler string entry making the insertion a multiple of 32 bytes, so that the data
 * section stays aligned and every tensor offset holds.
 */
function withU32Key(bytes: Buffer, key: string, value: number): Buffer {
  const entry = (name: string, type: number, payload: Buffer) => {
    const out = Buffer.alloc(8 + Buffer.byteLength(name) + 4);
    out.writeBigUInt64LE(BigInt(Buffer.byteLength(name)));
    out.write(name, 8, "utf8");
    out.writeUInt32LE(type, out.length - 4);
    return Buffer.concat([out, payload]);
  };
  const u32 = Buffer.alloc(4);
  u32.writeUInt32LE(value);
  const added = entry(key, 4, u32);
  const fillerBase = 8 + "hearth.filler".length + 4 + 8;
  const fill = (32 - ((added.length + fillerBase) % 32)) % 32;
  const text = Buffer.alloc(8 + fill, "x");
  text.writeBigUInt64LE(BigInt(fill));
  const filler = entry("hearth.filler", 8, text);
  const out = Buffer.concat([bytes.subarray(0, 24), added, filler, bytes.subarray(24)]);
  out.writeBigUInt64LE(bytes.readBigUInt64LE(16) + 2n, 16);
  return out;
}

// GGUFs users keep beside their models (LM Studio's and Hugging Face's folders, llama.cpp's
// outputs) that are no chat model: each is said for what it is, with what to choose instead.
describe("a GGUF that is no chat model, chosen as the model", () => {
  const refused = async (file: string, message: string) => {
    await assert.rejects(validateModelFile(file), (error: unknown) => {
      assert.ok(error instanceof BackendError);
      assert.equal(error.message, `the file is ${message}: ${file}`);
      assert.equal(error.fix, "selectModel");
      return true;
    });
  };
  const CHAT_MODEL = "a chat model's GGUF: Hearth runs Qwen3.5-family models (qwen35, qwen35moe)";

  it("a LoRA adapter of a Qwen3.5 model (convert_lora_to_gguf: the base's architecture, none of its hyper-parameters) is an adapter, not a damaged model", async (t) => {
    const metadata = new Map([["general.architecture", gguf.str("qwen35")], ["general.type", gguf.str("adapter")], ["adapter.type", gguf.str("lora")], ["adapter.lora.alpha", gguf.f32(16)]]);
    const file = tempFile(t, writeGguf(metadata, [{ name: "blk.0.attn_qkv.weight.lora_a", dims: [64, 8], type: "f32", data: new Float32Array(512) }]));
    await refused(file, `a LoRA adapter (general.type "adapter"): it changes a model's weights when loaded with that model, and is not one itself; Hearth loads no adapters. Choose the model it was made for, or a GGUF with the adapter merged in (llama.cpp's llama-export-lora makes one)`);
  });

  it("an importance matrix (llama-imatrix's GGUF: no architecture) is said as that, not as a GGUF that names no architecture", async (t) => {
    const metadata = new Map([["general.type", gguf.str("imatrix")], ["imatrix.chunk_count", gguf.u32(100)], ["imatrix.chunk_size", gguf.u32(512)]]);
    const file = tempFile(t, writeGguf(metadata, [{ name: "blk.0.ffn_down.weight.in_sum2", dims: [64], type: "f32", data: new Float32Array(64) }, { name: "blk.0.ffn_down.weight.counts", dims: [1], type: "f32", data: new Float32Array(1) }]));
    await refused(file, `an importance matrix (general.type "imatrix"): the data llama-quantize reads to quantize a model, not a model. Choose a model's GGUF`);
  });

  it("an embedding model of a BERT architecture (nomic-embed-text) is said as an embedding model", async (t) => {
    const metadata = new Map([["general.architecture", gguf.str("nomic-bert")], ["nomic-bert.context_length", gguf.u32(2048)]]);
    const file = tempFile(t, writeGguf(metadata, [NORM]));
    await refused(file, `an embedding model (architecture "nomic-bert"): it turns text into vectors for search and writes no text. Choose ${CHAT_MODEL}`);
  });

  // A draft model is named after its target (z-lab/Qwen3.5-9B-DFlash): it read 'unsupported model
  // architecture "dflash": Hearth runs Qwen3.5-family models', to one who chose a Qwen3.5 file.
  it("a draft model for speculative decoding (DFlash, EAGLE-3) is said as that, with the model to choose", async (t) => {
    for (const architecture of ["dflash", "eagle3"]) {
      const file = tempFile(t, writeGguf(new Map([["general.architecture", gguf.str(architecture)], ["general.name", gguf.str("Qwen3.5-9B-DFlash")]]), [NORM]));
      await refused(file, `a draft model (architecture "${architecture}"): it proposes tokens for the model it was made for to check (speculative decoding) and cannot answer alone; Hearth runs no draft models. Choose the model itself, a Qwen3.5 model's own GGUF`);
    }
  });

  // Qwen3-Embedding's and Qwen3-Reranker's GGUFs name architecture qwen3 and set its pooling_type:
  // the whole tiny Qwen3.5 model with that one key passed every check and loaded as a chat model.
  it("a Qwen embedding model or reranker (a qwen3* architecture with a pooling_type) is refused, not loaded to answer junk", async (t) => {
    const model = readFileSync(await ensureTinyModel({ arch: "qwen35" }));
    await refused(tempFile(t, withU32Key(model, "qwen35.pooling_type", 3)), `an embedding model (qwen35.pooling_type 3, "last"): it turns text into vectors for search and writes no text. Choose ${CHAT_MODEL}`);
    await refused(tempFile(t, withU32Key(model, "qwen35.pooling_type", 4)), `a reranker (qwen35.pooling_type 4, "rank"): it scores how well a text answers a query and writes no text. Choose ${CHAT_MODEL}`);
    // pooling_type 0 ("none", what a chat model may say) is a model as before.
    assert.equal((await validateModelFile(tempFile(t, withU32Key(model, "qwen35.pooling_type", 0)))).architecture, "qwen35");
  });

  // The architecture is the file's text, up to 16 MB: it went whole into the message (the status
  // bar's tooltip, the chat view's card, the log), and "qwen3" then junk passed as a Qwen3 model,
  // to be named in each missing key ("lacks required metadata (qwen3AAAA….attention.head_count, …)").
  it("an architecture that is no name llama.cpp has (a terminal escape, 100,000 characters) is shown printable and cut, not whole", async (t) => {
    const long = "A".repeat(100_000);
    const junkQwen = `qwen3${long}`;
    const junk = tempFile(t, writeGguf(new Map([["general.architecture", gguf.str(junkQwen)]]), [NORM]));
    await assert.rejects(validateModelFile(junk), (error: unknown) => {
      assert.ok(error instanceof BackendError);
      assert.equal(error.message, `unsupported model architecture "qwen3${"A".repeat(55)}": Hearth runs Qwen3.5-family models (qwen35, qwen35moe): ${junk}`);
      return true;
    });
    const escape = `\x1b]0;pwned\x07${long}`;
    const pooled = tempFile(t, writeGguf(new Map([["general.architecture", gguf.str(escape)], [`${escape}.pooling_type`, gguf.u32(1)]]), [NORM]));
    await refused(pooled, `an embedding model (\\x1b]0;pwned\\x07${"A".repeat(50)}.pooling_type 1, "mean"): it turns text into vectors for search and writes no text. Choose ${CHAT_MODEL}`);
  });
});

/** `bytes` with the ggml type of tensor `name` set to `type` in its record (same length: offsets hold). */
function withTensorType(bytes: Buffer, name: string, type: number): Buffer {
  const out = Buffer.from(bytes);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(name)));
  const at = out.indexOf(Buffer.concat([length, Buffer.from(name)])) + 8 + Buffer.byteLength(name);
  out.writeUInt32LE(type, at + 4 + out.readUInt32LE(at) * 8);
  return out;
}

// llama.cpp fails the whole load of such a file saying only "Failed to load model" (node-llama-cpp
// 3.22.1, measured: a Q4_0_4_4 tensor, a type 43), after every check here had passed.
describe("a model of a quantization type the llama.cpp in Hearth cannot load", () => {
  it("a type llama.cpp dropped (Q4_0_4_4, the ARM repacking of 2024) or one newer than it: refused naming the tensor, the type and what to choose", async (t) => {
    const model = readFileSync(await ensureTinyModel({ arch: "qwen35" }));
    for (const [type, problem] of [
      [31, "is of type Q4_0_4_4 (31), an ARM repacking of Q4_0 that llama.cpp no longer reads from a file (it repacks Q4_0 itself as it loads): choose another quantization of the model (Q4_K_M, Q8_0)"],
      [5, "is of type Q4_3 (5), which llama.cpp dropped in 2023: choose another quantization of the model (Q4_K_M, Q8_0)"],
      [43, "is of ggml type 43, which the llama.cpp in this Hearth does not know (a quantization newer than it): choose another quantization of the model (Q4_K_M, Q8_0), or update Hearth"],
    ] as const) {
      const file = tempFile(t, withTensorType(model, "blk.0.ffn_up.weight", type));
      await assert.rejects(validateModelFile(file), (error: unknown) => {
        assert.ok(error instanceof BackendError);
        assert.equal(error.message, `${file}: tensor blk.0.ffn_up.weight ${problem}`);
        assert.equal(error.fix, "selectModel");
        return true;
      });
    }
  });

  it("the newest types it knows (NVFP4, Q1_0, Q2_0) pass the type check and are sized by their blocks", async (t) => {
    // 512 f32 values (2,048 bytes) re-typed: NVFP4 needs 8 blocks of 36 bytes, so the data is there.
    const metadata = new Map([["general.architecture", gguf.str("llama")]]);
    const bytes = writeGguf(metadata, [{ name: "output_norm.weight", dims: [512], type: "f32", data: new Float32Array(512) }]);
    for (const type of [40, 41, 42]) {
      await assert.rejects(validateModelFile(tempFile(t, withTensorType(bytes, "output_norm.weight", type))), /unsupported model architecture "llama"/);
    }
  });
});

describe("a GGUF of a version newer than the llama.cpp in Hearth reads, chosen as the model", () => {
  it("version 4 is said as a newer GGUF, with the way out; a version no format will have stays 'not a GGUF model file'", async (t) => {
    const model = readFileSync(await ensureTinyModel({ arch: "qwen35" }));
    const newer = Buffer.from(model);
    newer.writeUInt32LE(4, 4);
    const file = tempFile(t, newer);
    await assert.rejects(validateModelFile(file), (error: unknown) => {
      assert.ok(error instanceof BackendError);
      assert.equal(error.message, `the file is a GGUF of version 4, newer than the versions 2 and 3 that the llama.cpp in this Hearth reads: update Hearth, or choose the model as a GGUF of version 3: ${file}`);
      assert.equal(error.fix, "selectModel");
      return true;
    });
    const garbage = Buffer.from(model);
    garbage.write("-not", 4, "latin1");
    const other = tempFile(t, garbage);
    await assert.rejects(validateModelFile(other), { message: `not a GGUF model file (unknown GGUF version ${garbage.readUInt32LE(4)}): ${other}` });
  });
  // GGUF v1 (August 2023: llama.cpp's first) wrote its counts and lengths in 32 bits: read as a later
  // version, its two counts made one 64-bit number, and the file was told as damaged, to download again.
  it("version 1, which llama.cpp no longer reads, is said as that, not as an incomplete or corrupt file", async (t) => {
    const key = Buffer.from("general.architecture");
    const value = Buffer.from("llama");
    const v1 = Buffer.alloc(16 + 4 + key.length + 4 + 4 + value.length);
    v1.write("GGUF", 0, "latin1");
    v1.writeUInt32LE(1, 4);
    v1.writeUInt32LE(0, 8); // tensors
    v1.writeUInt32LE(1, 12); // metadata entries
    v1.writeUInt32LE(key.length, 16);
    key.copy(v1, 20);
    v1.writeUInt32LE(8, 20 + key.length);
    v1.writeUInt32LE(value.length, 24 + key.length);
    value.copy(v1, 28 + key.length);
    const file = tempFile(t, v1);
    await assert.rejects(validateModelFile(file), (error: unknown) => {
      assert.ok(error instanceof BackendError);
      assert.equal(error.message, `the file is a GGUF of version 1, the format of August 2023, which the llama.cpp in this Hearth no longer reads (it reads versions 2 and 3; no Qwen3.5 model was written in version 1): choose a Qwen3.5-family model's GGUF: ${file}`);
      assert.equal(error.fix, "selectModel");
      return true;
    });
  });
});

// llama.cpp refuses such a file saying only "Failed to load model" (its log, not shown: "cannot
// find tokenizer vocab in model file"), and the user read "the model failed to load: Failed to load model".
describe("a model GGUF without its tokenizer (weights alone), chosen as the model", () => {
  it("is refused naming the missing keys and what to choose", async (t) => {
    const model = readFileSync(await ensureTinyModel({ arch: "qwen35" }));
    for (const key of ["tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.model"]) {
      const bytes = Buffer.from(model);
      const length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(key.length));
      bytes.write("x", bytes.indexOf(Buffer.concat([length, Buffer.from(key)])) + 8, "latin1"); // renamed: the key is gone
      const file = tempFile(t, bytes);
      await assert.rejects(validateModelFile(file), (error: unknown) => {
        assert.ok(error instanceof BackendError);
        assert.equal(error.message, `the model file holds no tokenizer (${key} missing): its weights alone, which llama.cpp cannot run (a conversion that left the vocabulary out). Choose a GGUF of the model with its tokenizer: ${file}`);
        assert.equal(error.fix, "selectModel");
        return true;
      });
    }
  });
});
