/** @-mentions: finding the query being typed, labels, and equality (pure). */
import { visibleText } from "../protocol/visible-text.ts";
import type { Mention } from "../protocol/webview.ts";
import type { IconName } from "./dom.ts";

/** The "@query" that ends at the caret (after a space or at the start), if any. */
export function mentionQueryAt(text: string, caret: number): { start: number; query: string } | undefined {
  const match = /(?:^|\s)@([^\s@]*)$/.exec(text.slice(0, caret));
  if (!match) return undefined;
  return { start: caret - match[1]!.length - 1, query: match[1]! };
}

/** A name as shown: a bidi mark or control in a file or symbol name (grammars accept some in identifiers) is written out. */
export function mentionLabel(m: Mention): string {
  switch (m.kind) {
    case "file":
      return visibleText(m.path.split("/").pop() || m.path, true);
    case "symbol":
      return visibleText(m.name, true);
    case "selection":
      return "Selection";
    case "problems":
      return "Problems";
  }
}

/** Secondary text: the folder of a file, kind and place of a symbol. */
export function mentionDetail(m: Mention): string {
  switch (m.kind) {
    case "file": {
      const slash = m.path.lastIndexOf("/");
      return slash > 0 ? visibleText(m.path.slice(0, slash), true) : "";
    }
    case "symbol":
      return `${m.symbolKind} · ${visibleText(m.path, true)}:${m.line}`;
    case "selection":
      return "the editor's selection";
    case "problems":
      return "errors and warnings";
  }
}

export function mentionIcon(m: Mention): IconName {
  return m.kind === "symbol" ? "symbol" : m.kind === "selection" ? "selection" : m.kind === "problems" ? "problems" : "file";
}

export function sameMention(a: Mention, b: Mention): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "file" && b.kind === "file") return a.path === b.path;
  if (a.kind === "symbol" && b.kind === "symbol") return a.name === b.name && a.path === b.path && a.line === b.line;
  return true;
}

/** "@sel" and "@prob" also offer the selection and the problems (the index knows neither). */
export function localMentions(query: string): Mention[] {
  const q = query.toLowerCase();
  if (!q) return [];
  return ([{ kind: "selection" }, { kind: "problems" }] as const).filter((m) => mentionLabel(m).toLowerCase().startsWith(q));
}
