/**
 * runTool validates every call against the tool's JSON schema (ajv) before the tool runs,
 * and answers the model with the exact violations; schemas that cannot be compiled are
 * refused at registration and never crash a call.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AGENT_TOOLS } from "../../../src/tools/index.ts";
import { type JsonValue, type Tool, type ToolDefinition, checkToolDefinition, checkToolInput, runTool } from "../../../src/tools/tool.ts";
import { markServerSchema } from "../../../src/tools/tool-schema.ts";
import { workspaceWith } from "./helpers/setup.ts";

const EDITS: ToolDefinition = {
  name: "apply_edits",
  description: "Applies edits.",
  parameters: {
    type: "object",
    properties: {
      edits: {
        type: "array",
        items: { type: "object", properties: { path: { type: "string" }, line: { type: "integer" } }, required: ["path"] },
      },
      tags: { type: "array", items: { type: "string" } },
      target: { anyOf: [{ type: "integer" }, { type: "object", properties: { path: { type: "string" } }, required: ["path"], additionalProperties: false }] },
      mode: { type: "string", enum: ["exact", "fuzzy"] },
      size: { type: "number" },
      timeout_seconds: { type: "integer" },
    },
    required: ["edits"],
    additionalProperties: false,
  },
};

/** A tool over `definition` that records the inputs it was run with. */
function recordingTool(definition: ToolDefinition, effect: Tool["effect"] = "read"): { tool: Tool; runs: Array<Record<string, JsonValue>> } {
  const runs: Array<Record<string, JsonValue>> = [];
  const tool: Tool = { definition, effect, execute: async (input) => { runs.push(input); return { text: "ran" }; } };
  return { tool, runs };
}

/** The text the model reads for a call refused with these violations. */
const refusal = (name: string, violations: string) =>
  `Error (invalid-input): The arguments of "${name}" do not match its parameters: ${violations}. Call "${name}" again with arguments that match them.`;

describe("runTool validates arguments against the tool's schema", () => {
  const cases: Array<[string, Record<string, JsonValue>, string]> = [
    ["a nested object missing a required property", { edits: [{ line: 1 }] }, "/edits/0 must have required property 'path'"],
    ["array items of the wrong type", { edits: [{ path: "a", line: "one" }], tags: ["x", 2, true] }, "/edits/0/line must be integer; /tags/1 must be string; /tags/2 must be string"],
    ["an anyOf value that matches no branch", { edits: [], target: "main" }, "/target must be integer; /target must be object; /target must match a schema in anyOf"],
    ["an anyOf object with a property its branch forbids", { edits: [], target: { path: "a", line: 2 } }, "/target must be integer; /target must NOT have additional properties: 'line'; /target must match a schema in anyOf"],
    ["1e400 (Infinity once parsed)", { edits: [], size: Number.POSITIVE_INFINITY }, "/size must be a finite number"],
    ["NaN", { edits: [], size: Number.NaN }, "/size must be a finite number"],
    ["2^53+1 for an integer (already rounded to 2^53 by JSON.parse)", { edits: [], timeout_seconds: 2 ** 53 + 1 }, "/timeout_seconds must be <= 9007199254740991"],
    ["-(2^53+1) nested in an array item", { edits: [{ path: "a", line: -(2 ** 53 + 1) }] }, "/edits/0/line must be >= -9007199254740991"],
    ["a value outside the enum", { edits: [], mode: "regex" }, `/mode must be equal to one of the allowed values: "exact", "fuzzy"`],
    ["a property additionalProperties: false forbids", { edits: [], colour: "red" }, "arguments must NOT have additional properties: 'colour'"],
    ["a missing top-level required property", {}, "arguments must have required property 'edits'"],
    ["several violations at once", { edits: [{}], timeout_seconds: 1.5 }, "/edits/0 must have required property 'path'; /timeout_seconds must be integer"],
  ];
  for (const [name, input, violations] of cases) {
    it(`refuses ${name} with the exact violation and does not run the tool`, async () => {
      const { tool, runs } = recordingTool(EDITS, "write");
      let checkpoints = 0;
      const { ctx } = workspaceWith();
      const result = await runTool(tool, input, { ...ctx, beforeEffect: async () => { checkpoints++; } });
      assert.deepEqual(result, { ok: false, code: "invalid-input", text: refusal("apply_edits", violations) });
      assert.deepEqual(runs, [], "execute was not called");
      assert.equal(checkpoints, 0, "no checkpoint for a refused call");
    });
  }

  it("runs calls whose anyOf value matches one branch, with the value unchanged", async () => {
    const { tool, runs } = recordingTool(EDITS);
    const { ctx } = workspaceWith();
    for (const target of [3, { path: "src/a.ts" }]) {
      const result = await runTool(tool, { edits: [{ path: "a", line: 2 }], target, mode: "exact", size: 1.5e300, timeout_seconds: 2 ** 53 - 1 }, ctx);
      assert.equal(result.ok, true, result.text);
    }
    assert.deepEqual(runs.map((r) => r.target), [3, { path: "src/a.ts" }]);
  });

  it("checkToolInput answers the same refusal without running anything (the loop asks it before approval)", () => {
    const { tool, runs } = recordingTool(EDITS, "write");
    assert.deepEqual(checkToolInput(tool, { edits: [{ line: 1 }] }), { ok: false, code: "invalid-input", text: refusal("apply_edits", "/edits/0 must have required property 'path'") });
    assert.equal(checkToolInput(tool, { edits: [] }), undefined);
    assert.deepEqual(runs, []);
  });
});

