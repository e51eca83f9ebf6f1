/**
 * Checks a GGUF file before llama.cpp sees it. Loading a malformed file can abort the
 * whole process (a qwen35 file without `attention.head_count`, or with it set to 0, hits a
 * GGML_ASSERT), and `readGgufFileInfo` trusts every count (a 100-byte file declaring a
 * 2^40-element array ran for a minute) and reads zeros past the end of a truncated file,
 * so every check that protects the runtime happens here, on our own bounded reader
 * (gguf-reader.ts): exists, non-empty, a GGUF whose declared lengths fit in the file,
 * tensors that fit (size against the end of the last tensor), an architecture Hearth runs,
 * required keys present, hyper-parameters in range (hyper-parameters.ts).
 */
import { open } from "node:fs/promises";
import { basename } from "node:path";
import { type GgufFileInfo, readGgufFileInfo } from "node-llama-cpp";
import { printableAscii } from "../../protocol/printable-ascii.ts";
import { BackendError } from "../backend.ts";
import { isSupportedArchitecture, notAChatModel, SUPPORTED_ARCHITECTURES_SHOWN } from "./architecture.ts";
import { checkModelFile } from "../model-slot.ts";
import { textWords, whatInstead } from "../not-a-model.ts";
import { notTheWeights, ollamaLayer } from "../ollama-store.ts";
import { type GgufEntry, GgufFormatError, type GgufLayout, readGgufLayout } from "./gguf-reader.ts";
import { checkHyperParameters } from "./hyper-parameters.ts";
import { missingTokenizer, unreadableGgufVersion, unloadableTensor } from "./loadable.ts";
import { checkSplitSet, splitParts } from "./split-set.ts";
import { tensorBytes, tensorDataEnd } from "./tensor-extent.ts";

/** What a valid file told us. */
export interface ValidatedModel {
  readonly modelPath: string;
  readonly architecture: string;
  readonly name: string;
  readonly trainContextSize: number;
  readonly fileSize: number;
  readonly info: GgufFileInfo;
}


/** Keys llama.cpp needs; the first two abort the process when missing (see QWEN35-FACTS.md). */
function requiredKeys(architecture: string): string[] {
  const keys = ["attention.head_count", "context_length", "embedding_length", "block_count"];
  // A dense model without its feed-forward length aborts as well; a MoE model without its
  // expert counts gets tensors with a 0 dimension, which aborts too.
  if (!/moe|next/.test(architecture)) keys.push("feed_forward_length");
  else keys.push("expert_count", "expert_used_count");
  return keys;
}

/** Validates `modelPath`; throws a {@link BackendError} saying what is wrong and what to do. */
export async function validateModelFile(modelPath: string): Promise<ValidatedModel> {
  const otherParts = await splitParts(modelPath);
  const ollama = ollamaBlob(modelPath);
  const layout = await checkStructure(modelPath);
  // The first part of a split model may hold metadata only (gguf-split --no-tensor-first-split).
  if (otherParts.length === 0) checkHasWeights(layout.tensors.length, modelPath);
  const architecture = checkArchitecture(layout.metadata, modelPath);
  const missing = requiredKeys(architecture).filter((key) => !layout.metadata.has(`${architecture}.${key}`));
  if (missing.length > 0) {
    throw new BackendError(
      `the model file lacks required metadata (${missing.map((k) => `${architecture}.${k}`).join(", ")}); it is damaged or was converted wrongly: ${modelPath}`,
      "selectModel",
    );
  }
  const problem = checkHyperParameters(architecture, layout.metadata);
  if (problem) throw new BackendError(`${modelPath}: ${problem} The file is damaged or not a Qwen3.5 model.`, "selectModel");
  // node-llama-cpp reads (and llama.cpp loads) the other parts too: each gets the bounded checks first.
  let fileSize = layout.fileSize;
  let tensors = layout.tensors.length;
  const partLayouts: GgufLayout[] = [];
  for (const part of otherParts) {
    const partLayout = await checkStructure(part);
    partLayouts.push(partLayout);
    fileSize += partLayout.fileSize;
    tensors += partLayout.tensors.length;
  }
  checkSplitSet(modelPath, layout, otherParts.map((part, i) => [part, partLayouts[i]!]));
  checkHasWeights(tensors, modelPath);
  checkTokenizer(layout.metadata, modelPath);
  // Every length is known to fit now, so node-llama-cpp's reader cannot run away.
  let info: GgufFileInfo;
  try {
    info = await withTimeout(readGgufFileInfo(modelPath, { readTensorInfo: true }), 60_000, "reading its metadata took over a minute");
  } catch (error) {
    throw new BackendError(`not a GGUF model file (${shortReason(error)}): ${modelPath}`, "selectModel");
  }
  // The name the user pulled it by, not the blob's sha256-<hex>.
  const name = displayName(ollama ? `${ollama} (Ollama)` : stringValue(layout.metadata.get("general.name"))) || basename(modelPath);
  const trainContextSize = Number(scalarValue(layout.metadata.get(`${architecture}.context_length`)));
  return { modelPath, architecture, name, trainContextSize, fileSize, info };
}

