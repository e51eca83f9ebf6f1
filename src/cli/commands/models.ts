/** `hearth models`: presets, downloaded files, what fits this machine; `--download` fetches one. */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CancellationTokenSource } from "vscode-languageserver-protocol";
import { CudaInstallRequest, ModelCatalogRequest, ModelDownloadRequest } from "../../protocol/lsp-ext.ts";
import { downloadablePresets, findDownloadedPreset, findPreset, findQuantization } from "../../models/index.ts";
import { describeVerification, type ModelCatalog } from "../../protocol/models.ts";
import { DEFAULT_SETTINGS, MODEL_PRESETS, type ModelPreset } from "../../protocol/settings.ts";
import { formatSize } from "../../protocol/units.ts";
import { homeFolder } from "../../agent/home-folder.ts";
import { CANCELLED_EXIT, type CliCommand, notGguf, parseFlags, progressFrame, UsageError } from "../command.ts";
import { spawnRuntime } from "../runtime-connection.ts";
import { ownText } from "../locale.ts";
import { xdgFolder } from "../user-folders.ts";
import { terminalJson, terminalName } from "../terminal-text.ts";

/**
 * Where the CLI keeps downloads: `$HEARTH_HOME`, else `$XDG_DATA_HOME/hearth`, else
 * ~/.local/share/hearth. A HEARTH_HOME of `~` or `~/…` is in the home folder: no shell expands
 * it where it is quoted (export HEARTH_HOME="~/models") or set by a systemd unit or an .env
 * file, and taken as written it was a folder named `~` in the folder hearth ran in.
 */
export function cliStoragePath(): string {
  const given = process.env.HEARTH_HOME;
  if (!given) return join(xdgFolder("XDG_DATA_HOME"), "hearth");
  return given === "~" || /^~[\\/]/.test(given) ? join(homeFolder(), given.slice(1)) : given;
}

/** Where `hearth models --download` puts models (the runtime's `models` folder of the CLI's storage). */
export function cliModelsFolder(): string {
  return join(cliStoragePath(), "models");
}

/**
 * The preset hearth chat and hearth fix run without --model or --server (the CLI has no setting
 * to name one): the default where it is downloaded, else the newest other preset that is. The
 * default changed (qwen3.5-35b-a3b, which this CLI told users to download, then qwen3.6-35b-a3b):
 * after an upgrade the model downloaded then is still the one run, not a second 21 GB download
 * asked for. With none downloaded, the default, which the model slot reports as not downloaded.
 */
export function cliModelPreset(): ModelPreset {
  return presetIn(cliModelsFolder()) ?? DEFAULT_SETTINGS.modelPreset;
}

/** The preset to run of those downloaded in `folder` (cliModelPreset's order); undefined when none is. */
function presetIn(folder: string): ModelPreset | undefined {
  const fallback = DEFAULT_SETTINGS.modelPreset;
  const others = MODEL_PRESETS.filter((id) => id !== fallback && id !== "custom");
  const downloaded = [fallback, ...others].filter((id) => findDownloadedPreset(folder, id));
  // A file that is no GGUF (a web page `curl -o` saved in the model's place) never loads: one
  // that may goes first. With none, the first is run all the same, and its load names the file.
  return downloaded.find((id) => !notAModel(findDownloadedPreset(folder, id)!)) ?? downloaded[0];
}

/** `publisher.name` in package.json: the extension's folder in VS Code's storage for extensions. */
const EXTENSION_ID = "hearth.hearth";

/**
 * Where Hearth in VS Code keeps its downloads (its global storage's `models`), for VS Code, its
 * Insiders build and VSCodium, and their servers (Remote - SSH, WSL): each keeps its own
 * models, so the CLI's "No model" names one downloaded there for --model rather than a second
 * 20 GiB download.
 */
export function editorModelsFolders(): string[] {
  const home = homeFolder();
  const data =
    process.platform === "win32" ? process.env.APPDATA || join(home, "AppData", "Roaming")
    : process.platform === "darwin" ? join(home, "Library", "Application Support")
    : xdgFolder("XDG_CONFIG_HOME");
  const apps = ["Code", "Code - Insiders", "VSCodium"].map((app) => join(data, app));
  // VS Code's server (Remote - SSH, WSL, a dev container) keeps the storage of the extensions it runs on that machine here.
  const servers = process.platform === "win32" ? [] : [".vscode-server", ".vscode-server-insiders", ".vscodium-server"].map((server) => join(home, server, "data"));
  return [...apps, ...servers].map((folder) => join(folder, "User", "globalStorage", EXTENSION_ID, "models"));
}

