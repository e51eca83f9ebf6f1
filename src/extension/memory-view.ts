/**
 * The Project Memory view: a native tree in the Hearth container listing what every agent
 * run reads into its prompt — the rules files (AGENTS.md, .hearth/rules.md) and the memory
 * entries in .hearth/memory/ (format: src/protocol/memory.ts) — with Edit and Forget on
 * each, and Add Project Memory… in its title bar. It re-reads the files whenever a
 * watcher sees `.hearth/**` or `AGENTS.md` change, so git pulls and hand edits show up.
 * With nothing to list, the view's welcome text (package.json) explains `.hearth/`.
 */
import * as vscode from "vscode";
import { COMMANDS, MEMORY_VIEW_ID } from "../protocol/contributions.ts";
import {
  MEMORY_CATEGORIES, MEMORY_DIR, type MemoryEntry, RULES_FILES, formatMemoryEntry, isMemoryPath, isoDate, memoryFilePath, parseMemoryEntry,
} from "../protocol/memory.ts";
import { createMemoryFile, memoryDescription, memoryLeftOut, memoryTooltipText, nothingToPick, OPEN_FOLDER_FIRST, rulesRow } from "./memory-rows.ts";
import { showFailure } from "./failure-notice.ts";
import type { FolderChoice } from "./workspace-folder.ts";

/** A row of the tree. */
export type MemoryNode =
  | { readonly kind: "group"; readonly label: "Rules" | "Memories"; readonly children: readonly MemoryNode[] }
  | { readonly kind: "rules"; readonly path: string; readonly uri: vscode.Uri; readonly leftOut?: true }
  | { readonly kind: "memory"; readonly path: string; readonly uri: vscode.Uri; readonly entry: MemoryEntry; readonly leftOut?: true };

type FileNode = Exclude<MemoryNode, { kind: "group" }>;

