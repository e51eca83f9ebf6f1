/**
 * A split model's part names, as gguf-split and node-llama-cpp name them:
 * `name-00001-of-00003.gguf`, `name-00002-of-00003.gguf`, … One place for both that read them:
 * the model's checks (llama-cpp/validate.ts: every part there, the first chosen) and the slot's
 * look at whether the model's files changed (model-slot.ts).
 */

const SPLIT_PART = /-(\d{5})-of-(\d{5})\.gguf$/;

export interface SplitModel {
  /** Which part `path` is (1 is the first). */
  readonly part: number;
  /** How many parts the name says the model has. */
  readonly parts: number;
  /** The path of part `n` of the same model, in the same folder. */
  partPath(n: number): string;
}

/** The split model `path` names a part of; undefined for a name without `-NNNNN-of-NNNNN.gguf`. */
export function splitModel(path: string): SplitModel | undefined {
  const match = SPLIT_PART.exec(path);
  if (!match) return undefined;
  const stem = path.slice(0, match.index);
  const of = match[2]!;
  return { part: Number(match[1]), parts: Number(of), partPath: (n) => `${stem}-${String(n).padStart(5, "0")}-of-${of}.gguf` };
}
