// A GGUF whose vocabulary lacks Qwen's control tokens as tokens (a model of another family
// with a qwen3* architecture and no chat template of its own, a conversion that wrote them as
// plain tokens): Hearth's Qwen prompt format writes <|im_start|> and the model reads it as
// pieces of text it never learned as markers, so it answers poorly and its tool calls break.
// The user hears so when a conversation starts, not only from bad answers.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { EmbeddedBackend } from "../../../src/models/llama-cpp/embedded-backend.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const LOST = ["<|im_start|>", "<tool_call>", "</tool_call>"];
const WARNING = "this model's vocabulary has no <|im_start|> or <tool_call> token, which Hearth's Qwen prompt format writes: it is not a Qwen3.5 or Qwen3.6 chat model, or was converted wrongly, so its answers will be poor and its tool calls broken. Choose a Qwen3.5 or Qwen3.6 GGUF";

async function loaded(plainTokens?: readonly string[]) {
  const modelPath = await ensureTinyModel({ arch: "qwen35", ...(plainTokens ? { plainTokens } : {}) });
  const backend = new EmbeddedBackend({ modelPath, contextSize: 32768, threads: 1, gpu: false });
  return { backend, info: await backend.load() };
}

describe("a model whose vocabulary lacks Qwen's control tokens", () => {
  it("is loaded with a warning naming the tokens it lacks; a Qwen vocabulary gets none", { timeout: 180_000 }, async () => {
    const bad = await loaded(LOST);
    try {
      assert.equal(bad.info.promptFormat?.warning, WARNING);
    } finally {
      await bad.backend.dispose();
    }
    const good = await loaded();
    try {
      assert.equal(good.info.promptFormat?.warning, undefined);
    } finally {
      await good.backend.dispose();
    }
  });

  it("a new conversation says so as a warning before the model answers", { timeout: 180_000 }, async () => {
    const { backend } = await loaded(LOST);
    try {
      const root = tempDir("hearth-control-tokens-");
      const events: AgentWireEvent[] = [];
      const stop = new AbortController();
      await runConversationTurn({
        mode: "chat", text: "hi", messages: [], policy: "ask",
        workspace: new DiskWorkspace(root),
        checkpoints: await CheckpointStore.open({ workspaceRoot: root, storageDir: join(tempDir("hearth-control-tokens-state-"), "state") }),
        backend: async () => backend,
        approve: async () => false,
        // What the random weights would write does not matter here: the run stops at the warning.
        onEvent: (e) => (events.push(e), e.type === "notice" && e.level === "warning" && stop.abort()),
        signal: stop.signal,
        maxSteps: 1,
      });
      const notices = events.flatMap((e) => (e.type === "notice" ? [e] : []));
      assert.deepEqual(notices.map((n) => [n.level, n.text]), [["warning", WARNING]]);
    } finally {
      await backend.dispose();
    }
  });
});
