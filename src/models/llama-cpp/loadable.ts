/**
 * What the bundled llama.cpp cannot load though the file is a whole GGUF, told by the bounded
 * reader alone (no node-llama-cpp: the CLI's --model check runs these before a runtime starts,
 * `validate.ts` before the load): a GGUF version it does not read, a tensor of a type it
 * does not load, no tokenizer. Each load failed saying only "Failed to load model".
 */
import { printableAscii } from "../../protocol/printable-ascii.ts";
import type { GgufEntry, GgufTensorRecord } from "./gguf-reader.ts";
import { unloadableType } from "./tensor-extent.ts";

/** GGUF versions past 3 taken for a newer format (GGUF has had 3 in its first two years); above, for garbage. */
const NEWER_GGUF_VERSIONS = 99;

/**
 * "is a GGUF of version …" for a version the bundled llama.cpp does not read though a llama.cpp
 * wrote it: 1, the first (August 2023; its counts and lengths are 32-bit, so read as a later
 * version it looked like a corrupt file), and 4–99, a newer one's; undefined for 2 and 3, and
 * for a larger number (bytes that only start like a GGUF).
 */
export function unreadableGgufVersion(version: number): string | undefined {
  if (version === 1) return "is a GGUF of version 1, the format of August 2023, which the llama.cpp in this Hearth no longer reads (it reads versions 2 and 3; no Qwen3.5 model was written in version 1): choose a Qwen3.5-family model's GGUF";
  if (version <= 3 || version > NEWER_GGUF_VERSIONS) return undefined;
  return `is a GGUF of version ${version}, newer than the versions 2 and 3 that the llama.cpp in this Hearth reads: update Hearth, or choose the model as a GGUF of version 3`;
}

/** "tensor NAME is of type …: choose another quantization …" for the first tensor of a type llama.cpp does not load. */
export function unloadableTensor(tensors: readonly GgufTensorRecord[]): string | undefined {
  for (const tensor of tensors) {
    const type = unloadableType(tensor.ggmlType);
    if (type === undefined) continue;
    const update = type.includes("newer") ? ", or update Hearth" : "";
    // The name is the file's: printable and bounded (a terminal shows it).
    return `tensor ${printableAscii(tensor.name, 80)} ${type}: choose another quantization of the model (Q4_K_M, Q8_0)${update}`;
  }
  return undefined;
}

/**
 * "holds no tokenizer (…): …" where the vocabulary llama.cpp reads before it runs a model is
 * missing (its log: "cannot find tokenizer vocab in model file"). A BPE vocabulary (gpt2,
 * Qwen's) needs its merges too; "none" is a file of weights alone. `verb` as in
 * architecture.ts: "Choose" in VS Code, "Give" for --model.
 */
export function missingTokenizer(metadata: ReadonlyMap<string, GgufEntry>, verb: "Choose" | "Give"): string | undefined {
  const entry = metadata.get("tokenizer.ggml.model");
  const model = entry && "value" in entry && typeof entry.value === "string" ? entry.value : "";
  const keys = ["tokenizer.ggml.model", "tokenizer.ggml.tokens", ...(model === "gpt2" ? ["tokenizer.ggml.merges"] : [])];
  const missing = keys.filter((key) => !metadata.has(key));
  if (missing.length === 0 && model !== "none" && model !== "no_vocab") return undefined;
  const why = missing.length > 0 ? `${missing.join(", ")} missing` : `tokenizer.ggml.model "${model}"`;
  return `holds no tokenizer (${why}): its weights alone, which llama.cpp cannot run (a conversion that left the vocabulary out). ${verb} a GGUF of the model with its tokenizer`;
}
