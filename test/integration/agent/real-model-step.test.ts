// One agent step through the real embedded runtime: a generated tiny Qwen3.5 model
// (random weights, real tokenizer and template) whose output projection is shaped so
// greedy decoding writes a real `read_file` call. Hearth renders the prompt, generates
// under the tool grammar, parses the call, runs the real tool, and appends its result.
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { resolve } from "node:path";
import { after, describe, it } from "node:test";
import { Agent, type AgentEvent } from "../../../src/agent/loop.ts";
import { EmbeddedBackend } from "../../../src/models/llama-cpp/embedded-backend.ts";
import { AGENT_TOOLS, DiskWorkspace } from "../../../src/tools/index.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const CALL = "<tool_call>\n<function=read_file>\n<parameter=path>\ncalc.py\n</parameter>\n</function>\n</tool_call>";

describe("agent on the embedded runtime", () => {
  const backends: EmbeddedBackend[] = [];
  after(async () => {
    for (const b of backends) await b.dispose();
  });

  for (const arch of ["qwen35", "qwen35moe"] as const) {
    it(`${arch}: the model's generated tool call runs the real read_file tool`, async () => {
      const dir = tempDir("hearth-agent-real-");
      cpSync(resolve(import.meta.dirname, "../../fixtures/agent/python-calc"), dir, { recursive: true });
      const backend = new EmbeddedBackend({ modelPath: await ensureTinyModel({ arch, script: `Let me look.\n</think>\n\n${CALL}` }), contextSize: 4096, threads: 1, gpu: false });
      backends.push(backend);
      await backend.load();
      const events: AgentEvent[] = [];
      const agent = new Agent({
        backend,
        tools: AGENT_TOOLS,
        toolContext: { workspace: new DiskWorkspace(dir) },
        systemPrompt: "You are Hearth.",
        policy: "ask", // read_file never asks
        budget: { maxSteps: 1 },
        onEvent: (e) => events.push(e),
      });
      const result = await agent.run("What does add() do?");
      assert.equal(result.stopReason, "max-steps");
      const assistant = agent.messages.find((m) => m.role === "assistant");
      assert.deepEqual(assistant?.role === "assistant" && assistant.toolCalls?.map((c) => [c.name, c.arguments]), [["read_file", { path: "calc.py" }]]);
      const tool = agent.messages.find((m) => m.role === "tool");
      assert.match(tool?.content ?? "", /def add\(a, b\):/);
      assert.ok(events.some((e) => e.type === "toolEnd" && e.result.ok));
      assert.ok(result.usage.generatedTokens > 0, "tokens were really generated");
    });
  }
});
