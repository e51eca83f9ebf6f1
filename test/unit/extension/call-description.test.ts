// The approval notification's wording ("Hearth wants to …"): an MCP tool whose arguments
// happen to be called `command` or `path` is named as that server's tool, never as a local
// command or a file edit (the MCP review found "run `ls`" for a remote server's call).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeCall } from "../../../src/extension/call-description.ts";

describe("describeCall", () => {
  it("names an MCP tool as its server's, with its arguments, whatever they are called", () => {
    assert.equal(describeCall("mcp__deploy__run", { command: "ls" }), 'call the tool "run" of the MCP server "deploy" with {"command":"ls"}');
    assert.equal(describeCall("mcp__vscode__fetch", {}), 'call the tool "fetch" of the MCP server "vscode" with no arguments');
    const long = describeCall("mcp__s__t", { path: "x".repeat(500) });
    assert.ok(long.length < 200 && long.endsWith("…"), long);
  });

  it("Hearth's own tools: commands, tests and files", () => {
    assert.equal(describeCall("run_command", { command: "npm test" }), "run `npm test`");
    assert.equal(describeCall("run_tests", {}), "run the tests");
    assert.equal(describeCall("edit_file", { path: "a.ts" }), "edit a.ts");
    assert.equal(describeCall("remember", {}), "use remember");
  });
});
