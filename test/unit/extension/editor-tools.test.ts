/**
 * The editor's MCP tools lent to Hearth's agent: only VS Code's MCP servers' tools
 * ("mcp_…") are offered, a missing vscode.lm API gives none, results become text, a tool
 * that throws becomes an error result.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type LmTools, editorMcpTools, invokeEditorTool, usableLm } from "../../../src/extension/editor-tools.ts";

function fakeLm(run: (name: string, input: object) => Promise<{ content: unknown[] }>): LmTools {
  return {
    tools: [
      { name: "copilot_readFile", description: "Hearth has its own" },
      { name: "mcp_github_get_issue", description: "Gets an issue.", inputSchema: { type: "object", properties: { number: { type: "number" } } } },
      { name: "mcp_time_now", description: "The time." },
    ],
    invokeTool: (name, options) => run(name, options.input),
  };
}

describe("editor MCP tools", () => {
  it("offers only the tools of VS Code's MCP servers, with their schemas", () => {
    const tools = editorMcpTools(fakeLm(async () => ({ content: [] })));
    assert.deepEqual(tools, [
      { name: "mcp_github_get_issue", description: "Gets an issue.", inputSchema: { type: "object", properties: { number: { type: "number" } } } },
      { name: "mcp_time_now", description: "The time." },
    ]);
  });

  it("offers nothing where the editor has no vscode.lm.invokeTool", async () => {
    assert.equal(usableLm(undefined), undefined);
    assert.equal(usableLm({ tools: [] }), undefined);
    assert.deepEqual(editorMcpTools(usableLm({ tools: [{ name: "mcp_x", description: "" }] })), []);
    const result = await invokeEditorTool(undefined, "mcp_x", {});
    assert.equal(result.isError, true);
    assert.match(result.text, /^This editor cannot run its tools/);
  });

  it("runs a tool with the input and returns its text parts; other parts are named, not shown", async () => {
    const calls: [string, object][] = [];
    const lm = fakeLm(async (name, input) => (calls.push([name, input]), { content: [{ value: "issue 7: crash" }, { mimeType: "image/png", data: new Uint8Array(3) }, { value: { tsx: true } }] }));
    const result = await invokeEditorTool(lm, "mcp_github_get_issue", { number: 7 });
    assert.deepEqual(calls, [["mcp_github_get_issue", { number: 7 }]]);
    assert.deepEqual(result, { text: "issue 7: crash\n\n[image/png content, 3 bytes, not shown: Hearth passes text only]\n\n[non-text content not shown: Hearth passes text only]" });
  });

  it("shows the model an embedded resource (GitHub MCP's file contents), which VS Code hands over only as a link, read through VS Code's mcp-resource file system", async () => {
    // What VS Code 1.10x gives an extension for {type: "resource", resource: {uri: "repo://octo/hello/contents/README.md", mimeType: "text/markdown", text}}:
    // the uri rewritten to mcp-resource://<hex of the server's definition id>/<scheme>/<authority>/<path>, which VS Code serves by asking that server.
    const uri = { $mid: 1, path: "/repo/octo/hello/contents/README.md", scheme: "mcp-resource", authority: "6d63702e636f6e6669672e757372" };
    const link = { mimeType: "application/vnd.code.resource-link", data: new TextEncoder().encode(JSON.stringify({ uri, underlyingMimeType: "text/markdown" })) };
    const reads: unknown[] = [];
    const read = async (asked: unknown) => (reads.push(asked), new TextEncoder().encode("# Hello\n\nRun `make`.\n"));
    const result = await invokeEditorTool(fakeLm(async () => ({ content: [{ value: "successfully downloaded text file" }, link] })), "mcp_github_get_file_contents", {}, undefined, read);
    assert.deepEqual(result, { text: "successfully downloaded text file\n\n[resource repo://octo/hello/contents/README.md (text/markdown)]\n# Hello\n\nRun `make`.\n" });
    assert.deepEqual(reads, [{ scheme: "mcp-resource", authority: "6d63702e636f6e6669672e757372", path: "/repo/octo/hello/contents/README.md", query: "", fragment: "" }]);
  });

  it("turns a tool that throws into an error result with its message", async () => {
    const result = await invokeEditorTool(fakeLm(async () => { throw new Error("The user cancelled the tool."); }), "mcp_time_now", {});
    assert.deepEqual(result, { text: "The user cancelled the tool.", isError: true });
  });
});
