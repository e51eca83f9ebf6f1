/**
 * The embedded backend: a GGUF model run in this process by node-llama-cpp. One model,
 * one context with two sequences: chat/agent turns and inline completions (completions at
 * the higher evaluation priority). The file is validated before llama.cpp sees it.
 */
import { readFileSync } from "node:fs";
import { totalmem } from "node:os";
import { getLlama, InsufficientMemoryError, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaGrammar, LlamaLogLevel, type LlamaModel, type Token } from "node-llama-cpp";
import {
  BackendError,
  type BackendInfo,
  type BackendState,
  type ChatRequest,
  DoesNotFitError,
  type FimRequest,
  type FimResult,
  type LoadOptions,
  type ModelBackend,
  throwIfAborted,
} from "../backend.ts";
import { automaticThreads, containerRamCap, systemCgroupLimits, systemProcessMemory } from "../container-limits.ts";
import { MEMORY_LIMIT_WHERE } from "../../protocol/cgroup-limits.ts";
import { applyStops, type FimTokens, renderFimSegments, stableFimSegments } from "../fim-prompt.ts";
import { buildQwenResponseGrammar } from "../qwen/tool-grammar.ts";
import type { ChatMessage, ChatStreamEvent, StopReason, ToolDefinition } from "../types.ts";
import { ChatSequence } from "./chat-sequence.ts";
import { chatFormatFor, isOneToken } from "./chat-format.ts";
import { modelLoadAdvice, openFilesLimit } from "../../protocol/open-files.ts";
import type { ComputeBackend } from "../../protocol/status.ts";
import { Mutex } from "./mutex.ts";
import { SegmentTokenizer } from "./segment-tokenizer.ts";
import { computeBackend, gpuOption } from "./system-probe.ts";
import { TokenTextStream } from "./token-stream.ts";
import { formatBytes, validateModelFile, type ValidatedModel } from "./validate.ts";

/** How to run the model; mirrors the `hearth.*` settings. */
export interface EmbeddedOptions {
  readonly modelPath: string;
  /** Tokens of context per sequence; 0 = auto (fitted to free memory up to the training context). */
  readonly contextSize?: number;
  /** -1 = auto, 0 = CPU only, n = that many layers. */
  readonly gpuLayers?: number;
  readonly kvCacheType?: "f16" | "q8_0" | "q4_0";
  /** 0 = node-llama-cpp's default. */
  readonly threads?: number;
  /** Default true. */
  readonly flashAttention?: boolean;
  /** "auto" picks CUDA / Vulkan / Metal / CPU; false forces the CPU. Default "auto". */
  readonly gpu?: "auto" | false;
}

const FIM_PRIORITY = 5;
/** Prompt tokens evaluated per call between checks of the cancellation signal. */
const FIM_CHUNK = 256;

const llamas = new Map<string, Promise<Llama>>();

/** One node-llama-cpp instance per GPU choice per process; never builds llama.cpp. */
export function sharedLlama(gpu: "auto" | false): Promise<Llama> {
  const key = String(gpu);
  let llama = llamas.get(key);
  if (!llama) {
    llama = gpuOption(gpu).then((option) => getLlama({ gpu: option, build: "never", logLevel: LlamaLogLevel.error, progressLogs: false })).catch(async (error: unknown) => {
      llamas.delete(key);
      // A broken GPU driver must not leave the user without a model: fall back to the CPU.
      if (gpu !== false) return sharedLlama(false);
      throw error;
    });
    llamas.set(key, llama);
  }
  return llama;
}

interface Loaded {
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  readonly chat: ChatSequence;
  readonly fim: LlamaContextSequence;
  readonly tokenizer: SegmentTokenizer;
  readonly info: BackendInfo;
}

export class EmbeddedBackend implements ModelBackend {
  readonly kind = "embedded";
  private current: BackendState = { kind: "unloaded" };
  private loading: Promise<BackendInfo> | undefined;
  private loaded: Loaded | undefined;
  private readonly fimMutex = new Mutex();
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  constructor(private readonly options: EmbeddedOptions) {}

