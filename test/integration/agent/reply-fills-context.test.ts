// A reply that by itself fills the context: the model writing a file longer than the room
// left (a 30,000-token write_file into a nearly full context), through the real embedded
// runtime (a generated tiny Qwen3.5 model scripted to write such a call, real tokenizer,
// template and output parser). The generation stops at the context's end, mid-call.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { Agent, type AgentEvent } from "../../../src/agent/loop.ts";
import { EmbeddedBackend } from "../../../src/models/llama-cpp/embedded-backend.ts";
import { AGENT_TOOLS, DiskWorkspace } from "../../../src/tools/index.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

/**
 * About 1,400 tokens of file: more than the ~750 a 3,584-token context leaves after the tools
 * (which take more as the tools describe more: at 3,072 tokens, with this stop's longer run_tests,
 * too little was left for any reply, and the run was refused before the model wrote).
 */
const CONTENT = Array.from({ length: 1400 }, (_, i) => `v${i} = ${i}`).join("\n");
const SCRIPT = `I will write it.\n</think>\n\n<tool_call>\n<function=write_file>\n<parameter=path>\nbig.py\n</parameter>\n<parameter=content>\n${CONTENT}\n</parameter>\n</function>\n</tool_call>`;

describe("a reply longer than the room left in the context", () => {
  let backend: EmbeddedBackend | undefined;
  after(() => backend?.dispose());

  it("is not asked for again and again: the model hears its call was cut off, and the run stops, saying why, at the second", async () => {
    backend = new EmbeddedBackend({ modelPath: await ensureTinyModel({ arch: "qwen35", script: SCRIPT }), contextSize: 3584, threads: 1, gpu: false });
    await backend.load();
    const events: AgentEvent[] = [];
    const agent = new Agent({
      backend,
      tools: AGENT_TOOLS,
      toolContext: { workspace: new DiskWorkspace(tempDir("hearth-agent-cut-")) },
      systemPrompt: "You are Hearth.",
      policy: "auto-all",
      budget: { maxSteps: 6 },
      onEvent: (e) => events.push(e),
    });
    const result = await agent.run("Write big.py with the values.");
    assert.equal(result.stopReason, "max-tokens", result.message);
    assert.equal(result.steps, 2);
    assert.match(result.message, /^the model's reply was cut off at the token limit 2 times in a row before its tool call was complete: it wrote more in one call than the context had room for \(\d+ tokens were left for it\)/);
    // What the model heard after the first: not "write the call again in the exact format".
    const told = agent.messages.filter((m) => m.role === "user").map((m) => m.content);
    assert.equal(told.length, 3);
    for (const note of told.slice(1)) {
      assert.match(note, /cut off at the token limit after \d+ tokens, in a tool call, before it was complete: nothing of that call was run.*a large file in parts/s);
      assert.doesNotMatch(note, /exact format/);
    }
    assert.ok(!events.some((e) => e.type === "toolStart"), "no cut-off call ran");
  });
});
