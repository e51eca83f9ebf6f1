/**
 * Which folder of the window Hearth works in. The runtime has one root (the index, the
 * agent's tools, checkpoints): in a multi-root workspace that is the folder the user chose
 * with "Hearth: Choose Folder…" (remembered per workspace) while it is still open, else the
 * first — passing over a folder the workspace file names that is not on disk. Everything in the extension that turns a runtime path into a file (transcript
 * links, diffs, attachments, Project Memory) goes through `folder`, never
 * `workspaceFolders[0]`, so a path always means the file the agent saw.
 */
import * as vscode from "vscode";
import { realpathSync } from "node:fs";
import { chosenFolder, distinctFolderName, folderLabel, folderOnDisk, pathInFolderOrTwin, rememberChoice } from "./folder-paths.ts";

/** workspaceState key: the URI of the folder the user chose. */
const CHOSEN_FOLDER_KEY = "hearth.folder";

export class FolderChoice implements vscode.Disposable {
  private current: vscode.WorkspaceFolder | undefined;
  private readonly realPaths = new Map<string, string | undefined>();
  private readonly changed = new vscode.EventEmitter<vscode.WorkspaceFolder | undefined>();
  /** Fires when the folder Hearth works in is another one (chosen, removed, reordered away). */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly state: vscode.Memento) {
    this.current = this.compute();
    // A folder added or removed does not move Hearth from a folder still open and on disk (chosenFolder's staying).
    this.disposables.push(vscode.workspace.onDidChangeWorkspaceFolders(() => (this.realPaths.clear(), this.update(this.current?.uri.toString()))));
  }

  /** The folder Hearth works in; undefined when the window has none. */
  get folder(): vscode.WorkspaceFolder | undefined {
    return this.current;
  }

  /** "api (2 of 3 folders)" in a multi-root workspace; undefined otherwise. */
  get label(): string | undefined {
    const folders = diskFolders();
    const index = folders.findIndex((f) => this.isCurrent(f));
    return this.current && index >= 0 ? folderLabel(this.current.name, index, folders.length) : undefined;
  }

  /** `folder`'s name in a message: with its path where another folder of the window has the same name (two clones both called app). */
  nameOf(folder: vscode.WorkspaceFolder): string {
    const named = (f: vscode.WorkspaceFolder) => ({ name: f.name, path: f.uri.fsPath });
    return distinctFolderName(named(folder), diskFolders().map(named));
  }

  /** Whether `folder` is the one Hearth works in (by URI: VS Code may hand out new objects for the same folder). */
  isCurrent(folder: vscode.WorkspaceFolder): boolean {
    return folder.uri.toString() === this.current?.uri.toString();
  }

  /**
   * The file's path as the runtime names it, or undefined for a file outside the folder. A
   * file of another folder of the window that is a link to this one is this folder's file.
   */
  relativePath(uri: vscode.Uri): string | undefined {
    if (!this.current || uri.scheme !== "file") return undefined;
    const owner = vscode.workspace.getWorkspaceFolder(uri);
    return pathInFolderOrTwin(this.current.uri.fsPath, uri.fsPath, owner?.uri.scheme === "file" ? owner.uri.fsPath : undefined, (path) => this.realPath(path));
  }

  /** A folder's real path, read once per folder while the window's folders stay as they are. */
  private realPath(path: string): string | undefined {
    if (!this.realPaths.has(path)) {
      let real: string | undefined;
      try {
        real = realpathSync.native(path);
      } catch {
        real = undefined; // gone or unreadable: no twin of anything
      }
      this.realPaths.set(path, real);
    }
    return this.realPaths.get(path);
  }

  /**
   * The folder a conversation's paths are relative to (`recorded`, from folderOfItem) when it
   * is open in the window; the current one when none was recorded; undefined when the
   * recorded folder is no longer open.
   */
  folderFor(recorded: string | undefined): vscode.WorkspaceFolder | undefined {
    if (recorded === undefined) return this.current;
    return vscode.workspace.workspaceFolders?.find((f) => f.uri.toString() === recorded);
  }

  /**
   * Why files of a conversation recorded in another folder cannot be restored now (the
   * runtime's checkpoints are those of the folder it works in); undefined when it is this one.
   */
  elsewhere(recorded: string | undefined): string | undefined {
    if (recorded === undefined || recorded === this.current?.uri.toString()) return undefined;
    const open = this.folderFor(recorded);
    const here = this.current ? `Hearth works in ${this.nameOf(this.current)} now` : "no folder is open now";
    return open
      ? `This conversation changed files in ${this.nameOf(open)}; ${here}. Choose ${this.nameOf(open)} with "Hearth: Choose Folder…" first.`
      : `This conversation changed files in ${vscode.Uri.parse(recorded).fsPath}, which is not open in this window; ${here}.`;
  }

  /**
   * Works in `folder` from now on (and in this workspace next time); false, nothing changed,
   * when it is no longer a folder of the window (see rememberChoice).
   */
  async choose(folder: vscode.WorkspaceFolder): Promise<boolean> {
    const open = diskFolders().map((f) => ({ uri: f.uri.toString() }));
    const chosen = await rememberChoice(open, folder.uri.toString(), (uri) => this.state.update(CHOSEN_FOLDER_KEY, uri));
    // Not chosen (it left the window), or not on disk (passed over): Hearth stays where it works.
    this.update(chosen && folderOnDisk(folder.uri.fsPath) ? undefined : this.current?.uri.toString());
    return chosen;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private compute(staying?: string): vscode.WorkspaceFolder | undefined {
    const folders = diskFolders().map((folder) => ({ folder, uri: folder.uri.toString() }));
    return chosenFolder(folders, this.state.get<string>(CHOSEN_FOLDER_KEY), (f) => folderOnDisk(f.folder.uri.fsPath), staying)?.folder;
  }

  private update(staying?: string): void {
    const next = this.compute(staying);
    if (next?.uri.toString() === this.current?.uri.toString()) return;
    this.current = next;
    this.changed.fire(next);
  }
}

/** The window's folders on disk: a virtual one (`vscode-vfs:`, a remote repository) has no files the runtime can read. */
export function diskFolders(): readonly vscode.WorkspaceFolder[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === "file");
}
