/**
 * McpServers keeping a workspace's servers in line with its configuration, with real
 * processes: consent before a start (a no is remembered, an "ask again" is not), a failed
 * start not retried until the entry changes, a server that died started again, a changed
 * entry restarted (the old process gone), close() stopping everything.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it, type TestContext } from "node:test";
import { type McpServerConfig, parseMcpConfig } from "../../../../src/tools/mcp/config.ts";
import { McpServers } from "../../../../src/tools/mcp/servers.ts";
import { DiskWorkspace } from "../../../../src/tools/disk-workspace.ts";
import { type Tool, runTool } from "../../../../src/tools/tool.ts";
import { fixtureServerEntry } from "../../../fixtures/mcp/fixture-config.ts";
import { alive } from "../../../fixtures/processes.ts";

function folder(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "hearth-mcp-servers-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function configs(dir: string, servers: Record<string, unknown>): McpServerConfig[] {
  return [...parseMcpConfig(JSON.stringify({ servers }), { workspaceFolder: dir, source: "test" }).servers];
}

/** A server set for the fixture server, which records its starts in log.jsonl; closed after the test. */
function fixtureSet(t: TestContext): { dir: string; log: string; servers: McpServers; entry: ReturnType<typeof fixtureServerEntry> } {
  const dir = folder(t);
  const log = join(dir, "log.jsonl");
  const servers = new McpServers();
  t.after(() => servers.close());
  return { dir, log, servers, entry: fixtureServerEntry({ MCP_FIXTURE_LOG: log }) };
}

const byName = (tools: Tool[], name: string) => tools.find((tool) => tool.definition.name === name)!;
const run = (tool: Tool, dir: string, input: Record<string, string> = {}) => runTool(tool, input, { workspace: new DiskWorkspace(dir), signal: new AbortController().signal });

function starts(log: string): number[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { started?: boolean; pid?: number }).filter((r) => r.started).map((r) => r.pid!);
}

describe("McpServers", () => {
  it("asks before starting; a no is kept (no second question), an ask-again is asked again", async (t) => {
    const dir = folder(t);
    const log = join(dir, "log.jsonl");
    const asked: string[] = [];
    let answer: "no" | "later" = "later";
    const servers = new McpServers({ consent: async (server) => (asked.push(server.name), answer === "no" ? { allowed: false, reason: "you said no" } : { allowed: false, reason: "not trusted", askAgain: true }) });
    t.after(() => servers.close());
    const config = configs(dir, { fixture: fixtureServerEntry({ MCP_FIXTURE_LOG: log }) });
    assert.deepEqual((await servers.sync(config)).problems, ['MCP server "fixture" was not started: not trusted']);
    answer = "no";
    assert.deepEqual((await servers.sync(config)).problems, ['MCP server "fixture" was not started: you said no']);
    const third = await servers.sync(config);
    assert.deepEqual({ tools: third.tools.length, problems: third.problems }, { tools: 0, problems: ['MCP server "fixture" was not started: you said no'] });
    assert.deepEqual(asked, ["fixture", "fixture"]);
    assert.deepEqual(starts(log), [], "a server started without consent");
  });

  it("does not retry a failed start until its entry changes", async (t) => {
    const dir = folder(t);
    const log = join(dir, "attempts");
    const failing = (flag: string) => ({ command: process.execPath, args: ["-e", `require("fs").appendFileSync(${JSON.stringify(log)}, "x"); process.exit(1)`, flag] });
    const servers = new McpServers();
    t.after(() => servers.close());
    const first = await servers.sync(configs(dir, { broken: failing("a") }));
    assert.match(first.problems[0]!, /^MCP server "broken" did not start: it exited \(exit code 1\) before answering\. .*Fix the entry \(or restart Hearth's runtime\) to try again\.$/);
    await servers.sync(configs(dir, { broken: failing("a") }));
    assert.equal(readFileSync(log, "utf8"), "x");
    await servers.sync(configs(dir, { broken: failing("b") }));
    assert.equal(readFileSync(log, "utf8"), "xx");
  });

  it("hands out a running server's new tools with the next sync after it says its list changed, without restarting it", async (t) => {
    const { dir, log, servers, entry } = fixtureSet(t);
    let synced = await servers.sync(configs(dir, { fixture: entry }));
    assert.equal(synced.tools.some((tool) => tool.definition.name === "mcp__fixture__grown"), false);
    assert.equal((await run(byName(synced.tools, "mcp__fixture__grow"), dir)).text, "grown");
    synced = await servers.sync(configs(dir, { fixture: entry }));
    assert.equal((await run(byName(synced.tools, "mcp__fixture__grown"), dir)).text, "called grown");
    assert.equal(starts(log).length, 1, "the same server");
  });

  it("starts a server that died again, restarts a changed one (stopping the old process), and close() stops all", async (t) => {
    const { dir, log, servers, entry } = fixtureSet(t);
    let synced = await servers.sync(configs(dir, { fixture: entry }));
    assert.equal((await run(byName(synced.tools, "mcp__fixture__crash"), dir)).ok, false);
    synced = await servers.sync(configs(dir, { fixture: entry }));
    assert.equal((await run(byName(synced.tools, "mcp__fixture__echo"), dir, { text: "again" })).text, "echo (stdio): again");
    assert.equal(starts(log).length, 2);

    synced = await servers.sync(configs(dir, { fixture: fixtureServerEntry({ MCP_FIXTURE_LOG: log, CHANGED: "1" }) }));
    const [, second, third] = starts(log);
    assert.equal(alive(second!), false, "the changed server's old process still runs");
    assert.ok(alive(third!));
    synced = await servers.sync(configs(dir, { fixture: fixtureServerEntry({ MCP_FIXTURE_LOG: log, CHANGED: "1" }) }));
    assert.equal(starts(log).length, 3, "an unchanged running server was restarted");
    await servers.close();
    assert.equal(alive(third!), false);
    assert.deepEqual(await servers.sync(configs(dir, { fixture: entry })), { tools: [], problems: [], notStarted: [] }, "nothing starts after close");
  });

  it("Stop ends a sync waiting for a tool list the server never sends (after its tools/list_changed)", async (t) => {
    const dir = folder(t);
    // Without the stop the wait would last startTimeoutMs, an hour: past the runner's limit on a
    // test file, which fails it. (Its own 20 s limit against a 40 s wait was the check: a loaded
    // machine could spend 20 s starting the server.)
    const servers = new McpServers({ connect: { startTimeoutMs: 3_600_000 } });
    t.after(() => servers.close());
    const raw = configs(dir, { raw: { command: process.execPath, args: [fileURLToPath(new URL("../../../fixtures/mcp/raw-server.mjs", import.meta.url))] } });
    const first = await servers.sync(raw);
    assert.equal((await run(byName(first.tools, "mcp__raw__stall"), dir)).text, "stalled");
    const stop = new AbortController();
    const pending = servers.sync(raw, stop.signal);
    stop.abort();
    const second = await pending;
    assert.deepEqual(second.tools.map((tool) => tool.definition.name), ["mcp__raw__flood", "mcp__raw__count", "mcp__raw__stall", "mcp__raw__huge", "mcp__raw__orphan", "mcp__raw__detach", "mcp__raw__chatter"]);
  });
});

