// What "Hearth wants to …" says of a call (the approval card and notification), from the
// tool's display or, for a tool that brings none, the default from its name. An MCP tool
// whose arguments happen to be called `command` or `path` is named as that server's tool,
// never as a local command or a file edit (the MCP review found "run `ls`" for a remote
// server's call).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultToolDisplay, describeCall, fillTemplate } from "../../../src/protocol/tool-display.ts";
import { toolByName } from "../../../src/tools/index.ts";

const display = (name: string) => toolByName(name)?.display;

describe("describeCall", () => {
  it("names an MCP tool as its server's, with its arguments, whatever they are called", () => {
    assert.equal(describeCall("mcp__deploy__run", { command: "ls" }), 'call the tool "run" of the MCP server "deploy" with {"command":"ls"}');
    assert.equal(describeCall("mcp__vscode__fetch", {}), 'call the tool "fetch" of the MCP server "vscode" with no arguments');
    const long = describeCall("mcp__s__t", { path: "x".repeat(500) });
    assert.ok(long.length < 200 && long.endsWith("…"), long);
  });

  it("Hearth's own tools, from their definitions: commands, tests and files", () => {
    assert.equal(describeCall("run_command", { command: "npm test" }, display("run_command")), "run `npm test`");
    assert.equal(describeCall("run_tests", {}, display("run_tests")), "run the tests");
    assert.equal(describeCall("run_tests", { command: "pytest -q" }, display("run_tests")), "run `pytest -q`");
    assert.equal(describeCall("edit_file", { path: "a.ts" }, display("edit_file")), "edit a.ts");
    assert.equal(describeCall("write_file", { path: "b.ts", content: "x" }, display("write_file")), "write b.ts");
  });

  it("a tool without a display: its command, its path, or its name", () => {
    assert.equal(describeCall("deploy_site", { command: "make deploy" }), "run `make deploy`");
    assert.equal(describeCall("format_file", { path: "a.ts" }), "format file a.ts");
    assert.equal(describeCall("remember", {}), "use remember");
    assert.equal(defaultToolDisplay("x", "write").body, "diff");
    assert.equal(defaultToolDisplay("x", "memory").body, "memory");
    assert.equal(defaultToolDisplay("x").body, "arguments");
  });
});

describe("fillTemplate", () => {
  it("fills string and number arguments once, and gives up on a missing or empty one", () => {
    assert.equal(fillTemplate("read {path} from line {line}", { path: "{line}", line: 3 }), "read {line} from line 3");
    assert.equal(fillTemplate("edit {path}", { path: "" }), undefined);
    assert.equal(fillTemplate("edit {path}", { path: ["a"] }), undefined);
    assert.equal(fillTemplate("finish", {}), "finish");
  });
});
