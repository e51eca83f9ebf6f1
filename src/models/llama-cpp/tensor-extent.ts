/**
 * How many bytes a GGUF's tensors take, from the tensor infos its header declares: the
 * validator checks a file against it before a load, and a download checks a model that just
 * arrived (a Content-Length smaller than the file ends the body early with a size that
 * matches what the server announced). No node-llama-cpp here: downloads import it.
 */
import type { GgufLayout, GgufTensorRecord } from "./gguf-reader.ts";

/** Bytes per block and elements per block of ggml's tensor types (ggml.c's type traits). */
const TYPE_TRAITS: Readonly<Record<number, readonly [bytes: number, elements: number]>> = {
  0: [4, 1], 1: [2, 1], 2: [18, 32], 3: [20, 32], 6: [22, 32], 7: [24, 32], 8: [34, 32], 9: [36, 32],
  10: [84, 256], 11: [110, 256], 12: [144, 256], 13: [176, 256], 14: [210, 256], 15: [292, 256],
  16: [66, 256], 17: [74, 256], 18: [98, 256], 19: [50, 256], 20: [18, 32], 21: [110, 256], 22: [82, 256],
  23: [136, 256], 24: [1, 1], 25: [2, 1], 26: [4, 1], 27: [8, 1], 28: [8, 1], 29: [56, 256], 30: [2, 1],
  34: [54, 256], 35: [66, 256], 39: [17, 32], 40: [36, 64], 41: [18, 128], 42: [18, 64],
};

/** Types llama.cpp has dropped (ggml.h keeps their numbers), by name; what they were made of for the repacked ones. */
const REMOVED_TYPES: Readonly<Record<number, string>> = {
  4: "Q4_2", 5: "Q4_3", 31: "Q4_0_4_4", 32: "Q4_0_4_8", 33: "Q4_0_8_8", 36: "IQ4_NL_4_4", 37: "IQ4_NL_4_8", 38: "IQ4_NL_8_8",
};

/**
 * Why the llama.cpp Hearth ships cannot load a tensor of this type (it fails the whole load
 * saying only "Failed to load model"); undefined for a type it knows (the table above, which
 * follows ggml.h of node-llama-cpp's llama.cpp: GGML_TYPE_COUNT 43).
 */
export function unloadableType(ggmlType: number): string | undefined {
  if (TYPE_TRAITS[ggmlType]) return undefined;
  const removed = REMOVED_TYPES[ggmlType];
  const repacked = removed?.replace(/_\d_\d$/, "");
  if (repacked !== removed) return `is of type ${removed} (${ggmlType}), an ARM repacking of ${repacked} that llama.cpp no longer reads from a file (it repacks ${repacked} itself as it loads)`;
  if (removed) return `is of type ${removed} (${ggmlType}), which llama.cpp dropped in 2023`;
  return `is of ggml type ${ggmlType}, which the llama.cpp in this Hearth does not know (a quantization newer than it)`;
}

/** Bytes of a tensor's data; undefined for a type this table does not know (the validator refuses those: {@link unloadableType}); a string for a broken shape. */
export function tensorBytes(tensor: GgufTensorRecord): bigint | string | undefined {
  const zero = tensor.dims.findIndex((d) => d === 0n);
  if (zero >= 0) return `has size 0 in dimension ${zero} (${tensor.dims.join(" x ")})`;
  const traits = TYPE_TRAITS[tensor.ggmlType];
  if (!traits) return undefined;
  const [bytes, elements] = traits.map(BigInt) as [bigint, bigint];
  if (tensor.dims[0]! % elements !== 0n) return `has rows of ${tensor.dims[0]} values, not a multiple of its type's block of ${elements}`;
  return (tensor.dims.reduce((product, d) => product * d, 1n) / elements) * bytes;
}

/**
 * Where the last tensor's data ends (file offset): the least a whole file holds. A tensor of
 * a type or shape {@link tensorBytes} cannot size counts from its start only.
 */
export function tensorDataEnd(layout: GgufLayout): bigint {
  let end = BigInt(layout.dataOffset);
  for (const tensor of layout.tensors) {
    const size = tensorBytes(tensor);
    const tensorEnd = BigInt(layout.dataOffset) + tensor.offset + (typeof size === "bigint" ? size : 0n);
    if (tensorEnd > end) end = tensorEnd;
  }
  return end;
}
