// The scripted backend replays recorded turns through the real Qwen output parser.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { BackendError, collectTurn } from "../../../src/models/backend.ts";
import { isScriptPath, type ModelScript, ScriptedBackend } from "../../../src/models/scripted.ts";
import type { ChatMessage, ToolDefinition } from "../../../src/models/types.ts";
import { tempDir } from "../../fixtures/temp.ts";

const TOOLS: ToolDefinition[] = [
  { name: "read_file", description: "Read a file.", parameters: { type: "object", properties: { path: { type: "string" }, limit: { type: "integer" } }, required: ["path"] } },
];
const MESSAGES: ChatMessage[] = [{ role: "user", content: "show main.ts" }];

const SCRIPT: ModelScript = {
  name: "replay",
  turns: [
    { thinking: "I should read it.", text: "Reading.", toolCalls: [{ name: "read_file", arguments: { path: "src/main.ts", limit: 20 } }] },
    { text: "It prints hello." },
    { raw: "<tool_call>\n<function=nope>\n</function>\n</tool_call>" },
  ],
  completions: ["return 1;"],
};

test("replays text, thinking and checked tool calls, then plain text, in order", async () => {
  const backend = new ScriptedBackend(SCRIPT);
  const info = await backend.load();
  assert.equal(info.name, "replay");
  assert.equal(backend.state().kind, "ready");
  const first = await collectTurn(backend.chat({ messages: MESSAGES, tools: TOOLS }));
  assert.equal(first.stopReason, "toolCalls");
  assert.equal(first.message.thinking, "I should read it.\n");
  assert.equal(first.message.content, "Reading.");
  assert.deepEqual(first.message.toolCalls, [{ id: "call_1", name: "read_file", arguments: { path: "src/main.ts", limit: 20 } }]);
  const second = await collectTurn(backend.chat({ messages: MESSAGES, tools: TOOLS, thinking: false }));
  assert.equal(second.stopReason, "endOfTurn");
  assert.equal(second.message.content, "It prints hello.");
  assert.ok((second.usage?.promptTokens ?? 0) > 10);
});

test("a recorded malformed call becomes a toolCallError, as a real one would", async () => {
  const backend = new ScriptedBackend({ turns: [SCRIPT.turns[2]!] });
  const turn = await collectTurn(backend.chat({ messages: MESSAGES, tools: TOOLS, thinking: false }));
  assert.equal(turn.toolCallErrors.length, 1);
  assert.match(turn.toolCallErrors[0]!.message, /nope/);
  assert.equal(turn.message.toolCalls, undefined);
});

test("an exhausted script rejects with a BackendError", async () => {
  const backend = new ScriptedBackend({ turns: [] });
  await assert.rejects(collectTurn(backend.chat({ messages: MESSAGES })), BackendError);
});

test("aborting ends the stream with done/aborted, never a throw", async () => {
  const backend = new ScriptedBackend({ turns: [{ text: "x".repeat(400) }], chunkDelayMs: 5, chunkSize: 1 });
  const controller = new AbortController();
  let seen = 0;
  const turn = await collectTurn(backend.chat({ messages: MESSAGES, thinking: false, signal: controller.signal }), () => {
    if (++seen === 3) controller.abort();
  });
  assert.equal(turn.stopReason, "aborted");
  assert.ok(turn.message.content.length < 400);
});

test("a held turn streams no further than its hold until the hold's file exists, and past its last hold only when stopped", async () => {
  const gate = join(tempDir("hearth-hold-"), "go");
  const backend = new ScriptedBackend({ turns: [{ text: "Hello. Bonjour. Hola.", holds: [{ afterText: 6, untilFile: gate }, { afterText: 15 }] }], chunkSize: 4 });
  const controller = new AbortController();
  const seen: string[] = [];
  let text = "";
  // What has streamed a moment after each hold is reached: without the holds the whole text is out by then.
  const later = (then: () => void) => setTimeout(() => (seen.push(text), then()), 50);
  const turn = await collectTurn(backend.chat({ messages: MESSAGES, thinking: false, signal: controller.signal }), (event) => {
    if (event.type !== "text") return;
    text += event.text;
    if (text === "Hello.") later(() => writeFileSync(gate, ""));
    if (text === "Hello. Bonjour.") later(() => controller.abort());
  });
  assert.deepEqual(seen, ["Hello.", "Hello. Bonjour."]);
  assert.equal(turn.stopReason, "aborted");
  assert.equal(turn.message.content, "Hello. Bonjour.");
});

test("a script file is selected by its .json path and loaded from disk", async () => {
  const dir = tempDir("hearth-script-");
  const file = join(dir, "turns.json");
  writeFileSync(file, JSON.stringify(SCRIPT));
  assert.ok(isScriptPath(file));
  assert.ok(!isScriptPath("/models/qwen.gguf"));
  const backend = new ScriptedBackend(file);
  assert.equal((await backend.load()).contextSize, 32_768);
  assert.deepEqual(await backend.complete({ prefix: "function f() {", suffix: "}" }), { text: "return 1;", stopReason: "endOfTurn" });
  writeFileSync(join(dir, "bad.json"), "{}");
  await assert.rejects(new ScriptedBackend(join(dir, "bad.json")).load(), /needs a "turns" array/);
  assert.equal(new ScriptedBackend(join(dir, "missing.json")).state().kind, "unloaded");
});

test("a script that is not valid JSON is named as FILE:LINE:COLUMN and what is wrong, on one line", async () => {
  const dir = tempDir("hearth-script-");
  const file = join(dir, "broken.json");
  writeFileSync(file, '{\n  "turns": [\n    { "text": "hi" },\n  ]\n}\n');
  await assert.rejects(new ScriptedBackend(file).load(), (error: unknown) => {
    assert.ok(error instanceof BackendError);
    assert.equal(error.message, `cannot read the model script: ${file}:4:3: expected a value (a string in double quotes, a number, true, false, null, [ or {), found ']'`);
    return true;
  });
  await assert.rejects(new ScriptedBackend(join(dir, "missing.json")).load(), /cannot read the model script .*missing\.json: ENOENT/);
});
