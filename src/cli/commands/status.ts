/** `hearth status`: starts a runtime, prints its status and the machine's facts, stops it. */
import { fileURLToPath } from "node:url";
import { ModelLoadRequest, StatusRequest, SystemInfoRequest } from "../../protocol/lsp-ext.ts";
import { describeBackend, describeModel } from "../../protocol/status.ts";
import type { SystemInfo } from "../../protocol/status.ts";
import { type CliCommand, modelFileOption, parseFlags } from "../command.ts";
import { settingOption } from "../setting-options.ts";
import { RuntimeStoppedError, spawnRuntime } from "../runtime-connection.ts";
import { terminalJson, terminalName } from "../terminal-text.ts";
import { shellWord } from "../no-model.ts";
import { cliModelPreset, cliStoragePath, editorModel, olderPresetNote } from "./models.ts";
import { ownText } from "../locale.ts";

const GiB = 1024 ** 3;

/** The options it takes (its usage names each: test/unit/cli/usage-flags.test.ts). */
export const STATUS_FLAGS = { model: "string", server: "string", load: "boolean", threads: "string", json: "boolean", "no-gpu-probe": "boolean", verbose: "boolean" } as const;

export const statusCommand: CliCommand = {
  name: "status",
  summary: "start the runtime, print its state and what this machine can run",
  usage: `hearth status [--model FILE.gguf | --server URL] [--load] [--threads N] [--json] [--no-gpu-probe] [--verbose]

  --model FILE     a GGUF model file to check
  --load           load the model and report its backend (CUDA / Vulkan / Metal / CPU),
                   layers on the GPU and VRAM used
  --threads N      CPU threads for loading (default: automatic)
  --server URL     an OpenAI-compatible server to use instead
  --json           print the status as JSON
  --no-gpu-probe   skip loading node-llama-cpp to detect the GPU (faster)
  --verbose        show the runtime's log on stderr`,
  async run(args, io) {
    const { flags } = parseFlags(args, STATUS_FLAGS);
    const threads = settingOption(flags.threads, "--threads", "threads", "CPU threads", "automatic") ?? 0;
    const modelPath = modelFileOption(io.cwd, flags.model);
    const preset = modelPath || typeof flags.server === "string" ? undefined : cliModelPreset();
    const runtime = await spawnRuntime({
      runtimePath: fileURLToPath(new URL("./runtime.mjs", import.meta.url)),
      initializationOptions: {
        // The runtime wants an absolute path; a relative one is meant from where hearth runs (as for chat and fix).
        // Without --model or --server: the model chat and fix would run.
        settings: { modelPath: modelPath ?? "", serverUrl: (flags.server as string | undefined) ?? "", threads, ...(preset ? { modelPreset: preset } : {}) },
        // The CLI's storage: CUDA installed by `hearth models --cuda` is found there.
        globalStoragePath: cliStoragePath(),
        // $HEARTH_API_KEY is the CLI user's key for the --server they named.
        ...(typeof flags.server === "string" && process.env.HEARTH_API_KEY ? { serverApiKey: process.env.HEARTH_API_KEY } : {}),
      },
      echoLog: flags.verbose === true,
      signal: io.signal,
    });
    try {
      // A model that fails to load shows as the model's error state below; a runtime that
      // dies meanwhile is an error of its own (its requests would never settle).
      if (flags.load) {
        await runtime.whileRunning(runtime.connection.sendRequest(ModelLoadRequest, {}), "while loading the model").catch((error: unknown) => {
          if (error instanceof RuntimeStoppedError) throw error;
        });
      }
      const status = await runtime.whileRunning(runtime.connection.sendRequest(StatusRequest), "while reporting its status");
      const system = flags["no-gpu-probe"] ? undefined : await runtime.whileRunning(runtime.connection.sendRequest(SystemInfoRequest), "while probing the GPU");
      if (flags.json) {
        io.out(terminalJson(JSON.stringify({ status, system }, null, 2)) + "\n");
      } else {
        const s = status;
        io.out(ownText(`Hearth ${s.version} — runtime ready (pid ${s.pid})\n`));
        // The model's name and an error's words come from the file or the server: escaped.
        io.out(`Model:  ${terminalName(describeModel(s.model))}\n`);
        const note = preset && olderPresetNote(preset);
        if (note) io.out(`        (chat and fix run ${preset}: ${note})\n`);
        // Hearth in VS Code keeps its downloads apart from the CLI's (as chat and fix say: no-model.ts).
        const fromEditor = preset && s.model.kind === "none" ? editorModel() : undefined;
        if (fromEditor) io.out(`        (Hearth in VS Code downloaded ${fromEditor.preset}: chat and fix run it with --model ${shellWord(terminalName(fromEditor.file))}, no second download)\n`);
        if (s.model.kind === "ready" && s.model.backend) io.out(`Backend: ${describeBackend(s.model.backend)}\n`);
        if (s.model.kind === "ready" && s.model.promptFormat) io.out(`Prompt: ${terminalName(s.model.promptFormat)}\n`);
        io.out(`Index:  ${s.index.kind === "idle" ? s.index.detail : s.index.kind}\n`);
        for (const problem of s.settingsProblems) io.out(`Warning: ${terminalName(problem)}\n`);
        if (system) io.out(describeSystem(system));
      }
      return status.model.kind === "error" ? 1 : 0;
    } finally {
      await runtime.close();
    }
  },
};

/** The machine's CPUs, and where a CPU limit or affinity allows fewer, how many Hearth runs on. */
function machineCpus(system: SystemInfo): string {
  const cpus = `${system.cpus} CPU${system.cpus === 1 ? "" : "s"}`;
  return system.cpusAllowed === undefined ? cpus : `${cpus} (${system.cpusAllowed} allowed by a container's CPU limit or a CPU affinity: the automatic thread count is ${system.cpusAllowed})`;
}

function describeSystem(system: SystemInfo): string {
  const gpu = system.gpu
    ? `${system.gpu.toUpperCase()} ${ownText("—")} ${system.gpuNames.join(", ") || "unnamed device"}, ${(system.vramFreeBytes / GiB).toFixed(1)} of ${(system.vramTotalBytes / GiB).toFixed(1)} GiB VRAM free`
    : `none (${system.gpuNote ?? "CPU only"})`;
  const cuda = system.cudaOffer ? [ownText(`CUDA:   ${system.cudaOffer.reason} — run "hearth models --cuda" to download it (${system.cudaOffer.packages.join(", ")} ${system.cudaOffer.version})`)] : [];
  return [
    `Machine: ${system.platform}-${system.arch}, ${machineCpus(system)}, ${(system.freeMemoryBytes / GiB).toFixed(1)} of ${(system.totalMemoryBytes / GiB).toFixed(1)} GiB RAM free${system.memoryLimited ? " (a container's memory limit, not the machine's)" : ""}`,
    `GPU:    ${gpu}`,
    ...cuda,
    "",
  ].join("\n");
}
