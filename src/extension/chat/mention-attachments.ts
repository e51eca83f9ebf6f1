/**
 * @-mentions → the attachments sent with a message, and the Problems list as text. Pure:
 * attachments.ts reads the editor and VS Code's diagnostics and hands them over as plain data.
 */
import type { Attachment, MentionSearchResult } from "../../protocol/agent.ts";
import type { Mention } from "../../protocol/webview.ts";

/** Problems attached to a message, at most (the model needs the first few, not thousands). */
export const MAX_PROBLEMS = 50;

/** The editor state a mention resolves against, read only when a mention asks for it. */
export interface MentionSources {
  /** The selection in the editor the user last worked in; undefined when nothing is selected. */
  selection(): Omit<Extract<Attachment, { kind: "selection" }>, "kind"> | undefined;
  /** Errors and warnings, in VS Code's order. */
  problems(): Iterable<Problem>;
}

/**
 * Whether an editor of this URI scheme is one the user works in, so its selection is the one
 * "Selection" attaches and code blocks insert into: a file, a new untitled document, a
 * notebook cell. Not the Output panel, a git or checkpoint view of a file.
 */
export function isWorkEditor(scheme: string): boolean {
  return scheme === "file" || scheme === "untitled" || scheme === "vscode-notebook-cell";
}

/** A selection as the editor has it (0-based lines and characters, VS Code's). */
export interface EditorSelection {
  /** Workspace-relative path (absolute outside the workspace); a notebook cell's notebook, an untitled document's name. */
  readonly path: string;
  /** The name of the other folder of the window the file is in (the agent's tools cannot reach it); undefined in the folder Hearth works in, or in none. */
  readonly elsewhere?: string;
  /** A new document that was never saved: its name is no file the agent can read. */
  readonly untitled?: boolean;
  /** The 0-based index of the notebook cell the selection is in (its lines are the cell's). */
  readonly cell?: number;
  readonly start: { readonly line: number; readonly character: number };
  readonly end: { readonly line: number; readonly character: number };
  readonly text: string;
}

/**
 * The selection as attached: undefined when empty; its place as the model can use it; its
 * last line the last one it holds (whole lines selected end at the start of the next).
 */
export function selectionAttachment(s: EditorSelection): Omit<Extract<Attachment, { kind: "selection" }>, "kind"> | undefined {
  if (!s.text) return undefined;
  const place = s.untitled ? `${s.path} (a new document, not saved to disk)` : s.cell !== undefined ? `${s.path}, cell ${s.cell + 1}` : s.path;
  const path = s.elsewhere === undefined ? place : `${place} (in ${s.elsewhere}, another folder of this window: Hearth's tools cannot read or change it, and a file of the same name here is another file)`;
  const endLine = s.end.character === 0 && s.end.line > s.start.line ? s.end.line - 1 : s.end.line;
  return { path, startLine: s.start.line, endLine, text: s.text };
}

/** One error or warning from VS Code's Problems. */
export interface Problem {
  /** Workspace-relative path (absolute outside the workspace). */
  readonly path: string;
  /** 0-based, as VS Code counts. */
  readonly line: number;
  readonly severity: "error" | "warning";
  readonly message: string;
  /**
   * The name of the other folder of the window the file is in: such a problem is counted,
   * not listed (the agent's tools cannot reach that folder, and its problems must not cut
   * this folder's from the list). Undefined in the folder Hearth works in, or in none.
   */
  readonly elsewhere?: string;
}

/** The attachments for the mentions the user chose: an empty selection or no problems attach nothing. */
export function attachmentsFor(mentions: readonly Mention[], sources: MentionSources): Attachment[] {
  const out: Attachment[] = [];
  for (const m of mentions) {
    if (m.kind === "file") out.push({ kind: "file", path: m.path });
    else if (m.kind === "symbol") out.push({ kind: "symbol", name: m.name, path: m.path, line: m.line });
    else if (m.kind === "selection") {
      const selection = sources.selection();
      if (selection) out.push({ kind: "selection", ...selection });
    } else {
      const text = formatProblems(sources.problems());
      if (text) out.push({ kind: "problems", text });
    }
  }
  return out;
}

/**
 * "src/a.ts:3: error: message", one a line (lines 1-based): errors first, then warnings, the
 * first `max` in all. A longer list ends with a line saying how many there were, so the model
 * knows the list was cut (a linter's thousands of warnings would otherwise hide the errors).
 */
export function formatProblems(problems: Iterable<Problem>, max = MAX_PROBLEMS): string {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const elsewhere = new Map<string, number>();
  let errorCount = 0;
  let warningCount = 0;
  for (const p of problems) {
    if (p.elsewhere !== undefined) elsewhere.set(p.elsewhere, (elsewhere.get(p.elsewhere) ?? 0) + 1);
    else if (p.severity === "error") {
      if (errorCount++ < max) errors.push(p);
    } else if (warningCount++ < max) warnings.push(p);
  }
  const shown = [...errors, ...warnings].slice(0, max);
  const lines = shown.map((p) => `${p.path}:${p.line + 1}: ${p.severity}: ${p.message}`);
  const total = errorCount + warningCount;
  if (total > shown.length) lines.push(`(${shown.length} of ${total.toLocaleString("en-US")} problems shown: ${count(errorCount, "error")} and ${count(warningCount, "warning")} in all)`);
  if (elsewhere.size > 0) lines.push(leftOut(elsewhere));
  return lines.join("\n");
}

/** The line that counts the problems of other folders left out, folder by folder. */
function leftOut(elsewhere: ReadonlyMap<string, number>): string {
  const all = [...elsewhere.values()].reduce((a, b) => a + b, 0);
  const each = [...elsewhere].map(([folder, n]) => `${n.toLocaleString("en-US")} in ${folder}`).join(", ");
  return `(${count(all, "problem")} of other folders of this window left out, whose files Hearth's tools do not reach: ${each})`;
}

function count(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}

/** The index's answer to an @-query as the mentions the input box offers: files first, then symbols. */
export function mentionItems(result: MentionSearchResult): Mention[] {
  return [
    ...result.files.map((path): Mention => ({ kind: "file", path })),
    ...result.symbols.map((s): Mention => ({ kind: "symbol", name: s.name, symbolKind: s.kind, path: s.path, line: s.line })),
  ];
}
