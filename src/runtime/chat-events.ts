/**
 * Merges consecutive text (or thinking) deltas of a chat stream for up to `intervalMs`,
 * so a fast model sends a few notifications per frame instead of one per token. Tool
 * calls, errors and `done` flush what is pending and go out at once, in order.
 */
import type { ChatStreamEvent } from "../protocol/chat.ts";

export class ChatEventCoalescer {
  private pending: Extract<ChatStreamEvent, { type: "text" | "thinking" }> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly send: (event: ChatStreamEvent) => void, private readonly intervalMs = 16) {}

  push(event: ChatStreamEvent): void {
    if (event.type === "text" || event.type === "thinking") {
      if (this.pending?.type === event.type) {
        this.pending = { type: event.type, text: this.pending.text + event.text };
        return;
      }
      this.flush();
      this.pending = event;
      this.timer = setTimeout(() => this.flush(), this.intervalMs);
      return;
    }
    this.flush();
    this.send(event);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (pending) this.send(pending);
  }
}
