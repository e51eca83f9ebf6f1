/**
 * MCP tools against a real server (test/fixtures/mcp/echo-server.ts, written with the
 * official SDK) over stdio and over streamable HTTP on 127.0.0.1: listing and naming,
 * schema refusal, calls, result conversion and capping, isError, a server that exits
 * mid-call, Stop, and no process left after close. Process checks read /proc after the
 * awaited step; nothing waits on the clock.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it, type TestContext } from "node:test";
import { parseMcpConfig } from "../../../../src/tools/mcp/config.ts";
import { McpConnection } from "../../../../src/tools/mcp/connection.ts";
import { mcpTools } from "../../../../src/tools/mcp/mcp-tool.ts";
import { DiskWorkspace } from "../../../../src/tools/disk-workspace.ts";
import { type Tool, runTool } from "../../../../src/tools/tool.ts";
import { USER_NODE_OPTIONS_VARIABLE } from "../../../../src/protocol/node-options.ts";
import { fixtureConfigText } from "../../../fixtures/mcp/fixture-config.ts";
import { startHttpFixture } from "../../../fixtures/mcp/echo-server.ts";
import { alive } from "../../../fixtures/processes.ts";

const SAFETY_NET = { timeout: 60_000 };

function tempFolder(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "hearth-mcp-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The fixture server started over stdio; closed after the test. */
async function openFixture(t: TestContext, env: Record<string, string> = {}, options: { callTimeoutMs?: number } = {}): Promise<{ connection: McpConnection; dir: string }> {
  const dir = tempFolder(t);
  const config = parseMcpConfig(fixtureConfigText("fixture", env), { workspaceFolder: dir, source: "test" });
  const connection = await McpConnection.open(config.servers[0]!, options);
  t.after(() => connection.close());
  return { connection, dir };
}

/**
 * A hand-made streamable HTTP MCP server with one tool: it answers `initialize` and
 * `tools/list` itself and hands each call (its JSON-RPC id) to `call`. Closed after the test.
 */
async function handMadeServer(t: TestContext, name: string, call: (id: number, res: ServerResponse) => void, options: { now?: () => number } = {}): Promise<McpConnection> {
  const http = createServer((req, res) => {
    if (req.method !== "POST") return void res.writeHead(405).end();
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const message = JSON.parse(body) as { id?: number; method: string; params?: { protocolVersion?: string } };
      if (message.id === undefined) return void res.writeHead(202).end();
      const answer = (result: unknown) => JSON.stringify({ jsonrpc: "2.0", id: message.id, result });
      if (message.method === "initialize") return void res.writeHead(200, { "Content-Type": "application/json" }).end(answer({ protocolVersion: message.params!.protocolVersion, capabilities: { tools: {} }, serverInfo: { name, version: "1" } }));
      if (message.method === "tools/list") return void res.writeHead(200, { "Content-Type": "application/json" }).end(answer({ tools: [{ name, inputSchema: { type: "object" } }] }));
      call(message.id, res);
    });
  });
  return connectTo(t, http, "web", "http", "/mcp", options);
}

/**
 * An SSE server (the old transport: answers come on the GET event stream) offering one tool,
 * `name`; `call(send, stream)` handles the call, with `send` writing a message on the stream.
 */
async function handMadeSseServer(t: TestContext, name: string, call: (send: (message: object) => void, stream: ServerResponse) => void, options: { now?: () => number } = {}): Promise<McpConnection> {
  let stream: ServerResponse | undefined;
  const http = createServer((req, res) => {
    if (req.method === "GET") {
      stream = res;
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      return void res.write("event: endpoint\ndata: /messages\n\n");
    }
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      res.writeHead(202).end();
      const message = JSON.parse(body) as { id?: number; method: string; params?: { protocolVersion?: string } };
      if (message.id === undefined) return;
      const send = (sent: object) => stream!.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", ...sent })}\n\n`);
      if (message.method === "initialize") return void send({ id: message.id, result: { protocolVersion: message.params!.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "sse", version: "1" } } });
      if (message.method === "tools/list") return void send({ id: message.id, result: { tools: [{ name, inputSchema: { type: "object" } }] } });
      call(send, stream!);
    });
  });
  return connectTo(t, http, "old", "sse", "/sse", options);
}

