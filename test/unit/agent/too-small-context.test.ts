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

  it("with hearth.contextSize already 0 (auto), never asks for 0 (auto)", () => {
    // Trained for 32,768 tokens, but free memory held only 4,096: auto is what loaded it.
    const shrunk = tooSmallContextFix(4096, 32768, true);
    assert.doesNotMatch(shrunk, /to 0 \(auto\)/, shrunk);
    assert.equal(shrunk, "the model's context (4096 tokens) is too small for Hearth's instructions and tools: hearth.contextSize is 0 (auto), which loaded only what free memory holds (this model was trained for 32768 tokens) — free memory (close other programs, or models other windows loaded), choose a smaller quantization, or set hearth.kvCacheType to q8_0 (half the memory per token)");
    // Auto loaded all of a training context that is still too small (many MCP tools): only a size past it helps.
    const whole = tooSmallContextFix(8192, 8192, true);
    assert.equal(whole, "the model's context (8192 tokens) is too small for Hearth's instructions and tools, the whole context this model was trained for (hearth.contextSize 0, auto, loads no more) — choose a model trained for a larger context, or set hearth.contextSize above 8192 to run this one past its training");
    // Trained for less than the agent needs: as before, past it or another model.
    assert.match(tooSmallContextFix(512, 512, true), /set hearth\.contextSize to at least 8192 to run this one past its training$/);
  });

  it("with 0 (auto) shrunk by a container's memory limit, asks to raise the limit (closing programs outside frees nothing for it)", () => {
    const limited = tooSmallContextFix(4096, 32768, true, "f16", true);
    assert.equal(limited, "the model's context (4096 tokens) is too small for Hearth's instructions and tools: hearth.contextSize is 0 (auto), which loaded only what the container's memory limit leaves (this model was trained for 32768 tokens) — raise the container's memory limit (docker run --memory, runArgs in devcontainer.json, a Kubernetes pod's resources.limits.memory), choose a smaller quantization, or set hearth.kvCacheType to q8_0 (half the memory per token)");
    // Trained for less than the agent needs, and the limit held less than that.
    assert.equal(tooSmallContextFix(2048, 4096, true, "f16", true), "the model's context (2048 tokens) is too small for Hearth's instructions and tools, and this model was trained for only 4096 tokens (its GGUF's context_length: the most hearth.contextSize 0, auto, loads), of which the container's memory limit left room for 2048 — choose a model trained for a larger context, and raise the container's memory limit (docker run --memory, runArgs in devcontainer.json, a Kubernetes pod's resources.limits.memory)");
    // All of the training loaded: the limit is not what to raise.
    assert.doesNotMatch(tooSmallContextFix(8192, 8192, true, "f16", true), /memory limit/);
  });

  it("with 0 (auto) shrunk by free memory, never asks for the KV cache type in force, nor a larger one", () => {
    // hearth.kvCacheType already q8_0: the next step is q4_0, not q8_0 again.
    const q8 = tooSmallContextFix(4096, 32768, true, "q8_0");
    assert.doesNotMatch(q8, /kvCacheType to q8_0/, q8);
    assert.match(q8, /set hearth\.kvCacheType to q4_0 \(half the memory of q8_0 per token, some quality loss\)$/);
    // Already q4_0, the smallest: no KV cache type helps (q8_0 would take twice the memory).
    const q4 = tooSmallContextFix(4096, 32768, true, "q4_0");
    assert.doesNotMatch(q4, /kvCacheType/, q4);
    assert.match(q4, /free memory \(close other programs, or models other windows loaded\), or choose a smaller quantization$/);
    assert.match(tooSmallContextFix(4096, 32768, true, "f16"), /set hearth\.kvCacheType to q8_0 \(half the memory per token\)$/);
  });

  it("with 0 (auto) shrunk by free memory for a model trained for less than the agent needs, says the training is short too", () => {
    // Trained for 4,096 tokens, free memory held 2,048: freeing memory loads at most 4,096, still under 8,192.
    const fix = tooSmallContextFix(2048, 4096, true);
    assert.match(fix, /this model was trained for only 4096 tokens/, fix);
    assert.match(fix, /choose a model trained for a larger context/, fix);
    // A size past its training cannot fit where 2,048 tokens took all free memory.
    assert.doesNotMatch(fix, /at least 8192/, fix);
  });
});
