/**
 * The GGUF architectures Hearth runs, and the one a file names, apart from the validator
 * (validate.ts) so that a caller can ask without loading node-llama-cpp: the CLI refuses
 * another architecture's --model before a run starts.
 */
import { stat } from "node:fs/promises";
import { readGgufLayout } from "./gguf-reader.ts";

/** As messages name them. */
export const SUPPORTED_ARCHITECTURES_SHOWN = "Qwen3.5-family models (qwen35, qwen35moe)";

/**
 * Architectures Hearth runs: Qwen3.5 (`qwen35`, `qwen35moe`), Qwen3-Next, and later
 * `qwen3*` releases that keep the same prompt format (the code is driven by metadata).
 */
export function isSupportedArchitecture(architecture: string): boolean {
  return /^qwen3/.test(architecture);
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
 * The `general.architecture` a GGUF file names, read by the bounded reader; undefined where it
 * names none, is no readable GGUF or no regular file (the validator says why): a named pipe
 * (`--model /dev/stdin`) is not opened, its open would wait for a writer for ever.
 */
export async function ggufArchitecture(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return undefined;
    const entry = (await readGgufLayout(path, info.size)).metadata.get("general.architecture");
    return entry && "value" in entry && typeof entry.value === "string" ? entry.value : undefined;
  } catch {
    return undefined;
  }
}
