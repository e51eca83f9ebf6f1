/**
 * Saving the documents an agent's edit touched (`hearth/workspace/save`), without a "vscode"
 * import so unit tests run it; chat/controller.ts passes the open documents in.
 * `TextDocument.save()` answers false when VS Code could not save (a read-only file, one
 * changed on disk since it was opened, a full disk): such a document is answered, for the
 * runtime to tell the agent its change is in the editor only. Before a write, the user's own
 * unsaved changes are saved where VS Code saves them on its own anyway (`hearth/workspace/autoSave`),
 * notebooks' unsaved cells too, and the notebooks still unsaved are named for the runtime to refuse
 * (`hearth/workspace/unsavedNotebooks`).
 */
import type { WorkspaceAutoSaveResult, WorkspaceSaveResult, WorkspaceUnsavedNotebooksResult } from "../protocol/agent.ts";

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

/** The part of `vscode.NotebookDocument` used here. */
export interface NotebookState {
  readonly isDirty: boolean;
}

/**
 * Those of `uris` open in the notebook editor with unsaved changes (`find` looks one up among
 * the open notebooks): a notebook has no text document for its file, so its unsaved cells
 * reach the runtime only this way.
 */
export function unsavedNotebooks(uris: readonly string[], find: (uri: string) => NotebookState | undefined): WorkspaceUnsavedNotebooksResult {
  return { unsaved: uris.filter((uri) => find(uri)?.isDirty === true) };
}

/** How VS Code auto-saves a file: `files.autoSave` (`files.autoSaveDelay`), and whether `files.autoSaveWhenNoErrors` holds it back now. */
export interface AutoSave {
  readonly mode: string;
  /** `files.autoSaveDelay`, in milliseconds: how long after the last change VS Code saves with "afterDelay". */
  readonly delay: number;
  readonly whenNoErrors: boolean;
  /** Whether the file has error diagnostics now. */
  readonly hasErrors: boolean;
}

/**
 * A document as its settings are looked up: VS Code's `TextDocument` (its language picks
 * `"[markdown]"` settings), or a `NotebookDocument`, which has no language: VS Code reads a
 * notebook's auto-save for its file alone.
 */
export interface SettingsDocument<U> {
  readonly uri: U;
  readonly languageId?: string;
}

/** The part of `vscode.workspace.getConfiguration("files", scope)` read here. */
export type FilesSettings<U> = (scope: { readonly uri: U; readonly languageId?: string }) => { get<T>(key: string): T | undefined };

/**
 * How VS Code auto-saves `document`, read as VS Code reads it for its own auto-save: for the
 * file and its language, so a `"[markdown]": { "files.autoSave": "off" }` or a folder's
 * setting holds for it.
 */
export function autoSaveOf<U>(document: SettingsDocument<U>, settings: FilesSettings<U>, hasErrors: boolean): AutoSave {
  const files = settings(document.languageId === undefined ? { uri: document.uri } : { uri: document.uri, languageId: document.languageId });
  const delay = files.get<unknown>("autoSaveDelay");
  const mode = files.get<unknown>("autoSave");
  return {
    mode: typeof mode === "string" ? mode : "off",
    // As VS Code reads it: a number of milliseconds, else its default.
    delay: typeof delay === "number" && delay >= 0 ? delay : 1000,
    whenNoErrors: files.get<unknown>("autoSaveWhenNoErrors") === true,
    hasErrors,
  };
}

/**
 * The open document of `uri` whose unsaved changes a write must not go under: its text
 * document, else the notebook open on it in the notebook editor (which has no text document
 * for its file, only its cells'), so a notebook VS Code auto-saves is saved as a text file is.
 */
export function openSavable<T, N>(uri: string, text: (uri: string) => T | undefined, notebook: (uri: string) => N | undefined): T | N | undefined {
  return text(uri) ?? notebook(uri);
}

/** The longest auto-save delay waited for: with a longer one the write is refused for the unsaved changes, as with auto-save off. */
export const LONGEST_AUTO_SAVE_WAIT_MS = 5000;
/** Time given beyond the delay for VS Code's own save to be done. */
const AUTO_SAVE_MARGIN_MS = 1000;

/**
 * Saves each dirty document of `uris` that VS Code would save on its own (any `files.autoSave`
 * but "off", unless `files.autoSaveWhenNoErrors` holds it back for a file with errors); answers
 * those saved; the others the runtime refuses as unsaved changes, as before.
 * With "afterDelay" the save is VS Code's own, waited for (`ownSave`: whether VS Code saved the
 * document within the milliseconds given): a save of Hearth's is an explicit one, which runs
 * `editor.formatOnSave` and `editor.codeActionsOnSave` (organize imports, fix all) over the
 * user's typing, where VS Code's auto-save after the delay runs neither. With "onFocusChange"
 * or "onWindowChange" the save VS Code makes formats too: it is made now.
 */
export async function saveAutoSaved<D extends SavableDocument>(
  uris: readonly string[],
  find: (uri: string) => D | undefined,
  autoSave: (document: D, uri: string) => AutoSave,
  ownSave: (document: D, ms: number) => PromiseLike<boolean>,
): Promise<WorkspaceAutoSaveResult> {
  const outcomes = await Promise.all(
    uris.map(async (uri) => {
      const doc = find(uri);
      if (!doc?.isDirty) return false;
      const how = autoSave(doc, uri);
      if (how.mode === "off" || (how.whenNoErrors && how.hasErrors)) return false;
      if (how.mode === "afterDelay") return how.delay <= LONGEST_AUTO_SAVE_WAIT_MS && Promise.resolve(ownSave(doc, how.delay + AUTO_SAVE_MARGIN_MS)).catch(() => false);
      return Promise.resolve(doc.save()).catch(() => false);
    }),
  );
  return { saved: uris.filter((_, i) => outcomes[i]) };
}
