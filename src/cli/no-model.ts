/**
 * What `hearth chat` and `hearth fix` say when they have no model: the CLI's three ways to
 * get one (and, first, the file Hearth in VS Code downloaded, where there is one), the third
 * the exact `hearth models --download` command for this machine's
 * recommended model — or, where nothing Hearth downloads fits (24 GiB of RAM, no GPU), the
 * reason instead, never a 20 GiB download that could not run (the editor's view does the same).
 */
import { findPreset, findQuantization, probeSystem, recommendModel, systemProcessMemory } from "../models/index.ts";
import type { ModelRecommendation } from "../protocol/models.ts";
import { formatSize } from "../protocol/units.ts";
import { shellWord as posixShellWord } from "../protocol/shell-word.ts";
import { terminalName } from "./terminal-text.ts";

export function noModel(task: "chat" | "fix", recommendation: ModelRecommendation, fromEditor?: { readonly preset: string; readonly file: string }): string {
  const lines = [
    `No model to ${task === "chat" ? "chat" : "fix the issue"} with. Give hearth one of:`,
    "  --model FILE.gguf                 a GGUF file on this machine",
    // Hearth in VS Code keeps its downloads apart from the CLI's (editorModel): the file is on disk already.
    ...(fromEditor ? [`  --model ${shellWord(terminalName(fromEditor.file))}`, `                                    ${fromEditor.preset}, which Hearth in VS Code downloaded: no second download`] : []),
    "  --server URL                      an OpenAI-compatible server (API key: $HEARTH_API_KEY)",
  ];
  const quant = recommendation.fits ? findQuantization(findPreset(recommendation.preset)!, recommendation.quantization) : undefined;
  if (quant) {
    lines.push(
      `  hearth models --download ${recommendation.preset} --quant ${recommendation.quantization}`,
      `                                    the model recommended here (${formatSize(quant.sizeBytes)}: ${recommendation.reason}); chat and fix then use it by default`,
    );
  } else lines.push(`  ${recommendation.reason}.`);
  return lines.join("\n") + "\n";
}

/** This machine's recommended model (hearth models' "Recommended here"); by RAM alone when the GPU cannot be probed. */
export async function recommendedModel(): Promise<ModelRecommendation> {
  const system = await probeSystem().catch(() => undefined);
  return recommendModel({ vramBytes: system?.vramTotalBytes ?? 0, ramBytes: system?.totalMemoryBytes ?? systemProcessMemory().totalBytes });
}

/**
 * A path as one word for the user's shell, to copy as it is: VS Code's storage is under
 * "Application Support" on macOS and "Code - Insiders" for its Insiders build, and a home
 * folder's name may hold a space. Single quotes for a POSIX shell; double quotes on Windows
 * (cmd and PowerShell both take them, and no Windows path holds one).
 */
export function shellWord(path: string): string {
  if (process.platform === "win32") return /^[\w.\\/:+@=,-]+$/.test(path) ? path : `"${path}"`;
  return posixShellWord(path);
}
