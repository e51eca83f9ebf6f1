/**
 * What the Project Memory view shows for a memory file: its description and hover. Pure (no
 * `vscode`), so it is unit tested; memory-view.ts reads the files and builds the tree items.
 */
import { type MemoryEntry, memoryFilePath } from "../protocol/memory.ts";
import { formatLimit } from "../protocol/units.ts";

/**
 * Files over this the agent leaves out of its prompt unread (src/agent/project-context.ts,
 * `MAX_FILE_BYTES`): the view does not read them either, and says they are left out.
 */
export const MAX_MEMORY_FILE_BYTES = 1024 * 1024;

/** Characters of an entry's fact in its hover: the file itself is one click away. */
const MAX_TOOLTIP_CHARS = 2000;

/** Whether a memory file of `size` bytes is left out of every agent run (and not read by the view). */
export function memoryLeftOut(size: number): boolean {
  return size > MAX_MEMORY_FILE_BYTES;
}

const LEFT_OUT = `over ${formatLimit(MAX_MEMORY_FILE_BYTES)}: agents leave it out`;

/** The row's description: date and source, or why agents do not read it. */
export function memoryDescription(entry: MemoryEntry, leftOut: boolean): string {
  if (leftOut) return LEFT_OUT;
  return [entry.date, entry.source].filter(Boolean).join(" · ");
}

/** The row's hover (Markdown): title, facts, the fact itself (cut when long) and the path. */
export function memoryTooltipText(path: string, entry: MemoryEntry, leftOut: boolean): string {
  const facts = [entry.date && `date ${entry.date}`, entry.source && `from ${entry.source}`, entry.category && `category ${entry.category}`].filter(Boolean).join(" · ");
  const body = leftOut
    ? `This file is larger than ${formatLimit(MAX_MEMORY_FILE_BYTES)}, so agents leave it out of their prompt. Keep one short fact per file.`
    : entry.body.length > MAX_TOOLTIP_CHARS
      ? `${entry.body.slice(0, MAX_TOOLTIP_CHARS)}…\n\n(${(entry.body.length - MAX_TOOLTIP_CHARS).toLocaleString("en-US")} more characters in the file)`
      : entry.body;
  return `**${entry.title}**\n\n${facts}\n\n${body}\n\n_${path}_`;
}

/** A rules file's row (AGENTS.md, .hearth/rules.md): what agents do with it. */
export function rulesRow(path: string, leftOut: boolean): { readonly tooltip: string; readonly description?: string } {
  return leftOut
    ? { tooltip: `${path} is larger than ${formatLimit(MAX_MEMORY_FILE_BYTES)}, so agents leave it out of their prompt.`, description: LEFT_OUT }
    : { tooltip: `${path}: read into every agent run's prompt` };
}

/** Said when there is no folder to add memory to. */
export const OPEN_FOLDER_FIRST = "Hearth: open a folder first; project memory lives in its .hearth/ folder.";

/** What Edit / Forget Project Memory say when there is nothing to pick, and the next step offered. */
export function nothingToPick(folderOpen: boolean): { message: string; action: "Open Folder…" | "Add Project Memory…" } {
  return folderOpen
    ? { message: "Hearth: this folder has no project memory yet (.hearth/memory/).", action: "Add Project Memory…" }
    : { message: OPEN_FOLDER_FIRST, action: "Open Folder…" };
}

/** Names of one title and day tried before Add Project Memory gives up (as the remember tool does). */
const MAX_SAME_NAME = 99;

/**
 * Creates a new entry under the first free name of the day and returns its path, or
 * undefined when all are taken. `create` makes the file only where none is (false when the
 * name is taken), so an entry another window or `hearth fix` wrote a moment before under
 * the same name is kept; checking the name first and then writing lost it.
 */
export async function createMemoryFile(create: (path: string) => Promise<boolean>, date: string, title: string): Promise<string | undefined> {
  for (let n = 1; n <= MAX_SAME_NAME; n++) {
    const path = memoryFilePath(date, title, n);
    if (await create(path)) return path;
  }
  return undefined;
}
