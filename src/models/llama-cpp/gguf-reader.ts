/**
 * A bounded GGUF reader: header, metadata and tensor infos, read in chunks, every declared
 * count and length checked against the bytes left in the file before anything is
 * allocated. node-llama-cpp's `readGgufFileInfo` and llama.cpp trust the counts: a 100-byte
 * file declaring a 2^40-element array ran for a minute and took 1.7 GB before dying.
 * Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
 */
import { open, type FileHandle } from "node:fs/promises";
import { printableAscii } from "../../protocol/printable-ascii.ts";

/** Metadata value types (gguf.md, `gguf_metadata_value_type`). */
export const GGUF_TYPE_NAMES = ["u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"] as const;
const ARRAY = 9;
const STRING = 8;
/** Bytes of each fixed-size value type (strings: the minimum, their 8-byte length). */
const TYPE_SIZE = [1, 1, 2, 2, 4, 4, 4, 1, 8, 0, 8, 8, 8];

/** A scalar metadata value: numbers (u64/i64 beyond 2^53 stay bigint), booleans, strings. */
export type GgufScalar = number | bigint | boolean | string;

/** One metadata entry. Arrays keep their items only when numeric and short (see {@link KEPT_ARRAY_ITEMS}). */
export type GgufEntry =
  | { readonly type: string; readonly value: GgufScalar }
  | { readonly type: "array"; readonly itemType: string; readonly length: number; readonly items?: readonly GgufScalar[] };

/** Numeric arrays up to this length are kept (per-layer counts, rope sections); token lists are skipped. */
export const KEPT_ARRAY_ITEMS = 4096;

/** One tensor record, as declared. */
export interface GgufTensorRecord {
  readonly name: string;
  readonly dims: readonly bigint[];
  readonly ggmlType: number;
  /** Relative to the start of the data section. */
  readonly offset: bigint;
}

/** What the header, metadata and tensor infos declare. */
export interface GgufLayout {
  readonly version: number;
  readonly metadata: ReadonlyMap<string, GgufEntry>;
  readonly tensors: readonly GgufTensorRecord[];
  readonly alignment: number;
  /** File offset of the tensor data section (aligned end of the tensor infos). */
  readonly dataOffset: number;
}

/** The file declares more than it holds, or holds something no GGUF may. */
export class GgufFormatError extends Error {
  /** `truncated`: a declared length runs past the end of the file (an interrupted download or a corrupt count). */
  constructor(message: string, readonly reason: "truncated" | "invalid") {
    super(message);
  }
}

/** Strings Hearth reads into memory (keys, names, chat templates); longer ones are refused, not allocated. */
const MAX_KEPT_STRING = 16 << 20;
/**
 * The text kept of one file in all (keys, string values, tensor names): a model's is tens of
 * KB (its chat template), a whole tokenizer.json as a string ~10 MB. Each string under the
 * limit above, 300 of them (a 5 GB file) took the process past its heap and ended it.
 */
export const MAX_KEPT_TEXT = 64 << 20;
/**
 * Counts no model comes near (models have hundreds to a few thousand tensors and tens of
 * keys; Qwen's tokenizer is ~300,000 strings, tokens and merges). Below the file size they
 * still cost: a tensor record read takes ~300 bytes of heap (3 million records in a 100 MB
 * file took 1 GB, so a few hundred MB of them ended the process at its ~4 GB heap), and
 * skipping 20 million empty strings took 13 s. llama.cpp caps none of them.
 */
export const MAX_TENSORS = 1 << 16;
export const MAX_ENTRIES = 1 << 16;
/** Strings in all metadata arrays together. */
export const MAX_ARRAY_STRINGS = 1 << 22;
const CHUNK = 1 << 20;

/** Reads the GGUF structure of `path` (whose size is `fileSize`) without trusting a single count. */
export async function readGgufLayout(path: string, fileSize: number): Promise<GgufLayout> {
  const handle = await open(path, "r");
  try {
    return await new LayoutReader(new BoundedReader(handle, fileSize)).read();
  } finally {
    await handle.close();
  }
}

/** Sequential little-endian reads over a file handle, through a chunk buffer, never past `size`. */
class BoundedReader {
  private buffer = Buffer.alloc(0);
  private bufferStart = 0;
  private kept = 0;
  position = 0;

  constructor(private readonly handle: FileHandle, readonly size: number) {}

  get remaining(): number {
    return this.size - this.position;
  }

