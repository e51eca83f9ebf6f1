/**
 * One running MCP server: started (stdio) or connected to (streamable HTTP, SSE) with the
 * official SDK's `Client`, its tools listed at the start and again when it sends
 * `notifications/tools/list_changed` (for the next message), calls made with the run's AbortSignal
 * (Stop cancels the request: the SDK sends `notifications/cancelled`) and a time limit.
 * Failures come back as `ToolError`s the model can read: a timeout, a server that stopped
 * (with its exit code and the end of its stderr), a message over 10 MB (a stdio line, an
 * HTTP answer or one event of its stream: the calls in flight end at once), an HTTP answer
 * stream that ended before its answer (as a server that stopped), a protocol error.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport, SseError } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { FetchLike, Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type CallToolResult, ErrorCode, McpError, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { type JsonValue, ToolError } from "../tool.ts";
import type { McpServerConfig } from "./config.ts";
import { shownPath } from "../../indexer/text.ts";
import { shownName } from "./names.ts";
import { MessageTooLargeError, ProcessTransport } from "./process-transport.ts";
import { userProgramEnv } from "../user-program-env.ts";
import { FloodLimitedTransport, floodedWhy } from "./unanswered.ts";

/** A tool as the server lists it (the fields Hearth uses). */
export interface McpListedTool {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly inputSchema: Record<string, unknown>;
  readonly annotations?: { readonly readOnlyHint?: boolean; readonly [key: string]: unknown };
}

export interface McpConnectOptions {
  /** What a stdio server inherits before its own `env` (default: this process's environment). */
  readonly baseEnv?: NodeJS.ProcessEnv;
  /** How long the handshake and the tool list may take (default 30 s: `npx` may download first). */
  readonly startTimeoutMs?: number;
  /** How long one tool call may take (default 5 min; progress notifications do not extend it). */
  readonly callTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Hearth's version, sent as the client's. */
  readonly version?: string;
  /** The clock a server's flood of messages is measured with (default Date.now; tests fix it). */
  readonly now?: () => number;
}

/** Bytes of one message from an HTTP server at most (the stdio transport's read buffer is 10 MB too). */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/** Pages of `tools/list` read at most, so a broken server cannot loop forever. */
const MAX_LIST_PAGES = 20;
/**
 * Tools of one server kept at most: far more than are offered (mcp-tool.ts looks at 256 at
 * most), so a server cannot hold Hearth's memory with its list (20 pages of 10 MB were
 * 600,000 tools: 250 MB kept for the server's life, 15 s to read at every start).
 */
const MAX_LISTED_TOOLS = 1000;

/** A server's tool list as read: at most MAX_LISTED_TOOLS, and whether it had more. */
interface ToolList {
  readonly tools: readonly McpListedTool[];
  readonly more: boolean;
}

export class McpConnection {
  private closed = false;
  private stopped = false;
  /** The tool list asked for by the server's last tools/list_changed, in flight. */
  private relisting: Promise<void> = Promise.resolve();
  /** A listing is queued and not yet begun: later notifications are answered by it. */
  private relistQueued = false;
  /** Aborted (reason: which) when a message too large to read is dropped or an SSE server's stream ends. */
  private dropped = new AbortController();

