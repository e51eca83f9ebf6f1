// Which prompt format a GGUF's own chat template gets (src/models/chat-template.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyChatTemplate, templateFingerprint, unparsableTemplate } from "../../../src/models/chat-template.ts";
import { qwen35ChatTemplate } from "../../fixtures/models/llama-cpp-sources.ts";
import { BROKEN_TEMPLATE, CHATML_TEMPLATE, CHATML_TOOLS_TEMPLATE, LLAMA3_STYLE_TEMPLATE, QWEN3_JSON_TOOLS_TEMPLATE, qwen36ChatTemplate } from "../../fixtures/models/templates.ts";

test("Qwen3.5's and Qwen3.6's own templates get Hearth's Qwen renderer, with tools", () => {
  assert.deepEqual(pick(classifyChatTemplate(qwen35ChatTemplate())), { kind: "qwen", template: "Qwen3.5", tools: true });
  assert.deepEqual(pick(classifyChatTemplate(qwen36ChatTemplate())), { kind: "qwen", template: "Qwen3.6", tools: true });
  assert.match(classifyChatTemplate(qwen36ChatTemplate()).reason, /Qwen3\.6's/);
});

test("a copy of a known template with other line breaks and indentation is still known", () => {
  const reindented = qwen35ChatTemplate().replace(/\n {4}/g, "\r\n\t").replace(/\n/g, "\n\n");
  assert.notEqual(reindented, qwen35ChatTemplate());
  assert.equal(templateFingerprint(reindented), templateFingerprint(qwen35ChatTemplate()));
  assert.equal(classifyChatTemplate(reindented).template, "Qwen3.5");
});

test("an edited Qwen template (one changed expression) is not guessed at: the model's own template renders, tools stay on", () => {
  const edited = qwen35ChatTemplate().replace("message.role == \"system\"", "(message.role == \"system\" or message.role == \"developer\")");
  assert.notEqual(edited, qwen35ChatTemplate());
  const choice = classifyChatTemplate(edited);
  assert.deepEqual(pick(choice), { kind: "jinja", template: "unknown", tools: true });
  assert.match(choice.reason, /not one Hearth knows \(fingerprint [0-9a-f]{12}\)/);
});

test("foreign templates render with the model's own template; tools only with Qwen's XML tool calls", () => {
  assert.deepEqual(pick(classifyChatTemplate(CHATML_TOOLS_TEMPLATE)), { kind: "jinja", template: "unknown", tools: true });
  for (const template of [CHATML_TEMPLATE, LLAMA3_STYLE_TEMPLATE]) {
    const choice = classifyChatTemplate(template);
    assert.deepEqual(pick(choice), { kind: "jinja", template: "unknown", tools: false });
    assert.match(choice.reason, /runs without tools; use a Qwen3\.5 or Qwen3\.6 GGUF for tool use/);
  }
});

test("a template without Qwen's XML tool calls (Qwen3's JSON calls, ChatML, Llama 3) warns the user that the agent has no tools; one with them does not", () => {
  for (const template of [QWEN3_JSON_TOOLS_TEMPLATE, CHATML_TEMPLATE, LLAMA3_STYLE_TEMPLATE]) {
    const choice = classifyChatTemplate(template);
    assert.equal(choice.tools, false);
    // Said in the chat and by hearth fix when a conversation starts, not only in the log: the agent would just talk.
    assert.equal(
      choice.warning,
      "this model's chat template does not write Qwen3.5's tool calls (<function=…>), so the agent runs without tools: it cannot read, search or edit files or run commands, only chat. For the agent, choose a Qwen3.5 or Qwen3.6 GGUF",
    );
  }
  for (const template of [CHATML_TOOLS_TEMPLATE, qwen35ChatTemplate(), undefined]) assert.equal(classifyChatTemplate(template).warning, undefined);
});

test("no template, or one the engine cannot parse: Hearth's Qwen renderer, and the reason says why", () => {
  for (const missing of [undefined, "", "  \n"]) assert.deepEqual(pick(classifyChatTemplate(missing)), { kind: "qwen", template: "missing", tools: true });
  const broken = unparsableTemplate(new Error(`Parser Error: Expected closing expression token.\nat ${BROKEN_TEMPLATE}`));
  assert.deepEqual(pick(broken), { kind: "qwen", template: "unparsable", tools: true });
  assert.equal(broken.reason, "the model's chat template could not be parsed (Parser Error: Expected closing expression token.): Hearth uses its Qwen3.5 prompt format instead; check that the GGUF is a Qwen3.5/3.6 chat model");
});

function pick(info: { kind: string; template: string; tools: boolean }) {
  return { kind: info.kind, template: info.template, tools: info.tools };
}
