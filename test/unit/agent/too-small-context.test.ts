// What the agent asks the user to change when an embedded model's context cannot hold its
// instructions and tools (prompt-budgets.ts tooSmallContextFix).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tooSmallContextFix } from "../../../src/agent/prompt-budgets.ts";

describe("tooSmallContextFix", () => {
  it("for a model trained for a small context, never asks for a size the context already has", () => {
    // 8,192 tokens set, past a 4,096-token training, and still too small (many MCP tools, say).
    for (const contextSize of [8192, 16384]) {
      const fix = tooSmallContextFix(contextSize, 4096);
      assert.doesNotMatch(fix, /at least 8192|0 \(auto\) or/, fix);
      assert.match(fix, new RegExp(`^the model's context \\(${contextSize} tokens\\) is too small for Hearth's instructions and tools, and this model was trained for only 4096 tokens .* — choose a model trained for a larger context, or set hearth\\.contextSize above ${contextSize} to run this one past its training$`));
    }
  });

  it("keeps 'at least 8192' under it, and 0 (auto) for a model trained for more", () => {
    assert.match(tooSmallContextFix(512, 512), /set hearth\.contextSize to at least 8192 to run this one past its training$/);
    assert.equal(tooSmallContextFix(4096, 32768), "the model's context (4096 tokens) is too small for Hearth's instructions and tools — set hearth.contextSize to 0 (auto) or a larger size");
  });
});
