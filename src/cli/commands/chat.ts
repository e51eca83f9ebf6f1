/** `hearth chat`: one streamed assistant turn from a local GGUF, a server, or the configured preset. */
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { CancellationTokenSource } from "vscode-languageserver-protocol";
import { ChatEventNotification, ChatSendRequest, ModelLoadRequest, StatusChangedNotification } from "../../protocol/lsp-ext.ts";
import type { ChatStreamEvent } from "../../protocol/chat.ts";
import { describeModel } from "../../protocol/status.ts";
import { type CliCommand, parseFlags, UsageError } from "../command.ts";
import { spawnRuntime } from "../runtime-connection.ts";
import { cliStoragePath } from "./models.ts";

export const chatCommand: CliCommand = {
  name: "chat",
  summary: "send one prompt to the model and stream its answer",
  usage: `hearth chat [--model FILE.gguf | --server URL] [options] "prompt"

  --model FILE       a GGUF model file (default: the downloaded preset)
  --server URL       an OpenAI-compatible server instead (API key: $HEARTH_API_KEY)
  --no-think         answer without thinking first
  --show-thinking    print the model's thinking to stderr
  --max-tokens N     stop after N tokens (default 1024)
  --threads N        CPU threads (default: automatic)
  --context N        context size in tokens (default: auto)
  --verbose          show the runtime's log on stderr`,
  async run(args, io) {
    const { flags, positional } = parseFlags(args, {
      model: "string", server: "string", "no-think": "boolean", "show-thinking": "boolean",
      "max-tokens": "string", threads: "string", context: "string", verbose: "boolean",
    });
    const prompt = positional.join(" ").trim() || (await io.readStdin()).trim();
    if (!prompt) throw new UsageError("give a prompt (as an argument or on stdin)");
    const runtime = await spawnRuntime({
      runtimePath: fileURLToPath(new URL("./runtime.mjs", import.meta.url)),
      initializationOptions: {
        settings: {
          modelPath: (flags.model as string | undefined) ?? "",
          serverUrl: (flags.server as string | undefined) ?? "",
          threads: integer(flags.threads, "threads") ?? 0,
          contextSize: integer(flags.context, "context") ?? 0,
        },
        globalStoragePath: cliStoragePath(),
      },
      echoLog: flags.verbose === true,
    });
    try {
      runtime.connection.onNotification(StatusChangedNotification, (status) => {
        if (status.model.kind === "loading") io.err(`\r${describeModel(status.model)}`);
      });
      const state = await runtime.connection.sendRequest(ModelLoadRequest, {});
      io.err(`\r${describeModel(state)}\n`);
      if (state.kind !== "ready") return 1;
      const runId = randomUUID();
      const showThinking = flags["show-thinking"] === true;
      runtime.connection.onNotification(ChatEventNotification, ({ runId: id, event }) => {
        if (id === runId) print(event, io, showThinking);
      });
      const cancel = new CancellationTokenSource();
      io.signal.addEventListener("abort", () => cancel.cancel(), { once: true });
      const result = await runtime.connection.sendRequest(
        ChatSendRequest,
        { runId, messages: [{ role: "user", content: prompt }], thinking: flags["no-think"] !== true, maxTokens: integer(flags["max-tokens"], "max-tokens") ?? 1024 },
        cancel.token,
      );
      io.out("\n");
      const usage = result.usage ? `, ${result.usage.promptTokens} prompt tokens, ${result.usage.generatedTokens} generated` : "";
      io.err(`[${result.stopReason}${usage}]\n`);
      return 0;
    } finally {
      await runtime.close();
    }
  },
};

function print(event: ChatStreamEvent, io: Parameters<CliCommand["run"]>[1], showThinking: boolean): void {
  switch (event.type) {
    case "text": io.out(event.text); break;
    case "thinking": if (showThinking) io.err(event.text); break;
    case "toolCall": io.out(`\n[tool call] ${event.call.name} ${JSON.stringify(event.call.arguments)}\n`); break;
    case "toolCallError": io.out(`\n[malformed tool call] ${event.message}\n`); break;
    case "done": break;
  }
}

function integer(value: string | boolean | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} needs a whole number`);
  return n;
}
