/**
 * WorkspaceMcp reading a checkout's .vscode/mcp.json, as a hostile checkout ships it: the
 * file is a link to a device that never ends, or is far larger than any configuration.
 * The runtime must not read it whole (every message, trusted or not), and must say why
 * there are no servers.
 */
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { WorkspaceMcp } from "../../../src/runtime/workspace-mcp.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** The runtime's connection as WorkspaceMcp uses it: requests fail (no client handlers), warnings are kept. */
function connection() {
  const warnings: string[] = [];
  const requests: string[] = [];
  return {
    warnings,
    requests,
    sendRequest: (type: { method: string }) => {
      requests.push(type.method);
      return Promise.reject(new Error("no handler"));
    },
    window: { showWarningMessage: (message: string) => (warnings.push(message), Promise.resolve(undefined)) },
  };
}

async function toolsOf(root: string) {
  const client = connection();
  const mcp = new WorkspaceMcp(client as never, root);
  try {
    const tools = await mcp.tools(new AbortController().signal);
    return { tools, warnings: client.warnings, requests: client.requests };
  } finally {
    await mcp.dispose();
  }
}

describe("WorkspaceMcp reading .vscode/mcp.json", () => {
  it("does not read a link to a device (/dev/zero): no servers, and it says the file is not a regular file", { skip: process.platform === "win32" }, async () => {
    const root = tempDir("hearth-wsmcp-");
    mkdirSync(join(root, ".vscode"));
    symlinkSync("/dev/zero", join(root, ".vscode", "mcp.json"));
    const { tools, warnings, requests } = await toolsOf(root);
    assert.deepEqual(tools, []);
    assert.ok(!requests.includes("hearth/mcp/consent"));
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0]!, /\.vscode\/mcp\.json is not a regular file/);
  });

  it("does not read a file over 1 MiB: no servers, and it says how large it may be", async () => {
    const root = tempDir("hearth-wsmcp-");
    mkdirSync(join(root, ".vscode"));
    writeFileSync(join(root, ".vscode", "mcp.json"), `{"servers": {}}${" ".repeat(2 * 1024 * 1024)}`);
    const { tools, warnings } = await toolsOf(root);
    assert.deepEqual(tools, []);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0]!, /\.vscode\/mcp\.json is 2\.0 MiB; Hearth reads it only up to 1 MiB/);
  });

  it("says so when the file is there but cannot be read (a folder), instead of acting as if there were none", async () => {
    const root = tempDir("hearth-wsmcp-");
    mkdirSync(join(root, ".vscode", "mcp.json"), { recursive: true });
    const { warnings } = await toolsOf(root);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0]!, /\.vscode\/mcp\.json is a folder/);
  });

  it("no file: no servers and nothing to say", async () => {
    const root = tempDir("hearth-wsmcp-");
    const { tools, warnings } = await toolsOf(root);
    assert.deepEqual({ tools, warnings }, { tools: [], warnings: [] });
  });
});
