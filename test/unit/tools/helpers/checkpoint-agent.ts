/** A workspace whose tool calls run as the agent's do: each write checkpointed first (checkpointBeforeEffect). */
import assert from "node:assert/strict";
import { CheckpointStore, checkpointBeforeEffect, runTool, toolByName } from "../../../../src/tools/index.ts";
import { tempDir, workspaceWith } from "./setup.ts";

/** `files` in a new workspace with its checkpoint store; `call` runs a tool and asserts it succeeded. */
export async function agentOn(files: Record<string, string>) {
  const { root, ctx } = workspaceWith(files);
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: tempDir("hearth-storage-") });
  const agentCtx = { ...ctx, checkpoints: store, beforeEffect: checkpointBeforeEffect(store) };
  const call = async (tool: string, input: Record<string, string>) => {
    const result = await runTool(toolByName(tool)!, input, agentCtx);
    assert.equal(result.ok, true, result.text);
  };
  return { root, store, call };
}
