/**
 * The GGUF architectures Hearth runs, and the one a file names, apart from the validator
 * (validate.ts) so that a caller can ask without loading node-llama-cpp: the CLI refuses
 * another architecture's --model before a run starts.
 */
import { open, stat } from "node:fs/promises";
import { printableAscii } from "../../protocol/printable-ascii.ts";
import { type GgufEntry, type GgufLayout, readGgufLayout } from "./gguf-reader.ts";

/** As messages name them. */
export const SUPPORTED_ARCHITECTURES_SHOWN = "Qwen3.5-family models (qwen35, qwen35moe)";

/**
 * Architectures Hearth runs: Qwen3.5 (`qwen35`, `qwen35moe`), Qwen3-Next, and later
 * `qwen3*` releases that keep the same prompt format (the code is driven by metadata). A name
 * as llama.cpp's are (letters, digits, `_.-`, short): the file's text goes into every message
 * that names its keys (`qwen3` then 16 MB of it made each one 16 MB).
 */
export function isSupportedArchitecture(architecture: string): boolean {
  return /^qwen3[\w.-]{0,59}$/.test(architecture);
}

/**
 * A vision projector (llama.cpp's mmproj files: `general.architecture` "clip"), which
 * Qwen3.5's repositories ship beside the weights (mmproj-F16.gguf): picked from the folder in
 * the model's place, it is no other model family but the wrong file. Said in those words,
 * ending with what to choose (`verb`: "Choose" in VS Code, "Give" for --model); undefined for any other architecture.
 */
export function projectorRefusal(architecture: string, verb: "Choose" | "Give"): string | undefined {
  if (architecture !== "clip") return undefined;
  return `a vision projector (mmproj, architecture "clip"): it goes with a model but is not one. ${verb} the model's own GGUF, the one not named mmproj, from the same folder`;
}

/**
 * Architectures llama.cpp runs only as embedding models (sentence vectors for search: BERT and
 * its kin, EmbeddingGemma, T5's encoder), which any pooling_type key aside are no chat model.
 */
const EMBEDDING_ARCHITECTURES = new Set(["bert", "modern-bert", "nomic-bert", "nomic-bert-moe", "neo-bert", "jina-bert-v2", "jina-bert-v3", "gemma-embedding", "t5encoder"]);

/** Draft models for speculative decoding llama.cpp loads beside their target (DFlash, EAGLE-3). */
const DRAFT_ARCHITECTURES = new Set(["dflash", "eagle3"]);

/** llama.cpp's pooling types: a GGUF that sets one (`{arch}.pooling_type`) is made for embeddings or ranking. */
const POOLING = ["none", "mean", "cls", "last", "rank"];

/**
 * A GGUF that is no chat model though it may look like one (the GGUFs users keep beside their
 * models: LM Studio's and Hugging Face's folders, llama.cpp's outputs), said for what it is,
 * ending with what to choose instead (`verb` as in {@link projectorRefusal}); undefined for a
 * model. A LoRA adapter names its base model's architecture (a Qwen3.5 one `qwen35`) without
 * its hyper-parameters, and read as a damaged model; an importance matrix names none; a
 * Qwen3 embedding model or reranker (Qwen3-Embedding, Qwen3-Reranker: architecture `qwen3`)
 * passed every check, loaded, and answered with junk.
 */
export function notAChatModel(metadata: ReadonlyMap<string, GgufEntry>, verb: "Choose" | "Give"): string | undefined {
  const text = (key: string) => {
    const entry = metadata.get(key);
    return entry && "value" in entry && typeof entry.value === "string" ? entry.value : "";
  };
  const architecture = text("general.architecture");
  const projector = projectorRefusal(architecture, verb);
  if (projector) return projector;
  const type = text("general.type");
  if (type === "adapter") {
    const kind = text("adapter.type") === "lora" ? "LoRA adapter" : "adapter";
    return `a ${kind} (general.type "adapter"): it changes a model's weights when loaded with that model, and is not one itself; Hearth loads no adapters. ${verb} the model it was made for, or a GGUF with the adapter merged in (llama.cpp's llama-export-lora makes one)`;
  }
  // Named after their target (z-lab/Qwen3.5-9B-DFlash): their architecture alone said "a "dflash" model".
  if (DRAFT_ARCHITECTURES.has(architecture)) {
    return `a draft model (architecture "${architecture}"): it proposes tokens for the model it was made for to check (speculative decoding) and cannot answer alone; Hearth runs no draft models. ${verb} the model itself, a Qwen3.5 model's own GGUF`;
  }
  if (type === "imatrix") return `an importance matrix (general.type "imatrix"): the data llama-quantize reads to quantize a model, not a model. ${verb} a model's GGUF`;
  const pooling = metadata.get(`${architecture}.pooling_type`);
  // The file's text: printable and bounded in the message.
  const shown = printableAscii(architecture, 60);
  const poolingType = pooling && "value" in pooling && typeof pooling.value === "number" ? pooling.value : 0;
  if (poolingType === 4) return `a reranker (${shown}.pooling_type ${poolingType}, "rank"): it scores how well a text answers a query and writes no text. ${verb} a chat model's GGUF: Hearth runs ${SUPPORTED_ARCHITECTURES_SHOWN}`;
  const embedding = poolingType > 0 && poolingType < POOLING.length ? `${shown}.pooling_type ${poolingType}, "${POOLING[poolingType]}"` : EMBEDDING_ARCHITECTURES.has(architecture) ? `architecture "${architecture}"` : undefined;
  if (embedding) return `an embedding model (${embedding}): it turns text into vectors for search and writes no text. ${verb} a chat model's GGUF: Hearth runs ${SUPPORTED_ARCHITECTURES_SHOWN}`;
  return undefined;
}

/** What the bounded reader tells of a GGUF file: its version, and its layout where it reads as one. */
export interface GgufHead {
  readonly version: number;
  /** Undefined for a version it does not read, or a file damaged past its header (the validator says why). */
  readonly layout?: GgufLayout;
}

/**
 * The GGUF at `path` as the bounded reader reads it, read once; undefined where it is no
 * regular file or does not start as a GGUF: a named pipe (`--model /dev/stdin`) is not opened,
 * its open would wait for a writer for ever.
 */
export async function readGgufHead(path: string): Promise<GgufHead | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size < 8) return undefined;
    const head = Buffer.alloc(8);
    const handle = await open(path, "r");
    try {
      await handle.read(head, 0, 8, 0);
    } finally {
      await handle.close();
    }
    if (head.toString("latin1", 0, 4) !== "GGUF") return undefined;
    const version = head.readUInt32LE(4);
    const layout = await readGgufLayout(path, info.size).catch(() => undefined);
    return layout ? { version, layout } : { version };
  } catch {
    return undefined;
  }
}

/** The `general.architecture` of a GGUF's metadata; undefined where it names none. */
export function architectureOf(metadata: ReadonlyMap<string, GgufEntry>): string | undefined {
  const entry = metadata.get("general.architecture");
  return entry && "value" in entry && typeof entry.value === "string" ? entry.value : undefined;
}
