/**
 * The editor's MCP tools as the runtime lends them to the agent (src/runtime/editor-tools.ts),
 * over a connection whose client is the test: an invocation VS Code never answers (an MCP
 * server of VS Code's that hangs, a confirmation nobody answers) ends like a workspace MCP
 * server's call that hangs, with a timeout the model reads, and the editor is told to stop.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CancellationToken, Connection } from "vscode-languageserver/node";
import { EditorToolInvokeRequest, EditorToolsRequest } from "../../../src/protocol/mcp.ts";
import { editorMcpTools } from "../../../src/runtime/editor-tools.ts";
import { DiskWorkspace, runTool } from "../../../src/tools/index.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** A client listing one tool and answering its invocation with `answer`; the tokens it was given are kept. */
function client(answer: () => Promise<unknown>) {
  const tokens: CancellationToken[] = [];
  let invoked!: () => void;
  const invocation = new Promise<void>((resolve) => (invoked = resolve));
  // The one overload the wiring uses (type, params, token), as Connection's sendRequest.
  const connection = {
    sendRequest: (type: { method: string }, _params: unknown, token?: CancellationToken): Promise<never> => {
      if (type.method === EditorToolsRequest.method) {
        return Promise.resolve({ tools: [{ name: "mcp_slow_lookup", description: "Looks a key up.", inputSchema: { type: "object", properties: { key: { type: "string" } } } }] }) as Promise<never>;
      }
      assert.equal(type.method, EditorToolInvokeRequest.method);
      if (token) tokens.push(token);
      invoked();
      return answer() as Promise<never>;
    },
  };
  return { connection: connection as unknown as Pick<Connection, "sendRequest">, tokens, invocation };
}

describe("the editor's MCP tools in the runtime", () => {
  it("a call the editor never answers ends after the MCP call timeout with a 'timeout' error, and the editor's call is cancelled", async () => {
    const clock = new FakeClock();
    const { connection, tokens, invocation } = client(() => new Promise(() => {}));
    const { tools } = await editorMcpTools(connection, new Set(), [], { clock });
    assert.deepEqual(tools.map((t) => t.definition.name), ["mcp__vscode__mcp_slow_lookup"]);
    const ctx = { workspace: new DiskWorkspace(tempDir("hearth-editor-tools-")), signal: new AbortController().signal };
    const pending = runTool(tools[0]!, { key: "answer" }, ctx);
    await invocation;
    clock.advance(5 * 60_000);
    const result = await pending;
    assert.equal(result.ok ? "ok" : result.code, "timeout");
    assert.match(result.text, /VS Code did not answer the call to "mcp_slow_lookup" within 300 s; the call was cancelled/);
    assert.equal(tokens[0]?.isCancellationRequested, true);
    assert.equal(clock.pending(), 0);
  });

  it("an answer before the deadline is the result, and its timer is cleared", async () => {
    const clock = new FakeClock();
    const { connection, tokens } = client(async () => ({ text: "42" }));
    const { tools } = await editorMcpTools(connection, new Set(), [], { clock });
    const result = await runTool(tools[0]!, { key: "answer" }, { workspace: new DiskWorkspace(tempDir("hearth-editor-tools-")), signal: new AbortController().signal });
    assert.deepEqual([result.ok, result.text], [true, "42"]);
    assert.equal(tokens[0]?.isCancellationRequested, false);
    assert.equal(clock.pending(), 0);
  });

  it("leaves out VS Code's copy of a workspace server whose name VS Code cut to 13 characters in the tool prefix (mcp_sequential-th_…)", async () => {
    const listed = ["mcp_sequential-th_sequentialthinking", "mcp_sequential-th2_other", "mcp_github_get_issue", "mcp_sequential_other"];
    const connection = { sendRequest: async () => ({ tools: listed.map((name) => ({ name, description: "A tool." })) }) } as unknown as Pick<Connection, "sendRequest">;
    const { tools } = await editorMcpTools(connection, new Set(), ["sequential-thinking"]);
    // "mcp_sequential-th2_…" is another server of VS Code's whose name starts the same: kept.
    assert.deepEqual(tools.map((t) => t.definition.name), ["mcp__vscode__mcp_sequential-th2_other", "mcp__vscode__mcp_github_get_issue", "mcp__vscode__mcp_sequential_other"]);
  });
});
