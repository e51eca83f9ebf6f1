/**
 * A completion's indentation in the file's style. A model often indents its own way (four
 * spaces in a Go file indented with tabs, a tab in a two-space TypeScript file); inserted as
 * is, the block mixes styles. Only the leading whitespace of each line changes: each
 * `tabSize` columns a tab, or each tab `tabSize` spaces (what is left over after tabs stays
 * spaces: alignment). Lines inside a multi-line string the completion opens (a template
 * literal, a Python docstring) are left alone, and so is a whole completion when the text
 * before the cursor may leave it inside one: there whitespace is the string's content.
 */
import type { IndentStyle } from "../protocol/completions.ts";
import type { CursorLines } from "./stop-rules.ts";

export type { IndentStyle };

/** `text` with the leading whitespace of its lines in `style`'s; `before` is the text before the cursor the model saw. */
export function reindent(text: string, style: IndentStyle | undefined, at: CursorLines, before = ""): string {
  if (!style || !/^[ \t]|\n[ \t]/.test(text) || opensString(before) % 2 !== 0) return text;
  const lines = text.split("\n");
  let inString = opensString(at.linePrefix) % 2 !== 0;
  const out = lines.map((line, i) => {
    const converted = inString ? line : i === 0 ? firstLine(line, style, at.linePrefix) : convertLead(line, style);
    if (opensString(line) % 2 !== 0) inString = !inString;
    return converted;
  });
  return out.join("\n");
}

/** The cursor's line: only when the cursor is in its indentation, and the line's own part stays as typed. */
function firstLine(line: string, style: IndentStyle, linePrefix: string): string {
  if (linePrefix.trim() !== "" || !/^[ \t]/.test(line)) return line;
  const whole = convertLead(linePrefix + line, style);
  return whole.startsWith(linePrefix) ? whole.slice(linePrefix.length) : line;
}

function convertLead(line: string, style: IndentStyle): string {
  const lead = /^[ \t]*/.exec(line)![0];
  if (!lead || (style.insertSpaces ? !lead.includes("\t") : !lead.includes(" ".repeat(style.tabSize)))) return line;
  let width = 0;
  for (const c of lead) width = c === "\t" ? (Math.floor(width / style.tabSize) + 1) * style.tabSize : width + 1;
  const indent = style.insertSpaces ? " ".repeat(width) : "\t".repeat(Math.floor(width / style.tabSize)) + " ".repeat(width % style.tabSize);
  return indent + line.slice(lead.length);
}

/** Backticks and triple quotes in `text` (not escaped): an odd count leaves a multi-line string open. */
function opensString(text: string): number {
  return (text.match(/(?<!\\)(?:`|"""|''')/g) ?? []).length;
}

/**
 * The indentation a document uses, from its indented lines: tabs when more lines start with
 * a tab than with two spaces or more (tabSize 4, VS Code's default), else spaces with the
 * most common step between consecutive indentations; undefined with nothing to tell by.
 */
export function detectIndentation(text: string): IndentStyle | undefined {
  let tabs = 0;
  let spaces = 0;
  let previous = 0;
  const steps = new Map<number, number>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    if (line.startsWith("\t")) {
      tabs++;
      continue;
    }
    const width = /^ */.exec(line)![0].length;
    if (width === 1) continue; // ` * ` of a doc comment
    if (width >= 2) spaces++;
    const step = Math.abs(width - previous);
    if (step >= 2 && step <= 8) steps.set(step, (steps.get(step) ?? 0) + 1);
    previous = width;
  }
  if (tabs === 0 && spaces === 0) return undefined;
  if (tabs > spaces) return { insertSpaces: false, tabSize: 4 };
  const common = [...steps.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0];
  return { insertSpaces: true, tabSize: common ?? 4 };
}
