/**
 * A restart of the runtime that no one asked to stop a run for (VS Code's proxy settings
 * changed): while a run is in progress it waits for the run's end, since a restart stops the
 * run's commands and ends it mid-way. Choose Folder asks before it stops a run
 * (chat/run-start.ts's stopRunFirst); a setting changed in passing does not stop one at all.
 * No "vscode" import: unit tests drive it with a chat of their own.
 */
import type { RunningChat } from "./chat/run-start.ts";

/** When {@link RestartAfterRun.request}'s restart happens: now, at the run's end, or with one already waiting. */
export type RestartWhen = "now" | "after the run" | "already waiting";

export class RestartAfterRun {
  private chat: Pick<RunningChat, "running" | "onDidChangeRunning"> | undefined;
  private waiting: { dispose(): unknown } | undefined;

  /** `restart`: the runtime's restart. */
  constructor(private readonly restart: () => Promise<void>) {}

  /** The chat whose run a restart waits for (the chat is made after the runtime client). */
  watch(chat: Pick<RunningChat, "running" | "onDidChangeRunning">): void {
    this.chat = chat;
  }

  /**
   * Restarts now when no run is in progress; else once it ends, if `stillWanted()` says so
   * then (the setting may have been put back meanwhile). One restart waits at most.
   */
  request(stillWanted: () => boolean): RestartWhen {
    if (this.waiting) return "already waiting";
    const chat = this.chat;
    if (!chat?.running) {
      void this.restart();
      return "now";
    }
    this.waiting = chat.onDidChangeRunning((running) => {
      if (running) return;
      this.cancel();
      if (stillWanted()) void this.restart();
    });
    return "after the run";
  }

  /** Forgets a waiting restart (the runtime restarted for another reason, or is disposed). */
  cancel(): void {
    this.waiting?.dispose();
    this.waiting = undefined;
  }
}
