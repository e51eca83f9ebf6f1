/**
 * `hearth chat`: one streamed assistant turn from a local GGUF, a server, or the configured
 * preset. The project's rules and memory (AGENTS.md, .hearth/) go first as the system
 * prompt; `--continue` picks up a conversation a teammate exported, `--save` exports the
 * conversation after this turn (src/agent/handoff.ts).
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConversationImportError, type ImportedConversation, exportConversation, importConversation, secretFilesIn, secretFilesReadThroughLinks } from "../../agent/handoff.ts";
import { loadProjectContext } from "../../agent/project-context.ts";
import type { ChatMessage } from "../../protocol/chat.ts";
import { DiskWorkspace, type Tool, runTool } from "../../tools/index.ts";
import { CancellationTokenSource } from "vscode-languageserver-protocol";
import { ChatEventNotification, ChatSendRequest, ModelLoadRequest, StatusChangedNotification } from "../../protocol/lsp-ext.ts";
import type { ChatStreamEvent, ToolCall } from "../../protocol/chat.ts";
import { describeModel } from "../../protocol/status.ts";
import { type CliCommand, type CliIo, modelFileOption, parseFlags, progressFrame, readInputFile, repoFolder, UsageError, writableFile } from "../command.ts";
import { settingOption, wholeNumberOption } from "../setting-options.ts";
import { FileWriteError, replaceWhole, writeProblem } from "../file-writes.ts";
import { refuseOtherArchitecture } from "../model-architecture.ts";
import { confirmInTerminal, openCliMcp } from "../mcp-option.ts";
import { RuntimeStoppedError, loadDeath, spawnRuntime } from "../runtime-connection.ts";
import { type TerminalTextStream, asTerminalShows, terminalJson, terminalName, terminalText, terminalTextStream } from "../terminal-text.ts";
import { cliModelPreset, cliStoragePath, editorModel, olderPresetNote } from "./models.ts";
import { noModel, recommendedModel } from "../no-model.ts";

/** The options it takes (its usage names each: test/unit/cli/usage-flags.test.ts). */
export const CHAT_FLAGS = {
  model: "string", server: "string", "no-think": "boolean", "show-thinking": "boolean",
  "max-tokens": "string", threads: "string", context: "string", verbose: "boolean",
  repo: "string", "no-rules": "boolean", continue: "string", save: "string",
  mcp: "string", "list-tools": "boolean", yes: "boolean",
} as const;

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
  --verbose          show the runtime's log on stderr
  --repo DIR         the project whose AGENTS.md and .hearth/ rules and memory go into the prompt (default: .)
  --no-rules         leave the project's rules and memory out
  --continue FILE    continue a conversation exported from Hearth (Markdown)
  --save FILE        export the conversation, this turn included, as Markdown
  --mcp FILE         MCP servers whose tools the model may call (VS Code's mcp.json format;
                     \${workspaceFolder} is --repo); each call asks first unless --yes
  --list-tools       with --mcp: list the servers' tools and exit
  --yes              with --mcp: run the model's MCP tool calls without asking`,
  async run(args, io) {
    const { flags, positional } = parseFlags(args, CHAT_FLAGS);
    if (typeof flags.mcp !== "string" && (flags["list-tools"] || flags.yes)) throw new UsageError("--list-tools and --yes go with --mcp FILE");
    // Checked before anything runs, as the other usage errors: a value out of range was taken as the default.
    const threads = settingOption(flags.threads, "--threads", "threads", "CPU threads", "automatic") ?? 0;
    const contextSize = settingOption(flags.context, "--context", "contextSize", "tokens", "auto") ?? 0;
    const maxTokens = wholeNumberOption(flags["max-tokens"], "--max-tokens", 1, "a positive whole number") ?? 1024;
    const repo = repoFolder(io.cwd, flags.repo as string | undefined);
    if (flags["list-tools"]) return listTools(flags.mcp as string, repo, io);
    const modelPath = modelFileOption(io.cwd, flags.model);
    await refuseOtherArchitecture(modelPath);
    // An argument given empty (an unset "$PROMPT") is no cue to read stdin: a CI step's stdin left open waited for ever.
    if (positional.length > 0 && positional.join(" ").trim() === "") throw new UsageError('the prompt given is empty (an unset or empty variable, as in hearth chat "$PROMPT"?); give the prompt\'s text');
    const prompt = messageAsTerminalShows(positional.length > 0 ? positional.join(" ").trim() : (await io.readStdin()).trim(), io);
    if (!prompt) throw new UsageError("give a prompt (as an argument or on stdin)");
    // Found only after the answer, a path it cannot write lost the conversation.
    const savePath = typeof flags.save === "string" ? resolve(io.cwd, flags.save) : undefined;
    if (savePath) writableFile(savePath, "the conversation");
    const earlier = typeof flags.continue === "string" ? readConversation(resolve(io.cwd, flags.continue)) : undefined;
    if (earlier && savePath) refuseLosingFields(earlier, resolve(io.cwd, flags.continue as string), savePath);
    if (earlier) io.err(`continuing "${terminalName(earlier.title)}" (${earlier.messages.length} messages, exported ${earlier.exportedAt})\n${editedWarning(earlier, flags.continue as string)}`);
    const system = flags["no-rules"] === true ? undefined : await projectPrompt(repo, io);
    const messages: ChatMessage[] = [...(system ? [{ role: "system" as const, content: system }] : []), ...(earlier?.messages ?? []), { role: "user", content: prompt }];
    const mcp = typeof flags.mcp === "string" ? await openCliMcp(flags.mcp, repo, io) : undefined;
    const preset = modelPath || typeof flags.server === "string" ? undefined : cliModelPreset();
    const note = preset && olderPresetNote(preset);
    if (note) io.err(`hearth chat: running ${preset}: ${note}\n`);
    const runtime = await spawnRuntime({
      runtimePath: fileURLToPath(new URL("./runtime.mjs", import.meta.url)),
      initializationOptions: {
        settings: {
          // The runtime wants an absolute path; a relative one is meant from where hearth runs.
          modelPath: modelPath ?? "",
          serverUrl: (flags.server as string | undefined) ?? "",
          ...(preset ? { modelPreset: preset } : {}),
          threads,
          contextSize,
        },
        globalStoragePath: cliStoragePath(),
        // $HEARTH_API_KEY is the CLI user's key for the --server they named.
        ...(typeof flags.server === "string" && process.env.HEARTH_API_KEY ? { serverApiKey: process.env.HEARTH_API_KEY } : {}),
      },
      echoLog: flags.verbose === true,
      signal: io.signal,
      crashLogDir: join(cliStoragePath(), "logs"),
    });
    try {
      // The file the runtime loads, where it names one: what to choose by, should the load kill it.
      let loadingFile = modelPath;
      runtime.connection.onNotification(StatusChangedNotification, (status) => {
        if (status.model.kind === "loading" && status.model.source.kind === "file") loadingFile = status.model.source.modelPath;
        if (status.model.kind === "loading" && io.errIsTerminal) io.err(progressFrame(terminalName(describeModel(status.model)), io.errColumns?.()));
      });
      const state = await runtime.whileRunning(runtime.connection.sendRequest(ModelLoadRequest, {}), "while loading the model").catch((error: unknown) => {
        throw loadDeath(error, loadingFile, contextSize);
      });
      if (state.kind === "none") {
        io.err(noModel("chat", await recommendedModel(), editorModel()));
        return 1;
      }
      // Over the loading line, cleared first: the final line may be shorter, or longer than the terminal.
      io.err(`${io.errIsTerminal ? `${progressFrame("", io.errColumns?.())}\r` : ""}${terminalName(describeModel(state))}\n`);
      if (state.kind !== "ready") return 1;
      const runId = randomUUID();
      const showThinking = flags["show-thinking"] === true;
      let printed = false;
      const streams = { text: terminalTextStream(), thinking: terminalTextStream() };
      runtime.connection.onNotification(ChatEventNotification, ({ runId: id, event }) => {
        if (id === runId) printed = print(event, io, showThinking, streams) || printed;
      });
      const cancel = new CancellationTokenSource();
      io.signal.addEventListener("abort", () => cancel.cancel(), { once: true });
      const send = () => runtime.whileRunning(runtime.connection.sendRequest(
        ChatSendRequest,
        { runId, messages, thinking: flags["no-think"] !== true, maxTokens, ...(mcp?.tools.length ? { tools: mcp.tools.map((t) => t.definition) } : {}) },
        cancel.token,
      ), "while answering").catch((error: unknown) => {
        // End the half-printed answer so the error starts on a line of its own.
        if (error instanceof RuntimeStoppedError && printed) io.out(`${streams.text.end()}\n`);
        throw error;
      });
      let result = await send();
      messages.push(result.message);
      // The model's MCP calls run (asked first unless --yes) and it answers again, a few rounds at most.
      for (let round = 0; mcp && result.message.toolCalls?.length && round < MAX_TOOL_ROUNDS && !io.signal.aborted; round++) {
        for (const call of result.message.toolCalls) messages.push(await runMcpCall(call, mcp.tools, repo, flags.yes === true, io));
        result = await send();
        messages.push(result.message);
      }
      io.out(`${streams.text.end()}\n`);
      const usage = result.usage ? `, ${result.usage.promptTokens} prompt tokens, ${result.usage.generatedTokens} generated` : "";
      io.err(`[${result.stopReason}${usage}]\n`);
      if (savePath) {
        const title = earlier?.title ?? prompt.replace(/\s+/g, " ").slice(0, 60);
        const markdown = exportConversation(messages, { title, model: state.name, exportedAt: new Date(), ...(earlier?.patch ? { patch: earlier.patch } : {}) });
        try {
          mkdirSync(dirname(savePath), { recursive: true });
          // Beside it, then renamed: --save onto the file --continue read must not lose it on a full disk.
          replaceWhole(savePath, markdown);
        } catch (error) {
          // Else mkdir's failure: no file there yet.
          const [why, left] = error instanceof FileWriteError ? [error.message, error.left] : [writeProblem(error, savePath, Buffer.byteLength(markdown)), "nothing was saved"];
          io.err(`hearth chat: could not save the conversation to ${terminalName(savePath)} (${terminalName(why)}): ${terminalName(left)}; the answer is above\n`);
          return 1;
        }
        // As Export Conversation asks: by name, and a name that says nothing read through a link to one (secret-reads.ts).
        const secrets = [...new Set([...secretFilesIn(messages), ...(await secretFilesReadThroughLinks(messages, repo))])];
        io.err(`saved the conversation to ${flags.save as string}\n${secretFilesWarning(secrets, flags.save as string)}`);
      }
      return 0;
    } finally {
      await Promise.all([runtime.close(), mcp?.close()]);
    }
  },
};

