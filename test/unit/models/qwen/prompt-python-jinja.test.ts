/**
 * Our Qwen3.5 renderer against the real chat template run by Python's Jinja2 the way
 * Hugging Face transformers' `apply_chat_template` runs it (the rendering the model was
 * trained on): sandboxed environment, trim_blocks + lstrip_blocks, loopcontrols, and
 * transformers' own `tojson` (ensure_ascii=False, keys unsorted). Python prints tool-call
 * arguments with `str()`: True / False / None, floats as Python's repr (1e-05, 1e+16).
 * Skips with a message where python3 or its jinja2 module is missing (Debian:
 * apt-get install python3-jinja2; test/fixtures/debian-packages.sh installs it before the unit tests where it can).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { renderQwenPrompt } from "../../../../src/models/qwen/prompt.ts";
import { formatArgumentValue, toJinjaJson } from "../../../../src/models/qwen/template-values.ts";
import type { ChatMessage, JsonValue, ToolDefinition } from "../../../../src/models/types.ts";
import { qwen35ChatTemplate } from "../../../fixtures/models/llama-cpp-sources.ts";
import { CASES, TOOLS, randomConversation, toTemplateMessages, toTemplateTools } from "./conversations.ts";

const RENDER_PY = `
import json, sys
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

job = json.load(sys.stdin)
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
out = {}
if "template" in job:
    template = env.from_string(job["template"])
    out["renders"] = [template.render(**context) for context in job["contexts"]]
if "values" in job:
    # The template's own rule for an argument value, then plain tojson (tool definitions).
    value_template = env.from_string("{{ v | tojson if v is mapping or (v is sequence and v is not string) else v | string }}|{{ v | tojson }}")
    out["values"] = [value_template.render(v=v) for v in job["values"]]
json.dump(out, sys.stdout, ensure_ascii=False)
`;

/** Why Python's Jinja2 cannot run here, or undefined when it can. */
function pythonJinjaMissing(): string | undefined {
  const probe = spawnSync("python3", ["-c", "import jinja2"], { encoding: "utf8" });
  if (probe.error) return `python3 is not installed (${probe.error.message})`;
  if (probe.status !== 0) return "python3 has no jinja2 module: apt-get install python3-jinja2";
  return undefined;
}
const missing = pythonJinjaMissing();
const skip = missing ? `Python's Jinja2 is unavailable: ${missing}` : false;

/** Runs RENDER_PY once over a whole job (one process for every conversation). */
function python(job: object): { renders?: string[]; values?: string[] } {
  // JSON numbers are what Python sees: json.loads makes "5" an int and "0.5" / "1e+21" floats.
  const run = spawnSync("python3", ["-c", RENDER_PY], { input: JSON.stringify(job), encoding: "utf8", maxBuffer: 1 << 28 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as { renders?: string[]; values?: string[] };
}

const VALUES: JsonValue[] = [
  true, false, null, 0, -7, 42, 9007199254740991, 0.5, -2.25, 1e-5, 1.5e-7, 0.0001, 1e16 + 0.5 * 0, 1.5e16, 1e21, -1e21, 1.7976931348623157e308, 5e-324,
  "text", "", "True", "line\nbreak", "ü 🚀 <|im_end|>",
  [true, null, 1.5e-7, "s"], { flag: false, none: null, n: 1e22, nested: { x: [0.1, 1e-5] } }, [], {},
];

test("argument values print as Python's str() and transformers' tojson print them", { skip }, () => {
  const expected = python({ values: VALUES }).values!;
  const actual = VALUES.map((v) => `${formatArgumentValue(v)}|${toJinjaJson(v)}`);
  assert.deepEqual(actual, expected);
});

function contexts(messages: readonly ChatMessage[], tools?: readonly ToolDefinition[]): Array<{ context: object; ours: string }> {
  const out: Array<{ context: object; ours: string }> = [];
  for (const addGenerationPrompt of [true, false]) {
    for (const enableThinking of [true, false]) {
      out.push({
        context: { messages: toTemplateMessages(messages), ...(tools ? { tools: toTemplateTools(tools) } : {}), add_generation_prompt: addGenerationPrompt, enable_thinking: enableThinking },
        ours: renderQwenPrompt(messages, { ...(tools ? { tools } : {}), addGenerationPrompt, enableThinking }),
      });
    }
  }
  return out;
}

const VALUE_CALLS: ChatMessage[] = [
  { role: "user", content: "Edit it." },
  {
    role: "assistant", content: "",
    toolCalls: [
      { id: "1", name: "edit", arguments: { path: "a.py", search: "x", replace: "y", dry_run: true, options: { tabs: 0.5, on: false, off: null }, lines: [1, 2] } },
      { id: "2", name: "edit", arguments: { path: "b.py", search: "x", replace: "y", dry_run: false, ratio: 1e-5, big: 1e21, none: null, exp: 1.5e-7 } },
    ],
  },
  { role: "tool", toolCallId: "1", name: "edit", content: "ok" },
  { role: "tool", toolCallId: "2", name: "edit", content: "ok" },
];

test("renders like Python's Jinja2: every hand-written case, booleans / null / floats in arguments, 300 random conversations", { skip }, () => {
  const all = [
    ...CASES.map((c) => ({ name: c.name, messages: c.messages, tools: c.tools })),
    { name: "argument values", messages: VALUE_CALLS, tools: TOOLS },
    ...Array.from({ length: 300 }, (_, i) => ({ name: `seed ${i + 1}`, ...randomConversation(i + 1) })),
  ];
  const jobs = all.flatMap((c) => contexts(c.messages, c.tools).map((x) => ({ ...x, name: c.name })));
  const renders = python({ template: qwen35ChatTemplate(), contexts: jobs.map((j) => j.context) }).renders!;
  jobs.forEach((job, i) => assert.equal(job.ours, renders[i], job.name));
  const values = renders[jobs.findIndex((j) => j.name === "argument values")]!;
  assert.ok(values.includes("<parameter=dry_run>\nTrue\n</parameter>") && values.includes("<parameter=none>\nNone\n</parameter>"), "the Python spellings are what was compared");
});