  private constructor(
    readonly config: McpServerConfig,
    private readonly client: Client,
    private readonly transport: Transport,
    private listed: ToolList,
    private readonly callTimeoutMs: number,
    listTimeoutMs: number,
  ) {
    client.onclose = () => void (this.stopped = true);
    // The answer of a call in flight may be what was dropped: those calls end now, in words,
    // instead of waiting for their time limit.
    client.onerror = (error) => {
      if (error instanceof MessageTooLargeError) this.messageDropped("too-large");
    };
    // A server whose tools come and go (a plugin loaded, a login done) says so; the next
    // tool set (the next message) has the new list. A list that fails keeps the old one.
    // Notifications that come while a listing waits to begin share it: a flood of them is
    // one more listing, not one each.
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      if (this.relistQueued) return;
      this.relistQueued = true;
      this.relisting = this.relisting.then(async () => {
        this.relistQueued = false;
        if (!this.alive) return;
        // A list over 10 MB is dropped unread: the wait ends then, not at the time limit.
        const request = requestSignal([this.dropped.signal]);
        this.listed = await listTools(client, { timeout: listTimeoutMs, signal: request.signal }).catch(() => this.listed).finally(request.done);
      });
    });
  }

  /** The server's tools, as last listed (at most MAX_LISTED_TOOLS). */
  get tools(): readonly McpListedTool[] {
    return this.listed.tools;
  }

  /** Whether the server listed more tools than `tools` holds. */
  get moreTools(): boolean {
    return this.listed.more;
  }

  /** Resolves once the list asked for by a tools/list_changed received so far is read. */
  toolsSettled(): Promise<void> {
    return this.relisting;
  }

  /** Starts or connects to the server and lists its tools; throws an Error saying why not. */
  static async open(config: McpServerConfig, options: McpConnectOptions = {}): Promise<McpConnection> {
    let connection: McpConnection | undefined;
    // A message too large to read while starting may be the handshake's or the list's answer: the start ends now.
    const tooLarge = new AbortController();
    const dropped = () => (connection ? connection.messageDropped("too-large") : tooLarge.abort());
    const transport = createTransport(config, options, dropped, () => connection?.messageDropped("stream-ended"));
    const client = new Client({ name: "hearth", version: options.version ?? "0.0.0" }, { capabilities: {} });
    client.onerror = (error) => void (error instanceof MessageTooLargeError && dropped());
    const request = requestSignal(options.signal ? [options.signal, tooLarge.signal] : [tooLarge.signal]);
    const requestOptions = { timeout: options.startTimeoutMs ?? 30_000, signal: request.signal };
    try {
      await client.connect(transport, requestOptions);
      const tools = await listTools(client, requestOptions);
      connection = new McpConnection(config, client, transport, tools, options.callTimeoutMs ?? 5 * 60_000, requestOptions.timeout);
      return connection;
    } catch (error) {
      // How it ended before Hearth stops it: a server stopped after its time limit did not exit by itself.
      const exit = transport instanceof ProcessTransport ? transport.exitStatus : undefined;
      // Its exit code wins, as in exitText: one that exits closes its output too.
      const closedOutput = transport instanceof ProcessTransport && transport.outputClosed && exit?.code == null;
      await transport.close().catch(() => undefined);
      const timedOut = error instanceof McpError && error.code === ErrorCode.RequestTimeout;
      const why = flooded(transport)
        ?? (closedOutput ? "it closed its output before answering, so Hearth stopped it"
        : exit && (exit.code !== null || exit.signal) ? `it exited (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`}) before answering`
        : tooLarge.signal.aborted ? `it sent a message over ${MAX_MESSAGE_BYTES / 1024 / 1024} MB, which Hearth does not read`
        : timedOut ? `it did not answer within ${requestOptions.timeout / 1000} s`
        : reason(error, config));
      throw new Error(`MCP server "${shownName(config.name)}" did not start: ${why}${stderrOf(transport)}. Check its entry (${describeServer(config)}).`);
    } finally {
      request.done();
    }
  }

  /** False once the server has stopped or was closed. */
  get alive(): boolean {
    return !this.stopped && !this.closed;
  }

  /** Calls a tool. Throws ToolError for a timeout or a stopped server; an aborted signal rejects as aborted. */
  async call(tool: string, args: Record<string, JsonValue>, signal: AbortSignal): Promise<CallToolResult> {
    if (!this.alive) throw new ToolError("unavailable", `MCP server "${shownName(this.config.name)}" is not running${this.exitText()}. It is started again with the next message.`);
    const dropped = this.dropped.signal;
    const request = requestSignal([signal, dropped]);
    try {
      return (await this.client.callTool({ name: tool, arguments: args }, undefined, { signal: request.signal, timeout: this.callTimeoutMs })) as CallToolResult;
    } catch (error) {
      if (signal.aborted) throw error;
      if (dropped.aborted && dropped.reason === "stream-ended") throw this.callError(tool, new McpError(ErrorCode.ConnectionClosed, "the event stream ended"));
      if (dropped.aborted) throw new ToolError("command-failed", `MCP server "${shownName(this.config.name)}" sent an answer to the call to "${shownName(tool)}" over 10 MB, which Hearth does not read; the call was cancelled.`);
      throw this.callError(tool, error);
    } finally {
      request.done();
    }
  }

  /**
   * A message too large to read was dropped, or an SSE server's event stream ended: the
   * calls in flight end (their answers may be lost), the latter as a stopped server.
   */
  private messageDropped(why: "too-large" | "stream-ended"): void {
    if (why === "stream-ended") this.stopped = true;
    this.dropped.abort(why);
    this.dropped = new AbortController();
  }

  /** Closes the connection; a stdio server's processes are stopped (all of them). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close().catch(() => undefined);
    await this.transport.close().catch(() => undefined);
  }

  /** Kills a stdio server's processes synchronously (process exit). */
  killNow(): void {
    if (this.transport instanceof ProcessTransport) this.transport.killNow();
  }

  private callError(tool: string, error: unknown): ToolError {
    const server = `MCP server "${shownName(this.config.name)}"`;
    tool = shownName(tool);
    if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
      return new ToolError("timeout", `${server} did not answer the call to "${tool}" within ${Math.round(this.callTimeoutMs / 1000)} s; the call was cancelled.`);
    }
    if (this.stopped || (error instanceof McpError && error.code === ErrorCode.ConnectionClosed)) {
      this.stopped = true;
      return new ToolError("unavailable", `${server} stopped during the call to "${tool}"${this.exitText()}. It is started again with the next message; do not retry the call before then.`);
    }
    return new ToolError("command-failed", `${server} failed the call to "${tool}": ${reason(error, this.config)}`);
  }

  private exitText(): string {
    const flood = flooded(this.transport);
    if (flood) return ` (${flood})${stderrOf(this.transport)}`;
    // An exit code of its own wins: a server that exits closes its output too, and either may be seen first.
    if (this.transport instanceof ProcessTransport && this.transport.outputClosed && this.transport.exitStatus?.code == null) return ` (it closed its output, so Hearth stopped it)${stderrOf(this.transport)}`;
    const exit = this.transport instanceof ProcessTransport ? this.transport.exitStatus : undefined;
    const how = exit ? (exit.signal ? ` (signal ${exit.signal})` : exit.code !== null ? ` (exit code ${exit.code})` : "") : "";
    return how + stderrOf(this.transport);
  }
}

/**
 * A signal for one SDK request: it aborts, with the same reason, when any of `signals` does,
 * until `done`. The SDK adds an abort listener to a request's signal and never removes it: on
 * an AbortSignal.any of the run's signal (the runtime's shutdown through it) and the
 * connection's, every call answered long before stayed hooked, with its arguments, for as
 * long as the runtime ran, and a later Stop or the shutdown sent the server a
 * notifications/cancelled for each; each tool list read again left one on the connection's
 * signal (Node's MaxListenersExceededWarning in the log at the 11th). This signal alone
 * keeps the SDK's listener, and goes with it.
 */
function requestSignal(signals: readonly AbortSignal[]): { readonly signal: AbortSignal; readonly done: () => void } {
  const controller = new AbortController();
  const aborted = signals.find((signal) => signal.aborted);
  if (aborted) {
    controller.abort(aborted.reason);
    return { signal: controller.signal, done: () => undefined };
  }
  const unfollow = signals.map((signal) => {
    const abort = () => controller.abort(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    return () => signal.removeEventListener("abort", abort);
  });
  return { signal: controller.signal, done: () => unfollow.forEach((remove) => remove()) };
}

function createTransport(config: McpServerConfig, options: McpConnectOptions, onTooLarge: () => void, onStreamEnded: () => void): Transport {
  if (config.transport === "stdio") {
    // Without Hearth's own variables (the model server's key: a tool server gets it only if its
    // config passes it) nor a git hook's GIT_INDEX_FILE / GIT_DIR or CDPATH, which sent a git
    // server's `git add` into another repository (user-program-env.ts, as the agent's commands).
    const env = userProgramEnv(options.baseEnv ?? process.env);
    for (const [name, value] of Object.entries(config.env)) {
      if (value === null) delete env[name];
      else env[name] = value;
    }
    return new ProcessTransport({ command: config.command, args: config.args, cwd: config.cwd, env, ...(options.now ? { now: options.now } : {}) });
  }
  const requestInit: RequestInit = { headers: { ...config.headers } };
  // A request whose answer cannot come any more is answered here, as the SDK answers a
  // closed connection (callError: the server stopped; it is started again next message).
  const lost = (ids: readonly (string | number)[]) => {
    for (const id of ids) {
      transport.unanswered.forget(id);
      transport.onmessage?.({ jsonrpc: "2.0", id, error: { code: ErrorCode.ConnectionClosed, message: "the server closed the stream its answer was to come on" } });
    }
  };
  // The deprecated SSE transport's answers all come on its one event stream: when it ends,
  // the calls in flight have lost their way back (the SDK would wait for their time limit).
  const fetch = boundedFetch({ tooLarge: onTooLarge, lost, ...(config.transport === "sse" ? { streamEnded: onStreamEnded } : {}) });
  const transport = new FloodLimitedTransport(config.transport === "http"
    ? new StreamableHTTPClientTransport(new URL(config.url), { requestInit, fetch })
    : new SSEClientTransport(new URL(config.url), { requestInit, fetch }), options.now);
  return transport;
}

/** Why the server was cut off for a flood of messages answering nothing (unanswered.ts); undefined when it was not. */
function flooded(transport: Transport): string | undefined {
  if (transport instanceof ProcessTransport && transport.unanswered.flooded) return floodedWhy("stopped");
  if (transport instanceof FloodLimitedTransport && transport.unanswered.flooded) return floodedWhy("disconnected");
  return undefined;
}

/** What boundedFetch reports. */
interface HttpWatch {
  /** An answer went over MAX_MESSAGE_BYTES and was dropped. */
  tooLarge(): void;
  /** The event stream that was to carry the answers to these requests ended without a way to resume it. */
  lost(ids: readonly (string | number)[]): void;
  /** An SSE server's event stream (a GET), the way back of every answer, ended. */
  streamEnded?(): void;
}

/** "id:" at the start of an event-stream line: the server can resume the stream after a drop. */
const ID_FIELD = [105, 100, 58];

/**
 * `fetch` whose answers stop at MAX_MESSAGE_BYTES: a JSON answer in all, an event stream
 * between blank lines (one event), as the stdio transport bounds a line. The body then
 * fails and `tooLarge` is told, instead of the SDK reading a server's endless answer into
 * memory. A POST's event stream that ends (or breaks) without an event id to resume from
 * is told as `lost`, with its requests' ids: the SDK would wait for those answers until
 * their time limit.
 */
function boundedFetch(watch: HttpWatch): FetchLike {
  return async (url, init) => {
    const response = await fetch(url, init);
    if (!response.body) return response;
    const events = response.headers.get("content-type")?.includes("text/event-stream") ?? false;
    const ids = events && init?.method === "POST" ? requestIds(init.body) : [];
    const reader = response.body.getReader();
    let size = 0;
    let lineFeed = false; // the last byte other than CR was LF: another LF ends an event
    let field = 0; // bytes of "id:" matched at the start of a line, -1 when not at one
    let resumable = false;
    // After the SDK has read what came before the end (the answer may be in the last bytes).
    const ended = () => {
      if (ids.length && !resumable) setImmediate(() => watch.lost(ids));
      if (events && init?.method !== "POST") watch.streamEnded?.();
    };
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        let read: ReadableStreamReadResult<Uint8Array>;
        try {
          read = await reader.read();
        } catch (error) {
          ended();
          return controller.error(error);
        }
        if (read.done) {
          ended();
          return controller.close();
        }
        if (!events) size += read.value.length;
        else {
          for (const byte of read.value) {
            size = byte === 10 && lineFeed ? 0 : size + 1;
            if (byte !== 13) lineFeed = byte === 10;
            if (byte === 10 || byte === 13) field = 0;
            else if (field >= 0) field = byte === ID_FIELD[field] ? field + 1 : -1;
            if (field === ID_FIELD.length) [resumable, field] = [true, -1];
          }
        }
        if (size <= MAX_MESSAGE_BYTES) return controller.enqueue(read.value);
        watch.tooLarge();
        controller.error(new MessageTooLargeError(`the server sent a message over ${MAX_MESSAGE_BYTES / 1024 / 1024} MB`));
        void reader.cancel().catch(() => undefined);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/** The ids of the JSON-RPC requests in a POST body (one message or a batch). */
function requestIds(body: unknown): (string | number)[] {
  try {
    const parsed: unknown = typeof body === "string" ? JSON.parse(body) : undefined;
    const messages = (Array.isArray(parsed) ? parsed : [parsed]) as { id?: unknown; method?: unknown }[];
    return messages.filter((m) => typeof m?.method === "string" && (typeof m.id === "string" || typeof m.id === "number")).map((m) => m.id as string | number);
  } catch {
    return [];
  }
}

/**
 * Where a server comes from, for messages (never the headers or env: they may hold secrets);
 * a command, argument or URL with a line break or a bidi override quoted and escaped (shownPath).
 */
export function describeServer(config: McpServerConfig): string {
  return config.transport === "stdio" ? `${[config.command, ...config.args].map(shownPath).join(" ")}` : `${config.transport} ${shownPath(config.url)}`;
}

/** Characters of an error's own text kept (an HTTP server's error page can be any size). */
const MAX_REASON_CHARS = 500;

function reason(error: unknown, config?: McpServerConfig): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return `the command was not found (${shownName(message)}); install it or give its full path in "command"`;
  const status = error instanceof StreamableHTTPError || error instanceof SseError ? error.code : undefined;
  if (status === 401 || status === 403) {
    return `it answered HTTP ${status} (${status === 401 ? "not signed in" : "forbidden"}): Hearth does not sign in to MCP servers (OAuth); give a token in the entry's "headers" (e.g. "Authorization": "Bearer \${env:TOKEN}")`;
  }
  // The SDK follows a redirect only within the server's origin; its words name an option the user cannot set.
  const redirect = /Redirect to (\S+) not followed/.exec(message);
  if (redirect) {
    if (!config || config.transport === "stdio" || sameHost(redirect[1]!, config.url)) return `it redirected Hearth to ${redirect[1]}, which Hearth does not follow (a redirect that changes the request, adds a user name, or one of too many in a row); write the URL the server is at in the entry`;
    return `it redirected Hearth to ${redirect[1]}, another host, which Hearth does not follow (it would send the entry's headers there); if you trust that host, write its URL in the entry`;
  }
  // undici's "fetch failed" keeps why in its cause (refused, headers too large, TLS …).
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : "";
  const text = message + cause;
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
}

/** Whether two URLs name the same host and port (http and https on their default ports count as one). */
function sameHost(a: string, b: string): boolean {
  try {
    return new URL(a).host === new URL(b).host;
  } catch {
    return false;
  }
}

function stderrOf(transport: Transport): string {
  const tail = transport instanceof ProcessTransport ? transport.stderrTail : "";
  return tail ? `; it wrote: ${tail.split("\n").slice(-5).join(" | ")}` : "";
}

/** The pages of `tools/list` (at most MAX_LIST_PAGES) until MAX_LISTED_TOOLS are read. */
async function listTools(client: Client, requestOptions: { timeout: number; signal?: AbortSignal }): Promise<ToolList> {
  const tools: McpListedTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const listed = await client.listTools(cursor ? { cursor } : {}, requestOptions);
    for (const tool of listed.tools as McpListedTool[]) {
      if (tools.length === MAX_LISTED_TOOLS) return { tools, more: true };
      tools.push(tool);
    }
    cursor = listed.nextCursor;
    if (!cursor) break;
  }
  return { tools, more: false };
}
