/**
 * What a run's request says about the conversation it continues, from the chat's transcript
 * (pure; runs.ts sends it), how a run that ended is told, and the wait for a run to end
 * before what cannot share the chat with it (Fix This Issue, Choose Folder).
 */
import { HearthErrorCode } from "../../protocol/lsp-ext.ts";
import type { TranscriptItem } from "../../protocol/transcript.ts";

/**
 * Whether the model answered earlier turns the chat shows (an answer or a tool call): the
 * runtime then has the conversation, and says so when it has not (`AgentRunParams.continues`).
 * A turn that failed before the model answered left the runtime nothing to keep.
 */
export function continuesConversation(items: readonly TranscriptItem[]): boolean {
  return items.some((item) => item.kind === "assistant" || item.kind === "tool");
}

/**
 * The runtime's index of the last message the chat shows the model answering (a reply or a
 * step after it), for `AgentRunParams.lastAnswered`: a runtime whose copy of the conversation
 * ends before that answer (killed mid-run, before it kept the turn) says the model lacks it.
 * A message whose run failed before the model answered is passed over: it left nothing to keep.
 */
export function lastAnsweredIndex(items: readonly TranscriptItem[]): number | undefined {
  let answered = false;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (item.kind === "assistant" || item.kind === "tool") answered = true;
    else if (item.kind === "user" && answered) return item.messageIndex;
  }
  return undefined;
}

/** How many ended runs {@link EndedRuns} remembers: a stuck runtime wakes with one, rarely more. */
const ENDED_RUNS_KEPT = 32;

/**
 * The runs the chat has ended, the last {@link ENDED_RUNS_KEPT}: events the runtime sends for
 * one later are dropped. A runtime stuck past the Stop's limit (a debugger, SIGSTOP) that wakes
 * sends the rest of the run it was in — its text, its tool calls — and they landed in the
 * conversation after 'The run stopped', or inside the next run the user had started meanwhile.
 */
export class EndedRuns {
  private readonly ids: string[] = [];

  add(runId: string): void {
    this.ids.push(runId);
    if (this.ids.length > ENDED_RUNS_KEPT) this.ids.shift();
  }

  has(runId: string): boolean {
    return this.ids.includes(runId);
  }
}

/** Whether the folder a run worked in (its user message's, a URI) is no longer one of the window's `open` folders. */
export function folderLeftWindow(ranIn: string | undefined, open: readonly string[]): boolean {
  return ranIn !== undefined && !open.includes(ranIn);
}

/**
 * Why a run ended when the folder it worked in (`path`) was removed from the window: the
 * runtime restarted in `now` (a folder's name, or none). The runtime stopped for the restart
 * ends the run as cancelled ("Stopped.", as if the user had pressed Stop), or is cut off
 * before it answers (the connection's error): neither says why.
 */
export function folderGoneMessage(path: string, now: string | undefined): string {
  return `The run stopped: ${path}, the folder it worked in, was removed from this window, and Hearth's runtime restarted ${now === undefined ? "with no folder" : `in ${now}`}. What the run changed in ${path} stays as it is; to restore or review it, add the folder back and choose it with "Hearth: Choose Folder…".`;
}

/**
 * What a message sent while a run is still going is told. `stopping`: Stop (or New Chat,
 * which stops the run) was pressed and the runtime has not answered yet (it does at its next
 * token or prompt batch), so "Stop it first" would ask for what was done. `returned`: the
 * message went back to the chat's box (it cleared as it sent it).
 */
export function busyRefusal({ stopping, returned }: { stopping: boolean; returned: boolean }): string {
  if (!returned) return stopping ? "Hearth is still stopping the last run: try again once it has ended." : "Hearth is still working on the last message. Stop it first.";
  return stopping
    ? "Hearth is still stopping the last run. Your message is back in the box: send it again once that run has ended."
    : "Hearth is still working on the last message. Your message is back in the box: stop that run first, or send it once the run ends.";
}

/** The runtime's refusals of a message before any run starts: an empty or newer-format conversation, one already running, a checkout another agent holds. */
const REFUSED: ReadonlySet<number> = new Set([HearthErrorCode.InvalidInput, HearthErrorCode.NotAvailable]);

/** What the chat says of a run whose request failed: a refusal as the runtime words it, anything else as a run that stopped. */
export function runFailedText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "number" && REFUSED.has(code) ? message : `The run stopped: ${message}`;
}

/** What stopRunFirst needs of the chat. */
export interface RunningChat {
  /** A run is in progress in the chat. */
  readonly running: boolean;
  /** Asks the run in progress to stop; it ends when the runtime answers the cancel (or Stop's limit passes). */
  stop(): void;
  /** A run started (true) or ended (false). */
  onDidChangeRunning(listener: (running: boolean) => void): { dispose(): unknown };
}

/**
 * Before something that cannot share the chat with a run in progress (Fix This Issue's new
 * conversation, Choose Folder's restart): true at once when nothing runs; else, after `ask`
 * says yes, stops the run and resolves true once it has ended; false on a no.
 */
export async function stopRunFirst(chat: RunningChat, ask: () => Promise<boolean>): Promise<boolean> {
  if (!chat.running) return true;
  if (!(await ask())) return false;
  if (!chat.running) return true;
  await new Promise<void>((resolve) => {
    const sub = chat.onDidChangeRunning((running) => {
      if (running) return;
      sub.dispose();
      resolve();
    });
    chat.stop();
  });
  return true;
}
