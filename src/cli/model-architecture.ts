/**
 * A `--model` GGUF of an architecture Hearth does not run (a Llama, a Mistral) is a bad
 * argument, said before a run starts: found by the model's load, it ended `hearth fix` as
 * "the model failed" (exit 3), as if a working model had broken, with nothing to do next.
 */
import { ggufArchitecture, ggufNotAChatModel, isScriptPath, isSupportedArchitecture, SUPPORTED_ARCHITECTURES_SHOWN } from "../models/index.ts";
import { printableAscii } from "../protocol/printable-ascii.ts";
import { UsageError } from "./command.ts";

/**
 * Throws a UsageError when `path` (a GGUF, as modelFileOption checked it) names another
 * architecture. A file that cannot be read as a GGUF, or names none, is left to the model's
 * load, which says what is wrong with it; so is a script (*.json).
 */
export async function refuseOtherArchitecture(path: string | undefined): Promise<void> {
  if (path === undefined || isScriptPath(path)) return;
  // A projector, an adapter, an embedding model: said for what it is (some name a qwen3* architecture).
  const other = await ggufNotAChatModel(path, "Give");
  if (other) throw new UsageError(`--model ${path} is ${other}`);
  const architecture = await ggufArchitecture(path);
  if (architecture === undefined || isSupportedArchitecture(architecture)) return;
  // The name as printable ASCII: it is the file's, and goes to a terminal.
  const shown = printableAscii(architecture, 60);
  throw new UsageError(`--model ${path} is a "${shown}" model: Hearth runs ${SUPPORTED_ARCHITECTURES_SHOWN}; hearth models lists them, and hearth models --download ID fetches one`);
}
