/**
 * Read-only documents of files as they were at a checkpoint (`hearth-checkpoint:/PATH?ID`),
 * the left side of every review diff. The runtime reads them from its shadow repository.
 */
import * as vscode from "vscode";
import { CheckpointFileRequest } from "../protocol/agent.ts";
import type { RuntimeClient } from "./runtime-client.ts";

export const CHECKPOINT_SCHEME = "hearth-checkpoint";

export function checkpointUri(checkpoint: string, path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: CHECKPOINT_SCHEME, path: `/${path}`, query: checkpoint });
}

export function registerCheckpointDocuments(runtime: RuntimeClient): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(CHECKPOINT_SCHEME, {
    async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
      const result = await runtime.request(CheckpointFileRequest, { checkpoint: uri.query, path: uri.path.replace(/^\//, "") });
      return result.content ?? ""; // the file did not exist before: the diff shows it as added
    },
  });
}