/** Model turns that may follow MCP tool results in one `hearth chat`. */
const MAX_TOOL_ROUNDS = 8;

/** Runs one of the model's tool calls (an MCP tool, after the user's yes) and returns the tool message. */
async function runMcpCall(call: ToolCall, tools: readonly Tool[], repo: string, yes: boolean, io: CliIo): Promise<ChatMessage> {
  const tool = tools.find((t) => t.definition.name === call.name);
  let text: string;
  if (!tool) text = `Error (invalid-input): there is no tool named "${call.name}".`;
  else if (!yes && !(await confirmInTerminal(call, io))) text = "Error (denied): the user did not allow this call. Continue without it, or ask the user.";
  else text = (await runTool(tool, call.arguments, { workspace: new DiskWorkspace(repo), signal: io.signal })).text;
  io.err(`[tool result] ${terminalText(text.split("\n")[0]!.slice(0, 200))}\n`);
  return { role: "tool", toolCallId: call.id, name: call.name, content: text };
}

/** `hearth chat --mcp FILE --list-tools`: each tool's name and the first line of its description. */
async function listTools(file: string | undefined, repo: string, io: CliIo): Promise<number> {
  const mcp = await openCliMcp(file!, repo, io);
  try {
    for (const tool of mcp.tools) io.out(`${terminalName(tool.definition.name)}  ${terminalText(tool.definition.description.split("\n")[0]!)}\n`);
    if (!mcp.tools.length) io.err("the MCP servers have no tools\n");
    return 0;
  } finally {
    await mcp.close();
  }
}