export class MemoryView implements vscode.TreeDataProvider<MemoryNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private refreshTimer: NodeJS.Timeout | undefined;

  /** The watchers of the folder shown; replaced when Hearth works in another folder. */
  private watchers: vscode.Disposable[] = [];

  constructor(private readonly folders: FolderChoice) {
    this.disposables.push(vscode.window.createTreeView(MEMORY_VIEW_ID, { treeDataProvider: this, showCollapseAll: false }));
    this.disposables.push(folders.onDidChange(() => this.watch()), { dispose: () => this.unwatch() });
    this.watch();
  }

  /** The workspace folder whose memory is shown: the one Hearth works in (its agent reads this memory). */
  get root(): vscode.Uri | undefined {
    return this.folders.folder?.uri;
  }

  private watch(): void {
    this.unwatch();
    const folder = this.folders.folder;
    if (folder) {
      for (const glob of [".hearth/**", "AGENTS.md"]) {
        const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, glob));
        watcher.onDidCreate(() => this.refresh());
        watcher.onDidChange(() => this.refresh());
        watcher.onDidDelete(() => this.refresh());
        this.watchers.push(watcher);
      }
    }
    this.refresh();
  }

  private unwatch(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
  }

  /** Re-reads the files soon; a burst of file events (a git checkout) refreshes once. */
  refresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.changed.fire(), 100);
  }

  async getChildren(node?: MemoryNode): Promise<MemoryNode[]> {
    if (node) return node.kind === "group" ? [...node.children] : [];
    const [rules, memories] = await Promise.all([this.rules(), this.memories()]);
    const groups: MemoryNode[] = [];
    if (rules.length) groups.push({ kind: "group", label: "Rules", children: rules });
    if (memories.length) groups.push({ kind: "group", label: "Memories", children: memories });
    return groups; // none: VS Code shows the welcome text
  }

  getTreeItem(node: MemoryNode): vscode.TreeItem {
    if (node.kind === "group") {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.label}`;
      item.description = `${node.children.length}`;
      return item;
    }
    const item = new vscode.TreeItem(node.kind === "memory" ? node.entry.title : node.path, vscode.TreeItemCollapsibleState.None);
    item.id = node.path;
    item.resourceUri = node.uri;
    item.contextValue = node.kind === "memory" ? "hearth.memory" : "hearth.rules";
    item.iconPath = new vscode.ThemeIcon(node.kind === "memory" ? "lightbulb" : "book");
    item.command = { command: "vscode.open", title: "Open", arguments: [node.uri] };
    if (node.kind === "memory") {
      item.description = memoryDescription(node.entry, !!node.leftOut);
      const tooltip = new vscode.MarkdownString(memoryTooltipText(node.path, node.entry, !!node.leftOut));
      tooltip.supportHtml = false;
      item.tooltip = tooltip;
      if (node.leftOut) item.iconPath = new vscode.ThemeIcon("warning");
    } else {
      const row = rulesRow(node.path, !!node.leftOut);
      item.tooltip = row.tooltip;
      if (row.description) item.description = row.description;
      if (node.leftOut) item.iconPath = new vscode.ThemeIcon("warning");
    }
    return item;
  }

  /** Rules files and memory entries, for the palette's pickers. */
  async files(): Promise<FileNode[]> {
    return [...(await this.rules()), ...(await this.memories())];
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    for (const d of this.disposables) d.dispose();
  }

  private async rules(): Promise<FileNode[]> {
    const root = this.root;
    if (!root) return [];
    const found = await Promise.all(RULES_FILES.map(async (path): Promise<FileNode | undefined> => {
      const uri = vscode.Uri.joinPath(root, path);
      const stat = await vscode.workspace.fs.stat(uri).then((s) => s, () => undefined);
      if (stat?.type !== vscode.FileType.File) return undefined;
      return { kind: "rules", path, uri, ...(memoryLeftOut(stat.size) ? { leftOut: true as const } : {}) };
    }));
    return found.filter((n): n is FileNode => !!n);
  }

  /** Newest first: what the agent learned last is what the user most likely checks. */
  private async memories(): Promise<FileNode[]> {
    const root = this.root;
    if (!root) return [];
    const dir = vscode.Uri.joinPath(root, MEMORY_DIR);
    const entries = await vscode.workspace.fs.readDirectory(dir).then((e) => e, () => [] as [string, vscode.FileType][]);
    const paths = entries.filter(([name, type]) => type === vscode.FileType.File && isMemoryPath(`${MEMORY_DIR}/${name}`)).map(([name]) => `${MEMORY_DIR}/${name}`);
    const nodes = await Promise.all(paths.sort().reverse().map(async (path): Promise<FileNode | undefined> => {
      const uri = vscode.Uri.joinPath(root, path);
      // A huge file (a log committed as .md) is not read: the agent leaves it out too.
      const size = await vscode.workspace.fs.stat(uri).then((s) => s.size, () => undefined);
      if (size === undefined) return undefined;
      if (memoryLeftOut(size)) return { kind: "memory", path, uri, entry: parseMemoryEntry("", path), leftOut: true };
      const bytes = await vscode.workspace.fs.readFile(uri).then((b) => b, () => undefined);
      return bytes ? { kind: "memory", path, uri, entry: parseMemoryEntry(new TextDecoder().decode(bytes), path) } : undefined;
    }));
    return nodes.filter((n): n is FileNode => !!n);
  }
}

// ---- commands (wired in commands.ts) ---------------------------------------------------

/** "Add Project Memory…": title, fact and category by hand; opens the new file. */
export async function addMemory(view: MemoryView): Promise<void> {
  const root = view.root;
  if (!root) return showFailure(OPEN_FOLDER_FIRST, ["Open Folder…"]);
  const title = await vscode.window.showInputBox({ title: "Add Project Memory (1/3)", prompt: "A short title", placeHolder: "Tests need a build first", validateInput: (v) => (v.trim() ? undefined : "Give it a title") });
  if (!title) return;
  const fact = await vscode.window.showInputBox({ title: "Add Project Memory (2/3)", prompt: "The fact every agent run should know (Markdown; edit the file for more lines)", validateInput: (v) => (v.trim() ? undefined : "Write the fact") });
  if (!fact) return;
  const category = await vscode.window.showQuickPick([...MEMORY_CATEGORIES], { title: "Add Project Memory (3/3)", placeHolder: "Category" });
  if (category === undefined) return;
  const date = isoDate(new Date());
  const content = new TextEncoder().encode(formatMemoryEntry({ title: title.trim(), date, source: "added by hand", category, body: fact.trim() }));
  let path: string | undefined;
  try {
    // Says why when it cannot be made (.hearth/memory is a file, a read-only .hearth/).
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(root, MEMORY_DIR));
    path = await createMemoryFile((p) => createIfAbsent(vscode.Uri.joinPath(root, p), content), date, title);
  } catch (error) {
    return void vscode.window.showErrorMessage(`Hearth: the memory was not added: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!path) return void vscode.window.showWarningMessage(`Hearth: ${MEMORY_DIR}/ already has ${memoryFilePath(date, title, 99)} and every name before it; give the memory another title.`);
  view.refresh();
  await vscode.window.showTextDocument(vscode.Uri.joinPath(root, path), { preview: false });
}

