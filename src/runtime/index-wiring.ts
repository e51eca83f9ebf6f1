/**
 * Connects the workspace index to LSP: the workspace root from `initialize`, open
 * documents (unsaved text), saves, file-watcher events and renames. Wiring only; the
 * index itself is workspace-index.ts.
 */
import { relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Connection,
  FileChangeType,
  type InitializeParams,
  type ServerCapabilities,
  TextDocumentSyncKind,
} from "vscode-languageserver/node";
import { isOutside } from "../indexer/index.ts";
import { DocumentResyncRequest } from "../protocol/lsp-ext.ts";
import type { IndexState } from "../protocol/status.ts";
import { log } from "./log.ts";
import { OpenDocuments } from "./open-documents.ts";
import { WorkspaceIndex } from "./workspace-index.ts";

/** What the runtime declares so the client sends documents, saves and renames. */
export const INDEX_CAPABILITIES: ServerCapabilities = {
  // Only the edited ranges on each change (open-documents.ts applies them): the whole text of a 7 MB file on every keystroke was 7 MB of JSON written, read and parsed.
  textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
  workspace: { fileOperations: { didRename: { filters: [{ scheme: "file", pattern: { glob: "**/*" } }] } } },
};

/** The first workspace folder (or the root URI) as a path; undefined when no folder is open. */
export function workspaceRoot(params: InitializeParams): string | undefined {
  const uri = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
  return uri?.startsWith("file:") ? fileURLToPath(uri) : undefined;
}

/**
 * Creates the index for the workspace and routes document and file events to it (and the
 * open documents' text to `documents`, with or without an index). Undefined (the state
 * says why) without a folder or without the bundled indexer assets. `history` false: no
 * git runs in the folder until `WorkspaceIndex.trust` (see WorkspaceIndexOptions.history).
 */
export function wireWorkspaceIndex(
  connection: Connection,
  root: string | undefined,
  storageDir: string | undefined,
  onState: (state: IndexState) => void,
  documents: OpenDocuments = new OpenDocuments(),
  history = true,
): WorkspaceIndex | undefined {
  const index = createIndex(root, storageDir, onState, history);
  const rel = (uri: string) => (root ? relativeTo(root, uri) : undefined);
  const toIndex = (uri: string, action: (index: WorkspaceIndex, path: string) => void) => {
    if (index) withPath(rel(uri), (p) => action(index, p));
  };
  // A document out of sync asks the client for its whole text once (open-documents.ts); the index gets it when it comes.
  documents.resyncWith((uri) => connection.sendRequest(DocumentResyncRequest, { uri }));
  documents.onResynced((uri) => toIndex(uri, (i, p) => i.fileChanged(p, documents.text(uri))));
  // One handler per notification (vscode-languageserver keeps only the last): documents and index both here.
  connection.onDidOpenTextDocument(({ textDocument: doc }) => {
    documents.opened(doc.uri, doc.text, doc.version);
    toIndex(doc.uri, (i, p) => i.fileChanged(p, doc.text));
  });
  connection.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
    documents.changed(textDocument.uri, contentChanges, textDocument.version);
    // The whole text for the index (it parses whole files, after its debounce); none out of sync: the file on disk.
    toIndex(textDocument.uri, (i, p) => i.fileChanged(p, documents.text(textDocument.uri)));
  });
  // Closing without saving drops the unsaved text: back to what is on disk.
  connection.onDidCloseTextDocument(({ textDocument }) => {
    documents.closed(textDocument.uri);
    toIndex(textDocument.uri, (i, p) => i.fileChanged(p));
  });
  if (!index || !root) return undefined;
  connection.onDidSaveTextDocument(({ textDocument }) => withPath(rel(textDocument.uri), (p) => index.fileChanged(p)));
  connection.onDidChangeWatchedFiles(({ changes }) => {
    for (const change of changes) {
      withPath(rel(change.uri), (p) => (change.type === FileChangeType.Deleted ? index.fileDeleted(p) : index.fileChanged(p)));
    }
  });
  connection.workspace.onDidRenameFiles(({ files }) => {
    for (const file of files) {
      const [from, to] = [rel(file.oldUri), rel(file.newUri)];
      if (from && to) index.fileRenamed(from, to);
    }
  });
  return index;
}

function createIndex(root: string | undefined, storageDir: string | undefined, onState: (state: IndexState) => void, history: boolean): WorkspaceIndex | undefined {
  const assetsDir = WorkspaceIndex.assetsNextTo(import.meta.url);
  if (!root) {
    onState({ kind: "idle", detail: "no folder is open" });
    return undefined;
  }
  if (!assetsDir) {
    onState({ kind: "idle", detail: "the indexer's files are missing next to the runtime (run from sources?)" });
    return undefined;
  }
  return new WorkspaceIndex({ root, assetsDir, onState, history, ...(storageDir ? { storageDir: `${storageDir}/index` } : {}) });
}

function withPath(path: string | undefined, action: (path: string) => void): void {
  if (path === undefined) return;
  try {
    action(path);
  } catch (error) {
    log("warn", `index: event for ${path} failed`, error);
  }
}

/** Workspace-relative path with forward slashes, or undefined for anything outside the root (a name such as `..foo.ts` is inside). */
export function relativeTo(root: string, uri: string): string | undefined {
  if (!uri.startsWith("file:")) return undefined;
  const path = relative(root, fileURLToPath(uri));
  if (path === "" || isOutside(path)) return undefined;
  return path.split(sep).join("/");
}