/** A model without its vocabulary (loadable.ts): the load said only "Failed to load model". */
function checkTokenizer(metadata: ReadonlyMap<string, GgufEntry>, modelPath: string): void {
  const none = missingTokenizer(metadata, "Choose");
  if (none) throw new BackendError(`the model file ${none}: ${modelPath}`, "selectModel");
}

/**
 * The model a blob of Ollama's store holds (ollama-store.ts), undefined for any other file; a
 * blob of another layer (its template, license…: chosen among files all named sha256-<hex>)
 * is refused naming the blob that holds the weights.
 */
function ollamaBlob(modelPath: string): string | undefined {
  const layer = ollamaLayer(modelPath);
  if (!layer || layer.kind === "model") return layer?.model;
  throw new BackendError(`${modelPath} is ${notTheWeights(layer)}`, "selectModel");
}

/** One file's rules, header, declared lengths and tensor extents; its layout and size. */
async function checkStructure(path: string): Promise<GgufLayout & { readonly fileSize: number }> {
  const fileSize = await checkModelFile(path);
  await checkHeader(path, fileSize);
  const layout = await readLayout(path, fileSize);
  checkTensors(layout, fileSize, path);
  return { ...layout, fileSize };
}

/**
 * A GGUF without tensors has no weights to run: llama.cpp's ggml-vocab-*.gguf (a tokenizer
 * for its tests) looks like a model to every other check, and its data section, which the
 * file need not pad out, read as an interrupted download.
 */
function checkHasWeights(tensors: number, modelPath: string): void {
  if (tensors > 0) return;
  throw new BackendError(`the file holds no weights (0 tensors): it is a vocabulary-only GGUF, like llama.cpp's ggml-vocab-*.gguf, not a model. Choose the model's own GGUF file: ${modelPath}`, "selectModel");
}

/** Header, metadata and tensor infos through the bounded reader. */
async function readLayout(modelPath: string, fileSize: number): Promise<GgufLayout> {
  try {
    return await readGgufLayout(modelPath, fileSize);
  } catch (error) {
    if (!(error instanceof GgufFormatError)) throw error;
    if (error.reason === "truncated") {
      throw new BackendError(`the model file is incomplete or corrupt (${error.message}): ${modelPath}`, "downloadModel");
    }
    throw new BackendError(`not a valid GGUF model file (${error.message}): ${modelPath}`, "selectModel");
  }
}

function checkArchitecture(metadata: ReadonlyMap<string, GgufEntry>, modelPath: string): string {
  // Before the architecture: an importance matrix names none, a LoRA adapter its base model's.
  const other = notAChatModel(metadata, "Choose");
  if (other) throw new BackendError(`the file is ${other}: ${modelPath}`, "selectModel");
  const architecture = stringValue(metadata.get("general.architecture"));
  if (!architecture) throw new BackendError(`the GGUF file names no architecture (general.architecture): ${modelPath}`, "selectModel");
  if (!isSupportedArchitecture(architecture)) {
    throw new BackendError(
      `unsupported model architecture "${printableAscii(architecture, 60)}": Hearth runs ${SUPPORTED_ARCHITECTURES_SHOWN}: ${modelPath}`,
      "selectModel",
    );
  }
  return architecture;
}

/** Longest model name shown: it travels in every status message, the status bar and the log. */
const MAX_NAME = 120;

/** The file's `general.name` as one line: control and format characters (escapes, bidi marks, line breaks) as spaces, cut to {@link MAX_NAME} characters. */
function displayName(raw: string): string {
  // By code points, so no emoji is cut in half (a lone surrogate left by the first cut is a space).
  const line = [...raw.slice(0, 4 * MAX_NAME).replace(/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu, " ").replace(/\s+/g, " ").trim()];
  return line.length > MAX_NAME ? `${line.slice(0, MAX_NAME - 1).join("")}…` : line.join("");
}

