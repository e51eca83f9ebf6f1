/**
 * A code block's Insert at cursor and Apply to file, without a "vscode" import so unit tests
 * run it; attachments.ts passes the editor in. The edit goes through the editor shown now:
 * the one remembered may have had its tab closed since (its edit then fails), and VS Code's
 * `TextEditor.edit` answers false when it did not take an edit — either is said, not dropped.
 */

/** The part of `vscode.TextEditor` a code block's buttons use; each edit answers whether the editor took it. */
export interface BlockEditor {
  /** The file as the user knows it (relative to the workspace). */
  readonly name: string;
  readonly hasSelection: boolean;
  insertAtCursor(code: string): PromiseLike<boolean>;
  replaceSelection(code: string): PromiseLike<boolean>;
  replaceAll(code: string): PromiseLike<boolean>;
}

/** The editor the user last worked in, and the questions and warnings around its edit. */
export interface BlockTarget {
  readonly name: string;
  /** Shows the editor again (reopening its file if its tab was closed) and answers it. */
  show(): PromiseLike<BlockEditor>;
  confirmReplaceAll(name: string): PromiseLike<boolean>;
  warn(message: string): void;
}

/** Insert: at the cursor. Apply: over the selection, or (after asking) the whole file. */
export async function putCodeBlock(action: "insert" | "apply", code: string, target: BlockTarget): Promise<void> {
  const [verb, button] = action === "insert" ? ["insert the code into", "Insert"] : ["apply the code to", "Apply"];
  let editor: BlockEditor;
  try {
    editor = await target.show();
  } catch (error) {
    return target.warn(`Hearth could not open ${target.name} to ${action === "insert" ? "insert" : "apply"} the code: ${messageOf(error)}`);
  }
  let edit: () => PromiseLike<boolean>;
  if (action === "insert") edit = () => editor.insertAtCursor(code);
  else if (editor.hasSelection) edit = () => editor.replaceSelection(code);
  else if (await target.confirmReplaceAll(editor.name)) edit = () => editor.replaceAll(code);
  else return;
  const taken = await Promise.resolve(edit()).then(
    (applied) => (applied ? undefined : "the editor did not take the edit (the file changed meanwhile, or it is read-only)"),
    messageOf,
  );
  if (taken !== undefined) target.warn(`Hearth could not ${verb} ${editor.name}: ${taken}. Click ${button} again.`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