  /** Makes `n` bytes at the position available; `what` names them in the error. */
  private async need(n: number, what: string): Promise<number> {
    if (n > this.remaining) {
      throw new GgufFormatError(`${what} needs ${n} bytes at offset ${this.position}, but the file ends ${this.remaining} bytes later`, "truncated");
    }
    const at = this.position - this.bufferStart;
    if (at >= 0 && at + n <= this.buffer.length) return at;
    const length = Math.min(Math.max(n, CHUNK), this.remaining);
    this.buffer = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(this.buffer, 0, length, this.position);
    if (bytesRead < n) throw new GgufFormatError(`${what}: the file ended early at offset ${this.position + bytesRead}`, "truncated");
    this.bufferStart = this.position;
    return 0;
  }

  async u32(what: string): Promise<number> {
    const at = await this.need(4, what);
    this.position += 4;
    return this.buffer.readUInt32LE(at);
  }

  async u64(what: string): Promise<bigint> {
    const at = await this.need(8, what);
    this.position += 8;
    return this.buffer.readBigUInt64LE(at);
  }

  /** A value of fixed-size type `type` (not string/array). */
  async scalar(type: number, what: string): Promise<GgufScalar> {
    const at = await this.need(TYPE_SIZE[type]!, what);
    this.position += TYPE_SIZE[type]!;
    const b = this.buffer;
    switch (type) {
      case 0: return b.readUInt8(at);
      case 1: return b.readInt8(at);
      case 2: return b.readUInt16LE(at);
      case 3: return b.readInt16LE(at);
      case 4: return b.readUInt32LE(at);
      case 5: return b.readInt32LE(at);
      case 6: return b.readFloatLE(at);
      case 7: return b.readUInt8(at) !== 0;
      case 10: return safeNumber(b.readBigUInt64LE(at));
      case 11: return safeNumber(b.readBigInt64LE(at));
      default: return b.readDoubleLE(at);
    }
  }

  /** A length-prefixed string; `keep: false` skips its bytes without reading them. */
  async string(what: string, keep = true): Promise<string> {
    const length = await this.u64(`the length of ${what}`);
    if (length > BigInt(this.remaining)) {
      throw new GgufFormatError(`${what} declares ${length} bytes, but only ${this.remaining} are left in the file`, "truncated");
    }
    const n = Number(length);
    if (!keep) {
      this.position += n;
      return "";
    }
    if (n > MAX_KEPT_STRING) throw new GgufFormatError(`${what} is ${n} bytes long, more than any GGUF string Hearth reads (${MAX_KEPT_STRING})`, "invalid");
    this.kept += n;
    if (this.kept > MAX_KEPT_TEXT) throw new GgufFormatError(`its metadata text comes to more than ${MAX_KEPT_TEXT} bytes at ${what}; no model's comes near (a chat template is tens of KB)`, "invalid");
    const at = await this.need(n, what);
    this.position += n;
    return this.buffer.toString("utf8", at, at + n);
  }

  skip(n: number): void {
    this.position += n;
  }
}

function safeNumber(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}

/** The three sections in file order. */
class LayoutReader {
  private strings = 0;

  constructor(private readonly r: BoundedReader) {}

  async read(): Promise<GgufLayout> {
    const { tensorCount, entryCount, version } = await this.header();
    const metadata = new Map<string, GgufEntry>();
    const keyIndex = new Map<string, number>();
    for (let i = 0; i < entryCount; i++) {
      const key = await this.r.string(`metadata key ${i + 1} of ${entryCount}`);
      once(keyIndex, key, i, "metadata key", "entries", "key");
      metadata.set(key, await this.entry(key));
    }
    const alignment = alignmentOf(metadata);
    const tensors: GgufTensorRecord[] = [];
    const tensorIndex = new Map<string, number>();
    for (let i = 0; i < tensorCount; i++) {
      const tensor = await this.tensor(i, tensorCount);
      once(tensorIndex, tensor.name, i, "tensor", "tensors", "tensor");
      tensors.push(tensor);
    }
    const dataOffset = Math.ceil(this.r.position / alignment) * alignment;
    return { version, metadata, tensors, alignment, dataOffset };
  }

  private async header(): Promise<{ version: number; tensorCount: number; entryCount: number }> {
    this.r.skip(4); // the magic, checked by the caller
    const version = await this.r.u32("the GGUF version");
    // Not a GGUF whatever follows (garbage after the magic reads as a version-0 file of no
    // tensors, which a download would take for a vocabulary-only file).
    if (version < 1 || version > 3) throw new GgufFormatError(`unknown GGUF version ${version}; GGUF files are versions 1 to 3`, "invalid");
    const tensors = await this.r.u64("the tensor count");
    const entries = await this.r.u64("the metadata count");
    // A tensor record takes at least 33 bytes, a metadata entry at least 13.
    if (tensors * 33n + entries * 13n > BigInt(this.r.remaining)) {
      throw new GgufFormatError(`its header lists ${tensors} tensors and ${entries} metadata entries, more than the file can hold`, "truncated");
    }
    if (tensors > MAX_TENSORS) throw new GgufFormatError(`its header lists ${tensors} tensors; no model has more than ${MAX_TENSORS}`, "invalid");
    if (entries > MAX_ENTRIES) throw new GgufFormatError(`its header lists ${entries} metadata entries; no model has more than ${MAX_ENTRIES}`, "invalid");
    return { version, tensorCount: Number(tensors), entryCount: Number(entries) };
  }

