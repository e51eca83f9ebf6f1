/**
 * A `--model` GGUF Hearth cannot run though it is whole — another architecture (a Llama, a
 * Mistral), no chat model (a projector, an adapter, an embedding model), a GGUF version or a
 * tensor type the bundled llama.cpp does not load, no tokenizer, a split model's later part or a
 * set with a part missing or of another model — is a bad argument, said
 * before a run starts: found by the model's load, it ended `hearth fix` and `hearth chat` as
 * "the model failed" (exit 3), as if a working model had broken, with nothing to do next.
 */
import { architectureOf, isScriptPath, isSupportedArchitecture, missingTokenizer, unreadableGgufVersion, notAChatModel, readGgufHead, splitSetProblem, SUPPORTED_ARCHITECTURES_SHOWN, unloadableTensor } from "../models/index.ts";
import { printableAscii } from "../protocol/printable-ascii.ts";
import { UsageError } from "./command.ts";

/**
 * Throws a UsageError when `path` (a GGUF, as modelFileOption checked it) is one of those, read
 * once by the bounded reader. A file that cannot be read as a GGUF, or is damaged past its
 * header, is left to the model's load, which says what is wrong with it; so is a script (*.json).
 */
export async function refuseOtherArchitecture(path: string | undefined): Promise<void> {
  if (path === undefined || isScriptPath(path)) return;
  const head = await readGgufHead(path);
  const unreadable = head && unreadableGgufVersion(head.version);
  if (unreadable) throw new UsageError(`--model ${path} ${unreadable}`);
  if (!head?.layout) return;
  const { metadata, tensors } = head.layout;
  // A split model's later part chosen, a part missing or of another download: the model's load refused it as "the model failed" (exit 3).
  const split = await splitSetProblem(path, head.layout);
  if (split) throw new UsageError(split.startsWith(path) ? `--model ${split}` : `--model ${path}: ${split}`);
  // A projector, an adapter, an embedding model: said for what it is (some name a qwen3* architecture).
  const other = notAChatModel(metadata, "Give");
  if (other) throw new UsageError(`--model ${path} is ${other}`);
  const architecture = architectureOf(metadata);
  if (architecture !== undefined && !isSupportedArchitecture(architecture)) {
    // The name as printable ASCII: it is the file's, and goes to a terminal.
    const shown = printableAscii(architecture, 60);
    throw new UsageError(`--model ${path} is a "${shown}" model: Hearth runs ${SUPPORTED_ARCHITECTURES_SHOWN}; hearth models lists them, and hearth models --download ID fetches one`);
  }
  // A split model's later parts are read by the load (their tensors checked there).
  const unloadable = unloadableTensor(tensors);
  if (unloadable) throw new UsageError(`--model ${path}: ${unloadable}`);
  const none = architecture !== undefined && missingTokenizer(metadata, "Give");
  if (none) throw new UsageError(`--model ${path} ${none}`);
}
