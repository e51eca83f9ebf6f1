// Every tool says how the user sees it, next to its definition: a title, what "Hearth wants
// to …" says of a call, the arguments on its card's first line, and a card body that fits
// its effect. MCP tools get theirs from the server's names.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeCall, fillTemplate } from "../../../src/protocol/tool-display.ts";
import { AGENT_TOOLS, type JsonValue } from "../../../src/tools/index.ts";
import { mcpTools } from "../../../src/tools/mcp/mcp-tool.ts";

/** Arguments a display may name beyond the schema: the end-of-fix test run passes run_tests its `command` (src/agent/fix.ts). */
const EXTRA_ARGUMENTS: Record<string, readonly string[]> = { run_tests: ["command"] };

const BODY_FOR_EFFECT = { write: "diff", memory: "memory", control: "control", read: "arguments", command: "arguments" } as const;

describe("built-in tool displays", () => {
  for (const tool of AGENT_TOOLS) {
    const name = tool.definition.name;
    it(`${name} has display strings that match its parameters and effect`, () => {
      const display = tool.display;
      assert.ok(display, `${name} has no display`);
      assert.match(display.title, /^[A-Z]/, "the title starts with a capital");
      const known = new Set([...Object.keys(tool.definition.parameters.properties), ...(EXTRA_ARGUMENTS[name] ?? [])]);
      for (const arg of display.keyArguments) assert.ok(known.has(arg), `key argument ${arg} is not a parameter of ${name}`);
      const templates = typeof display.wouldLikeTo === "string" ? [display.wouldLikeTo] : display.wouldLikeTo;
      for (const template of templates) {
        for (const [, arg] of template.matchAll(/\{([^{}]+)\}/g)) assert.ok(arg === "*" || known.has(arg!), `"${template}" names ${arg}, not a parameter of ${name}`);
      }
      // A call with only its required arguments is described by some template, not by the fallback.
      const required: Record<string, JsonValue> = Object.fromEntries((tool.definition.parameters.required ?? []).map((arg) => [arg, "x"]));
      assert.ok(templates.some((t) => fillTemplate(t, required) !== undefined), `no template of ${name} fits its required arguments`);
      assert.doesNotMatch(describeCall(name, required, display), /^use /);
      assert.equal(display.body, BODY_FOR_EFFECT[tool.effect]);
      assert.equal(display.proposedChange !== undefined, display.body === "diff", "a write says how its arguments describe the change");
    });
  }
});

describe("MCP tool displays", () => {
  it("name the server's tool and show its arguments, whatever they are called", () => {
    const set = mcpTools({ name: "deploy", tools: [{ name: "run", inputSchema: { type: "object", properties: { command: { type: "string" } } } }], call: async () => ({ content: [] }) }, new Set());
    const tool = set.tools[0]!;
    assert.equal(tool.display?.title, "run (deploy)");
    assert.equal(tool.display?.body, "arguments");
    assert.equal(describeCall(tool.definition.name, { command: "ls" }, tool.display), 'call the tool "run" of the MCP server "deploy" with {"command":"ls"}');
  });
});
