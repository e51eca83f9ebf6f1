/** Plain-text reports of a patch plan, for the model (apply_patch) and people (the CLI). */
import { describeCandidates } from "../line-match.ts";
import type { HunkOutcome } from "./apply-hunks.ts";
import type { FileOutcome, PatchPlan } from "./plan.ts";

/**
 * One block per file, one line per hunk; failures carry their reason and candidates. `name`
 * shows a path: the tool quotes one holding a control character (a newline in it would read
 * as a line of the report), the CLI escapes the whole text for the terminal.
 */
export function formatPlan(plan: PatchPlan, verb: "applied" | "would apply", name: (path: string) => string = (path) => path): string {
  const head = plan.ok
    ? `Patch ${verb}: ${plan.files.length} file(s).`
    : "Patch NOT applied: nothing was written. Fix the failing hunks and send the whole patch again.";
  return [head, ...plan.files.map((file) => formatFile(file, name))].join("\n");
}

function formatFile(file: FileOutcome, name: (path: string) => string): string {
  const target = file.newPath !== undefined ? `${name(file.path)} -> ${name(file.newPath)}` : name(file.path);
  const lines = [`${file.ok ? "ok    " : "FAILED"} ${file.operation} ${target}${file.reason ? `: ${file.reason}` : ""}`];
  if (file.note) lines.push(`  note: ${file.note}`);
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
