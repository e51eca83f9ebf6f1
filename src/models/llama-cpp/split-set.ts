/**
 * A split model's parts (gguf-split's `name-00001-of-00003.gguf`, …) as one model: every part
 * there, the first chosen, each the part of the same model its name says. Bounded reader only
 * (no node-llama-cpp), so the CLI's --model check says the same before a runtime starts.
 */
import { stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { printableAscii } from "../../protocol/printable-ascii.ts";
import { BackendError } from "../backend.ts";
import { splitModel } from "../split-model.ts";
import { type GgufEntry, type GgufLayout, readGgufLayout } from "./gguf-reader.ts";

/**
 * The other parts of a split model (`name-00001-of-00003.gguf`), which must all be there;
 * none for a single file. A later part chosen on its own is refused with the first part's name.
 */
export async function splitParts(modelPath: string): Promise<string[]> {
  const model = splitModel(modelPath);
  if (!model || model.part < 1 || model.parts < 2 || model.part > model.parts) return [];
  const { part, parts, partPath } = model;
  const split = `part ${part} of a model split into ${parts} files`;
  if (part !== 1) throw new BackendError(`${modelPath} is ${split}: choose its first part, ${basename(partPath(1))}`, "selectModel");
  const others = Array.from({ length: parts - 1 }, (_, i) => partPath(i + 2));
  const missing: string[] = [];
  for (const other of others) if (!(await stat(other).catch(() => undefined))) missing.push(basename(other));
  if (missing.length > 0) {
    const unfinished = await unfinishedDownloads(dirname(modelPath), missing.slice(0, 3));
    const next = unfinished.length > 0
      ? `${listed(unfinished)} ${unfinished.length === 1 ? "is a download" : "are downloads"} not finished yet; choose the model again once they are done`
      : "put every part in the same folder";
    throw new BackendError(`${modelPath} is ${split}; ${listed(missing)} ${missing.length === 1 ? "is" : "are"} missing: ${next}`, "selectModel");
  }
  return others;
}

/** What to do about a part that belongs to another model. */
const SPLIT_AGAIN = "Download the parts again, all from the same place (one model, one quantization), into one folder";

/** What a part of a split model says of itself (gguf-split's split.no, split.count, split.tensors.count); undefined for a whole model. */
interface SplitKeys {
  /** Which part, 0 for the first. */
  readonly no: number;
  readonly count: number;
  readonly tensors: number | undefined;
}

function splitDeclared(metadata: ReadonlyMap<string, GgufEntry>): SplitKeys | undefined {
  const count = Number(scalarValue(metadata.get("split.count")));
  if (!Number.isInteger(count) || count < 2) return undefined;
  const no = Number(scalarValue(metadata.get("split.no")));
  const tensors = Number(scalarValue(metadata.get("split.tensors.count")));
  return { no: Number.isInteger(no) ? no : 0, count, tensors: Number.isInteger(tensors) ? tensors : undefined };
}

/**
 * The chosen file says it is part of a split model: its name must say which, as gguf-split
 * wrote it. llama.cpp finds the other parts by that name, and failed as "Failed to load model"
 * for a part renamed (model.gguf) or a name that counts other parts than the file.
 */
function checkSplitFirst(declared: SplitKeys, named: number, modelPath: string): void {
  const split = `part ${declared.no + 1} of a model split into ${declared.count} files (its split.no and split.count say so)`;
  if (named > 1) {
    if (declared.no === 0 && declared.count === named) return;
    throw new BackendError(`${modelPath} is ${split}, not the part 1 of ${named} its name says: a part of another download. ${SPLIT_AGAIN}`, "selectModel");
  }
  const ending = `-${String(declared.no + 1).padStart(5, "0")}-of-${String(declared.count).padStart(5, "0")}.gguf`;
  // The Hugging Face cache keeps each file as blobs/<sha256>, named in snapshots/<revision>/ by a link.
  const blobs = dirname(modelPath);
  if (basename(blobs) === "blobs" && basename(dirname(blobs)).startsWith("models--")) {
    throw new BackendError(
      `${modelPath} is ${split}, as the Hugging Face cache stores it, without its name, which llama.cpp finds the other parts by: choose the part whose name ends ${ending} in the cache's ${join(dirname(blobs), "snapshots")} folder (in the revision's folder there)`,
      "selectModel",
    );
  }
  throw new BackendError(
    `${modelPath} is ${split}, under a name llama.cpp cannot find the other parts by: give the parts back the names they were downloaded with (this one's ends ${ending}), in one folder, and choose the first`,
    "selectModel",
  );
}

/**
 * Part `number` of `count` of the model the first part begins, as its name says: it must say
 * the same of itself, and hold no tensor an earlier part holds. A part of another download
 * (another model, quantization or release, saved under this name) failed the load as "Failed
 * to load model", or, holding a tensor twice, aborted the process (gguf.cpp: duplicate tensor name).
 */
function checkSplitPart(first: string, layout: GgufLayout, number: number, count: number, part: string, holder: Map<string, string>): void {
  const own = splitDeclared(layout.metadata);
  const wanted = `part ${number} of ${count}`;
  if (!own) throw new BackendError(`${part} is a whole model, not ${wanted} of a split one (it has no split.count): a file saved under a part's name. ${SPLIT_AGAIN}`, "selectModel");
  if (own.no + 1 !== number || own.count !== count) {
    throw new BackendError(`${part} is part ${own.no + 1} of a model split into ${own.count} files (its split.no and split.count say so), not ${wanted}: another part, or another download's, under this one's name. ${SPLIT_AGAIN}`, "selectModel");
  }
  for (const tensor of layout.tensors) {
    const earlier = holder.get(tensor.name);
    if (earlier !== undefined) {
      throw new BackendError(`${first}: tensor ${printableAscii(tensor.name, 80)} is in both ${basename(earlier)} and ${basename(part)}, so the parts come from different models or quantizations. ${SPLIT_AGAIN}`, "selectModel");
    }
    holder.set(tensor.name, part);
  }
}

/** "a", "a and b", "a, b, c and 4 more": at most three names, a file can claim 99,999 parts. */
function listed(names: readonly string[]): string {
  const shown = names.length > 3 ? [...names.slice(0, 3), `${names.length - 3} more`] : names;
  return shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
}

/** Names a browser or downloader writes a file under until it is whole: Firefox's and Hearth's .part, Chrome's .crdownload, Safari's .download. */
const UNFINISHED = [".part", ".crdownload", ".download"];

/** The unfinished downloads of `parts` (names in `dir`) that are there. */
async function unfinishedDownloads(dir: string, parts: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const part of parts) {
    for (const suffix of UNFINISHED) if (await stat(join(dir, part + suffix)).catch(() => undefined)) found.push(part + suffix);
  }
  return found;
}