  state(): BackendState {
    return this.current;
  }

  load(options: LoadOptions = {}): Promise<BackendInfo> {
    // Read before node-llama-cpp loads its binary: once that has filled the table, /proc/self/limits cannot be opened either.
    const openFiles = this.loading ? undefined : openFilesLimit(readText);
    this.loading ??= this.doLoad(options).catch((error: unknown) => {
      this.loading = undefined;
      const failure = toBackendError(error, this.options.gpuLayers, openFiles);
      if (this.current.kind !== "disposed") this.current = { kind: "error", message: failure.message, ...(failure.fix ? { fix: failure.fix } : {}) };
      throw failure;
    });
    return this.loading;
  }

  private async doLoad({ signal, onProgress }: LoadOptions): Promise<BackendInfo> {
    const progress = (value: number) => {
      if (this.current.kind === "loading" || this.current.kind === "unloaded") this.current = { kind: "loading", progress: value };
      onProgress?.(value);
    };
    progress(0);
    const file = await validateModelFile(this.options.modelPath);
    throwIfAborted(signal);
    const llama = await sharedLlama(this.options.gpuLayers === 0 ? false : (this.options.gpu ?? "auto"));
    throwIfAborted(signal);
    progress(0.05);
    await checkMemory(llama, file);
    const ramCap = await capRamToContainer(llama);
    // Weights are 90% of the bar, the context the rest.
    const model = await llama.loadModel({
      modelPath: file.modelPath,
      gpuLayers: this.options.gpuLayers === undefined || this.options.gpuLayers < 0 ? "auto" : this.options.gpuLayers,
      defaultContextFlashAttention: this.options.flashAttention ?? true,
      onLoadProgress: (p) => progress(0.05 + 0.85 * p),
      ...(signal ? { loadSignal: signal } : {}),
    });
    try {
      throwIfAborted(signal);
      const context = await this.createContext(model, file, signal, this.options.threads || automaticThreads(llama.cpuMathCores), ramCap);
      this.loaded = this.wire(model, context, llama, file, await computeBackend(llama, model, this.options.gpuLayers === 0 || this.options.gpu === false), ramCap !== undefined);
      this.current = { kind: "ready", info: this.loaded.info };
      onProgress?.(1);
      return this.loaded.info;
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  /**
   * `threads`: hearth.threads, or where that is 0 (automatic) and a container's CPU limit is below the machine's cores, that limit (container-limits.ts).
   * `ramCap`: the RAM a container's memory limit leaves the model and its context (capRamToContainer), where there is one.
   */
  private async createContext(model: LlamaModel, file: ValidatedModel, signal: AbortSignal | undefined, threads: number | undefined, ramCap: number | undefined): Promise<LlamaContext> {
    const requested = this.options.contextSize ?? 0;
    const kv = this.options.kvCacheType ?? "f16";
    try {
      return await model.createContext({
        sequences: 2,
        // A set size is honoured exactly or fails: never silently smaller.
        contextSize: requested > 0 ? requested : { max: file.trainContextSize },
        ...(requested > 0 ? { failedCreationRemedy: false as const } : {}),
        flashAttention: this.options.flashAttention ?? true,
        ...(threads ? { threads } : {}),
        experimentalKvCacheKeyType: kv.toUpperCase() as "F16",
        experimentalKvCacheValueType: kv.toUpperCase() as "F16",
        ...(signal ? { createSignal: signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      const what = requested > 0 ? `a context of ${requested.toLocaleString("en-US")} tokens` : "a context";
      if (ramCap !== undefined && error instanceof InsufficientMemoryError) {
        // node-llama-cpp's words name a "RAM cap" the user never set: it is the container's limit.
        const why = shortMessage(error).replace(/ \(RAM (and VRAM )?caps? (is|are) set,.*$/, "");
        throw new BackendError(`not enough memory for ${what} with this model (${why}): this process's memory limit leaves the model and its context about ${formatBytes(ramCap)} (a container's limit: ${MEMORY_LIMIT_WHERE}); ${requested > 0 ? "lower hearth.contextSize (0 sizes it to the limit), raise that limit," : "raise that limit,"} or choose a smaller model`, requested > 0 ? "openSettings" : "selectModel", { cause: error });
      }
      throw new BackendError(`not enough memory for ${what} with this model (${shortMessage(error)}); lower hearth.contextSize or use a smaller KV cache type`, "openSettings", { cause: error });
    }
  }

  /** `memoryLimited`: node-llama-cpp's RAM was capped to a container's memory limit (capRamToContainer). */
  private wire(model: LlamaModel, context: LlamaContext, llama: Llama, file: ValidatedModel, compute: ComputeBackend, memoryLimited: boolean): Loaded {
    const tokenizer = new SegmentTokenizer(model);
    const format = chatFormatFor(model);
    const chat = new ChatSequence(model, context.getSequence(), tokenizer, format, (tools, thinking, requireToolCall) => this.grammar(llama, tools, thinking, requireToolCall));
    const fim = context.getSequence();
    const info: BackendInfo = {
      name: file.name,
      contextSize: context.contextSize,
      trainContextSize: file.trainContextSize,
      ...((this.options.contextSize ?? 0) > 0 ? {} : { contextAuto: true as const, ...(memoryLimited ? { contextMemoryLimited: true as const } : {}) }),
      kvCacheType: this.options.kvCacheType ?? "f16",
      gpu: llama.gpu,
      fim: fimTokens(model) !== undefined,
      compute,
      promptFormat: format.info,
    };
    return { model, context, chat, fim, tokenizer, info };
  }

  private grammar(llama: Llama, tools: readonly ToolDefinition[], thinking: boolean, requireToolCall: boolean): Promise<LlamaGrammar> {
    const key = JSON.stringify([thinking, requireToolCall, tools]);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = llama.createGrammar({ grammar: buildQwenResponseGrammar(tools, { thinking, requireToolCall }) });
      if (this.grammars.size > 16) this.grammars.clear();
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  async *chat(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    const loaded = await this.ready();
    yield* loaded.chat.run(request);
  }

  async complete(request: FimRequest): Promise<FimResult> {
    const loaded = await this.ready();
    const release = await this.fimMutex.acquire(request.signal);
    if (!release) return { text: "", stopReason: "aborted" };
    try {
      return await this.fill(loaded, request);
    } finally {
      release();
    }
  }

  private async fill(loaded: Loaded, request: FimRequest): Promise<FimResult> {
    const tokens = fimTokens(loaded.model);
    const limit = loaded.fim.contextSize;
    const signal = request.signal;
    const found = await (tokens ? loaded.tokenizer.tokensWithin(renderFimSegments(request, tokens), limit, signal ? { signal } : {}) : loaded.chat.promptTokens(chatFallback(request), [], false, limit, signal)).catch((error: unknown) => {
      if (signal?.aborted) return "aborted" as const;
      throw error;
    });
    if (found === "aborted") return { text: "", stopReason: "aborted" };
    const prompt = found ?? [];
    const room = limit - prompt.length;
    if (!found || room < 1) return { text: "", stopReason: "maxTokens" };
    // Qwen3.5's recurrent layers cannot be trimmed: going back restores a checkpoint. One at
    // the caller's stable point (the start of the cursor's line) makes the next keystroke
    // cost only the tokens after it; one at the prompt's end makes a repeated prompt free.
    const stable = tokens && request.prefixStableChars ? ((await loaded.tokenizer.tokensWithin(stableFimSegments(request, tokens), prompt.length))?.length ?? -1) : -1;
    await loaded.fim.adaptStateToTokens(prompt.slice(0, -1), false);
    const start = Math.min(loaded.fim.nextTokenIndex, prompt.length - 1);
    const usage = { promptTokens: prompt.length, evaluatedTokens: prompt.length - start, generatedTokens: 0 };
    if (!(await this.evaluateFimPrompt(loaded.fim, prompt, start, stable, request.signal))) return { text: "", stopReason: "aborted", usage };
    const stream = new TokenTextStream(loaded.model);
    const maxTokens = Math.min(request.maxTokens ?? 128, room);
    let text = "";
    let stopReason: StopReason = "endOfTurn";
    for await (const token of loaded.fim.evaluate([prompt.at(-1)!], { temperature: 0, evaluationPriority: FIM_PRIORITY })) {
      if (request.signal?.aborted) {
        stopReason = "aborted";
        break;
      }
      if (loaded.model.isEogToken(token)) break;
      usage.generatedTokens++;
      text += stream.push(token);
      const stopped = applyStops(text, request.stop);
      if (stopped.stopped) return { text: stopped.text, stopReason: "endOfTurn", usage };
      if (usage.generatedTokens >= maxTokens) {
        stopReason = "maxTokens";
        break;
      }
    }
    return { text: applyStops(text + stream.end(), request.stop).text, stopReason, usage };
  }

  /** Evaluates prompt[start, length-1) in chunks (a cancelled request stops between them), checkpointing at `stable` and at the end. */
  private async evaluateFimPrompt(sequence: LlamaContextSequence, prompt: Token[], start: number, stable: number, signal: AbortSignal | undefined): Promise<boolean> {
    const end = prompt.length - 1;
    let at = start;
    for (const stop of [stable, end].filter((i) => i > start && i <= end)) {
      while (at < stop) {
        if (signal?.aborted) return false;
        const next = Math.min(stop, at + FIM_CHUNK);
        await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(at, next), { evaluationPriority: FIM_PRIORITY });
        at = next;
      }
      if (sequence.needsCheckpoints && sequence.lastCheckpointIndex !== at - 1) await sequence.takeCheckpoint();
    }
    return !signal?.aborted;
  }

  /** The text's tokens as content is tokenized in a prompt; a text past the context is refused (DoesNotFitError) without tokenizing the rest. */
  async tokenize(text: string, signal?: AbortSignal): Promise<readonly number[]> {
    const loaded = await this.ready();
    throwIfAborted(signal);
    const contextSize = loaded.info.contextSize;
    const tokens = await loaded.tokenizer.tokensWithin([{ kind: "content", text }], contextSize, signal ? { signal } : {});
    if (!tokens) throw new DoesNotFitError("the text", contextSize);
    return tokens;
  }

  /** Exact up to the context size; past it, counting stops and the answer is contextSize + 1. */
  async countTokens(messages: readonly ChatMessage[], tools: readonly ToolDefinition[] = [], signal?: AbortSignal): Promise<number> {
    const loaded = await this.ready();
    throwIfAborted(signal);
    const contextSize = loaded.info.contextSize;
    return (await loaded.chat.promptTokens(messages, tools, true, contextSize, signal))?.length ?? contextSize + 1;
  }

  async dispose(): Promise<void> {
    const loading = this.loading;
    this.current = { kind: "disposed" };
    await loading?.catch(() => undefined);
    const loaded = this.loaded;
    this.loaded = undefined;
    if (loaded) {
      await loaded.context.dispose();
      await loaded.model.dispose();
    }
  }

  private async ready(): Promise<Loaded> {
    if (this.current.kind === "disposed") throw new BackendError("the model was unloaded");
    await this.load();
    if (!this.loaded) throw new BackendError("the model was unloaded");
    return this.loaded;
  }
}

/** The model's FIM control tokens, when its vocabulary has them. */
function fimTokens(model: LlamaModel): FimTokens | undefined {
  const { prefixString, suffixString, middleString } = model.tokens.infill;
  if (!prefixString || !suffixString || !middleString) return undefined;
  const special = (text: string) => (isOneToken(model, text) ? text : undefined);
  const repoName = special("<|repo_name|>");
  const fileSep = special("<|file_sep|>");
  return { prefix: prefixString, suffix: suffixString, middle: middleString, ...(repoName ? { repoName } : {}), ...(fileSep ? { fileSep } : {}) };
}

/** A chat prompt asking for the missing code, for models without FIM tokens. */
function chatFallback(request: FimRequest): ChatMessage[] {
  return [
    { role: "system", content: "Complete the code at <CURSOR>. Reply with only the code to insert, no explanation, no code fences." },
    { role: "user", content: `${request.prefix}<CURSOR>${request.suffix}` },
  ];
}

/**
 * Where a container's memory limit is below the machine's memory, caps the RAM node-llama-cpp
 * plans with to what the limit leaves (containerRamCap): its automatic context size then fits the
 * container, not the host. Lifted where there is no such limit (the instance is shared). The cap.
 */
async function capRamToContainer(llama: Llama): Promise<number | undefined> {
  const cap = containerRamCap(systemCgroupLimits(), totalmem(), (await llama.getLlamaMemoryUsage()).cpuRam);
  await llama.setRamCap(cap ?? null);
  return cap;
}

/** Refuses files that cannot fit in RAM + VRAM together (llama.cpp would thrash or be killed); RAM is a container's memory limit where that is less. */
async function checkMemory(llama: Llama, file: ValidatedModel): Promise<void> {
  const vram = llama.gpu ? (await llama.getVramState()).total : 0;
  const ram = systemProcessMemory();
  if (file.fileSize > ram.totalBytes + vram) {
    const has = ram.limited ? `this process is limited to ${formatBytes(ram.totalBytes)} of RAM (a container's memory limit, not the machine's), with` : `this machine has ${formatBytes(ram.totalBytes)} RAM and`;
    const way = ram.limited ? `choose a smaller quantization, or raise the container's memory limit (${MEMORY_LIMIT_WHERE})` : "choose a smaller quantization";
    throw new BackendError(`the model needs about ${formatBytes(file.fileSize)} of memory; ${has} ${formatBytes(vram)} VRAM: ${way}`, "selectModel");
  }
}

/** What a failed load tells the user; `gpuLayers` is the setting the load ran with. */
export function toBackendError(error: unknown, gpuLayers?: number, openFiles: number | undefined = openFilesLimit(readText)): BackendError {
  if (error instanceof BackendError) return error;
  if (error instanceof Error && error.name === "AbortError") return new BackendError("loading was cancelled", undefined, { cause: error });
  // node-llama-cpp refuses a set layer count the GPU's free memory cannot hold before llama.cpp
  // sees it, in words that name no setting; auto (-1) fits the layers to the memory instead.
  if (error instanceof InsufficientMemoryError && gpuLayers !== undefined && gpuLayers > 0) {
    return new BackendError(`not enough free GPU memory for hearth.gpuLayers ${gpuLayers} (${shortMessage(error)}): set hearth.gpuLayers to -1 (auto: as many layers as fit) or to fewer layers`, "openSettings", { cause: error });
  }
  // Under a low limit of open files (the editor's or the shell's ulimit -n) node-llama-cpp's own
  // files could not be opened: "NoBinaryFoundError", with Select Model, sent the user to another
  // model that fails the same way. The limit and how to raise it; no model to choose.
  const limit = modelLoadAdvice(error, openFiles);
  if (limit) return new BackendError(`the model failed to load: ${shortMessage(error)}: ${limit}`, undefined, { cause: error });
  return new BackendError(`the model failed to load: ${shortMessage(error)}`, "selectModel", { cause: error });
}

/** A file's text, for openFilesLimit. */
function readText(path: string): string {
  return readFileSync(path, "utf8");
}

function shortMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 200);
}