/**
 * Listens with `http` on 127.0.0.1 and opens server `name` there (`type` at `path`), both
 * closed after the test. The call's time limit is long: without the fixes under test a call
 * waits for it; the test's timeout is the safety net.
 */
async function connectTo(t: TestContext, http: Server, name: string, type: "http" | "sse", path: string, options: { now?: () => number } = {}): Promise<McpConnection> {
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => { http.closeAllConnections(); http.close(() => resolve()); }));
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}${path}`;
  const config = parseMcpConfig(JSON.stringify({ servers: { [name]: { type, url } } }), { workspaceFolder: tempFolder(t), source: "test" });
  const connection = await McpConnection.open(config.servers[0]!, { callTimeoutMs: 600_000, ...options });
  t.after(() => connection.close());
  return connection;
}

function toolsOf(connection: McpConnection): { byRemote: (name: string) => Tool; skipped: string[]; names: string[] } {
  const set = mcpTools({ name: connection.config.name, tools: connection.tools, call: (tool, args, signal) => connection.call(tool, args, signal) }, new Set());
  return {
    byRemote: (name) => set.tools.find((tool) => tool.definition.name === `mcp__fixture__${name}`)!,
    skipped: set.skipped,
    names: set.tools.map((tool) => tool.definition.name),
  };
}

async function call(tool: Tool, dir: string, input: Record<string, string> = {}, signal = new AbortController().signal) {
  return runTool(tool, input, { workspace: new DiskWorkspace(dir), signal });
}

/** Resolves once `condition` holds (checked every 20 ms): waits for an event, decides nothing. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("MCP tools from a real stdio server", () => {
  it("reads the list again when the server says it changed (tools/list_changed), for the next tool set", SAFETY_NET, async (t) => {
    const { connection, dir } = await openFixture(t);
    assert.ok(!toolsOf(connection).names.includes("mcp__fixture__grown"));
    const grow = await call(toolsOf(connection).byRemote("grow"), dir);
    assert.equal(grow.text, "grown");
    await connection.toolsSettled();
    assert.ok(toolsOf(connection).names.includes("mcp__fixture__grown"), toolsOf(connection).names.join(", "));
    assert.equal((await call(toolsOf(connection).byRemote("grown"), dir)).text, "called grown");
  });

  it("lists the tools with sanitised, collision-free names and leaves out schemas it cannot use, saying why", SAFETY_NET, async (t) => {
    const { connection } = await openFixture(t);
    const { names, skipped } = toolsOf(connection);
    assert.deepEqual(names, [
      "mcp__fixture__echo", "mcp__fixture__big", "mcp__fixture__fail", "mcp__fixture__crash", "mcp__fixture__hang",
      "mcp__fixture__media", "mcp__fixture__pids", "mcp__fixture__weird_name_with_spaces", "mcp__fixture__weird_name_with_spaces_2",
      "mcp__fixture__grow",
    ]);
    assert.equal(skipped.length, 2);
    assert.match(skipped[0]!, /^MCP tool "bad_schema" of server "fixture" was left out: Tool "mcp__fixture__bad_schema" has a parameter schema Hearth cannot use/);
    assert.match(skipped[1]!, /^MCP tool "bad_param" of server "fixture" was left out: parameter "a>b" has a "<" or ">", which a tool call cannot carry/);
  });

  it("calls a tool as a command-effect tool and returns its text; the server gets the config's env", SAFETY_NET, async (t) => {
    const dir = tempFolder(t);
    const log = join(dir, "calls.jsonl");
    const { connection, dir: ws } = await openFixture(t, { MCP_FIXTURE_LOG: log, MCP_FIXTURE_SECRET: "from-config" });
    const echo = toolsOf(connection).byRemote("echo");
    assert.equal(echo.effect, "command", "readOnlyHint does not lower the approval");
    const result = await call(echo, ws, { text: "hello" });
    assert.deepEqual({ ok: result.ok, text: result.text }, { ok: true, text: "echo (stdio): hello" });
    assert.deepEqual(JSON.parse(readFileSync(log, "utf8").trim().split("\n").at(-1)!), { tool: "echo", text: "hello", env: "from-config" });
  });

  it("a stdio server does not get the model server's key Hearth holds ($HEARTH_API_KEY in hearth fix --server), unless its config passes it", SAFETY_NET, async (t) => {
    for (const [configEnv, expected] of [[{}, undefined], [{ HEARTH_API_KEY: "passed-on-purpose" }, "passed-on-purpose"]] as const) {
      const dir = tempFolder(t);
      const log = join(dir, "calls.jsonl");
      const config = parseMcpConfig(fixtureConfigText("fixture", { MCP_FIXTURE_LOG: log, ...configEnv }), { workspaceFolder: dir, source: "test" });
      const connection = await McpConnection.open(config.servers[0]!, { baseEnv: { ...process.env, HEARTH_API_KEY: "sk-model-server" } });
      t.after(() => connection.close());
      await call(toolsOf(connection).byRemote("echo"), dir, { text: "hi" });
      assert.equal(JSON.parse(readFileSync(log, "utf8").trim().split("\n").at(-1)!).apiKey, expected);
    }
  });

  it("a stdio server runs without a git hook's GIT_INDEX_FILE / GIT_DIR or an exported CDPATH, as the agent's commands, and with the user's NODE_OPTIONS the editor's runtime was started without", SAFETY_NET, async (t) => {
    const dir = tempFolder(t);
    const log = join(dir, "calls.jsonl");
    const shown = ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "CDPATH", "GIT_CONFIG_PARAMETERS", "NODE_OPTIONS", USER_NODE_OPTIONS_VARIABLE];
    const config = parseMcpConfig(fixtureConfigText("fixture", { MCP_FIXTURE_LOG: log, MCP_FIXTURE_SHOW: shown.join(",") }), { workspaceFolder: dir, source: "test" });
    // hearth run from a pre-commit hook of another repository (git add -p exports GIT_INDEX_FILE), in a shell with CDPATH; git's other variables stay.
    const hook = join(dir, "other", ".git");
    const baseEnv = { ...process.env, GIT_DIR: hook, GIT_WORK_TREE: join(dir, "other"), GIT_INDEX_FILE: join(hook, "index.lock"), CDPATH: `.:${dir}`, GIT_CONFIG_PARAMETERS: "'core.quotepath'='false'", NODE_OPTIONS: undefined, [USER_NODE_OPTIONS_VARIABLE]: "--max-old-space-size=3072" };
    const connection = await McpConnection.open(config.servers[0]!, { baseEnv });
    t.after(() => connection.close());
    await call(toolsOf(connection).byRemote("echo"), dir, { text: "hi" });
    assert.deepEqual(JSON.parse(readFileSync(log, "utf8").trim().split("\n").at(-1)!).shown, {
      GIT_DIR: null, GIT_WORK_TREE: null, GIT_INDEX_FILE: null, CDPATH: null, GIT_CONFIG_PARAMETERS: "'core.quotepath'='false'", NODE_OPTIONS: "--max-old-space-size=3072", [USER_NODE_OPTIONS_VARIABLE]: null,
    });
  });

  it("a stdio server runs without the user's terminal for gpg (GPG_TTY) or an askpass (SSH_ASKPASS, VS Code's VSCODE_GIT_*), as the agent's commands and the editor's runtime, unless its config passes one", SAFETY_NET, async (t) => {
    // hearth chat --mcp in VS Code's integrated terminal, with GPG_TTY=$(tty) in the shell profile:
    // a git MCP server's signed commit drew pinentry-curses over the chat by the terminal's name.
    const prompts = { GPG_TTY: "/dev/pts/77", SSH_ASKPASS: "/usr/lib/ssh/x11-ssh-askpass", VSCODE_GIT_IPC_HANDLE: "/run/user/1000/vscode-git-1.sock", VSCODE_GIT_ASKPASS_NODE: "/usr/share/code/code" };
    const shown = [...Object.keys(prompts), "DISPLAY"];
    const baseEnv = { ...process.env, ...prompts, DISPLAY: ":0" };
    for (const [configEnv, expected] of [
      [{}, { GPG_TTY: null, SSH_ASKPASS: null, VSCODE_GIT_IPC_HANDLE: null, VSCODE_GIT_ASKPASS_NODE: null, DISPLAY: ":0" }],
      [{ SSH_ASKPASS: "${env:SSH_ASKPASS}" }, { GPG_TTY: null, SSH_ASKPASS: "/usr/lib/ssh/x11-ssh-askpass", VSCODE_GIT_IPC_HANDLE: null, VSCODE_GIT_ASKPASS_NODE: null, DISPLAY: ":0" }],
    ] as const) {
      const dir = tempFolder(t);
      const log = join(dir, "calls.jsonl");
      const config = parseMcpConfig(fixtureConfigText("fixture", { MCP_FIXTURE_LOG: log, MCP_FIXTURE_SHOW: shown.join(","), ...configEnv }), { workspaceFolder: dir, source: "test", env: baseEnv });
      const connection = await McpConnection.open(config.servers[0]!, { baseEnv });
      t.after(() => connection.close());
      await call(toolsOf(connection).byRemote("echo"), dir, { text: "hi" });
      assert.deepEqual(JSON.parse(readFileSync(log, "utf8").trim().split("\n").at(-1)!).shown, expected);
    }
  });

  it("a stdio server gets the agent's commands' no-prompt settings (one list, user-program-env.ts), and its config's env still wins over them", SAFETY_NET, async (t) => {
    // hearth chat --mcp from a desktop terminal (DISPLAY set, ssh-askpass installed): OpenSSH with
    // no terminal and DISPLAY set falls back to /usr/bin/ssh-askpass, so a git MCP server's fetch of
    // a private remote opened a passphrase window, and git or Git Credential Manager could ask too.
    const settings = { SSH_ASKPASS_REQUIRE: "never", GIT_TERMINAL_PROMPT: "0", GCM_INTERACTIVE: "never", GIT_ASKPASS: "" };
    const shown = [...Object.keys(settings), "DISPLAY"];
    const baseEnv = { ...process.env, DISPLAY: ":0", GIT_TERMINAL_PROMPT: "1", GCM_INTERACTIVE: "always" };
    for (const [configEnv, expected] of [
      [{}, { ...settings, DISPLAY: ":0" }],
      [{ GIT_TERMINAL_PROMPT: "1", SSH_ASKPASS_REQUIRE: "prefer" }, { ...settings, GIT_TERMINAL_PROMPT: "1", SSH_ASKPASS_REQUIRE: "prefer", DISPLAY: ":0" }],
    ] as const) {
      const dir = tempFolder(t);
      const log = join(dir, "calls.jsonl");
      const config = parseMcpConfig(fixtureConfigText("fixture", { MCP_FIXTURE_LOG: log, MCP_FIXTURE_SHOW: shown.join(","), ...configEnv }), { workspaceFolder: dir, source: "test", env: baseEnv });
      const connection = await McpConnection.open(config.servers[0]!, { baseEnv });
      t.after(() => connection.close());
      await call(toolsOf(connection).byRemote("echo"), dir, { text: "hi" });
      assert.deepEqual(JSON.parse(readFileSync(log, "utf8").trim().split("\n").at(-1)!).shown, expected);
    }
  });

  it("refuses arguments that break the schema without calling the server", SAFETY_NET, async (t) => {
    const dir = tempFolder(t);
    const log = join(dir, "calls.jsonl");
    const { connection, dir: ws } = await openFixture(t, { MCP_FIXTURE_LOG: log });
    const result = await runTool(toolsOf(connection).byRemote("echo"), { text: 3 }, { workspace: new DiskWorkspace(ws), signal: new AbortController().signal });
    assert.equal(result.ok, false);
    assert.match(result.text, /\/text must be string/);
    assert.doesNotMatch(readFileSync(log, "utf8"), /"tool"/);
  });

  it("caps a long result from the middle like command output", SAFETY_NET, async (t) => {
    const { connection, dir } = await openFixture(t);
    const result = await call(toolsOf(connection).byRemote("big"), dir);
    assert.ok(result.ok);
    assert.ok(result.text.length < 25_000, String(result.text.length));
    assert.match(result.text, /^a+\n… \(76000 characters of the result cut\) …\nb+$/);
  });

  it("summarises images and binary content, keeps resource text", SAFETY_NET, async (t) => {
    const { connection, dir } = await openFixture(t);
    const result = await call(toolsOf(connection).byRemote("media"), dir);
    assert.equal(result.text, "[image (image/png, 5 bytes) not shown: Hearth passes text only]\n\n[resource file:///notes.txt]\nresource text\n\n[resource link: file:///other.txt (other)]");
  });

  it("turns isError into a tool error", SAFETY_NET, async (t) => {
    const { connection, dir } = await openFixture(t);
    const result = await call(toolsOf(connection).byRemote("fail"), dir);
    assert.deepEqual({ ok: result.ok, code: !result.ok && result.code }, { ok: false, code: "command-failed" });
    assert.match(result.text, /MCP tool "fail" of server "fixture" reported an error: the fixture failed on purpose/);
  });

  it("reports a server that exits mid-call as a tool error with its exit code and stderr, and says so on the next call", SAFETY_NET, async (t) => {
    const { connection, dir } = await openFixture(t);
    const { byRemote } = toolsOf(connection);
    const result = await call(byRemote("crash"), dir);
    assert.deepEqual({ ok: result.ok, code: !result.ok && result.code }, { ok: false, code: "unavailable" });
    assert.match(result.text, /MCP server "fixture" stopped during the call to "crash" \(exit code 3\); it wrote: crashing on purpose\. It is started again with the next message/);
    assert.equal(connection.alive, false);
    const next = await call(byRemote("echo"), dir, { text: "x" });
    assert.match(next.text, /MCP server "fixture" is not running \(exit code 3\)/);
  });

  it("cancels the in-flight request on Stop: the server hears it and the call ends as cancelled", SAFETY_NET, async (t) => {
    const dir = tempFolder(t);
    const log = join(dir, "calls.jsonl");
    const { connection, dir: ws } = await openFixture(t, { MCP_FIXTURE_LOG: log });
    const stop = new AbortController();
    const pending = call(toolsOf(connection).byRemote("hang"), ws, {}, stop.signal);
    await until(() => existsSync(log) && readFileSync(log, "utf8").includes('"received":true')); // the server has the call
    stop.abort();
    const result = await pending;
    assert.deepEqual({ ok: result.ok, code: !result.ok && result.code }, { ok: false, code: "cancelled" });
    await connection.call("echo", { text: "after" }, new AbortController().signal); // ordered after the cancel notification
    assert.match(readFileSync(log, "utf8"), /"cancelled":true/);
  });

  it("times out a call that never answers, as a timeout error", SAFETY_NET, async (t) => {
    const { connection, dir } = await openFixture(t, {}, { callTimeoutMs: 50 });
    const result = await call(toolsOf(connection).byRemote("hang"), dir);
    assert.deepEqual({ ok: result.ok, code: !result.ok && result.code }, { ok: false, code: "timeout" });
    assert.match(result.text, /did not answer the call to "hang"/);
  });

  it("leaves no process behind after close, the server's children included", SAFETY_NET, async (t) => {
    const { connection, dir } = await openFixture(t);
    const result = await call(toolsOf(connection).byRemote("pids"), dir);
    const pids = JSON.parse(result.text) as { server: number; child: number };
    t.after(() => {
      for (const pid of [pids.server, pids.child]) try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
    });
    assert.ok(alive(pids.server) && alive(pids.child));
    await connection.close();
    assert.equal(alive(pids.server), false, "server still running");
    assert.equal(alive(pids.child), false, "server's child still running");
  });

  it("says why a server did not start: a command that does not exist", SAFETY_NET, async (t) => {
    const dir = tempFolder(t);
    const config = parseMcpConfig(JSON.stringify({ servers: { gone: { command: "hearth-no-such-mcp-server" } } }), { workspaceFolder: dir, source: "test" });
    await assert.rejects(McpConnection.open(config.servers[0]!), /^Error: MCP server "gone" did not start: the command was not found .*install it or give its full path in "command"\. Check its entry \(hearth-no-such-mcp-server\)\.$/);
  });

  it("says why a server did not start: it exits before the handshake, with its stderr", SAFETY_NET, async (t) => {
    const dir = tempFolder(t);
    const entry = { command: process.execPath, args: ["-e", "process.stderr.write('missing API key\\n'); process.exit(2)"] };
    const config = parseMcpConfig(JSON.stringify({ servers: { early: entry } }), { workspaceFolder: dir, source: "test" });
    await assert.rejects(McpConnection.open(config.servers[0]!), /MCP server "early" did not start: it exited \(exit code 2\) before answering; it wrote: missing API key\. Check its entry/);
  });
});

describe("MCP tools from a real streamable HTTP server on 127.0.0.1", () => {
  it("lists and calls tools, sending the configured headers", SAFETY_NET, async (t) => {
    const server = await startHttpFixture();
    t.after(() => server.close());
    const dir = tempFolder(t);
    const text = JSON.stringify({ servers: { web: { type: "http", url: server.url, headers: { "X-Api-Key": "${env:FIXTURE_KEY}" } } } });
    const config = parseMcpConfig(text, { workspaceFolder: dir, source: "test", env: { FIXTURE_KEY: "k-123" } });
    const connection = await McpConnection.open(config.servers[0]!);
    t.after(() => connection.close());
    const set = mcpTools({ name: "web", tools: connection.tools, call: (tool, args, signal) => connection.call(tool, args, signal) }, new Set());
    const echo = set.tools.find((tool) => tool.definition.name === "mcp__web__echo")!;
    const result = await call(echo, dir, { text: "over http" });
    assert.equal(result.text, "echo (http): over http");
    assert.ok(server.headers().every((headers) => headers["x-api-key"] === "k-123"));
  });
});

describe("MCP tools from a hostile stdio server", () => {
  /** test/fixtures/mcp/raw-server.mjs started over stdio; closed after the test. */
  async function openRaw(t: TestContext, options: { callTimeoutMs?: number } = {}): Promise<McpConnection> {
    const dir = tempFolder(t);
    const entry = { command: process.execPath, args: [fileURLToPath(new URL("../../../fixtures/mcp/raw-server.mjs", import.meta.url))] };
    const config = parseMcpConfig(JSON.stringify({ servers: { raw: entry } }), { workspaceFolder: dir, source: "test" });
    const connection = await McpConnection.open(config.servers[0]!, options);
    t.after(() => connection.close());
    return connection;
  }

  it("reads the list once more after a flood of 5,000 tools/list_changed, not once per notification", SAFETY_NET, async (t) => {
    const connection = await openRaw(t);
    const signal = new AbortController().signal;
    await connection.call("flood", {}, signal);
    await connection.toolsSettled();
    const count = await connection.call("count", {}, signal);
    // The first listing, one begun at the first notification, one after it for the rest.
    const lists = Number((count.content[0] as { text: string }).text);
    assert.ok(lists <= 3, `${lists} tools/list requests`);
  });

  it("fails a call whose answer is over the 10 MB a message may take, in words, and keeps the server usable", { timeout: 30_000 }, async (t) => {
    // Without the fix the call waits for its time limit (10 min here); the test's timeout is the safety net.
    const connection = await openRaw(t, { callTimeoutMs: 600_000 });
    const signal = new AbortController().signal;
    await assert.rejects(connection.call("huge", {}, signal), (error: Error) => {
      assert.match(error.message, /^MCP server "raw" sent an answer to the call to "huge" over 10 MB, which Hearth does not read; the call was cancelled\.$/);
      return true;
    });
    const count = await connection.call("count", {}, signal);
    assert.equal((count.content[0] as { text: string }).text, "1");
  });
});

describe("MCP stdio servers that exit and leave a process behind", () => {
  for (const stdio of ["inherit", "ignore"] as const) {
    it(`ends the call in flight as a stopped server, with its exit code, and stops what it left running (a helper with stdio "${stdio}")`, { timeout: 30_000 }, async (t) => {
      // Without the fix a helper holding the server's stdout kept the call waiting for its
      // time limit (10 min here; the test's timeout is the safety net) and the server
      // counted as running; a helper without it outlived the server, and Hearth.
      const dir = tempFolder(t);
      const entry = { command: process.execPath, args: [fileURLToPath(new URL("../../../fixtures/mcp/raw-server.mjs", import.meta.url))] };
      const config = parseMcpConfig(JSON.stringify({ servers: { raw: entry } }), { workspaceFolder: dir, source: "test" });
      const connection = await McpConnection.open(config.servers[0]!, { callTimeoutMs: 600_000 });
      t.after(() => connection.close());
      let helper = 0;
      await assert.rejects(connection.call("orphan", { stdio }, new AbortController().signal), (error: Error) => {
        assert.match(error.message, /^MCP server "raw" stopped during the call to "orphan" \(exit code 3\); it wrote: helper \d+\./);
        helper = Number(/helper (\d+)/.exec(error.message)![1]);
        return true;
      });
      assert.equal(connection.alive, false);
      await connection.close();
      assert.equal(alive(helper), false, "the helper the server left outlived it");
    });
  }
});

describe("MCP stdio servers that start a detached sleeper", () => {
  /** Opens raw-server.mjs and has it start its sleeper; a sleeper that outlives the test is killed then. */
  async function withSleeper(t: TestContext): Promise<{ connection: McpConnection; sleeper: number }> {
    const dir = tempFolder(t);
    const entry = { command: process.execPath, args: [fileURLToPath(new URL("../../../fixtures/mcp/raw-server.mjs", import.meta.url))] };
    const config = parseMcpConfig(JSON.stringify({ servers: { raw: entry } }), { workspaceFolder: dir, source: "test" });
    const connection = await McpConnection.open(config.servers[0]!, { callTimeoutMs: 600_000 });
    t.after(() => connection.close());
    const answer = await connection.call("detach", {}, new AbortController().signal);
    const sleeper = Number(/^sleeper (\d+)$/.exec((answer.content[0] as { text: string }).text)![1]);
    t.after(() => void (alive(sleeper) && process.kill(sleeper, "SIGKILL")));
    assert.equal(alive(sleeper), true);
    return { connection, sleeper };
  }

  it("stops the sleeper (own session, empty environment) when Hearth stops the server", { timeout: 30_000 }, async (t) => {
    const { connection, sleeper } = await withSleeper(t);
    await connection.close();
    assert.equal(alive(sleeper), false, "the sleeper outlived the server");
  });

  it("stops the sleeper when the server exits by itself, though nothing links it to the server any more", { timeout: 30_000 }, async (t) => {
    // Without the fix the sleeper, reparented to init, in a session of its own and without
    // Hearth's marker, outlived the server and Hearth: nothing found at the exit leads to it.
    const { connection, sleeper } = await withSleeper(t);
    await assert.rejects(connection.call("orphan", { stdio: "ignore" }, new AbortController().signal), /stopped during the call to "orphan" \(exit code 3\)/);
    await connection.close();
    assert.equal(alive(sleeper), false, "the sleeper outlived the server");
  });
});

describe("MCP stdio servers that flood Hearth with messages", () => {
  it("stops a server that sends 20,000 messages within a minute answering nothing Hearth asked, and says so", { timeout: 60_000 }, async (t) => {
    // Without the fix the call waited for its time limit (10 min here; the test's timeout is
    // the safety net) while the runtime parsed every message of a flood that never ended.
    const dir = tempFolder(t);
    const entry = { command: process.execPath, args: [fileURLToPath(new URL("../../../fixtures/mcp/raw-server.mjs", import.meta.url))] };
    const config = parseMcpConfig(JSON.stringify({ servers: { raw: entry } }), { workspaceFolder: dir, source: "test" });
    // A clock that stands still: the whole flood comes within the minute, however slow the machine.
    const connection = await McpConnection.open(config.servers[0]!, { callTimeoutMs: 600_000, now: () => 0 });
    t.after(() => connection.close());
    await assert.rejects(connection.call("chatter", {}, new AbortController().signal), (error: Error) => {
      assert.match(error.message, /^MCP server "raw" stopped during the call to "chatter" \(it sent 20000 messages within a minute that answered nothing Hearth asked, so Hearth stopped it\)\./);
      return true;
    });
    assert.equal(connection.alive, false);
  });
});

describe("MCP servers over HTTP that flood Hearth with messages", () => {
  it("ends the connection to a server that sends 20,000 messages within a minute answering nothing Hearth asked, and says so", { timeout: 60_000 }, async (t) => {
    // Without the limit the call waited for its time limit (10 min here; the test's timeout is
    // the safety net) while the runtime parsed a flood that never ended. A clock that stands
    // still: the whole flood comes within the minute, however slow the machine.
    const progress = `data: ${JSON.stringify({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: "never-given", progress: 1 } })}\n\n`;
    const connection = await handMadeServer(t, "chatter", (_id, res) => {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.write(progress.repeat(25_000)); // and never the answer: the stream stays open
    }, { now: () => 0 });
    await assert.rejects(connection.call("chatter", {}, new AbortController().signal), (error: Error) => {
      // A server Hearth did not start is not stopped by it: its connection is closed.
      assert.match(error.message, /^MCP server "web" stopped during the call to "chatter" \(it sent 20000 messages within a minute that answered nothing Hearth asked, so Hearth closed the connection\)\./);
      return true;
    });
    assert.equal(connection.alive, false);
  });

  it("ends the connection to an SSE server that floods its event stream the same way", { timeout: 60_000 }, async (t) => {
    const connection = await handMadeSseServer(t, "chatter", (send) => {
      for (let i = 0; i < 25_000; i++) send({ method: "notifications/progress", params: { progressToken: "never-given", progress: i } });
    }, { now: () => 0 });
    await assert.rejects(connection.call("chatter", {}, new AbortController().signal), /^ToolError: MCP server "old" stopped during the call to "chatter" \(it sent 20000 messages within a minute that answered nothing Hearth asked, so Hearth closed the connection\)\./);
    assert.equal(connection.alive, false);
  });
});

describe("MCP servers over HTTP that refuse or break the connection", () => {
  /** An HTTP server on 127.0.0.1 answering every request with `answer`; closed after the test. */
  async function hostile(t: TestContext, answer: (res: ServerResponse) => void): Promise<string> {
    const server = createServer((_req, res) => answer(res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`;
  }

  async function openError(t: TestContext, type: string, url: string): Promise<string> {
    const config = parseMcpConfig(JSON.stringify({ servers: { web: { type, url } } }), { workspaceFolder: tempFolder(t), source: "test" });
    const error = await McpConnection.open(config.servers[0]!).then(() => assert.fail("opened"), (error: Error) => error);
    return error.message;
  }

  for (const type of ["http", "sse"]) {
    it(`says a 401 asks for a sign-in Hearth does not do, not the server's page (${type})`, SAFETY_NET, async (t) => {
      const url = await hostile(t, (res) => {
        res.writeHead(401, { "WWW-Authenticate": 'Bearer resource_metadata="http://127.0.0.1:1/.well-known/oauth-protected-resource"', "Content-Type": "text/html" });
        res.end(`<html>${"<p>Please log in</p>".repeat(10_000)}</html>`);
      });
      const message = await openError(t, type, url);
      assert.match(message, /HTTP 401 .*Hearth does not sign in to MCP servers \(OAuth\); give a token in the entry's "headers"/);
      assert.ok(message.length < 1000, `${message.length} characters`);
    });
  }

  it("says why a fetch failed, not only 'fetch failed' (headers over the size limit)", SAFETY_NET, async (t) => {
    const url = await hostile(t, (res) => {
      res.writeHead(200, { "X-Big": "a".repeat(200_000), "Content-Type": "application/json" });
      res.end("{}");
    });
    assert.match(await openError(t, "http", url), /did not start: fetch failed \(.*[Hh]eader.*\)/);
  });

  for (const format of ["json", "event-stream"]) {
    it(`ends a call whose HTTP answer is over 10 MB, in words, without reading it all (${format})`, { timeout: 30_000 }, async (t) => {
      // The call's answer is 64 MB without an end.
      const connection = await handMadeServer(t, "huge", (id, res) => {
        res.writeHead(200, { "Content-Type": format === "json" ? "application/json" : "text/event-stream" });
        res.write(format === "json" ? `{"jsonrpc":"2.0","id":${id},"result":{"content":[{"type":"text","text":"` : `data: {"jsonrpc":"2.0","id":${id},"result":{"content":[{"type":"text","text":"`);
        const chunk = "x".repeat(1 << 20);
        let sent = 0;
        const more = (): void => {
          while (sent < 64 && !res.destroyed) {
            sent++;
            if (!res.write(chunk)) return void res.once("drain", more);
          }
        };
        res.on("close", () => (sent = 64));
        more();
      });
      await assert.rejects(connection.call("huge", {}, new AbortController().signal), /^ToolError: MCP server "web" sent an answer to the call to "huge" over 10 MB, which Hearth does not read; the call was cancelled\.$/);
    });
  }

  it("ends a call at once when the server drops the event stream its answer was to come on", { timeout: 30_000 }, async (t) => {
    const connection = await handMadeServer(t, "drop", (_id, res) => {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.write(": working\n\n", () => res.destroy()); // the server dies mid-call
    });
    await assert.rejects(connection.call("drop", {}, new AbortController().signal), /^ToolError: MCP server "web" stopped during the call to "drop"\. It is started again with the next message/);
    assert.equal(connection.alive, false);
  });

  it("ends a call at once when an SSE server drops its event stream (the answers' only way back)", { timeout: 30_000 }, async (t) => {
    const connection = await handMadeSseServer(t, "drop", (_send, stream) => {
      stream.destroy(); // the server dies mid-call
    });
    await assert.rejects(connection.call("drop", {}, new AbortController().signal), /^ToolError: MCP server "old" stopped during the call to "drop"\. It is started again with the next message/);
    assert.equal(connection.alive, false);
  });
});

