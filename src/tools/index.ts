/**
 * The agent tools' public surface. The loop gets `AGENT_TOOLS` (definitions for the prompt,
 * `runTool` to execute a call), a `Workspace` for writes, and optionally a
 * `CheckpointStore` wired into `ToolContext.beforeEffect` (see `checkpointBeforeEffect`).
 */
import { applyPatchTool } from "./apply-patch.ts";
import type { CheckpointStore } from "./checkpoints.ts";
import { editFileTool } from "./edit-file.ts";
import { findSymbolTool } from "./find-symbol.ts";
import { finishTool } from "./finish.ts";
import { listFilesTool } from "./list-files.ts";
import { readFileTool } from "./read-file.ts";
import { rememberTool } from "./remember.ts";
import { runCommandTool } from "./run-command.ts";
import { runTestsTool } from "./run-tests.ts";
import { searchTool } from "./search.ts";
import { gitDiffTool } from "./git-diff.ts";
import type { JsonValue, Tool, ToolContext } from "./tool.ts";
import { writeFileTool } from "./write-file.ts";

export * from "./tool.ts";
export type { Workspace, WorkspaceChange, EntryInfo, DirEntry } from "./workspace.ts";
export { DiskWorkspace } from "./disk-workspace.ts";
export { CheckpointStore, type Checkpoint, type CheckpointOptions, DiffTooLargeError, leftOutMessage, nestedMessage, unreadableMessage } from "./checkpoints.ts";
export { type UserHead, headName } from "./checkpoint-git-head.ts";
export { planPatch, type PatchPlan, type FileOutcome } from "./patch/plan.ts";
export { formatPlan } from "./patch/report.ts";
export { type NetworkOff, type NetworkOffProbe, NO_NETWORK_NOTE, networkOnNotice, probeNetworkOff, servicesOffNotice, unshareNetworkOff } from "./command-network.ts";
export { COMMAND_STOP_MS, commandsLeftRunning, leftRunningStopped, runShell, stopLeftRunning, type CommandOutcome, type LeftRunningStop } from "./run-command.ts";
export { countTests, detectTestCommand, type TestCounts } from "./test-runners.ts";
export { type ChosenPython, pythonFromShell } from "./chosen-python.ts";
export { controlFileReason } from "./control-files.ts";
export { contentHash, decodeText, editorText } from "./text-file.ts";
export { type FileRead, type FileReads, forgetShown, recordWhole } from "./file-reads.ts";
export { MAX_READ_FILE_BYTES } from "./limits.ts";

/** Every tool, in the order the prompt lists them (reads first, finish last). */
export const AGENT_TOOLS: readonly Tool[] = [
  readFileTool, listFilesTool, searchTool, findSymbolTool,
  editFileTool, applyPatchTool, writeFileTool,
  runCommandTool, runTestsTool, gitDiffTool, rememberTool, finishTool,
];

/** The tool called `name`, if any. */
export function toolByName(name: string): Tool | undefined {
  return AGENT_TOOLS.find((t) => t.definition.name === name);
}

/**
 * A `beforeEffect` hook that snapshots the workspace before each write or command, the
 * files about to be written included whatever git ignores.
 */
export function checkpointBeforeEffect(store: CheckpointStore): NonNullable<ToolContext["beforeEffect"]> {
  return async (tool: string, input: Record<string, JsonValue>, paths: readonly string[] = []) => {
    const target = typeof input.path === "string" ? ` ${input.path}` : "";
    await store.create(`before ${tool}${target}`, paths);
  };
}