  private async entry(key: string): Promise<GgufEntry> {
    const type = await this.r.u32(`the type of ${key}`);
    if (type === ARRAY) return this.array(key);
    if (type === STRING) return { type: "string", value: await this.r.string(key) };
    if (GGUF_TYPE_NAMES[type] === undefined) throw new GgufFormatError(`${key} has the unknown value type ${type}`, "invalid");
    return { type: GGUF_TYPE_NAMES[type]!, value: await this.r.scalar(type, key) };
  }

  private async array(key: string): Promise<GgufEntry> {
    const itemType = await this.r.u32(`the item type of ${key}`);
    if (itemType === ARRAY || GGUF_TYPE_NAMES[itemType] === undefined) throw new GgufFormatError(`${key} is an array of unsupported items (type ${itemType})`, "invalid");
    const declared = await this.r.u64(`the length of ${key}`);
    // Checked before anything is read or allocated: strings take at least their 8-byte length.
    if (declared * BigInt(TYPE_SIZE[itemType]!) > BigInt(this.r.remaining)) {
      throw new GgufFormatError(`${key} declares ${declared} items of type ${GGUF_TYPE_NAMES[itemType]}, more than the ${this.r.remaining} bytes left in the file`, "truncated");
    }
    const length = Number(declared);
    const base = { type: "array" as const, itemType: GGUF_TYPE_NAMES[itemType]!, length };
    if (itemType === STRING) {
      this.strings += length;
      if (this.strings > MAX_ARRAY_STRINGS) throw new GgufFormatError(`${key} holds ${length} strings; no model's metadata arrays hold more than ${MAX_ARRAY_STRINGS} in all`, "invalid");
      for (let i = 0; i < length; i++) await this.r.string(`${key}[${i}]`, false);
      return base;
    }
    if (length > KEPT_ARRAY_ITEMS) {
      this.r.skip(length * TYPE_SIZE[itemType]!);
      return base;
    }
    const items: GgufScalar[] = [];
    for (let i = 0; i < length; i++) items.push(await this.r.scalar(itemType, `${key}[${i}]`));
    return { ...base, items };
  }

  private async tensor(index: number, count: number): Promise<GgufTensorRecord> {
    const name = await this.r.string(`the name of tensor ${index + 1} of ${count}`);
    const nDims = await this.r.u32(`the dimension count of tensor ${name}`);
    // ggml tensors have at most 4 dimensions (GGML_MAX_DIMS).
    if (nDims < 1 || nDims > 4) throw new GgufFormatError(`tensor ${name} has ${nDims} dimensions; a GGUF tensor has 1 to 4`, "invalid");
    const dims: bigint[] = [];
    for (let d = 0; d < nDims; d++) dims.push(await this.r.u64(`dimension ${d} of tensor ${name}`));
    const ggmlType = await this.r.u32(`the type of tensor ${name}`);
    const offset = await this.r.u64(`the data offset of tensor ${name}`);
    return { name, dims, ggmlType, offset };
  }
}

/**
 * Records `name` as the one at `index`, refusing a name seen before: llama.cpp refuses such a
 * file too, but only says that the load failed, and which of the two values it would have
 * read is not the one checked here. The name is the file's: shown as printable ASCII.
 */
function once(seen: Map<string, number>, name: string, index: number, what: string, plural: string, noun: string): void {
  const first = seen.get(name);
  if (first !== undefined) {
    throw new GgufFormatError(`${what} "${printableAscii(name, 80)}" appears twice (${plural} ${first + 1} and ${index + 1}); a GGUF names each ${noun} once`, "invalid");
  }
  seen.set(name, index);
}

/** `general.alignment` (a power of two, default 32). */
function alignmentOf(metadata: ReadonlyMap<string, GgufEntry>): number {
  const entry = metadata.get("general.alignment");
  if (entry === undefined) return 32;
  const value = "value" in entry ? Number(entry.value) : NaN;
  if (!Number.isInteger(value) || value < 1 || value > 1 << 20 || (value & (value - 1)) !== 0) {
    throw new GgufFormatError(`general.alignment is ${"value" in entry ? String(entry.value) : "an array"}; it must be a power of two`, "invalid");
  }
  return value;
}
