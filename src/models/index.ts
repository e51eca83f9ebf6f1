/**
 * What the other layers (runtime, agent, completions, CLI) use from src/models. Settings
 * become a backend only through `ModelSlot` (model-slot.ts); the backends themselves
 * (remote, scripted, embedded) are not exported.
 */
export {
  abortReason,
  BackendError,
  DoesNotFitError,
  type BackendInfo,
  type BackendKind,
  type BackendState,
  type ChatRequest,
  collectTurn,
  type CollectedTurn,
  type FimRequest,
  type FimResult,
  type LoadOptions,
  type ModelBackend,
  throwIfAborted,
} from "./backend.ts";
export type * from "./types.ts";
export { type BackendEnvironment, serverOrigin } from "./factory.ts";
export { backendKey, checkModelFile, completionModelSource, ModelSlot, type ModelSlotOptions, resolveModelSource } from "./model-slot.ts";
export { type Clock, systemClock } from "./http-limits.ts";
export { notTheWeights, type OllamaLayer, ollamaLayer } from "./ollama-store.ts";
export { type NotGguf, textWords, whatInstead } from "./not-a-model.ts";
export { serverBusy, serverSlotState, type SlotState } from "./remote.ts";
export { DownloadError, type DownloadProgress, downloadFile, isWebAddress } from "./download.ts";
export { networkProblem, useEnvironmentProxy } from "./proxy.ts";
export { holderAlive, holderWords, LOCK_REFRESH_MS, LOCK_STALE_MS, lockAhead, lockPart, NO_HARD_LINKS, otherShape, seeLock, takeOverStaleLock } from "./part-lock.ts";
export {
  COMPLETION_MODELS,
  DEFAULT_PRESET,
  downloadablePresets,
  findDownloadedPreset,
  findPreset,
  findQuantization,
  listDownloaded,
  MOVED_ASIDE,
  PRESETS,
  recommendCompletionModel,
  recommendModel,
} from "./presets.ts";
export { installCuda, nativeFolderIn } from "./cuda.ts";
export { downloadVersion, packageFolderVersion, removalLeft, removePackageFolder, useInstalledNativePackages } from "./native-packages.ts";
export { bundledLlamaVersion, cudaFacts, probeSystem } from "./llama-cpp/system-probe.ts";
export { systemCgroupLimits, systemProcessMemory } from "./container-limits.ts";
export { architectureOf, type GgufHead, isSupportedArchitecture, notAChatModel, readGgufHead, SUPPORTED_ARCHITECTURES_SHOWN } from "./llama-cpp/architecture.ts";
export { missingTokenizer, unreadableGgufVersion, unloadableTensor } from "./llama-cpp/loadable.ts";
export { splitSetProblem } from "./llama-cpp/split-set.ts";
export { countLmTokens, LmInputError, lmPartOf, runLmChat } from "./lm-chat.ts";
export { LOOKALIKE_BRACKETS, swappedBrackets } from "./qwen/tool-call-syntax.ts";
export { isScriptPath } from "./scripted.ts";
export { collapseRunaway, describeRunaway, type ReplyRunaway, type Runaway, RunawayDetector, stopRunaway, WANTED_REPETITION, WANTED_REPETITION_FOR_MODEL } from "./runaway.ts";
