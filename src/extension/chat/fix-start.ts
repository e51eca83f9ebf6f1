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
}

/** The question asked while a run is in progress; the answer that goes on. */
export const STOP_QUESTION = "Hearth is still working in the chat. Stop that run and start fixing this issue? The conversation stays in the chat history.";
export const STOP_AND_FIX = "Stop and Fix";

/**
 * Opens a new conversation for the fix; while a run is in progress, only after `ask` says
 * yes. Resolves to whether the fix may start (false: nothing was stopped or opened).
 */
export async function startFixConversation(chat: FixTarget, ask: (question: string) => Promise<boolean>): Promise<boolean> {
  if (chat.running && !(await ask(STOP_QUESTION))) return false;
  chat.newChat();
  return true;
}
