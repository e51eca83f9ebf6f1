/**
 * Saving the documents an agent's edit touched (`hearth/workspace/save`), without a "vscode"
 * import so unit tests run it; chat/controller.ts passes the open documents in.
 * `TextDocument.save()` answers false when VS Code could not save (a read-only file, one
 * changed on disk since it was opened, a full disk): such a document is answered, for the
 * runtime to tell the agent its change is in the editor only.
 */
import type { WorkspaceSaveResult } from "../protocol/agent.ts";

/** The part of `vscode.TextDocument` used here. */
export interface SavableDocument {
  readonly isDirty: boolean;
  save(): PromiseLike<boolean>;
}

/** Saves each dirty document of `uris` (`find` looks it up among the open ones) in turn; answers those not saved. */
export async function saveEdited(uris: readonly string[], find: (uri: string) => SavableDocument | undefined): Promise<WorkspaceSaveResult> {
  const notSaved: string[] = [];
  for (const uri of uris) {
    const doc = find(uri);
    // Not open (a file moved unopened) or nothing unsaved: nothing to save.
    if (!doc?.isDirty) continue;
    const saved = await Promise.resolve(doc.save()).catch(() => false);
    if (!saved) notSaved.push(uri);
  }
  return { notSaved };
}
