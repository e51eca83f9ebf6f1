/**
 * MCP servers that misbehave on purpose (test/fixtures/mcp/hostile-server.mjs over stdio,
 * hand-made HTTP servers on 127.0.0.1): each test fails if the harm it names is possible.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it, type TestContext } from "node:test";
import { parseMcpConfig } from "../../../../src/tools/mcp/config.ts";
import { McpConnection } from "../../../../src/tools/mcp/connection.ts";

const SERVER = fileURLToPath(new URL("../../../fixtures/mcp/hostile-server.mjs", import.meta.url));

function tempFolder(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "hearth-mcp-hostile-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The hostile server in `mode`, as server "hostile". */
function hostileConfig(t: TestContext, mode: string) {
  const entry = { command: process.execPath, args: [SERVER], env: { HOSTILE_MCP: mode } };
  return parseMcpConfig(JSON.stringify({ servers: { hostile: entry } }), { workspaceFolder: tempFolder(t), source: "test" }).servers[0]!;
}

describe("MCP stdio servers that do not answer", () => {
  it("says a server that never answers initialize did not answer in time, not that it exited (Hearth stopped it)", { timeout: 30_000 }, async (t) => {
    await assert.rejects(McpConnection.open(hostileConfig(t, "silent"), { startTimeoutMs: 300 }), (error: Error) => {
      assert.match(error.message, /^MCP server "hostile" did not start: it did not answer within 0\.3 s\. Check its entry \(/);
      return true;
    });
  });
});
