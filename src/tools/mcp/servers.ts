/**
 * The MCP servers of one workspace (or one `hearth fix` run), kept running between agent
 * runs: `sync(configs)` brings them in line with a configuration — new servers started
 * (after `consent`), changed definitions restarted, removed ones closed, servers that
 * stopped started again — and returns their tools, named without collisions. A server
 * that fails to start is not tried again until its definition changes, so a broken entry
 * does not cost every message a start-up wait. `close()` stops them all; `killNow()` is
 * the synchronous last resort for process exit.
 */
import type { Tool } from "../tool.ts";
import type { McpServerConfig } from "./config.ts";
import { type McpConnectOptions, McpConnection } from "./connection.ts";
import { mcpTools } from "./mcp-tool.ts";
import { shownName } from "./names.ts";
import { unlessAborted } from "../../protocol/wait.ts";

/** Whether a server may be started: yes, or no with the reason (shown to the user). */
export type McpConsent =
  /** `config`: the server as it is to be started, when consent changed it (variables resolved anew). */
  | { readonly allowed: true; readonly config?: McpServerConfig }
  /** `askAgain`: not remembered (e.g. an untrusted workspace, which may be trusted later). */
  | { readonly allowed: false; readonly reason: string; readonly askAgain?: boolean };

export interface McpServersOptions {
  /** Asked before each server is started (default: allowed — the user gave the file). */
  readonly consent?: (server: McpServerConfig, signal: AbortSignal) => Promise<McpConsent>;
  /** Passed to every connection (environment, time limits, version). */
  readonly connect?: Omit<McpConnectOptions, "signal">;
}

/** What a sync found: the tools of every running server, and a line per server or tool left out. */
export interface McpSyncResult {
  readonly tools: Tool[];
  /** Every line: servers not running (`notStarted`), then the tools of running ones left out. */
  readonly problems: string[];
  /** The lines of servers that are not running (declined, failed to start): the CLI stops on these, not on a tool left out. */
  readonly notStarted: string[];
}

interface Entry {
  readonly hash: string;
  readonly connection?: McpConnection;
  /** Why it is not running (start failed, declined): kept until the definition changes. */
  readonly problem?: string;
}

export class McpServers {
  private readonly entries = new Map<string, Entry>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Problems of this sync only (consent to be asked again next time). */
  private pending: string[] = [];
  private closed = false;

  constructor(private readonly options: McpServersOptions = {}) {}

  /** Brings the running servers in line with `configs`; runs one at a time (two runs may ask together). */
  sync(configs: readonly McpServerConfig[], signal: AbortSignal = new AbortController().signal): Promise<McpSyncResult> {
    const next = this.queue.then(() => this.syncNow(configs, signal));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Stops every server. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((entry) => entry.connection?.close()));
  }

  /** Kills every stdio server's processes synchronously (for `process.on("exit")`). */
  killNow(): void {
    for (const entry of this.entries.values()) entry.connection?.killNow();
  }

  private async syncNow(configs: readonly McpServerConfig[], signal: AbortSignal): Promise<McpSyncResult> {
    if (this.closed) return { tools: [], problems: [], notStarted: [] };
    this.pending = [];
    const wanted = new Map(configs.map((config) => [config.name, config]));
    for (const [name, entry] of this.entries) {
      const config = wanted.get(name);
      if (config && config.definitionHash === entry.hash && (entry.problem || entry.connection?.alive)) continue;
      this.entries.delete(name);
      await entry.connection?.close();
    }
    await Promise.all(configs.filter((config) => !this.entries.has(config.name)).map((config) => this.start(config, signal)));
    // A list a server said changed is read before the tools are handed out; Stop hands out
    // the lists as they are (a server may take its whole list time limit to answer).
    await unlessAborted(Promise.all([...this.entries.values()].map((entry) => entry.connection?.toolsSettled())), signal);
    return this.collect(configs);
  }

  private async start(config: McpServerConfig, signal: AbortSignal): Promise<void> {
    const consent: McpConsent = this.options.consent
      ? await this.options.consent(config, signal).catch((error: unknown): McpConsent => ({ allowed: false, reason: `asking failed (${String(error)})` }))
      : { allowed: true };
    if (signal.aborted) return; // asked again next time
    if (!consent.allowed && consent.askAgain) {
      this.pending.push(`MCP server "${shownName(config.name)}" was not started: ${consent.reason}`);
      return;
    }
    if (!consent.allowed) {
      this.entries.set(config.name, { hash: config.definitionHash, problem: `MCP server "${shownName(config.name)}" was not started: ${consent.reason}` });
      return;
    }
    try {
      const connection = await McpConnection.open(consent.config ?? config, { ...this.options.connect, signal });
      if (this.closed) await connection.close();
      else this.entries.set(config.name, { hash: config.definitionHash, connection });
    } catch (error) {
      if (signal.aborted) return;
      const message = error instanceof Error ? error.message : String(error);
      this.entries.set(config.name, { hash: config.definitionHash, problem: `${message} Fix the entry (or restart Hearth's runtime) to try again.` });
    }
  }

  private collect(configs: readonly McpServerConfig[]): McpSyncResult {
    const taken = new Set<string>();
    const tools: Tool[] = [];
    const notStarted = [...this.pending];
    const skipped: string[] = [];
    for (const config of configs) {
      const entry = this.entries.get(config.name);
      if (entry?.problem) notStarted.push(entry.problem);
      const connection = entry?.connection;
      if (!connection) continue;
      const set = mcpTools({ name: config.name, tools: connection.tools, more: connection.moreTools, call: (tool, args, signal) => connection.call(tool, args, signal) }, taken);
      tools.push(...set.tools);
      skipped.push(...set.skipped);
    }
    return { tools, problems: [...notStarted, ...skipped], notStarted };
  }
}