describe("tool schemas: any draft-07 / 2020-12 schema, invalid ones refused at registration", () => {
  const broken: Array<[string, ToolDefinition["parameters"]]> = [
    ["an unknown type", { type: "object", properties: { x: { type: "strin" as "string" } } }],
    ["an unresolvable $ref", { type: "object", properties: { x: { $ref: "#/$defs/missing" } } }],
    ["a meta-schema Hearth does not know", { $schema: "http://json-schema.org/draft-04/schema#", type: "object", properties: {} }],
  ];
  for (const [name, parameters] of broken) {
    it(`refuses a schema with ${name} at registration and in runTool, without a crash`, async () => {
      const definition: ToolDefinition = { name: "mcp_tool", description: "", parameters };
      assert.throws(() => checkToolDefinition(definition), (e: Error) => /^Tool "mcp_tool" has a parameter schema Hearth cannot use: .+/.test(e.message));
      const { tool, runs } = recordingTool(definition);
      const result = await runTool(tool, { x: "1" }, workspaceWith().ctx);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.code, "unavailable");
      assert.match(result.text, /^Error \(unavailable\): Tool "mcp_tool" has a parameter schema Hearth cannot use: /);
      assert.deepEqual(runs, []);
    });
  }

  it("validates draft-07 tuples and 2020-12 prefixItems by their own drafts", async () => {
    const draft07: ToolDefinition = {
      name: "pair07", description: "",
      parameters: { $schema: "http://json-schema.org/draft-07/schema#", type: "object", properties: { p: { type: "array", items: [{ type: "string" }, { type: "integer" }] as never, additionalItems: false } }, required: ["p"] },
    };
    const draft2020: ToolDefinition = {
      name: "pair2020", description: "",
      parameters: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties: { p: { type: "array", prefixItems: [{ type: "string" }, { type: "integer" }], items: false as never } }, required: ["p"] },
    };
    for (const definition of [draft07, draft2020]) {
      checkToolDefinition(definition);
      const { tool, runs } = recordingTool(definition);
      const { ctx } = workspaceWith();
      assert.equal((await runTool(tool, { p: ["a", 1] }, ctx)).ok, true);
      const wrongType = await runTool(tool, { p: [1, 1] }, ctx);
      assert.equal(wrongType.text, refusal(definition.name, "/p/0 must be string"));
      const tooLong = await runTool(tool, { p: ["a", 1, 2] }, ctx);
      assert.equal(tooLong.text, refusal(definition.name, "/p must NOT have more than 2 items"));
      assert.equal(runs.length, 1);
    }
  });

  it("tools that share a $id and use unknown formats both compile and validate", async () => {
    const mk = (name: string): ToolDefinition => ({ name, description: "", parameters: { $id: "https://example.com/args", type: "object", properties: { url: { type: "string", format: "uri" } }, required: ["url"] } });
    for (const name of ["a", "b"]) {
      checkToolDefinition(mk(name));
      const { tool } = recordingTool(mk(name));
      assert.equal((await runTool(tool, { url: "not checked: formats are not validated" }, workspaceWith().ctx)).ok, true);
      assert.equal((await runTool(tool, { url: 3 }, workspaceWith().ctx)).text, refusal(name, "/url must be string"));
    }
  });

  it("every agent tool's schema compiles", () => {
    for (const tool of AGENT_TOOLS) assert.doesNotThrow(() => checkToolDefinition(tool.definition), tool.definition.name);
  });
});

