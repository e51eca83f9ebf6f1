/** `hearth locate`: ranks the files and the functions/classes an issue (read from stdin) is about. */
import { MAX_QUERY_CHARS, locateEntities, locateLazily, type LocatedEntity, type LocatedFile } from "../../indexer/index.ts";
import { type CliCommand, UsageError, parseFlags } from "../command.ts";
import { wholeNumberOption } from "../setting-options.ts";
import { asTerminalShows, terminalJson, terminalName } from "../terminal-text.ts";
import { INDEX_FLAGS, INDEX_FLAGS_USAGE, nothingIndexed, openCliIndex } from "./index.ts";

/** The options it takes (its usage names each: test/unit/cli/usage-flags.test.ts). */
export const LOCATE_FLAGS = { ...INDEX_FLAGS, top: "string", entities: "string", json: "boolean", open: "string", full: "boolean" } as const;

export const locateCommand: CliCommand = {
  name: "locate",
  summary: "rank the files and functions/classes an issue text (stdin) is about, with reasons",
  usage: `hearth locate [--repo DIR] [--top N] [--entities N] [--json] [--open FILE,FILE] [--full] < issue.txt

Files new to the cache have their words counted and only those the ranking needs are parsed
(tree-sitter); the cache keeps them for the next run. --full parses every file first.

  --top N            at most how many files (default 10; files the issue does not
                     match are left out)
  --entities N       how many functions/classes from those files (default 10; 0: none)
  --json             {files: [{path, score, reasons}], entities: [{path, line, endLine,
                     name, kind, scope?, score, reasons}]}, best first; lines 1-based
  --open FILES       comma-separated files to treat as open in the editor
  --full             index the whole checkout before ranking (as hearth index does)
${INDEX_FLAGS_USAGE}`,
  async run(args, io) {
    const { flags, positional } = parseFlags(args, LOCATE_FLAGS);
    const top = count(flags.top, 10, "--top", 1);
    const entityCount = count(flags.entities, 10, "--entities", 0);
    const given = positional.length > 0 ? positional.join(" ") : await io.readStdin();
    // A CI log with its colours (FORCE_COLOR): ESC [1m glued to a name hid it ('1mtotal_price'). Ranked as a terminal shows it.
    const { text: query, note } = asTerminalShows(given, "the issue", "was ranked");
    // Only codes (a progress bar cleared at its end): something was piped, so one message, not 'pipe it on stdin' after the note.
    if (query.trim() === "") throw new UsageError(note ? `${note}, so there is nothing to rank` : noIssueText(positional.length > 0, io.inIsTerminal === true));
    if (note) io.err(`hearth locate: ${note}\n`);
    if (query.length > MAX_QUERY_CHARS) io.err(tooLong(query.length));
    const { index, report } = await openCliIndex(flags, io, { command: "locate", lazy: !flags.full });
    try {
      const openFiles = typeof flags.open === "string" ? flags.open.split(",").filter(Boolean) : [];
      const { files: ranked } = await locateLazily(index, query, { top, openFiles, signal: io.signal });
      const entities = entityCount > 0 ? locateEntities(index, query, ranked, { top: entityCount }) : [];
      // A file with a score of 0 matched nothing: it only filled the list (shown, it read as the
      // next best match, with an empty line for its reasons).
      const files = ranked.filter((f) => f.score > 0);
      io.out(flags.json ? terminalJson(JSON.stringify(asJson(files, entities), null, 2)) + "\n" : formatLocated(files, entities));
      if (!flags.json && files.length === 0) io.err(report.files === 0 ? nothingIndexed("rank", index.root, report) : NO_MATCH);
      // After the answer: what this query parsed is kept for the next one. The answer is what
      // locate is run for; a cache that cannot be written (a full disk, a --cache below a file)
      // only costs the next run its parse.
      try {
        await index.saveIfChanged();
      } catch (error) {
        io.err(`hearth locate: warning: the index cache could not be saved (${terminalName(error instanceof Error ? error.message : String(error))}): the next run reads the checkout again\n`);
      }
      return 0;
    } finally {
      await index.close();
    }
  },
};

/** What an empty answer says on a terminal (a pasted binary, words the code never uses). */
const NO_MATCH = "No file matches the issue text: it shares no word, name or path with the code here. Describe the problem in the code's own terms, or name a function, a file or the error message, and check --repo.\n";

/** What a query longer than ranking reads says: the ranking did not see the middle of it. */
function tooLong(length: number): string {
  const half = (MAX_QUERY_CHARS / 2).toLocaleString("en-US");
  return `The issue text is ${length.toLocaleString("en-US")} characters: only its first and last ${half} are read. Keep the part that matters (the error, the traceback's end) to rank by all of it.\n`;
}

/** The files, then the entities under a heading, every name through the terminal sanitizer. */
export function formatLocated(files: readonly LocatedFile[], entities: readonly LocatedEntity[]): string {
  const lines: string[] = [];
  for (const f of files) lines.push(`${f.score.toFixed(3).padStart(7)}  ${terminalName(f.path)}`, `         ${terminalName(f.reasons.join("; "))}`);
  if (entities.length > 0) {
    lines.push("", "Functions and classes:");
    for (const e of entities) {
      const name = e.scope ? `${e.scope}.${e.name}` : e.name;
      lines.push(`${e.score.toFixed(3).padStart(7)}  ${terminalName(`${e.path}:${e.line}`)}  ${terminalName(`${e.kind} ${name}`)}`, `         ${terminalName(e.reasons.join("; "))}`);
    }
  }
  return lines.length > 0 ? lines.join("\n") + "\n" : "";
}

function asJson(files: readonly LocatedFile[], entities: readonly LocatedEntity[]): unknown {
  return {
    files: files.map((f) => ({ path: f.path, score: round(f.score), reasons: f.reasons })),
    entities: entities.map((e) => ({ ...e, score: round(e.score) })),
  };
}

function count(value: string | boolean | undefined, fallback: number, flag: string, min: number): number {
  return wholeNumberOption(value, flag, min, min === 0 ? "a whole number, 0 or more" : "a positive whole number") ?? fallback;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

/**
 * Why there is no issue text, by where it was to come from: a CI step's pipe that brought nothing
 * (gh printing nothing, stdin closed) or an empty "$ISSUE" was told to 'pipe it on stdin'.
 */
function noIssueText(givenAsText: boolean, fromTerminal: boolean): string {
  if (givenAsText) return 'no issue text: the text given is empty (an unset or empty variable, as in hearth locate "$ISSUE"?); give the issue\'s text';
  if (fromTerminal) return "no issue text: pipe it on stdin";
  return 'no issue text: stdin held none: it was empty or closed (< /dev/null, or the command piped into hearth locate printed nothing); pipe the issue\'s text in, or give it as an argument (hearth locate "TEXT")';
}
