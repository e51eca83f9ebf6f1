/**
 * Qwen3.6 (the default preset) against Hearth's Qwen renderer: its chat template is
 * Qwen3.5's with one switch added, `preserve_thinking`, off unless a caller sets it. Hearth
 * never sets it, so every conversation must render byte for byte as the template renders
 * it, through @huggingface/jinja and, where installed, Python's Jinja2 (what transformers
 * runs). With the switch on the template keeps all earlier thinking; Hearth does not
 * offer that (test below documents the difference).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { renderQwenPrompt } from "../../../../src/models/qwen/prompt.ts";
import type { ChatMessage, ToolDefinition } from "../../../../src/models/types.ts";
import { qwen35ChatTemplate } from "../../../fixtures/models/llama-cpp-sources.ts";
import { qwen36ChatTemplate } from "../../../fixtures/models/templates.ts";
import { CASES, TOOLS, randomConversation, toTemplateMessages, toTemplateTools } from "./conversations.ts";
import { jinjaReference } from "./jinja-reference.ts";

const QWEN35_LINE = "        {%- if loop.index0 > ns.last_query_index %}";
const QWEN36_LINE = "        {%- if (preserve_thinking is defined and preserve_thinking is true) or (loop.index0 > ns.last_query_index) %}";

test("the Qwen3.6 template is Qwen3.5's with only the preserve_thinking switch added", () => {
  const q35 = qwen35ChatTemplate().split("\n");
  const q36 = qwen36ChatTemplate().split("\n");
  assert.equal(q36.length, q35.length);
  const changed = q36.flatMap((line, i) => (line === q35[i] ? [] : [[q35[i], line]]));
  assert.deepEqual(changed, [[QWEN35_LINE, QWEN36_LINE]]);
});

const reference = jinjaReference(qwen36ChatTemplate());

/** Every combination of the generation prompt, thinking, and preserve_thinking unset / false. */
function assertSameAsQwen36(messages: ChatMessage[], tools?: ToolDefinition[]): void {
  for (const addGenerationPrompt of [true, false]) {
    for (const enableThinking of [true, false]) {
      const ours = renderQwenPrompt(messages, { ...(tools ? { tools } : {}), addGenerationPrompt, enableThinking });
      for (const extra of [{}, { preserve_thinking: false }]) {
        const expected = reference(messages, { ...(tools ? { tools } : {}), addGenerationPrompt, enableThinking, extra });
        assert.equal(ours, expected, `addGenerationPrompt=${addGenerationPrompt} enableThinking=${enableThinking} ${JSON.stringify(extra)}`);
      }
    }
  }
}

for (const c of CASES) {
  test(`renders like the Qwen3.6 template: ${c.name}`, () => assertSameAsQwen36(c.messages, c.tools));
}

test("renders like the Qwen3.6 template: tool calls with arguments of every JSON type, results, several turns", () => {
  assertSameAsQwen36([
    { role: "system", content: "You are Hearth." },
    { role: "user", content: "Fix it." },
    {
      role: "assistant", content: "Reading first.", thinking: "Check the file.",
      toolCalls: [{ id: "1", name: "edit", arguments: { path: "a.py", search: "x", replace: "y", dry_run: true, options: { tabs: 2.5, on: false, off: null }, lines: [1, 2, 3], ratio: 0.25, count: 7, none: null } }],
    },
    { role: "tool", toolCallId: "1", name: "edit", content: "applied" },
    { role: "assistant", content: "Done.", thinking: "Finished." },
    { role: "user", content: "Thanks, and the tests?" },
  ], TOOLS);
});

test("renders like the Qwen3.6 template: 300 random conversations", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const { messages, tools } = randomConversation(seed);
    assert.doesNotThrow(() => assertSameAsQwen36(messages, tools), `seed ${seed}`);
  }
});

test("with preserve_thinking on, the template keeps earlier thinking that Hearth drops (a documented difference)", () => {
  const messages: ChatMessage[] = [
    { role: "user", content: "one" },
    { role: "assistant", content: "first", thinking: "thought one" },
    { role: "user", content: "two" },
  ];
  const preserved = reference(messages, { addGenerationPrompt: true, enableThinking: true, extra: { preserve_thinking: true } });
  assert.match(preserved, /<\|im_start\|>assistant\n<think>\nthought one\n<\/think>\n\nfirst<\|im_end\|>/);
  assert.doesNotMatch(renderQwenPrompt(messages), /thought one/);
});

const pythonMissing = (() => {
  const probe = spawnSync("python3", ["-c", "import jinja2"], { encoding: "utf8" });
  return probe.error || probe.status !== 0 ? "Python's Jinja2 is unavailable (apt-get install python3-jinja2)" : false;
})();

const RENDER_PY = `
import json, sys
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment
def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)
job = json.load(sys.stdin)
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
env.filters["tojson"] = lambda x, ensure_ascii=False, indent=None, separators=None, sort_keys=False: json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
env.globals["raise_exception"] = raise_exception
template = env.from_string(job["template"])
json.dump([template.render(**c) for c in job["contexts"]], sys.stdout, ensure_ascii=False)
`;

test("renders like the Qwen3.6 template run by Python's Jinja2 (transformers): every case and 300 random conversations", { skip: pythonMissing }, () => {
  const all = [...CASES, ...Array.from({ length: 300 }, (_, i) => ({ name: `seed ${i + 1}`, ...randomConversation(i + 1) }))];
  const jobs = all.flatMap((c) => [true, false].map((enableThinking) => ({
    name: `${c.name} thinking=${enableThinking}`,
    context: { messages: toTemplateMessages(c.messages), ...(c.tools ? { tools: toTemplateTools(c.tools) } : {}), add_generation_prompt: true, enable_thinking: enableThinking },
    ours: renderQwenPrompt(c.messages, { ...(c.tools ? { tools: c.tools } : {}), enableThinking }),
  })));
  const run = spawnSync("python3", ["-c", RENDER_PY], { input: JSON.stringify({ template: qwen36ChatTemplate(), contexts: jobs.map((j) => j.context) }), encoding: "utf8", maxBuffer: 1 << 28 });
  assert.equal(run.status, 0, run.stderr);
  const renders = JSON.parse(run.stdout) as string[];
  jobs.forEach((job, i) => assert.equal(job.ours, renders[i], job.name));
});