function scalarValue(entry: GgufEntry | undefined): unknown {
  return entry && "value" in entry ? entry.value : undefined;
}

function stringValue(entry: GgufEntry | undefined): string {
  const value = scalarValue(entry);
  return typeof value === "string" ? value : "";
}

/**
 * The fixed GGUF header: magic, version 2 or 3, and tensor / metadata counts the file can
 * hold. readGgufFileInfo trusts the counts and can read a garbage file for ever.
 */
async function checkHeader(modelPath: string, fileSize: number): Promise<void> {
  const handle = await open(modelPath, "r");
  // 256 bytes: enough to tell a web page or a Git LFS pointer saved in the model's place.
  const head = Buffer.alloc(256);
  let read: number;
  try {
    ({ bytesRead: read } = await handle.read(head, 0, head.length, 0));
  } finally {
    await handle.close();
  }
  const header = head.subarray(0, 24);
  const notGguf = (why: string) => new BackendError(`not a GGUF model file (${why}): ${modelPath}`, "selectModel");
  if (fileSize < 24 || header.toString("latin1", 0, 4) !== "GGUF") {
    const instead = whatInstead(head.subarray(0, read));
    if (instead?.kind === "page") throw new BackendError(`the file is a web page, not a GGUF model (it starts with ${instead.start}): an error page saved in the model's place; download the model again or choose its .gguf file: ${modelPath}`, "selectModel");
    if (instead?.kind === "lfs") throw new BackendError(`the file is a Git LFS pointer, not the model: run git lfs pull in the repository it came from, or choose the model's .gguf file: ${modelPath}`, "selectModel");
    if (instead?.kind === "text") throw new BackendError(`the file is ${textWords(instead)}; download the model again or choose its .gguf file: ${modelPath}`, "selectModel");
    throw notGguf("no GGUF header");
  }
  const version = header.readUInt32LE(4);
  // 1 is the first GGUF, a small number past 3 a newer llama.cpp's; a large one, bytes that only start like a GGUF.
  const unreadable = unreadableGgufVersion(version);
  if (unreadable) throw new BackendError(`the file ${unreadable}: ${modelPath}`, "selectModel");
  if (version < 1 || version > 3) throw notGguf(`unknown GGUF version ${version}`);
  const tensors = Number(header.readBigUInt64LE(8));
  const keys = Number(header.readBigUInt64LE(16));
  // Each tensor record takes at least 24 bytes and each metadata entry at least 12.
  if (24 + tensors * 24 + keys * 12 > fileSize) {
    throw new BackendError(`the model file is incomplete or corrupt (its header lists ${tensors} tensors and ${keys} metadata keys, more than ${formatBytes(fileSize)} can hold): ${modelPath}`, "downloadModel");
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Every tensor has sizes above 0, a type-aligned row, an aligned offset, and data inside
 * the file. A file cut short gets the "incomplete" message with how much of it is there.
 */
function checkTensors(layout: GgufLayout, fileSize: number, modelPath: string): void {
  // No tensors, no data section: the file may end before the alignment padding that would start it.
  if (layout.tensors.length === 0) return;
  const unloadable = unloadableTensor(layout.tensors);
  if (unloadable) throw new BackendError(`${modelPath}: ${unloadable}`, "selectModel");
  for (const tensor of layout.tensors) {
    const size = tensorBytes(tensor);
    const misaligned = tensor.offset % BigInt(layout.alignment) !== 0n;
    const problem = typeof size === "string" ? size : misaligned ? `starts at data offset ${tensor.offset}, not a multiple of the file's alignment (${layout.alignment})` : undefined;
    if (problem !== undefined) throw new BackendError(`${modelPath}: tensor ${tensor.name} ${problem}. The file is damaged.`, "selectModel");
  }
  // Where the data ends, as a download measures a model that just arrived.
  const end = tensorDataEnd(layout);
  if (end > BigInt(fileSize)) {
    const needed = Number(end);
    const percent = Math.floor((fileSize / needed) * 100);
    throw new BackendError(
      `the model file is incomplete (${formatBytes(fileSize)} of ${formatBytes(needed)}, ${percent}%), probably an interrupted download: ${modelPath}`,
      "downloadModel",
    );
  }
}

function shortReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0]!.slice(0, 160);
}

export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}
