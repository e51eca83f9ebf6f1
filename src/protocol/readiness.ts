/**
 * Whether chat and Fix This Issue can do work right now, and if not, why — one rule for
 * the webview (Send disabled with the reason shown), the extension (Fix This Issue and the
 * chat refuse before starting a run) and their tests.
 */
import { MAX_CONTEXT_SIZE } from "./settings.ts";
import type { RuntimeConnection } from "./webview.ts";

/**
 * Why a run cannot start now; `needsModel`: the fix is to download, choose or connect a
 * model; `needsFolder`: to open a folder; `needsRestart`: to restart the runtime, which stopped.
 */
export interface Blocker {
  readonly reason: string;
  readonly needsModel: boolean;
  readonly needsFolder?: boolean;
  readonly needsRestart?: boolean;
}

/** Said wherever an agent run is refused for want of a folder (the view, Send, Fix This Issue). */
export const NO_FOLDER_REASON = "Open a folder first: Hearth's agent reads and changes the files of a folder.";

/**
 * undefined when a run can start: a running runtime with a model that is ready, loading,
 * or configured (it loads on first use). Otherwise the reason, as a sentence that says
 * what to do.
 */
export function runBlocker(runtime: RuntimeConnection, where: BlockerPlace = "view"): Blocker | undefined {
  const view = where === "view";
  switch (runtime.kind) {
    case "starting":
      return { reason: `Hearth is starting; ${view ? "Send works" : "try again"} once the runtime is up.`, needsModel: false };
    case "restarting":
      return { reason: `Hearth's runtime is restarting; ${view ? "Send works again" : "try again"} once it is back.`, needsModel: false };
    case "failed":
      return { reason: `Hearth's runtime stopped. Restart it (Hearth: Restart Runtime)${view ? " to chat again" : ", then try again"}.`, needsModel: false, needsRestart: true };
    case "running": {
      const model = runtime.status.model;
      if (model.kind === "none") return { reason: `No model yet. Download one, choose a GGUF file, or connect to a server${view ? " to chat" : ""}.`, needsModel: true };
      if (model.kind === "error") return { reason: modelErrorReason(model.message, where), needsModel: true };
      return undefined;
    }
  }
}

/**
 * Where the reason is read: the chat view, whose card above Send shows the model's error, or a
 * notification or tooltip (Fix This Issue, the completions item), which has no card above it and
 * no Send: its words speak of neither Send nor chatting.
 */
export type BlockerPlace = "view" | "notice";

function modelErrorReason(message: string, where: BlockerPlace): string {
  if (where === "view") return "The model did not load. Fix it (see the card above) or choose another model to chat.";
  return `The model did not load: ${message.trim().replace(/[.\s]*$/, "")}. Choose another model, or fix that and restart the runtime.`;
}

/**
 * Whether the agent (chat, Fix This Issue) can run now: as runBlocker, and a folder must be
 * open — the agent's tools, index and checkpoints work on one. Completions need no folder.
 */
export function agentBlocker(runtime: RuntimeConnection, where: BlockerPlace = "view"): Blocker | undefined {
  const blocker = runBlocker(runtime, where);
  if (blocker || runtime.kind !== "running" || runtime.status.folder !== null) return blocker;
  return { reason: NO_FOLDER_REASON, needsModel: false, needsFolder: true };
}

/** The first letter upper-case, so every message a user reads starts as a sentence ("no model: x" → "No model: x"). */
export function sentence(text: string): string {
  const trimmed = text.trimStart();
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}

/**
 * Characters of text no model here could read: the largest context at ~4 characters a token
 * (code and logs take more tokens than that). Past it a run could only fail with "does not
 * fit", after the chat had shown, kept and sent the whole text.
 */
export const MAX_TEXT_CHARS = MAX_CONTEXT_SIZE * 4;

/**
 * Why a text (`what`: "The issue text", "The message") is refused before a run starts, or
 * undefined; `advice` says what to send instead. One rule for Fix This Issue and the chat's box.
 */
export function textTooLong(text: string, what: string, advice: string): string | undefined {
  if (text.length <= MAX_TEXT_CHARS) return undefined;
  const n = (value: number) => value.toLocaleString("en-US");
  return `${what} is ${n(text.length)} characters; the largest context a model here can have (${n(MAX_CONTEXT_SIZE)} tokens) holds about ${n(MAX_TEXT_CHARS)}. ${advice}`;
}
