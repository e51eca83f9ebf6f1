/**
 * The Qwen output parser under seeded fuzzing: real tool calls and prose, mutated at
 * random. Properties, not outputs: it never throws; any chunking gives what the whole
 * output gives; text holding neither `<tool_call>` nor `<function=` never yields a call or
 * a call error; the work stays a bounded multiple of the output. Seed and counts fixed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseQwenOutput, QwenOutputParser } from "../../../../src/models/qwen/output-parser.ts";
import type { ChatStreamEvent } from "../../../../src/models/types.ts";
import { mergedDeltas, parserOptions } from "./conversations.ts";
import { pick, seededRandom } from "../../../fixtures/seeded-random.ts";

const READ_CALL = "<tool_call>\n<function=read_file>\n<parameter=path>\nsrc/main.ts\n</parameter>\n<parameter=limit>\n20\n</parameter>\n</function>\n</tool_call>";
const BARE_CALL = "<function=read_file>\n<parameter=path>\nsrc/a b.ts\n</parameter>\n</function>\n</tool_call>";
const REAL_OUTPUTS = [
  `I should read the file.\n</think>\n\nLet me look.\n\n${READ_CALL}`,
  `Checking.\n</think>\n\n${BARE_CALL}`,
  `</think>\n\nHere is \`<tool_call>\` in code:\n\n\`\`\`xml\n${READ_CALL}\n\`\`\`\n\nDone.`,
  `Two calls.\n</think>\n\n${READ_CALL}\n${READ_CALL.replace("main", "other")}`,
];

/** Pieces the mutations insert: the format's tags, their halves, and characters that upset parsers. */
const PIECES = ["<tool_call>", "</tool_call>", "<function=", "<function=read_file>", "</function>", "<parameter=", "<parameter=path>", "</parameter>", "<think>", "</think>", "<", ">", "=", "\n", "\r\n", " ", "```", "    ", "{\"a\":", "\u0000", "\ud800", "é", "</", "<tool_", "call>"];

function mutate(rand: () => number, text: string): string {
  let out = text;
  const times = 1 + Math.floor(rand() * 4);
  for (let t = 0; t < times; t++) {
    const at = Math.floor(rand() * (out.length + 1));
    const kind = rand();
    if (kind < 0.35) out = out.slice(0, at) + pick(rand, PIECES) + out.slice(at);
    else if (kind < 0.7) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(rand() * 12));
    else if (kind < 0.85) out = out.slice(0, at);
    else out = out.slice(0, at) + out.slice(at, at + 20) + out.slice(at);
  }
  return out;
}

/** Parses `output` whole and in random chunks; both must agree, and neither may throw. */
function parseBothWays(rand: () => number, output: string, startInThinking: boolean): ChatStreamEvent[] {
  const whole = parseQwenOutput(output, parserOptions(startInThinking));
  const parser = new QwenOutputParser(parserOptions(startInThinking));
  const events: ChatStreamEvent[] = [];
  for (let i = 0; i < output.length; ) {
    const size = 1 + Math.floor(rand() * 9);
    events.push(...parser.push(output.slice(i, i + size)));
    i += size;
  }
  events.push(...parser.end());
  const label = JSON.stringify(output);
  assert.deepEqual(mergedDeltas(events), mergedDeltas(whole.events), label);
  assert.deepEqual(parser.result(), whole.turn, label);
  assert.ok(parser.charactersExamined <= 8 * output.length + 64, `${parser.charactersExamined} examined for ${output.length}: ${label}`);
  return whole.events;
}

test("fuzz: a real output split at every boundary parses the same", () => {
  for (const output of REAL_OUTPUTS) {
    const whole = mergedDeltas(parseQwenOutput(output, parserOptions(true)).events);
    for (let cut = 0; cut <= output.length; cut++) {
      const parser = new QwenOutputParser(parserOptions(true));
      const events = [...parser.push(output.slice(0, cut)), ...parser.push(output.slice(cut)), ...parser.end()];
      assert.deepEqual(mergedDeltas(events), whole, `split at ${cut} of ${JSON.stringify(output)}`);
    }
  }
});

test("fuzz: mutated calls never throw, and any chunking agrees with the whole", () => {
  const rand = seededRandom(0xca11);
  for (let i = 0; i < 400; i++) {
    const output = mutate(rand, pick(rand, REAL_OUTPUTS));
    parseBothWays(rand, output, rand() < 0.5);
  }
});

test("fuzz: text without `<tool_call>` or `<function=` never yields a call or a call error", () => {
  const rand = seededRandom(0x7e47);
  const safe = PIECES.filter((p) => !p.includes("<tool_call>") && !p.includes("<function="));
  let checked = 0;
  while (checked < 400) {
    const parts = Array.from({ length: 3 + Math.floor(rand() * 20) }, () => (rand() < 0.5 ? pick(rand, safe) : pick(rand, ["Let me look", "read_file", "path", "src/main.ts", "function", "tool_call", "20", "=read_file>"])));
    const output = parts.join("");
    if (output.includes("<tool_call>") || output.includes("<function=")) continue;
    checked++;
    const events = parseBothWays(rand, output, rand() < 0.5);
    assert.deepEqual(events.filter((e) => e.type === "toolCall" || e.type === "toolCallError"), [], JSON.stringify(output));
  }
});