/**
 * Creates the file only where none is, through one create-without-overwrite edit: false
 * when a file is there by then (another window or `hearth fix` wrote it since). A file
 * system's workspace.fs.writeFile would replace it.
 */
async function createIfAbsent(uri: vscode.Uri, contents: Uint8Array): Promise<boolean> {
  const edit = new vscode.WorkspaceEdit();
  edit.createFile(uri, { overwrite: false, ignoreIfExists: false, contents });
  if (await vscode.workspace.applyEdit(edit)) return true;
  if (await vscode.workspace.fs.stat(uri).then(() => true, () => false)) return false;
  throw new Error(`VS Code could not create ${vscode.workspace.asRelativePath(uri, false)}; check that ${MEMORY_DIR}/ can be written (not read-only)`);
}

/** "Edit": opens the row's file, or one chosen from a list when run from the palette. */
export async function editMemory(view: MemoryView, node?: MemoryNode): Promise<void> {
  const target = isFileNode(node) ? node : await pickFile(view, "Edit which file?", true);
  if (!target) return;
  // Deleted since the list was drawn (a pull, a terminal rm): VS Code's "cannot open … nonexistent file" said nothing of the list.
  if (!(await exists(target.uri))) return gone(view, `Hearth: ${target.path} is no longer there (deleted since the list was shown); the list is updated.`);
  await vscode.window.showTextDocument(target.uri, { preview: false });
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  return vscode.workspace.fs.stat(uri).then(() => true, () => false);
}

function gone(view: MemoryView, message: string): void {
  view.refresh();
  void vscode.window.showInformationMessage(message);
}

/** "Forget": deletes the entry's file after a confirmation (git keeps it if it was committed). */
export async function forgetMemory(view: MemoryView, node?: MemoryNode): Promise<void> {
  const target = node?.kind === "memory" ? node : await pickFile(view, "Forget which memory?", false);
  if (target?.kind !== "memory") return;
  const answer = await vscode.window.showWarningMessage(
    `Forget "${target.entry.title}"?`,
    { modal: true, detail: `This deletes ${target.path}; agents stop reading it from their next run. If it was committed, git still has it.` },
    "Forget",
  );
  if (answer !== "Forget") return;
  try {
    await vscode.workspace.fs.delete(target.uri, { useTrash: false });
  } catch (error) {
    // Deleted while the question was open: what the user asked for is done (it read "did not finish: EntryNotFound (FileSystemError)").
    if (!(await exists(target.uri))) return gone(view, `Hearth: "${target.entry.title}" is already gone: ${target.path} was deleted meanwhile.`);
    throw error;
  }
  view.refresh();
}

async function pickFile(view: MemoryView, placeHolder: string, withRules: boolean): Promise<FileNode | undefined> {
  const files = (await view.files()).filter((f) => withRules || f.kind === "memory");
  if (files.length === 0) {
    const { message, action } = nothingToPick(view.root !== undefined);
    void vscode.window.showInformationMessage(message, action).then((pick) => {
      if (pick === "Open Folder…") void vscode.commands.executeCommand("vscode.openFolder");
      if (pick === "Add Project Memory…") void vscode.commands.executeCommand(COMMANDS.addMemory.id);
    });
    return undefined;
  }
  const picks = files.map((f) => ({ label: f.kind === "memory" ? f.entry.title : f.path, description: f.kind === "memory" ? memoryDescription(f.entry, !!f.leftOut) : "rules", file: f }));
  return (await vscode.window.showQuickPick(picks, { placeHolder }))?.file;
}

function isFileNode(node: MemoryNode | undefined): node is FileNode {
  return node?.kind === "rules" || node?.kind === "memory";
}
