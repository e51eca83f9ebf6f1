/**
 * The editor side of a message: @-mention search, mentions resolved into attachments
 * (the selection of the editor the user last worked in, the Problems list), and the
 * buttons of code blocks (Copy, Insert at cursor, Apply to file).
 */
import * as vscode from "vscode";
import { type Attachment, MentionSearchRequest } from "../../protocol/agent.ts";
import type { CodeAction, Mention, ToWebview } from "../../protocol/webview.ts";
import { CHECKPOINT_SCHEME } from "../checkpoint-documents.ts";
import type { RuntimeClient } from "../runtime-client.ts";
import type { FolderChoice } from "../workspace-folder.ts";
import { type BlockEditor, putCodeBlock } from "./code-blocks.ts";
import { type Problem, attachmentsFor, isWorkEditor, mentionItems, selectionAttachment } from "./mention-attachments.ts";

export class Attachments implements vscode.Disposable {
  /** The editor the user last worked in (the chat view has focus when they send). */
  private lastEditor: vscode.TextEditor | undefined = workEditor(vscode.window.activeTextEditor);
  private readonly listener: vscode.Disposable;

  constructor(
    private readonly runtime: RuntimeClient,
    private readonly folders: FolderChoice,
  ) {
    this.listener = vscode.window.onDidChangeActiveTextEditor((editor) => {
      if (editor && isWorkEditor(editor.document.uri.scheme)) this.lastEditor = editor;
    });
  }

  dispose(): void {
    this.listener.dispose();
  }

  /** Answers the input box's @-query with files and symbols from the index (none when it fails). */
  async mentions(requestId: number, query: string): Promise<ToWebview> {
    const result = await this.runtime.request(MentionSearchRequest, { query, limit: 8 }).catch(() => ({ files: [], symbols: [] }));
    return { type: "mentions", requestId, items: mentionItems(result) };
  }

  /** The attachments for a message's mentions, read from the editor now. */
  async resolve(mentions: readonly Mention[]): Promise<Attachment[]> {
    return attachmentsFor(mentions, {
      selection: () => {
        const editor = this.editor();
        if (!editor || editor.selection.isEmpty) return undefined;
        const { document, selection } = editor;
        const cell = document.uri.scheme === "vscode-notebook-cell" ? notebookCell(document) : undefined;
        return selectionAttachment({
          path: cell ? this.path(cell.notebook.uri) : this.path(document.uri),
          ...withElsewhere(this.otherFolder(cell ? cell.notebook.uri : document.uri)),
          ...(document.isUntitled ? { untitled: true } : {}),
          ...(cell ? { cell: cell.index } : {}),
          start: selection.start,
          end: selection.end,
          text: document.getText(selection),
        });
      },
      problems: () => problems((uri) => this.path(uri), (uri) => this.otherFolder(uri)),
    });
  }

  /** A code block's buttons. */
  async code(action: CodeAction, code: string): Promise<void> {
    if (action === "copy") {
      await vscode.env.clipboard.writeText(code);
      void vscode.window.setStatusBarMessage("Hearth: copied to the clipboard", 2000);
      return;
    }
    const editor = this.editor();
    // An untitled document whose tab was closed is gone: showing it again would make a new, empty one.
    if (!editor || (editor.document.isClosed && editor.document.isUntitled)) return void vscode.window.showWarningMessage("Open a file first: Hearth inserts code into the editor you last used.");
    const { document } = editor;
    await putCodeBlock(action, code, {
      name: vscode.workspace.asRelativePath(document.uri),
      // The remembered editor's tab may be closed since: its edit would fail. Shown again, its file is reopened.
      show: async () => {
        const viewColumn = editor.viewColumn;
        return blockEditor(await (document.isClosed ? vscode.window.showTextDocument(document.uri, { viewColumn }) : vscode.window.showTextDocument(document, viewColumn)));
      },
      confirmReplaceAll: async (name) => (await vscode.window.showWarningMessage(`Replace all of ${name} with this code block?`, { modal: true }, "Replace")) === "Replace",
      warn: (message) => void vscode.window.showWarningMessage(message),
    });
  }

  /** As the agent names files: relative to the folder Hearth works in; absolute outside it (another folder's `src/a.ts` is not this one's). */
  private path(uri: vscode.Uri): string {
    return this.folders.relativePath(uri) ?? uri.fsPath;
  }

  /** The name of the other folder of the window `uri` is in; undefined in the folder Hearth works in, or in none. */
  private otherFolder(uri: vscode.Uri): string | undefined {
    if (uri.scheme !== "file" || this.folders.relativePath(uri) !== undefined) return undefined;
    return vscode.workspace.getWorkspaceFolder(uri)?.name;
  }

  private editor(): vscode.TextEditor | undefined {
    return this.lastEditor ?? workEditor(vscode.window.activeTextEditor);
  }
}

/** A shown editor as a code block's buttons edit it (undoable with Ctrl+Z). */
function blockEditor(editor: vscode.TextEditor): BlockEditor {
  return {
    name: vscode.workspace.asRelativePath(editor.document.uri),
    hasSelection: !editor.selection.isEmpty,
    insertAtCursor: (code) => editor.edit((edit) => edit.insert(editor.selection.active, code)),
    replaceSelection: (code) => editor.edit((edit) => edit.replace(editor.selection, code)),
    replaceAll: (code) => editor.edit((edit) => edit.replace(new vscode.Range(0, 0, editor.document.lineCount, 0), code)),
  };
}

function withElsewhere(folder: string | undefined): { elsewhere?: string } {
  return folder === undefined ? {} : { elsewhere: folder };
}

function workEditor(editor: vscode.TextEditor | undefined): vscode.TextEditor | undefined {
  return editor && isWorkEditor(editor.document.uri.scheme) ? editor : undefined;
}

/** The notebook cell whose text `document` is. */
function notebookCell(document: vscode.TextDocument): vscode.NotebookCell | undefined {
  for (const notebook of vscode.workspace.notebookDocuments) {
    const cell = notebook.getCells().find((c) => c.document === document);
    if (cell) return cell;
  }
  return undefined;
}

/**
 * Errors and warnings of workspace files and checkpoint documents (formatProblems keeps the
 * first few and counts the rest, and only counts another folder's).
 */
function* problems(pathOf: (uri: vscode.Uri) => string, otherFolder: (uri: vscode.Uri) => string | undefined): Generator<Problem> {
  for (const [uri, diagnostics] of vscode.languages.getDiagnostics()) {
    if (uri.scheme !== "file" && uri.scheme !== CHECKPOINT_SCHEME) continue;
    for (const d of diagnostics) {
      if (d.severity > vscode.DiagnosticSeverity.Warning) continue;
      const severity = d.severity === vscode.DiagnosticSeverity.Error ? "error" : "warning";
      const elsewhere = otherFolder(uri);
      yield { path: pathOf(uri), line: d.range.start.line, severity, message: d.message, ...(elsewhere === undefined ? {} : { elsewhere }) };
    }
  }
}
