/**
 * How Fix This Issue takes over the chat: it opens a new conversation (the open one stays in
 * the history), and a run still working in the chat is stopped only when the user says so —
 * a fix started from the command palette must not silently cancel an agent mid-edit.
 * Pure: the question is passed in (fix-issue.ts asks with a modal message).
 */

/** What Fix This Issue needs of the chat. */
export interface FixTarget {
  /** A run is in progress in the chat. */
  readonly running: boolean;
  /** Opens a new conversation, stopping a run in progress. */
  newChat(): void;
  /** Asks the run in progress to stop; it ends when the runtime answers the cancel. */
  stop(): void;
  /** A run started (true) or ended (false). */
  onDidChangeRunning(listener: (running: boolean) => void): { dispose(): unknown };
}

/** The question asked while a run is in progress; the answer that goes on. */
export const STOP_QUESTION = "Hearth is still working in the chat. Stop that run and start fixing this issue? The conversation stays in the chat history.";
export const STOP_AND_FIX = "Stop and Fix";

/**
 * Opens a new conversation for the fix; while a run is in progress, only after `ask` says
 * yes, and only once that run has ended — Stop only asks the runtime to cancel, and a send
 * while the run is still winding down would be refused ("still working"). Resolves to
 * whether the fix may start (false: nothing was stopped or opened).
 */
export async function startFixConversation(chat: FixTarget, ask: (question: string) => Promise<boolean>): Promise<boolean> {
  if (chat.running) {
    if (!(await ask(STOP_QUESTION))) return false;
    if (chat.running) await stopAndWait(chat);
  }
  chat.newChat();
  return true;
}

function stopAndWait(chat: FixTarget): Promise<void> {
  return new Promise((resolve) => {
    const sub = chat.onDidChangeRunning((running) => {
      if (running) return;
      sub.dispose();
      resolve();
    });
    chat.stop();
  });
}
