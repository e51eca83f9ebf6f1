// `--mcp FILE` from the built CLI (out/cli.mjs): hearth fix gives the agent the servers'
// tools (the fixture server, started over stdio, records each call), hearth chat runs the
// model's MCP calls and lists the tools, a broken file stops the command before any model
// loads, and no server process is left when the command ends.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { fixtureServerEntry } from "../../fixtures/mcp/fixture-config.ts";
import { alive } from "../../fixtures/processes.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

interface Work {
  dir: string;
  repo: string;
  log: string;
  mcpFile: string;
}

function work(t: TestContext): Work {
  const dir = mkdtempSync(join(tmpdir(), "hearth-cli-mcp-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = join(dir, "repo");
  cpSync(join(ROOT, "test/fixtures/agent/python-calc"), repo, { recursive: true });
  const log = join(dir, "calls.jsonl");
  const mcpFile = join(dir, "mcp.json");
  writeFileSync(mcpFile, JSON.stringify({ servers: { fixture: fixtureServerEntry({ MCP_FIXTURE_LOG: log }) } }));
  return { dir, repo, log, mcpFile };
}

function script(w: Work, turns: unknown[]): string {
  const file = join(w.dir, "model.json");
  writeFileSync(file, JSON.stringify({ name: "scripted", turns }));
  return file;
}

function hearth(w: Work, args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: w.dir, encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "pipe"] });
}

function records(log: string): Record<string, unknown>[] {
  return existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>) : [];
}

const echo = (text: string) => ({ toolCalls: [{ name: "mcp__fixture__echo", arguments: { text } }] });

describe("--mcp FILE", () => {
  it("hearth fix: the agent calls the MCP tool, the result is in the trajectory, the server is gone afterwards", { timeout: 240_000 }, (t) => {
    const w = work(t);
    const model = script(w, [echo("from hearth fix"), { toolCalls: [{ name: "finish", arguments: { summary: "asked the server" } }] }]);
    const result = hearth(w, ["fix", "--repo", w.repo, "--issue", "ask the echo server", "--model", model, "--yes", "--no-index", "--mcp", w.mcpFile, "--state-dir", join(w.dir, "state"), "--trajectory", join(w.dir, "t.jsonl")]);
    // The run changed no file: not fixed (exit 1), whatever the model's summary says.
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /the model finished without changing any file/);
    assert.match(result.stderr, /MCP tools: mcp__fixture__echo, /);
    assert.match(result.stderr, /warning: MCP tool "bad_schema" of server "fixture" was left out/);
    const calls = records(w.log);
    assert.deepEqual(calls.filter((r) => r.tool), [{ tool: "echo", text: "from hearth fix", env: null }]);
    const trajectory = readFileSync(join(w.dir, "t.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(trajectory.some((r) => r.type === "tool" && r.name === "mcp__fixture__echo" && r.ok === true && r.result === "echo (stdio): from hearth fix"));
    assert.equal(alive(calls.find((r) => r.started)!.pid as number), false, "the MCP server outlived hearth fix");
  });

  it("hearth fix: a broken file stops before the model loads, saying what to fix", { timeout: 240_000 }, (t) => {
    const w = work(t);
    writeFileSync(w.mcpFile, JSON.stringify({ servers: { fixture: { ...fixtureServerEntry(), arg: ["x"] } } }));
    // A --model that names a file (one naming nothing is refused first) that is no model: never loaded, never named.
    writeFileSync(join(w.dir, "never-loaded.json"), "{}\n");
    const result = hearth(w, ["fix", "--repo", w.repo, "--issue", "x", "--model", join(w.dir, "never-loaded.json"), "--yes", "--mcp", w.mcpFile]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /MCP server "fixture" in .*mcp\.json has an unknown field "arg" .*Remove it or fix its spelling/);
    assert.doesNotMatch(result.stderr, /never-loaded/);
  });

  it("hearth chat: runs the model's MCP call with --yes and answers with its result; --list-tools lists them", { timeout: 240_000 }, (t) => {
    const w = work(t);
    const model = script(w, [echo("from hearth chat"), { text: "The server said hello." }]);
    const result = hearth(w, ["chat", "--model", model, "--repo", w.repo, "--mcp", w.mcpFile, "--yes", "say hello through the server"]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /The server said hello\./);
    assert.match(result.stderr, /\[tool result\] echo \(stdio\): from hearth chat/);
    assert.deepEqual(records(w.log).filter((r) => r.tool), [{ tool: "echo", text: "from hearth chat", env: null }]);

    const list = hearth(w, ["chat", "--mcp", w.mcpFile, "--list-tools"]);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /^mcp__fixture__echo {2}Echoes the text back\. \(MCP server "fixture"\.\)$/m);
    assert.match(list.stdout, /^mcp__fixture__weird_name_with_spaces_2 /m);
  });

  it("hearth chat: without a terminal and without --yes, the call is denied and never reaches the server", { timeout: 240_000 }, (t) => {
    const w = work(t);
    const model = script(w, [echo("unapproved"), { text: "It was not allowed." }]);
    const result = hearth(w, ["chat", "--model", model, "--repo", w.repo, "--mcp", w.mcpFile, "try the server"]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /\[tool result\] Error \(denied\)/);
    assert.deepEqual(records(w.log).filter((r) => r.tool), []);
  });
});