/** The model Hearth in VS Code downloaded that chat and fix would run (as cliModelPreset chooses), if there is one that is a GGUF. */
export function editorModel(): { preset: ModelPreset; file: string } | undefined {
  for (const folder of editorModelsFolders()) {
    const preset = presetIn(folder);
    const file = preset && findDownloadedPreset(folder, preset);
    if (preset && file && !notAModel(file)) return { preset, file };
  }
  return undefined;
}

/**
 * Why `preset` (cliModelPreset's choice) runs when it is not the default, for chat, fix and
 * status to say: a user who upgraded may take the model run for the new default.
 */
export function olderPresetNote(preset: ModelPreset): string | undefined {
  const fallback = DEFAULT_SETTINGS.modelPreset;
  if (preset === fallback) return undefined;
  const file = findDownloadedPreset(cliModelsFolder(), fallback);
  const wrong = file && notAModel(file);
  if (file && wrong) return `the default model's file, ${terminalName(file)}, ${wrong}`;
  return `the default model, ${fallback}, is not downloaded here (hearth models --download ${fallback} gets it)`;
}

/** What a downloaded model's file is instead of a GGUF model (command.ts's notGguf); undefined when it starts as one, or is gone. */
function notAModel(file: string): string | undefined {
  const info = statSync(file, { throwIfNoEntry: false });
  if (!info) return undefined;
  return info.isFile() ? notGguf(file, info.size) : "is not a file: give the model's .gguf file";
}

/** The options it takes (its usage names each: test/unit/cli/usage-flags.test.ts). */
export const MODELS_FLAGS = { json: "boolean", download: "string", quant: "string", cuda: "boolean", "cuda-ext": "boolean", verbose: "boolean" } as const;

/** `hearth models --help`: where the downloads are kept, or, where that cannot be told (no home folder), why. */
function modelsUsage(): string {
  let folders: string;
  try {
    folders = `Models are stored in ${terminalName(cliModelsFolder())}, CUDA in ${terminalName(join(cliStoragePath(), "native"))}
(set HEARTH_HOME to change). Hearth in VS Code keeps its own downloads, in VS Code's storage
(${terminalName(editorModelsFolders()[0]!)}): give one to chat and fix with --model FILE
rather than download it again.`;
  } catch (error) {
    folders = `Models are stored in HEARTH_HOME, or under the home folder, but: ${error instanceof Error ? error.message : String(error)}, or HEARTH_HOME.`;
  }
  return `hearth models [--json] [--download PRESET [--quant Q4_K_M]] [--cuda [--cuda-ext]]

  --json            print the catalog as JSON (with --download or --cuda: what was installed;
                    progress on stderr; an error as {"error":{"message"}})
  --download ID     download a preset or a completion model (resumes an interrupted download)
  --quant Q         the quantization to download (default: the preset's default)
  --cuda            download CUDA acceleration for an NVIDIA GPU: the @node-llama-cpp
                    CUDA package matching the bundled node-llama-cpp, from the npm registry
                    (npm's "registry" setting is honoured), verified by its integrity hash
  --cuda-ext        with --cuda: also the fallback build for drivers the main one does not load with
  --verbose         show the runtime's log on stderr

${folders}`;
}

