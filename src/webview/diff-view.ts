/**
 * Unified diffs in tool cards: the real change from `toolEnd.diff`, or — before a write
 * tool has run — the change it proposes, built from its arguments.
 */
import type { JsonValue } from "../protocol/chat.ts";
import type { ProposedChange } from "../protocol/tool-display.ts";
import { type DiffLineKind, diffLineKinds } from "../protocol/transcript.ts";
import { editLines, visibleText } from "../protocol/visible-text.ts";
import { h } from "./dom.ts";

/** Lines shown before "… N more lines" (the full diff opens in the editor). */
const MAX_LINES = 300;

function prefixed(text: string, mark: "+" | "-"): string[] {
  if (text === "") return [];
  return text.replace(/\n$/, "").split("\n").map((line) => mark + line);
}

/** An edit's lines: what it keeps of `old_text` as context, what it removes and adds — so the card's warning counts only what it adds, as `hearth fix` does (hiddenInCall). */
function editDiff(oldText: JsonValue | undefined, newText: JsonValue | undefined): string[] {
  return editLines(typeof oldText === "string" ? oldText : "", typeof newText === "string" ? newText : "");
}

/** The change a write's arguments describe, read as `kind` says, as diff text; undefined without a kind. */
export function proposedDiff(kind: ProposedChange | undefined, args: Record<string, JsonValue>): string | undefined {
  const path = typeof args.path === "string" ? args.path : undefined;
  const header = path ? [`--- a/${path}`, `+++ b/${path}`] : [];
  switch (kind) {
    case "edits": {
      const edits = Array.isArray(args.edits) ? args.edits : [{ old_text: args.old_text ?? "", new_text: args.new_text ?? "" }];
      const hunks = edits.flatMap((edit) => {
        const e = edit && typeof edit === "object" && !Array.isArray(edit) ? edit : {};
        return ["@@ edit @@", ...editDiff(e.old_text, e.new_text)];
      });
      return [...header, ...hunks].join("\n");
    }
    case "patch":
      return typeof args.patch === "string" ? args.patch : undefined;
    case "content":
      return typeof args.content === "string" ? [...header, "@@ new content @@", ...prefixed(args.content, "+")].join("\n") : undefined;
    default:
      return undefined;
  }
}

/** How a write saved without its display (an older conversation) describes its change, told from its arguments. */
export function changeFromArguments(args: Record<string, JsonValue>): ProposedChange {
  if (typeof args.patch === "string") return "patch";
  if (typeof args.content === "string") return "content";
  return "edits";
}

function isHeader(line: string, kind: DiffLineKind): boolean {
  return kind === "meta" && (line.startsWith("+++ ") || line.startsWith("--- ") || line.startsWith("diff --git ") || line.startsWith("index "));
}

const LINE_CLASS: Record<DiffLineKind, string> = { meta: "diff-meta", hunk: "diff-hunk", add: "diff-add", del: "diff-del", ctx: "diff-ctx" };

/**
 * A diff as coloured lines (each line a span with diff-add / diff-del / diff-hunk / diff-meta / diff-ctx).
 * It scrolls, so it can be tabbed to: a region named `label`, or a screen reader says nothing of what the focus is on.
 * `leftOut`: lines of the whole diff after `diff` (a card keeps a long one's start), said with those not shown.
 */
export function renderDiff(diff: string, label: string, maxLines = MAX_LINES, leftOut = 0): HTMLElement {
  const all = diff.replace(/\n$/, "").split("\n");
  const kinds = diffLineKinds(all);
  let lines = all.map((line, i) => ({ line, kind: kinds[i]! }));
  const files = lines.filter(({ line, kind }) => kind === "meta" && line.startsWith("+++ ")).length;
  // One file: the card already names it, so the ---/+++ headers are noise; several: one header line each.
  lines = files <= 1
    ? lines.filter(({ line, kind }) => !isHeader(line, kind))
    : lines.filter(({ line, kind }) => !isHeader(line, kind) || line.startsWith("+++ ")).map(({ line, kind }) => (isHeader(line, kind) ? { line: `+++ ${line.slice(4).replace(/^b\//, "")}`, kind } : { line, kind }));
  const shown = lines.slice(0, maxLines);
  // The code as it will be: a bidi override or zero-width character in it is written out (⟨U+202E⟩), not obeyed.
  // A CR ending a line is its line end (a CRLF file, as git diffs it), not a character on it.
  const code = h("code", {}, ...shown.map(({ line, kind }) => h("span", { class: LINE_CLASS[kind] }, visibleText(line.replace(/\r$/, "")) || " ", "\n")));
  const pre = h("pre", { class: "diff", tabindex: 0, role: "region", "aria-label": label }, code);
  const more = Math.max(0, lines.length - maxLines) + leftOut;
  if (more > 0) pre.append(h("span", { class: "diff-more" }, `… ${more} more lines (Open diff shows all)`));
  return pre;
}
