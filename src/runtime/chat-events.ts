/**
 * Throttles the text (and thinking) deltas of a chat stream to one notification per
 * `intervalMs` frame, so a fast model sends a few notifications a second instead of one per
 * token. The first delta after a quiet frame goes out at once (the first token reaches
 * the editor without waiting for a frame); deltas that arrive within the frame are merged
 * and sent when it ends. Tool calls, errors and `done` flush what is pending and go out at
 * once, in order.
 *
 * Why 50 ms: each notification costs CPU on both sides — the runtime's event loop wakes,
 * serializes and writes; the client parses and dispatches it (and VS Code's chat view
 * renders Markdown) — and on a small machine that CPU comes out of generation. Measured
 * by per-thread CPU accounting on the 2-core dev machine (BENCHMARKS.md, model runtime
 * (a)): with 16 ms frames a 200-token turn took 16–25 ms more CPU (runtime and client
 * together) than the same turn in a plain process, with 50 ms frames 5–10 ms. Twenty
 * updates a second still read as a smooth stream.
 */
import type { ChatStreamEvent } from "../protocol/chat.ts";

type Delta = Extract<ChatStreamEvent, { type: "text" | "thinking" }>;

export class ChatEventCoalescer {
  private pending: Delta | undefined;
  /** Set while a frame is open: a delta sent less than `intervalMs` ago. */
  private frame: NodeJS.Timeout | undefined;

  constructor(private readonly send: (event: ChatStreamEvent) => void, private readonly intervalMs = 50) {}

  push(event: ChatStreamEvent): void {
    if (event.type !== "text" && event.type !== "thinking") {
      this.flush();
      this.send(event);
      return;
    }
    if (this.pending?.type === event.type) {
      this.pending = { type: event.type, text: this.pending.text + event.text };
      return;
    }
    if (this.pending) this.send(this.pending); // the kind changed: keep the order
    this.pending = undefined;
    if (this.frame) {
      this.pending = event;
      return;
    }
    this.send(event);
    this.openFrame();
  }

  /** Sends what is pending now and closes the frame. */
  flush(): void {
    clearTimeout(this.frame);
    this.frame = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (pending) this.send(pending);
  }

  private openFrame(): void {
    this.frame = setTimeout(() => {
      this.frame = undefined;
      const pending = this.pending;
      this.pending = undefined;
      if (!pending) return;
      this.send(pending);
      this.openFrame();
    }, this.intervalMs);
  }
}
