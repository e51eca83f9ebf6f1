// hearth.contextSize 0 (auto) already in force when the embedded model's context cannot hold
// Hearth's instructions and tools: the refusal must not ask for 0 (auto), the setting it has.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Agent } from "../../../src/agent/loop.ts";
import { EmbeddedBackend } from "../../../src/models/llama-cpp/embedded-backend.ts";
import { AGENT_TOOLS, DiskWorkspace, type Tool } from "../../../src/tools/index.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

// A tool whose description fills more than 8,192 tokens (a workspace's MCP servers, many of them).
const BIG: Tool = {
  definition: { name: "big", description: "Reads one of many records. ".repeat(2000), parameters: { type: "object", properties: {} } },
  effect: "read",
  execute: async () => ({ output: "" }),
} as unknown as Tool;

describe("a context too small with hearth.contextSize 0 (auto)", () => {
  it("is marked auto at load, and the refusal asks for a size past the training or another model, not 0 (auto)", { timeout: 120_000 }, async () => {
    const modelPath = await ensureTinyModel({ arch: "qwen35", shape: { contextLength: 8192 } });
    const auto = new EmbeddedBackend({ modelPath, contextSize: 0, threads: 1, gpu: false });
    try {
      const info = await auto.load();
      assert.equal(info.contextAuto, true);
      assert.equal(info.kvCacheType, "f16");
      assert.equal(info.contextSize, 8192);
      const agent = new Agent({ backend: auto, tools: [...AGENT_TOOLS, BIG], toolContext: { workspace: new DiskWorkspace(tempDir("hearth-agent-auto-")) }, systemPrompt: "You are Hearth.", policy: "ask" });
      const refused = await agent.run("hi");
      assert.equal(refused.stopReason, "model-error");
      assert.doesNotMatch(refused.message, /to 0 \(auto\)/, refused.message);
      assert.match(refused.message, /the model's context \(8192 tokens\) is too small for Hearth's instructions and tools, the whole context this model was trained for \(hearth\.contextSize 0, auto, loads no more\) — choose a model trained for a larger context, or set hearth\.contextSize above 8192 to run this one past its training$/);
    } finally {
      await auto.dispose();
    }
    const set = new EmbeddedBackend({ modelPath, contextSize: 4096, threads: 1, gpu: false, kvCacheType: "q8_0" });
    try {
      const info = await set.load();
      assert.equal(info.contextAuto, undefined);
      // The refusal's advice on the KV cache starts from the type in force (too-small-context.test.ts).
      assert.equal(info.kvCacheType, "q8_0");
    } finally {
      await set.dispose();
    }
  });
});