export const modelsCommand: CliCommand = {
  name: "models",
  summary: "list model presets, downloaded models and what fits this machine",
  // Read when asked (hearth models --help), not when the CLI loads: with no home folder (a container's
  // user id the system does not list, HOME unset) every command failed before it began.
  get usage() {
    return modelsUsage();
  },
  async run(args, io) {
    const { flags } = parseFlags(args, MODELS_FLAGS);
    // One ran and the other was dropped without a word (--cuda won: no model downloaded, exit 0).
    if (flags.cuda && typeof flags.download === "string") throw new UsageError("give --download or --cuda, not both: run hearth models --cuda, then hearth models --download ...");
    if (typeof flags.quant === "string" && typeof flags.download !== "string") throw new UsageError("--quant goes with --download PRESET");
    if (flags["cuda-ext"] && !flags.cuda) throw new UsageError("--cuda-ext goes with --cuda");
    // A misspelt name is bad usage (exit 2), said before a runtime starts, not a failed download (1).
    if (typeof flags.download === "string") knownDownload(flags.download, typeof flags.quant === "string" ? flags.quant : undefined);
    const runtime = await spawnRuntime({
      runtimePath: fileURLToPath(new URL("./runtime.mjs", import.meta.url)),
      initializationOptions: { settings: {}, globalStoragePath: cliStoragePath() },
      echoLog: flags.verbose === true,
      capabilities: { window: { workDoneProgress: true } },
    });
    try {
      const token = "hearth-cli-download";
      let lastTenth = -1;
      runtime.connection.onNotification("$/progress", (p: { token: unknown; value: { kind: string; message?: string; percentage?: number } }) => {
        if (p.token !== token || !p.value.message) return;
        const percent = p.value.percentage ?? 0;
        // Its note names the models folder (a file there moved aside), whose name may hold a terminal's controls; one line.
        const message = terminalName(p.value.message);
        if (io.errIsTerminal) io.err(progressFrame(`${percent}% ${message}`, io.errColumns?.()));
        else if (Math.floor(percent / 10) > lastTenth) {
          // Piped (a log, CI): a line per 10 %, not a stream of \r frames.
          lastTenth = Math.floor(percent / 10);
          io.err(`${percent}% ${message}\n`);
        }
      });
      const cancel = new CancellationTokenSource();
      io.signal.addEventListener("abort", () => cancel.cancel(), { once: true });
      if (flags.cuda) {
        const result = await runtime.whileRunning(
          runtime.connection.sendRequest(CudaInstallRequest, { workDoneToken: token, ...(flags["cuda-ext"] ? { withExt: true } : {}) }, cancel.token),
          "while installing CUDA",
        );
        io.err(result.downloaded && io.errIsTerminal ? "\n" : "");
        // A script asking for JSON gets it: progress went to stderr, the answer is one document.
        if (flags.json) io.out(terminalJson(JSON.stringify(result, null, 2)) + "\n");
        else io.out(`CUDA acceleration ${result.downloaded ? "installed" : "already installed"}: ${result.packages.join(", ")} in ${terminalName(result.folder)}\n`);
        return 0;
      }
      if (typeof flags.download === "string") {
        const quantization = typeof flags.quant === "string" ? flags.quant : undefined;
        const again = resumeCommand(flags.download, quantization);
        let result;
        try {
          result = await runtime.whileRunning(
            runtime.connection.sendRequest(ModelDownloadRequest, { preset: flags.download, ...(quantization ? { quantization } : {}), workDoneToken: token }, cancel.token),
            "while downloading",
          );
        } catch (error) {
          if (!io.signal.aborted) throw withHearthHome(error, again);
          // Said here, with what the stop kept; main's own "cancelled" would say it a second time.
          const cancelled = cancelledDownload(flags.download, quantization, again);
          io.err(`${io.errIsTerminal ? "\n" : ""}${cancelled}\n`);
          // Main's shape for an error, which it writes only for what is thrown: stdout stays one JSON document.
          if (flags.json) io.out(`${terminalJson(JSON.stringify({ error: { message: cancelled } }))}\n`);
          return CANCELLED_EXIT;
        }
        if (io.errIsTerminal) io.err("\n");
        if (flags.json) io.out(terminalJson(JSON.stringify(result, null, 2)) + "\n");
        else io.out(`${terminalName(result.path)} (${formatSize(result.sizeBytes)}, ${describeVerification(result)})\n`);
        return 0;
      }
      const catalog = await runtime.whileRunning(runtime.connection.sendRequest(ModelCatalogRequest), "while listing the models");
      // JSON.stringify leaves C1 and bidi controls in a folder's or file's name raw: \u escapes, the same JSON.
      io.out(flags.json ? terminalJson(JSON.stringify(catalog, null, 2)) + "\n" : describeCatalog(catalog));
      return 0;
    } finally {
      await runtime.close();
    }
  },
};

