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

/** What one message from the server was: an answer to a request of Hearth's, another message, or one past the limit. */
export type Received = "answer" | "other" | "flood";

export class UnansweredCount {
  /** The server went past MAX_UNANSWERING (and is being stopped for it). */
  flooded = false;
  /** Ids of Hearth's requests not yet answered. */
  private readonly asked = new Set<string | number>();
  private count = 0;
  private since = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A message Hearth sends: a request's answer is awaited. */
  sent(message: JSONRPCMessage): void {
    if ("method" in message && "id" in message) this.asked.add(message.id);
  }

  /** A message from the server (undefined: a line that is not JSON-RPC); "flood" from the one past the limit on: read no more. */
  received(message: JSONRPCMessage | undefined): Received {
    if (this.flooded) return "flood";
    const answered = message && ("result" in message || "error" in message) ? message.id : undefined;
    if (answered !== undefined && this.asked.delete(answered)) {
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

/** Why a flooded server was stopped, for messages. */
export const FLOODED = `it sent ${MAX_UNANSWERING} messages within a minute that answered nothing Hearth asked, so Hearth stopped it`;

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

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    this.unanswered.sent(message);
    return this.inner.send(message, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
