/**
 * A Qwen chat template rendered by @huggingface/jinja the way Python's Jinja2 renders it
 * (see prompt.test.ts for why each rewrite is needed), for comparing Hearth's renderer
 * with a template's own output.
 */
import assert from "node:assert/strict";
import { Template } from "@huggingface/jinja";
import type { ChatMessage, ToolDefinition } from "../../../../src/models/types.ts";
import { toTemplateMessages, toTemplateTools } from "./conversations.ts";

/** Routes the calls @huggingface/jinja 0.5.11 renders unlike Python to Python-faithful helpers. */
export function pythonFaithful(source: string): string {
  const rewrites: Array<[string, string]> = [
    [
      "content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n')",
      "lstrip_newlines(rstrip_newlines(content.split('</think>')[0]).split('<think>')[-1])",
    ],
    ["content.split('</think>')[-1].lstrip('\\n')", "lstrip_newlines(content.split('</think>')[-1])"],
    ["else args_value | string", "else python_str(args_value)"],
  ];
  let patched = source;
  for (const [from, to] of rewrites) {
    assert.ok(patched.includes(from), `template contains ${from}`);
    patched = patched.split(from).join(to);
  }
  assert.ok(!patched.includes("strip('\\n')"), "every lstrip/rstrip('\\n') is routed");
  return patched;
}

const HELPERS = {
  lstrip_newlines: (s: string) => s.replace(/^\n+/, ""),
  rstrip_newlines: (s: string) => s.replace(/\n+$/, ""),
  python_str: (v: unknown) => (v === true ? "True" : v === false ? "False" : v === null || v === undefined ? "None" : String(v)),
};

export interface ReferenceOptions {
  readonly tools?: readonly ToolDefinition[];
  readonly addGenerationPrompt: boolean;
  readonly enableThinking: boolean;
  /** Extra template variables (e.g. Qwen3.6's preserve_thinking). */
  readonly extra?: Record<string, unknown>;
}

/** A renderer for one template source. */
export function jinjaReference(source: string): (messages: readonly ChatMessage[], options: ReferenceOptions) => string {
  const template = new Template(pythonFaithful(source));
  return (messages, options) =>
    template.render({
      messages: toTemplateMessages(messages),
      ...(options.tools ? { tools: toTemplateTools(options.tools) } : {}),
      ...HELPERS,
      add_generation_prompt: options.addGenerationPrompt,
      enable_thinking: options.enableThinking,
      ...options.extra,
    });
}
