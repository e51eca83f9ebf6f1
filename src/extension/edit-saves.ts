/**
 * Saving the documents an agent's edit touched (`hearth/workspace/save`), without a "vscode"
 * import so unit tests run it; chat/controller.ts passes the open documents in.
 * `TextDocument.save()` answers false when VS Code could not save (a read-only file, one
 * changed on disk since it was opened, a full disk): such a document is answered, for the
 * runtime to tell the agent its change is in the editor only. Before a write, the user's own
 * unsaved changes are saved where VS Code saves them on its own anyway (`hearth/workspace/autoSave`).
 */
import type { WorkspaceAutoSaveResult, WorkspaceSaveResult } from "../protocol/agent.ts";

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

/** How VS Code auto-saves a file: `files.autoSave`, and whether `files.autoSaveWhenNoErrors` holds it back now. */
export interface AutoSave {
  readonly mode: string;
  readonly whenNoErrors: boolean;
  /** Whether the file has error diagnostics now. */
  readonly hasErrors: boolean;
}

/**
 * Saves each dirty document of `uris` that VS Code would save on its own (any `files.autoSave`
 * but "off", unless `files.autoSaveWhenNoErrors` holds it back for a file with errors); answers
 * those saved. With "afterDelay" the user's typing of a second ago is saved now rather than
 * a moment later; the others the runtime refuses as unsaved changes, as before.
 */
export async function saveAutoSaved(uris: readonly string[], find: (uri: string) => SavableDocument | undefined, autoSave: (uri: string) => AutoSave): Promise<WorkspaceAutoSaveResult> {
  const saved: string[] = [];
  for (const uri of uris) {
    const doc = find(uri);
    if (!doc?.isDirty) continue;
    const how = autoSave(uri);
    if (how.mode === "off" || (how.whenNoErrors && how.hasErrors)) continue;
    if (await Promise.resolve(doc.save()).catch(() => false)) saved.push(uri);
  }
  return { saved };
}
