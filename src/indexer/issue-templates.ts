/**
 * The lines of a repository's own issue templates (`.github/ISSUE_TEMPLATE/*.md|yml`, an
 * `ISSUE_TEMPLATE.md`): headings, instructions and FAQ text ("Describe the bug", "Is your
 * feature request related to a problem? Please describe.") that every issue written from the
 * template repeats, and that say nothing about what this issue is about. `locate` can read an
 * issue past them (LocateWeights.templateLines).
 */
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Template files larger than this are not a template (a form is a few KB). */
const MAX_TEMPLATE_BYTES = 64 * 1024;
const MAX_TEMPLATES = 20;
const FENCE = /^\s*(```|~~~)/;
/** A form's keys (`label: Describe the bug`, `- value: |`), and a list's or quote's marks. */
const FORM_KEY = /^\s*(-\s+)?(label|value|description|placeholder|title|about|name)\s*:\s*[|>]?[-+]?\s*/i;
/** A line of code the reporter wrote after a shell or REPL prompt (code blocks are told by their fences). */
const PROMPT_LINE = /^\s*(\$ |>>> |\.\.\. |In \[\d+\]:|>\s*\$ )/;

/** A line as compared: its lower-case words, a form key taken off; "" when under two words. */
export function templateLineKey(line: string): string {
  const words = line.replace(FORM_KEY, "").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.length >= 2 ? words.join(" ") : "";
}

const NO_RESPONSE = "no response";
const known = new Map<string, { stamp: string; lines: ReadonlySet<string> }>();

/** The template files of the work tree at root, by path. */
function templateFiles(root: string): string[] {
  const out: string[] = [];
  const folder = join(root, ".github");
  for (const dir of [join(folder, "ISSUE_TEMPLATE"), join(folder, "issue_template")]) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) if (/\.(md|ya?ml)$/i.test(name)) out.push(join(dir, name));
  }
  for (const dir of [root, folder, join(root, "docs")]) {
    for (const name of ["ISSUE_TEMPLATE.md", "issue_template.md"]) out.push(join(dir, name));
  }
  return [...new Set(out)].slice(0, MAX_TEMPLATES);
}

/** The keys (templateLineKey) of every line of the repository's issue templates; read again when one changes. */
export function templateLines(root: string): ReadonlySet<string> {
  const files: { path: string; stamp: string }[] = [];
  for (const path of templateFiles(root)) {
    try {
      // A link is no template of this repository's (it may lead anywhere: a key, a FIFO).
      const s = lstatSync(path);
      if (s.isFile() && s.size <= MAX_TEMPLATE_BYTES) files.push({ path, stamp: `${path}:${s.size}:${s.mtimeMs}` });
    } catch {
      // not there
    }
  }
  const stamp = files.map((f) => f.stamp).join("\n");
  const cached = known.get(root);
  if (cached && cached.stamp === stamp) return cached.lines;
  // What GitHub writes for a form's field left empty.
  const lines = new Set<string>(files.length > 0 ? [NO_RESPONSE] : []);
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f.path, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split(/\r\n?|\n/)) {
      const key = templateLineKey(line);
      if (key) lines.add(key);
    }
  }
  if (known.size >= 8) known.delete(known.keys().next().value!);
  known.set(root, { stamp, lines });
  return lines;
}

/**
 * The issue text without the body's lines that are lines of its repository's templates. The
 * title (the first line) stays, and so does what the reporter wrote as code: the lines of a
 * code block and shell or REPL prompts (`$ cd docs` is the reporter's command even where a
 * template's placeholder has it too). Lines of fewer than minWords words stay (a form's
 * short headings: "Describe the bug"), except GitHub's "_No response_".
 */
export function withoutTemplateLines(query: string, lines: ReadonlySet<string>, minWords = 2): string {
  if (lines.size === 0) return query;
  const all = query.split("\n");
  const out: string[] = [all[0]!];
  let fenced = false;
  for (let i = 1; i < all.length; i++) {
    const line = all[i]!;
    if (FENCE.test(line)) {
      fenced = !fenced;
      out.push(line);
      continue;
    }
    if (fenced || PROMPT_LINE.test(line)) {
      out.push(line);
      continue;
    }
    const key = templateLineKey(line);
    if (lines.has(key) && (key === NO_RESPONSE || key.split(" ").length >= minWords)) continue;
    out.push(line);
  }
  return out.length === all.length ? query : out.join("\n");
}

/** Words that say what kind of issue it is, not what it is about. */
const ISSUE_KINDS = new Set(["bug", "bugs", "feature", "features", "request", "requests", "rfe", "enhancement", "question", "doc", "docs", "documentation", "proposal", "performance", "issue", "broken", "website", "help", "regression", "suggestion", "idea", "improvement", "fr", "report"]);

/**
 * The title without a leading tag that only names the kind of issue (`[Bug]`, `[Feature
 * Request]`, `BUG:`, `[RFE]`), as issue templates prefill it: a tag naming a component
 * (`[revealjs]`, `[language-markup]`) stays.
 */
export function withoutKindTag(query: string): string {
  const end = query.indexOf("\n");
  const title = end < 0 ? query : query.slice(0, end);
  const m = /^\s*(?:\[([^\]\n]{1,40})\]\s*:?|([A-Za-z]+(?: [A-Za-z]+)?)\s*:)\s*/.exec(title);
  if (!m) return query;
  const words = (m[1] ?? m[2]!).toLowerCase().match(/[a-z]+/g) ?? [];
  const rest = title.slice(m[0].length);
  if (words.length === 0 || !words.every((w) => ISSUE_KINDS.has(w)) || !/[\p{L}\p{N}]/u.test(rest)) return query;
  return rest + (end < 0 ? "" : query.slice(end));
}

/** How an issue is read (LocateWeights.templateLines, titleTags). */
export interface IssueReading {
  readonly templateLines: number;
  readonly titleTags: number;
}

/**
 * The issue as ranked: past its repository's template lines and its title's kind tag, as the
 * reading says. Files, entities and the lazy index's candidates all read this text, so a
 * template's FAQ that files are not ranked by does not rank definitions or choose what to parse.
 */
export function readIssue(root: string, query: string, reading: IssueReading): string {
  let text = reading.titleTags > 0 ? withoutKindTag(query) : query;
  if (reading.templateLines > 0) text = withoutTemplateLines(text, templateLines(root), reading.templateLines);
  return text;
}
