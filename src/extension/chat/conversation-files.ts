/**
 * Export and import of conversations as Markdown files: the file name, what the export
 * asks the runtime for, and the transcript an imported file becomes. Pure; conversations.ts
 * shows the dialogs and reads and writes the files.
 */
import { type ConversationExportParams, type ConversationExportResult, type ConversationImportResult, MAX_IMPORT_CHARS } from "../../protocol/agent.ts";
import { pairSafeEnd } from "../../protocol/plain-text.ts";
import { formatLimit } from "../../protocol/units.ts";
import { type Transcript, transcriptFromMessages } from "../../protocol/transcript.ts";
import { plural } from "./wording.ts";

/**
 * Why a file of `bytes` is not read for an import, or undefined: one over the runtime's limit
 * would be read whole into the extension host and sent over the pipe, only to be refused.
 */
export function importSizeProblem(bytes: number): string | undefined {
  return bytes > MAX_IMPORT_CHARS ? `the file is ${formatLimit(bytes)}, larger than the ${formatLimit(MAX_IMPORT_CHARS)} a conversation export can be` : undefined;
}

/** A file name from a conversation title: "Fix the parser!" → "fix-the-parser.md". */
export function exportFileName(title: string): string {
  const dashed = title.replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-/, "");
  // Cut between characters (a rare CJK character is two UTF-16 units), then without a dash at the end.
  const base = dashed.slice(0, pairSafeEnd(dashed, 60)).replace(/-$/, "").toLowerCase() || "conversation";
  return `${base}.md`;
}

/**
 * What to ask the runtime for: the conversation, with the diff since the checkpoint before
 * its first message. Undefined for a chat with no message yet (nothing to export).
 */
export function exportParams(transcript: Transcript): ConversationExportParams | undefined {
  if (!transcript.items.some((i) => i.kind === "user")) return undefined;
  const first = transcript.items.find((i) => i.kind === "user" && i.checkpoint);
  return {
    conversationId: transcript.id,
    title: transcript.title,
    ...(first?.kind === "user" && first.checkpoint ? { sinceCheckpoint: first.checkpoint } : {}),
  };
}

/** Export Conversation's steps after the save dialog (conversations.ts gives the runtime's request and VS Code's dialogs). */
export interface ExportSteps {
  /** The runtime's export; it refuses one it cannot make (a conversation a newer Hearth saved, a runtime not up). */
  ask(): Promise<ConversationExportResult>;
  /** Whether to export anyway a conversation holding what it read of secret-looking files. */
  confirmSecrets(files: readonly string[]): Promise<boolean>;
  write(markdown: string): Promise<void>;
}

/** The file operations an export is written with (VS Code's workspace.fs in the command: local and remote folders alike). */
export interface ExportFileOps<T> {
  writeFile(at: T, bytes: Uint8Array): Promise<void>;
  /** Over the file at `to`, where there is one. */
  rename(from: T, to: T): Promise<void>;
  delete(at: T): Promise<void>;
}

/** The name an export is first written under, beside `name` (hidden, and unlike any the save dialog offers). */
export function exportTemporaryName(name: string, random: string): string {
  return `.${name}.hearth-${random}.tmp`;
}

/**
 * Writes an export whole or not at all: at `temporary`, beside `target`, then renamed over it.
 * Written in place, a full disk (or a window closed mid-write) left an earlier export there cut
 * short or empty and the new one missing; now it leaves the earlier file as it was, and no
 * temporary file.
 */
export async function writeBeside<T>(ops: ExportFileOps<T>, target: T, temporary: T, bytes: Uint8Array): Promise<void> {
  try {
    await ops.writeFile(temporary, bytes);
    await ops.rename(temporary, target);
  } catch (error) {
    await ops.delete(temporary).catch(() => undefined);
    throw error;
  }
}

/**
 * Asks for the export and writes it: a refusal or a failed write is a problem for the
 * command to show as Import shows its own ("Hearth could not export …"), not an error thrown
 * out of the command; nothing is written then, nor when the user declines.
 */
export async function writeExport(steps: ExportSteps): Promise<{ outcome: "written"; patchLeftOut?: string } | { outcome: "declined" } | { problem: string }> {
  try {
    const { markdown, secretFiles, patchLeftOut } = await steps.ask();
    if (secretFiles?.length && !(await steps.confirmSecrets(secretFiles))) return { outcome: "declined" };
    await steps.write(markdown);
    return { outcome: "written", ...(patchLeftOut ? { patchLeftOut } : {}) };
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * An imported conversation as a transcript: its messages, then a notice naming the file
 * (`source`), how many files it changed where it was exported, and — a warning then — which
 * messages the file's readable text no longer shows as they are imported.
 */
export function importedTranscript(id: string, imported: ConversationImportResult, source: string, now = Date.now()): Transcript {
  const transcript = transcriptFromMessages(id, imported.title, imported.messages, now);
  const changed = (imported.patch.match(/^diff --git /gm) ?? []).length;
  const edited = editedWarning(imported);
  transcript.items.push({
    kind: "notice",
    id: `notice-import-${now.toString(36)}`,
    level: edited ? "warning" : "info",
    text: `Imported from ${source}${changed ? `; where it was exported it changed ${plural(changed, "file")} (the diff is in the file)` : ""}.${edited} Send a message to continue.`,
  });
  return transcript;
}

/** Messages named at most in the warning about an edited file. */
const MAX_EDITED_NAMED = 5;

/** " Its readable text was edited after export: message 3 (a reply) reads differently there …", or "". */
function editedWarning(imported: ConversationImportResult): string {
  const edited = imported.edited ?? [];
  if (edited.length === 0) return "";
  const named = edited.slice(0, MAX_EDITED_NAMED).map((n) => `message ${n} (${messageKind(imported.messages[n - 1])})`);
  const more = edited.length - named.length;
  const list = more > 0 ? `${named.join(", ")} and ${plural(more, "more message")}` : named.length > 1 ? `${named.slice(0, -1).join(", ")} and ${named.at(-1)!}` : named[0]!;
  return ` Its readable text was edited after export: ${list} ${edited.length === 1 ? "reads" : "read"} differently there than what was imported. The model continues from what this chat shows, not from the file's text.`;
}

function messageKind(message: ConversationImportResult["messages"][number] | undefined): string {
  if (message?.role === "tool") return `the result of ${message.name}`;
  return message?.role === "user" ? "the user's" : "a reply";
}
