/** Plain-text reports of a patch plan, for the model (apply_patch) and people (the CLI). */
import { describeCandidates } from "../line-match.ts";
import type { HunkOutcome } from "./apply-hunks.ts";
import type { FileOutcome, PatchPlan } from "./plan.ts";

/** How the report shows a path, and a file's reason or note (which may quote a path). */
export interface Shown {
  readonly path: (path: string) => string;
  readonly line: (text: string) => string;
}

const AS_IS: Shown = { path: (path) => path, line: (text) => text };

/**
 * One block per file, one line per hunk; failures carry their reason and candidates. The
 * tool shows a path holding a control character quoted and a reason's escaped (a newline in
 * either would read as a line of the report); the CLI escapes the whole text for the terminal.
 * `next`: what to do after a failure, said to the model (the CLI's person gets no such line).
 */
export function formatPlan(plan: PatchPlan, verb: "applied" | "would apply", shown: Shown = AS_IS, next = " Fix the failing hunks and send the whole patch again."): string {
  const head = plan.ok
    ? `Patch ${verb}: ${plan.files.length} file(s).`
    : `Patch NOT applied: nothing was written.${next}`;
  return [head, ...plan.files.map((file) => formatFile(file, shown))].join("\n");
}

function formatFile(file: FileOutcome, shown: Shown): string {
  const target = file.newPath !== undefined ? `${shown.path(file.path)} -> ${shown.path(file.newPath)}` : shown.path(file.path);
  const lines = [`${file.ok ? "ok    " : "FAILED"} ${file.operation} ${target}${file.reason ? `: ${shown.line(file.reason)}` : ""}`];
  if (file.note) lines.push(`  note: ${shown.line(file.note)}`);
  for (const hunk of file.hunks) lines.push(formatHunk(hunk));
  return lines.join("\n");
}

function formatHunk(h: HunkOutcome): string {
  const name = `  hunk ${h.index + 1} ${h.header.slice(0, 60)}`;
  if (h.ok) {
    const how = [h.level && h.level !== "exact" ? `ignoring ${h.level}` : "", h.fuzz ? `${h.fuzz} context line(s) forgiven` : ""].filter(Boolean).join(", ");
    return `${name}: applied at line ${h.line}${how ? ` (${how})` : ""}`;
  }
  const more = h.candidates ? `\n${indent(describeCandidates(h.candidates, 8))}` : "";
  return `${name}: FAILED: ${h.reason}${more}`;
}

function indent(text: string): string {
  return text.split("\n").map((l) => `    ${l}`).join("\n");
}