/** Prints one event; true when it wrote to stdout. */
function print(event: ChatStreamEvent, io: Parameters<CliCommand["run"]>[1], showThinking: boolean, streams: Record<"text" | "thinking", TerminalTextStream>): boolean {
  // What a stream held back (a CR, a zero-width character) is printed before anything else is.
  const thinking = event.type === "thinking" ? "" : streams.thinking.end();
  const text = event.type === "text" ? "" : streams.text.end();
  if (thinking) io.err(thinking);
  if (text) io.out(text);
  switch (event.type) {
    // The model echoes file names and content: escape what a terminal would act on (each piece with the ones before it).
    case "text": io.out(streams.text(event.text)); return true;
    case "thinking": if (showThinking) io.err(streams.thinking(event.text)); return false;
    case "toolCall": io.out(`\n[tool call] ${terminalName(event.call.name)} ${terminalJson(JSON.stringify(event.call.arguments))}\n`); return false;
    // A call the backend stopped because it looped (models/runaway.ts) was not malformed: it was cut off, and nothing of it ran.
    case "toolCallError": io.out(`\n[${event.loop ? "tool call stopped" : "malformed tool call"}] ${terminalText(event.message)}\n`); return false;
    case "notice": io.err(`\n[note] ${terminalText(event.text)}\n`); return false;
    case "done": return false;
  }
}

