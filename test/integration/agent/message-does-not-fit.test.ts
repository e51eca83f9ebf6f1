// A message too long for the model's context, through the real embedded runtime (a
// generated tiny Qwen3.5 model with a 4,096-token context, real tokenizer and template):
// the run says so, and the conversation goes on without it instead of failing every
// message after it.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { Agent } from "../../../src/agent/loop.ts";
import { EmbeddedBackend } from "../../../src/models/llama-cpp/embedded-backend.ts";
import { AGENT_TOOLS, DiskWorkspace } from "../../../src/tools/index.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

describe("a message that does not fit the context", () => {
  let backend: EmbeddedBackend | undefined;
  let small: EmbeddedBackend | undefined;
  after(async () => {
    await backend?.dispose();
    await small?.dispose();
  });

  it("in a context too small for Hearth's own instructions and tools, says so instead of asking for a shorter message", async () => {
    small = new EmbeddedBackend({ modelPath: await ensureTinyModel({ arch: "qwen35" }), contextSize: 1024, threads: 1, gpu: false });
    await small.load();
    const agent = new Agent({ backend: small, tools: AGENT_TOOLS, toolContext: { workspace: new DiskWorkspace(tempDir("hearth-agent-fit-")) }, systemPrompt: "You are Hearth.", policy: "ask" });
    const refused = await agent.run("hi");
    assert.equal(refused.stopReason, "model-error");
    assert.match(refused.message, /Your message was not added to the conversation: the model's context \(1024 tokens\) is too small for Hearth's instructions and tools — set hearth\.contextSize to 0 \(auto\) or a larger size/);
  });

  it("with a model trained for a small context, does not ask for 0 (auto), which gives that same context, but for a size past it or another model", async () => {
    // The GGUF's context_length is 512: auto (0) loads 512 tokens, and so would the advice.
    const modelPath = await ensureTinyModel({ arch: "qwen35", shape: { contextLength: 512 } });
    for (const contextSize of [0, 256, 2048]) {
      const trained = new EmbeddedBackend({ modelPath, contextSize, threads: 1, gpu: false });
      try {
        const loaded = (await trained.load()).contextSize;
        const agent = new Agent({ backend: trained, tools: AGENT_TOOLS, toolContext: { workspace: new DiskWorkspace(tempDir("hearth-agent-fit-")) }, systemPrompt: "You are Hearth.", policy: "ask" });
        const refused = await agent.run("hi");
        assert.equal(refused.stopReason, "model-error");
        assert.doesNotMatch(refused.message, /0 \(auto\)/);
        assert.match(refused.message, new RegExp(`the model's context \\(${loaded} tokens\\) is too small for Hearth's instructions and tools, and this model was trained for only 512 tokens \\(its GGUF's context_length: the most hearth\\.contextSize 0, auto, loads\\) — choose a model trained for a larger context, or set hearth\\.contextSize to at least 8192 to run this one past its training`));
      } finally {
        await trained.dispose();
      }
    }
  });

  it("is refused with the reason and left out of the conversation, so the next message is answered", async () => {
    backend = new EmbeddedBackend({ modelPath: await ensureTinyModel({ arch: "qwen35", script: "Let me see.\n</think>\n\nIt fits now." }), contextSize: 4096, threads: 1, gpu: false });
    await backend.load();
    const agent = new Agent({
      backend,
      tools: AGENT_TOOLS,
      toolContext: { workspace: new DiskWorkspace(tempDir("hearth-agent-fit-")) },
      systemPrompt: "You are Hearth.",
      policy: "ask",
      budget: { maxSteps: 2 },
    });
    const pasted = "a log line that goes on and on\n".repeat(2000); // about 16,000 tokens
    const refused = await agent.run(`Why does this fail?\n${pasted}`);
    assert.equal(refused.stopReason, "model-error");
    assert.match(refused.message, /does not fit in the context \(4096 tokens\)\. Your message was not added to the conversation: send a shorter one/);
    assert.deepEqual(agent.messages.map((m) => m.role), ["system"]);
    const next = await agent.run("Why does it fail?");
    assert.deepEqual([next.stopReason, next.message], ["answered", "It fits now."]);
  });

  it("that leaves too little room for a reply is refused the same way, saying how much room was left — not ended by 'the reply hit the token limit'", async () => {
    const agent = new Agent({
      backend: backend!,
      tools: AGENT_TOOLS,
      toolContext: { workspace: new DiskWorkspace(tempDir("hearth-agent-fit-")) },
      systemPrompt: "You are Hearth.",
      policy: "ask",
      budget: { maxSteps: 2 },
    });
    // A paste sized by the real tokenizer to leave 1 or 2 tokens of the context's 4,096: the
    // model's reply ("Let me see. … It fits now.", 3 tokens of this model's) takes more.
    const tools = AGENT_TOOLS.map((t) => t.definition);
    const paste = (lines: number, words = 0) => `Why does this fail?\n${"log line\n".repeat(lines)}${" ok".repeat(words)}`;
    const room = async (text: string) => 4096 - (await backend!.countTokens([{ role: "system", content: "You are Hearth." }, { role: "user", content: text }], tools));
    let [low, high] = [0, 4096];
    while (high - low > 1) {
      const mid = (low + high) >> 1;
      if ((await room(paste(mid))) >= 2) low = mid;
      else high = mid;
    }
    let words = 0;
    while ((await room(paste(low, words + 1))) >= 1) words++;
    const text = paste(low, words);
    const left = await room(text);
    assert.ok(left >= 1 && left <= 2, `the paste leaves ${left} tokens`);
    const refused = await agent.run(text);
    assert.equal(refused.stopReason, "model-error", refused.message);
    assert.match(refused.message, new RegExp(`leaves ${left} tokens? of the model's context \\(4096 tokens\\) for its reply, and a reply needs at least \\d+\\. Your message was not added to the conversation: send a shorter one`));
    assert.deepEqual(agent.messages.map((m) => m.role), ["system"]);
    const next = await agent.run("Why does it fail?");
    assert.deepEqual([next.stopReason, next.message], ["answered", "It fits now."]);
  });
});