/** Refuses a preset or quantization the catalog lacks, in the runtime's words (runtime/model-files.ts downloadPreset). */
function knownDownload(id: string, quantization: string | undefined): void {
  const preset = findPreset(id);
  if (!preset) throw new UsageError(`unknown model preset "${terminalName(id)}" (known: ${downloadablePresets().map((p) => p.id).join(", ")})`);
  if (!findQuantization(preset, quantization)) throw new UsageError(`${preset.name} has no quantization "${terminalName(quantization ?? "")}" (choose ${preset.quantizations.map((q) => q.id).join(", ")})`);
}

/**
 * The command that downloads `preset` again (resuming its part), built from the catalog's own
 * words: the arguments as given would repeat any word `hearth models` ignores, and a pasted
 * `--download qwen3.5-0.8b notes; rm -rf x` runs what follows the `;`. An unknown preset or
 * quantization is the download's error to say, so it is never printed here.
 */
function resumeCommand(preset: string, quantization: string | undefined): string {
  const quant = quantization === undefined ? undefined : findPreset(preset) && findQuantization(findPreset(preset)!, quantization);
  return `hearth models --download ${findPreset(preset)?.id ?? preset}${quant ? ` --quant ${quant.id}` : ""}`;
}

/**
 * What a Ctrl-C during `--download` leaves: hours of a model's download are kept, and the
 * same command resumes them — "cancelled" alone read as if they were lost.
 */
function cancelledDownload(preset: string, quantization: string | undefined, again: string): string {
  const quant = findPreset(preset) && findQuantization(findPreset(preset)!, quantization);
  const part = quant ? join(cliModelsFolder(), `${quant.file}.part`) : undefined;
  if (!part || !existsSync(part)) return "hearth models: cancelled before any of the model was saved";
  return `hearth models: cancelled; the part downloaded so far is kept in ${terminalName(part)}: run ${terminalName(again)} again to resume it`;
}

/**
 * A download's error, with how hearth downloads elsewhere where it says to: the models layer
 * advises "download to a folder on another disk" (a full disk, a FAT32 one) or "to another
 * folder" (one this user may not write), which for the CLI is HEARTH_HOME's.
 */
function withHearthHome(error: unknown, again: string): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const advice = /download to (a folder on another disk|another folder)/i.exec(message);
  if (!advice) return error;
  const folder = advice[1]!.toLowerCase() === "another folder" ? "/another/folder" : "/a/folder/on/another/disk";
  return new Error(`${message} hearth downloads into $HEARTH_HOME/models: run HEARTH_HOME=${folder} ${again}`, { cause: error });
}

/** The catalog as `hearth models` prints it; every size in GiB, every model by the id `--download` takes. */
export function describeCatalog(catalog: ModelCatalog): string {
  const lines: string[] = [];
  for (const preset of catalog.presets) {
    lines.push(ownText(`${preset.id}  ${preset.name} (${preset.architecture}) — ${preset.description}`));
    for (const q of preset.quantizations) {
      const mark = q.id === preset.defaultQuantization ? " (default)" : "";
      lines.push(`    ${q.id.padEnd(7)} ${formatSize(q.sizeBytes).padStart(9)}${mark}`);
    }
  }
  const r = catalog.recommendation;
  lines.push("", ownText(r.fits ? `Recommended here: ${r.preset} ${r.quantization} — ${r.reason}. Download: hearth models --download ${r.preset} --quant ${r.quantization}` : `${r.reason}.`));
  const c = catalog.completionRecommendation;
  if (c) {
    lines.push(ownText(`For inline completions (hearth.completionModelPath): ${c.id} (${c.name} ${c.quantization.id}, ${formatSize(c.quantization.sizeBytes)}) — ${c.reason}.`));
    lines.push(`    Download: hearth models --download ${c.id}`);
  }
  // Names of files put in the folder by hand, or the folder's (HEARTH_HOME): escaped for the terminal.
  lines.push("", `Downloaded (${terminalName(catalog.modelsFolder)}):`);
  if (catalog.downloaded.length === 0) lines.push("    none");
  for (const d of catalog.downloaded) {
    const what = d.movedAside ? `${d.movedAside === "incomplete" ? "an incomplete model" : "not a model"}, moved aside by a download: delete it` : d.preset ? `${d.preset} ${d.quantization}` : "other GGUF";
    lines.push(`    ${terminalName(d.path)}  ${formatSize(d.sizeBytes)}  ${what}${d.complete || d.movedAside ? "" : "  (partial: --download resumes it)"}`);
  }
  return lines.join("\n") + "\n";
}
