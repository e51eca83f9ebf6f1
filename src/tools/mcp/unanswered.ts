/**
 * A server's flood of messages that answer nothing Hearth asked (notifications/progress for
 * ever, answers to ids Hearth never sent, lines that are not JSON-RPC), counted the same way
 * for every transport: each costs the runtime's one thread its parsing (65 µs measured), and
 * a flood that never ends would hold it for as long as the server runs. Past MAX_UNANSWERING
 * within a minute, with no answer to one of Hearth's requests between, the server is
 * stopped (stdio) or the connection closed (HTTP, SSE), and the calls in flight say why.
 */
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, MessageExtraInfo } from "@modelcontextprotocol/sdk/types.js";

/**
 * Messages that answer nothing Hearth asked, at most, within UNANSWERING_WINDOW_MS and with
 * no answer between (1.3 s of parsing at 65 µs each); a progress notification every 100 ms
 * is 600 a minute.
 */
export const MAX_UNANSWERING = 20_000;
const UNANSWERING_WINDOW_MS = 60_000;

/**
 * Requests Hearth gave up on (timed out, cancelled, answered by Hearth itself) whose ids are
 * kept, the last ones: a late answer to one is still an answer. An older one's late answer
 * counts as a message answering nothing, which one message is far from a flood.
 */
const MAX_GIVEN_UP = 100;

/** What one message from the server was: an answer to a request of Hearth's, another message, or one past the limit. */
export type Received = "answer" | "other" | "flood";

export class UnansweredCount {
  /** The server went past MAX_UNANSWERING (and is being stopped for it). */
  flooded = false;
  /** Ids of Hearth's requests not yet answered. */
  private readonly asked = new Set<string | number>();
  /** Ids of requests Hearth gave up on, the last MAX_GIVEN_UP, oldest first. */
  private readonly givenUp = new Set<string | number>();
  private count = 0;
  private since = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A message Hearth sends: a request's answer is awaited; one it cancels (time limit, Stop) no longer is. */
  sent(message: JSONRPCMessage): void {
    if (!("method" in message)) return;
    if ("id" in message) this.asked.add(message.id);
    else if (message.method === "notifications/cancelled") {
      const id = message.params?.requestId;
      if (typeof id === "string" || typeof id === "number") this.forget(id);
    }
  }

  /** A request whose answer is no longer awaited (cancelled, failed to send, answered by Hearth): only the last MAX_GIVEN_UP are kept. */
  forget(id: string | number): void {
    if (!this.asked.delete(id)) return;
    this.givenUp.add(id);
    if (this.givenUp.size > MAX_GIVEN_UP) this.givenUp.delete(this.givenUp.values().next().value!);
  }

  /** A message from the server (undefined: a line that is not JSON-RPC); "flood" from the one past the limit on: read no more. */
  received(message: JSONRPCMessage | undefined): Received {
    if (this.flooded) return "flood";
    const answered = message && ("result" in message || "error" in message) ? message.id : undefined;
    if (answered !== undefined && (this.asked.delete(answered) || this.givenUp.delete(answered))) {
      this.count = 0;
      return "answer";
    }
    const now = this.now();
    if (this.count === 0 || now - this.since > UNANSWERING_WINDOW_MS) [this.count, this.since] = [0, now];
    if (++this.count < MAX_UNANSWERING) return "other";
    this.flooded = true;
    return "flood";
  }
}

/** Why a flooded server was cut off, for messages: a stdio server is stopped, an HTTP or SSE server's connection closed. */
export function floodedWhy(cutOff: "stopped" | "disconnected"): string {
  return `it sent ${MAX_UNANSWERING} messages within a minute that answered nothing Hearth asked, so Hearth ${cutOff === "stopped" ? "stopped it" : "closed the connection"}`;
}

/**
 * An HTTP or SSE transport whose server's messages are counted (UnansweredCount): past the
 * limit, what comes after is dropped and the transport closed, which ends the calls in flight.
 */
export class FloodLimitedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  readonly unanswered: UnansweredCount;

  constructor(
    private readonly inner: Transport,
    now?: () => number,
  ) {
    this.unanswered = new UnansweredCount(now);
    inner.onmessage = (message, extra) => {
      const flooded = this.unanswered.flooded;
      if (this.unanswered.received(message) !== "flood") return this.onmessage?.(message, extra);
      if (!flooded) void inner.close().catch(() => undefined);
    };
    inner.onclose = () => this.onclose?.();
    inner.onerror = (error) => this.onerror?.(error);
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    this.unanswered.sent(message);
    try {
      await this.inner.send(message, options);
    } catch (error) {
      // A request that could not be sent is not answered (the SDK fails it without a cancellation).
      if ("method" in message && "id" in message) this.unanswered.forget(message.id);
      throw error;
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