/**
 * The parts (after the first, each with its layout) against what the first part's split keys
 * say: the first's name, each part's split.no and split.count, no tensor in two parts, the
 * tensors adding up to split.tensors.count. A first part without split keys is no gguf-split
 * set (llama.cpp reads it alone) and is not checked.
 */
export function checkSplitSet(modelPath: string, first: GgufLayout, parts: ReadonlyArray<readonly [string, GgufLayout]>): void {
  const declared = splitDeclared(first.metadata);
  if (!declared) return;
  checkSplitFirst(declared, parts.length + 1, modelPath);
  // Which part holds each tensor: llama.cpp aborts the process on one held twice.
  const holder = new Map(first.tensors.map((tensor) => [tensor.name, modelPath]));
  let tensors = first.tensors.length;
  for (const [index, [part, layout]] of parts.entries()) {
    checkSplitPart(modelPath, layout, index + 2, parts.length + 1, part, holder);
    tensors += layout.tensors.length;
  }
  if (parts.length > 0 && declared.tensors !== undefined && tensors !== declared.tensors) {
    throw new BackendError(`${modelPath}: its ${parts.length + 1} parts hold ${tensors} tensors, and the first says the model has ${declared.tensors} (split.tensors.count): the parts are not all of one model. ${SPLIT_AGAIN}`, "selectModel");
  }
}

/**
 * What makes the split model `path` names a part of no model to load — a later part chosen, a
 * part missing, a part of another download, a part renamed — as validateModelFile says it;
 * undefined otherwise, and where a part cannot be read as a GGUF (the load says why). For the
 * CLI's --model check: a wrong argument, said before a runtime starts.
 */
export async function splitSetProblem(path: string, first: GgufLayout): Promise<string | undefined> {
  try {
    const others = await splitParts(path);
    const parts: (readonly [string, GgufLayout])[] = [];
    for (const part of others) {
      const layout = await readGgufLayout(part, (await stat(part)).size).catch(() => undefined);
      if (!layout) return undefined;
      parts.push([part, layout]);
    }
    checkSplitSet(path, first, parts);
    return undefined;
  } catch (error) {
    if (error instanceof BackendError) return error.message;
    return undefined;
  }
}

function scalarValue(entry: GgufEntry | undefined): unknown {
  return entry && "value" in entry ? entry.value : undefined;
}