describe("a server's schema (markServerSchema) is checked without its regular expressions", () => {
  const serverTool = (parameters: Record<string, unknown>) => recordingTool({ name: "t", description: "", parameters: markServerSchema({ type: "object", properties: {}, ...parameters }) as ToolDefinition["parameters"] }).tool;

  it("runs no pattern a $ref reaches, even one in \"properties\" read as a schema (its pattern would refuse {x: 1})", () => {
    const tool = serverTool({ properties: { patternProperties: { "^x$": false } }, allOf: [{ $ref: "#/properties" }] });
    assert.equal(checkToolInput(tool, { x: 1 }), undefined);
  });

  it("refuses nothing a pattern under not / if / oneOf would take, and still checks types where no such keyword is", () => {
    assert.equal(checkToolInput(serverTool({ properties: { name: { type: "string", not: { pattern: "^\\s*$" } } } }), { name: "hello" }), undefined);
    assert.equal(checkToolInput(serverTool({ properties: { v: { oneOf: [{ type: "string", pattern: "^a" }, { type: "string", pattern: "^b" }] } } }), { v: "a1" }), undefined);
    assert.equal(checkToolInput(serverTool({ if: { properties: { v: { pattern: "^a" } } }, then: { required: ["w"] } }), { v: "b" }), undefined);
    const plain = serverTool({ properties: { name: { type: "string", pattern: "^a$" } } });
    assert.equal(checkToolInput(plain, { name: "b" }), undefined, "the server checks its own pattern");
    assert.match(checkToolInput(plain, { name: 1 })!.text, /\/name must be string/);
  });

  it("keeps Hearth's own schemas' patterns (unmarked)", () => {
    const { tool } = recordingTool({ name: "own", description: "", parameters: { type: "object", properties: { name: { type: "string", pattern: "^a$" } } } });
    assert.match(checkToolInput(tool, { name: "b" })!.text, /\/name must match pattern "\^a\$"/);
  });
});

describe("a server's schema with $defs (pydantic's, zod-to-json-schema's) and a pattern is still checked for types and required names", () => {
  // FastMCP / pydantic puts every enum and nested model in "$defs" and reaches them by "#/$defs/Name"; zod-to-json-schema reuses a schema by its path ("#/properties/a").
  const pydantic = markServerSchema({
    type: "object",
    $defs: { Unit: { enum: ["C", "F"], type: "string" }, Place: { type: "object", properties: { code: { type: "string", pattern: "^(a+)+$" } }, required: ["code"] } },
    properties: { unit: { $ref: "#/$defs/Unit" }, place: { $ref: "#/$defs/Place" }, days: { type: "integer" }, again: { $ref: "#/properties/days" } },
    required: ["unit", "days"],
  }) as ToolDefinition["parameters"];
  const tool = recordingTool({ name: "weather", description: "", parameters: pydantic }).tool;

  it("refuses a wrong type, a left-out required name and a value outside a $ref'd enum, and runs no pattern", () => {
    const refusal = checkToolInput(tool, { unit: "K", days: "3", again: "x", place: {} })?.text ?? "";
    assert.match(refusal, /\/days must be integer/);
    assert.match(refusal, /\/again must be integer/);
    assert.match(refusal, /\/unit must be equal to one of the allowed values/);
    assert.match(refusal, /\/place must have required property 'code'/);
    assert.match(checkToolInput(tool, { unit: "C" })!.text, /must have required property 'days'/);
    assert.equal(checkToolInput(tool, { unit: "C", days: 3, place: { code: `${"a".repeat(40)}!` } }), undefined);
  });

  it("still checks for an object alone where a $ref reaches what is not a schema the patterns were taken out of", () => {
    for (const ref of ["#/properties", "#/x-extra/name", "other.json#/$defs/A", "#/patternProperties/^a$"]) {
      const loose = recordingTool({ name: "t", description: "", parameters: markServerSchema({ type: "object", properties: { a: { type: "string", pattern: "^a" }, b: { $ref: ref } }, patternProperties: { "^a$": { type: "string" } }, "x-extra": { name: { pattern: "^q" } } }) as ToolDefinition["parameters"] }).tool;
      assert.equal(checkToolInput(loose, { a: 1 }), undefined, ref);
    }
  });
});
