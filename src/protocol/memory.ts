/**
 * Project memory on disk: the one format the `remember` tool writes, the agent's prompt
 * reads and the Project Memory view lists. It lives in the repository so a team commits,
 * diffs and merges it like code:
 *
 *   AGENTS.md                      read when present (the cross-tool convention)
 *   .hearth/rules.md               the team's rules: conventions, how to test, what not to touch
 *   .hearth/memory/<date>-<slug>.md  one fact per file, written by `remember` or by hand
 *
 * A memory entry is Markdown with a small front matter:
 *
 *   ---
 *   title: Tests run with npm test
 *   date: 2026-11-22
 *   source: chat 2026-11-22 14:03
 *   category: testing
 *   ---
 *
 *   `npm test` runs tsx --test; the e2e layer needs `npm run build` first.
 *
 * Hand-written files need none of it: a file without front matter takes its title from
 * its first heading (or its name) and its date from its name. Pure functions only, so
 * the extension, the agent and the CLI share them.
 */

/** Read at the workspace root when present. */
export const AGENTS_FILE = "AGENTS.md";
export const RULES_FILE = ".hearth/rules.md";
export const MEMORY_DIR = ".hearth/memory";
/** Rules files in prompt order. */
export const RULES_FILES = [AGENTS_FILE, RULES_FILE] as const;

/** Suggested categories; any short word is accepted. */
export const MEMORY_CATEGORIES = ["testing", "build", "convention", "pitfall", "architecture", "tooling", "other"] as const;

export interface MemoryEntry {
  readonly title: string;
  /** YYYY-MM-DD, or "" when neither the front matter nor the file name has one. */
  readonly date: string;
  /** Who or what wrote it: a conversation, a run, "manual". "" when unknown. */
  readonly source: string;
  readonly category: string;
  /** The fact itself (Markdown). */
  readonly body: string;
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;
const DATE_PREFIX = /^(\d{4}-\d{2}-\d{2})/;

/** Reads an entry from a file's text; `fileName` fills in what the text leaves out. */
export function parseMemoryEntry(text: string, fileName: string): MemoryEntry {
  const clean = text.replace(/^\uFEFF/, "");
  const match = FRONT_MATTER.exec(clean);
  const fields = match ? parseFields(match[1]!) : {};
  const body = (match ? clean.slice(match[0].length) : clean).trim();
  const stem = fileName.replace(/^.*[\\/]/, "").replace(/\.md$/i, "");
  const heading = /^#{1,6}\s+(.+)$/m.exec(body)?.[1]?.trim();
  return {
    title: fields.title || heading || titleFromStem(stem),
    date: fields.date || DATE_PREFIX.exec(stem)?.[1] || "",
    source: fields.source ?? "",
    category: fields.category ?? "",
    body,
  };
}

/** The file text for an entry (front matter, blank line, body, final newline). */
export function formatMemoryEntry(entry: MemoryEntry): string {
  const lines = ["---", `title: ${oneLine(entry.title)}`, `date: ${entry.date}`];
  if (entry.source) lines.push(`source: ${oneLine(entry.source)}`);
  if (entry.category) lines.push(`category: ${oneLine(entry.category)}`);
  lines.push("---", "", entry.body.trim(), "");
  return lines.join("\n");
}

/** `.hearth/memory/2026-11-22-tests-run-with-npm-test.md`; `n` > 1 adds a suffix for a name already taken. */
export function memoryFilePath(date: string, title: string, n = 1): string {
  return `${MEMORY_DIR}/${date}-${slugify(title)}${n > 1 ? `-${n}` : ""}.md`;
}

/** Lower-case words joined by dashes, at most 48 characters; "memory" when nothing is left. */
export function slugify(title: string): string {
  const slug = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/, "");
  return slug || "memory";
}

/** Whether a workspace-relative path is a memory entry (a Markdown file directly in the memory folder). */
export function isMemoryPath(path: string): boolean {
  return path.startsWith(`${MEMORY_DIR}/`) && !path.slice(MEMORY_DIR.length + 1).includes("/") && /\.md$/i.test(path);
}

/** YYYY-MM-DD of a date in UTC (file names must not depend on the writer's time zone). */
export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function parseFields(block: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of block.split(/\r?\n/)) {
    const m = /^([A-Za-z][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (m) fields[m[1]!.toLowerCase()] = unquote(m[2]!.trim());
  }
  return fields;
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function titleFromStem(stem: string): string {
  const words = stem.replace(DATE_PREFIX, "").replace(/[-_]+/g, " ").trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : stem;
}