/** The system prompt for a plain chat: the project's rules and memory, if it has any. */
async function projectPrompt(repo: string, io: Parameters<CliCommand["run"]>[1]): Promise<string | undefined> {
  const context = await loadProjectContext(new DiskWorkspace(repo), { signal: io.signal });
  if (!context.text) return undefined;
  io.err(`project rules and memory: ${terminalName(context.summary)}\n`);
  return `You are Hearth, a coding assistant for the project in ${repo}.\n\nProject rules:\n${context.text}`;
}

/**
 * `--continue F --save F` of a newer Hearth's export holding fields this version leaves out
 * (`unknownFields`): saved over, they would be gone for that version too. Refused before the
 * model runs; --save to another file goes on.
 */
function refuseLosingFields(earlier: ImportedConversation, continued: string, savePath: string): void {
  if (!earlier.unknownFields?.length || !sameFile(continued, savePath)) return;
  const shown = earlier.unknownFields.length > 6 ? [...earlier.unknownFields.slice(0, 5), `${earlier.unknownFields.length - 5} more`] : earlier.unknownFields;
  throw new UsageError(`${terminalName(continued)}: a newer version of Hearth exported it, with what this version does not know (${terminalName(shown.join(", "))}): --save over it would lose that; save to another file, or continue it with that version`);
}

/** Whether two paths name one file (the same path, or a link to it). */
function sameFile(a: string, b: string): boolean {
  if (a === b) return true;
  const ids = [a, b].map((p) => { try { const s = statSync(p); return `${s.dev}:${s.ino}`; } catch { return p; } });
  return ids[0] === ids[1];
}

function readConversation(path: string): ImportedConversation {
  const text = readInputFile(path, "the conversation file");
  try {
    return importConversation(text);
  } catch (error) {
    if (error instanceof ConversationImportError) throw new UsageError(`${path}: ${error.message}`);
    throw error;
  }
}

/**
 * What --save says of a conversation holding secret-looking files (a .env the model read in
 * the conversation it continues): Export Conversation asks first; a script's --save goes on.
 */
function secretFilesWarning(files: readonly string[], saved: string): string {
  if (files.length === 0) return "";
  const names = files.slice(0, 3).map(terminalName).join(", ") + (files.length > 3 ? ` and ${files.length - 3} more` : "");
  return `warning: ${terminalName(saved)} holds what Hearth read or wrote of ${names}, which look${files.length === 1 ? "s" : ""} like holding secrets (keys, tokens, passwords): anyone who gets the file can read them.\n`;
}

/** Messages named at most in the warning about an edited file (as the editor's import notice). */
const MAX_EDITED_NAMED = 5;

/**
 * The editor's import warning (83af586), for `--continue`: a file handed over whose readable
 * text was edited after export reads otherwise than the data the model continues from. "" when not.
 */
function editedWarning(earlier: ImportedConversation, file: string): string {
  const { edited, messages } = earlier;
  if (edited.length === 0) return "";
  const named = edited.slice(0, MAX_EDITED_NAMED).map((n) => `message ${n} (${messageKind(messages[n - 1])})`);
  const more = edited.length - named.length;
  const list = more > 0 ? `${named.join(", ")} and ${more} more` : named.length > 1 ? `${named.slice(0, -1).join(", ")} and ${named.at(-1)!}` : named[0]!;
  return `warning: ${terminalName(file)} was edited after export: ${list} ${edited.length === 1 ? "reads" : "read"} differently there than what the model continues from (the file's hidden data, not its text). --save FILE writes the conversation as the model read it; ask whoever sent it for a fresh export.\n`;
}

function messageKind(message: ChatMessage | undefined): string {
  if (message?.role === "tool") return `the result of ${terminalName(message.name)}`;
  return message?.role === "user" ? "the user's" : "a reply";
}

/**
 * A message piped in from a program (npm install 2>&1 | hearth chat, with FORCE_COLOR as CI
 * sets it) holds its colour codes and every \r frame of its progress bars: it goes to the
 * model as a terminal shows it, as run_command's output does (and the chat's box's paste), saying so.
 */
function messageAsTerminalShows(message: string, io: CliIo): string {
  const { text, note } = asTerminalShows(message, "the message");
  if (note) io.err(`hearth chat: ${note}\n`);
  return text;
}
