/** read_file: a file's text with line numbers, whole or a line range, within a size budget. */
import { resolve } from "node:path";
import { shownPath } from "../indexer/index.ts";
import { MAX_READ_CHARS, MAX_READ_FILE_BYTES } from "./limits.ts";
import { MASK_START, maskSecrets, maskedNote } from "./secret-values.ts";
import { secretSafeEnd, secretSafeStart } from "../protocol/secret-values.ts";
import { goneSinceSeen, recordLines, recordWhole } from "./file-reads.ts";
import { type TextFile, contentHash, decodeText, pairSafeEnd, splitLines, strayBytesPhrase } from "./text-file.ts";
import { type Tool, ToolError, optionalInt, stringArg } from "./tool.ts";
import { readTargets, spellingNote } from "./path-spelling.ts";
import { quotedPath } from "./workspace.ts";
import { dataLeftOut, dataLeftOutNote, isNotebookPath } from "./notebook-outputs.ts";
import { shellWord } from "../protocol/shell-word.ts";
import { conflictBlocks, conflictNote, gitCountsConflicted, markersAddedUnderWay } from "./conflict-markers.ts";

export const readFileTool: Tool = {
  effect: "read",
  display: { title: "Read file", wouldLikeTo: "read {path}", keyArguments: ["path"], body: "arguments" },
  definition: {
    name: "read_file",
    description:
      "Read a text file. Lines are prefixed with their 1-based number and `| ` (not part of the file). " +
      "Long files are cut; ask for start_line/end_line to read further. Binary files are refused.",
    parameters: {
      type: "object",
      properties: {
        path: { type: "string", description: "File path relative to the workspace root." },
        start_line: { type: "integer", description: "First line to show (1-based, default 1)." },
        end_line: { type: "integer", description: "Last line to show (inclusive, default: end of file)." },
      },
      required: ["path"],
    },
  },
  // The file it reads: one that looks like it holds secrets asks first (secret-reads.ts).
  async targets(input, ctx) {
    return readTargets(ctx.workspace, stringArg(input, "path"));
  },
  async execute(input, ctx) {
    const path = await ctx.workspace.resolve(stringArg(input, "path"));
    const info = await ctx.workspace.stat(path);
    if (!info) throw new ToolError("not-found", goneSinceSeen(ctx.reads, path, quotedPath(path)) ?? `${quotedPath(path)} does not exist`);
    if (info.type !== "file") throw new ToolError("not-a-file", `${quotedPath(path)} is a directory; use list_files`);
    if (info.size > MAX_READ_FILE_BYTES) throw tooLarge(path, info.size);
    const bytes = await ctx.workspace.read(path);
    // A key or token pasted into an ordinary file is masked: secret-values.ts.
    const file = decodeText(bytes, path);
    const { text, masked } = maskSecrets(file.text);
    const lines = splitLines(text);
    const first = optionalInt(input, "start_line", 1, Number.MAX_SAFE_INTEGER) ?? 1;
    const last = Math.min(optionalInt(input, "end_line", 1, Number.MAX_SAFE_INTEGER) ?? lines.length, lines.length);
    if (lines.length === 0) {
      // Seen whole: write_file may fill it.
      if (ctx.reads) recordWhole(ctx.reads, path, contentHash(bytes));
      // Emptied in the editor, not saved: the file on disk still has its lines.
      const unsaved = ctx.workspace.unsaved?.(path) ? `\n${unsavedNote(path)}` : "";
      return { text: `${shownPath(path)} is empty.${unsaved}`, data: { path, lines: 0 } };
    }
    if (first > lines.length) throw new ToolError("invalid-input", `start_line ${first} is past the end of ${shownPath(path)} (${lines.length} lines)`);
    const { texts, leftOut } = notebookLines(path, lines.map((l) => l.text), first, last);
    const shown = render(path, texts, first, last, file);
    const seenTo = shown.data.endLine - (shown.cutLine ? 1 : 0);
    const dataLines = leftOut.filter((n) => n <= shown.data.endLine);
    // What the model saw: a long line shown cut, or a notebook line shown without its data, counts as not seen whole.
    if (ctx.reads) for (const [from, to] of seenRanges(first, seenTo, dataLines)) recordLines(ctx.reads, path, contentHash(bytes), from, to, lines.length);
    // A key block begun above the range is told of too: its lines in the range are shown empty.
    const note = maskedNote(masked.filter((m) => (m.lastLine ?? m.line) >= first && m.line <= shown.data.endLine));
    const spelling = spellingNote(ctx.workspace.root, stringArg(input, "path"), path);
    if (spelling !== undefined) note.push(spelling);
    if (dataLines.length > 0) note.push(dataLeftOutNote(shownPath(path), dataLines));
    // The editor's unsaved text: commands and tests the model runs next read the disk, without it.
    if (ctx.workspace.unsaved?.(path)) note.push(unsavedNote(path));
    const conflicts = await conflictsShown(ctx.workspace.root, path, texts, first, shown.data.endLine);
    if (conflicts !== undefined) note.push(conflicts);
    if (file.strayBytes !== undefined) {
      note.push(
        `[Hearth: ${shownPath(path)} ${strayBytesPhrase(file.strayBytes)}. It is shown a byte per character (Windows-1252), so in the first reading ` +
          "its UTF-8 letters read as two or three characters ('Ã©' is 'é'). Copy its text as shown into old_text; new non-ASCII text cannot be written to it " +
          "until the user says which it is and repairs the stray bytes or converts the file to UTF-8.]",
      );
    }
    return note.length === 0 ? shown : { ...shown, text: [shown.text, ...note].join("\n") };
  },
};

/**
 * Said of a file read from the user's unsaved editor text (`Workspace.unsaved`). "Until it is
 * saved", not "until the user saves it": with files.autoSave afterDelay a file is unsaved for a
 * second, and the model was steered to ask the user to save what the editor saves on its own.
 */
function unsavedNote(path: string): string {
  return `[Hearth: ${shownPath(path)} has unsaved changes in the editor: this is the text there, not the file on disk, which commands and tests read until it is saved (by the user, or by the editor's auto-save where it is on).]`;
}

/**
 * conflict-markers.ts's note for the conflicts that lines first..last show part of; looked
 * for only where a line opens one, and none where git says the file is not conflicted.
 */
async function conflictsShown(root: string, path: string, lines: readonly string[], first: number, last: number): Promise<string | undefined> {
  if (!lines.some((line) => line.startsWith("<<<<<<<"))) return undefined;
  const blocks = conflictBlocks(lines).filter((b) => b.end >= first && b.start <= last);
  if (blocks.length === 0) return undefined;
  if ((await gitCountsConflicted(resolve(root, path))) !== false) return conflictNote(path, blocks);
  // Not unmerged: markers committed on purpose, or conflicts git added unresolved while a merge is under way.
  return (await markersAddedUnderWay(resolve(root, path), conflictBlocks(lines).length)) ? conflictNote(path, blocks, true) : undefined;
}

/** A notebook's lines first..last with their base64 output data left out (notebook-outputs.ts), and which lines were. */
function notebookLines(path: string, lines: string[], first: number, last: number): { texts: string[]; leftOut: number[] } {
  const leftOut: number[] = [];
  if (!isNotebookPath(path)) return { texts: lines, leftOut };
  const texts = lines.slice();
  for (let n = first; n <= last; n++) {
    const shown = dataLeftOut(lines[n - 1]!);
    if (shown === undefined) continue;
    texts[n - 1] = shown;
    leftOut.push(n);
  }
  return { texts, leftOut };
}

/** first..last without the lines of `gaps` (ascending); first..last itself when there are none. */
function seenRanges(first: number, last: number, gaps: readonly number[]): [number, number][] {
  if (gaps.length === 0) return [[first, last]];
  const ranges: [number, number][] = [];
  let from = first;
  for (const gap of gaps) {
    const to = Math.min(gap - 1, last);
    if (to >= from) ranges.push([from, to]);
    from = gap + 1;
  }
  if (from <= last) ranges.push([from, last]);
  return ranges;
}

/** Neither read_file nor search opens a file this large (search stops at 2 MB): a shell command can. */
function tooLarge(path: string, size: number): ToolError {
  const mb = (size / (1024 * 1024)).toFixed(1);
  return new ToolError(
    "too-large",
    `${quotedPath(path)} is ${mb} MB, over read_file's ${MAX_READ_FILE_BYTES / (1024 * 1024)} MB limit (search skips it too). ` +
      (shownPath(path) === path
        ? `Look inside with run_command, e.g. grep -n "PATTERN" ${shellWord(path)} or sed -n '1,200p' ${shellWord(path)}`
        : "Look inside with run_command (grep -n, or sed -n '1,200p', on it)"),
  );
}

function render(path: string, lines: readonly string[], first: number, last: number, file: FileForm): { text: string; data: { path: string; startLine: number; endLine: number; totalLines: number }; cutLine: boolean } {
  const width = String(last).length;
  const out: string[] = [];
  let used = 0;
  let shownTo = first - 1;
  let cutNote = "";
  for (let n = first; n <= last; n++) {
    const prefix = `${String(n).padStart(width)}| `;
    const text = lines[n - 1]!;
    const room = MAX_READ_CHARS - used - prefix.length - 1;
    // A line that can never fit (a minified bundle, one-line JSON) is shown cut, never whole;
    // after other lines, only when enough room is left to show something of it.
    if (prefix.length + text.length + 1 > MAX_READ_CHARS && (out.length === 0 || room >= MIN_CUT_CHARS)) {
      const shown = text.slice(0, pairSafeEnd(text, Math.max(0, room)));
      out.push(prefix + shown);
      shownTo = n;
      cutNote = longLineNote(path, n, text, shown.length, file);
      break;
    }
    if (used + prefix.length + text.length + 1 > MAX_READ_CHARS && out.length > 0) break;
    out.push(prefix + text);
    used += prefix.length + text.length + 1;
    shownTo = n;
  }
  const total = lines.length;
  const next = shownTo < total ? ` Continue with start_line=${shownTo + 1}.` : "";
  const note = cutNote !== ""
    ? `\n[${cutNote}${next}]`
    : shownTo < last ? `\n[Cut at the size limit: showing lines ${first}-${shownTo} of ${total}.${next}]` : first > 1 || last < total ? `\n[Lines ${first}-${last} of ${total}.]` : "";
  return { text: out.join("\n") + note, data: { path, startLine: first, endLine: shownTo, totalLines: total }, cutLine: cutNote !== "" };
}

/** Less room than this after other lines: the long line starts the next read instead. */
const MIN_CUT_CHARS = 4_000;


/** The file's text as it has it (secrets not masked), and how its bytes hold it, for a shell command that reads them. */
type FileForm = Pick<TextFile, "text" | "encoding" | "bom" | "eol">;

function longLineNote(path: string, n: number, line: string, shown: number, file: FileForm): string {
  return (
    `Line ${n} is ${line.length} characters long; showing its first ${shown}. A line this long cannot be read whole: ` +
    `find what you need in it with search or run_command (grep -noE '.{0,80}WORD.{0,80}' ${shellWord(path)})${readOn(path, n, line, shown, file)}. ` +
    `edit_file matches text from any part of it.`
  );
}

/**
 * The command that shows the next part of a long line. GNU cut counts bytes (-c too), so
 * a UTF-8 line that is not ASCII gets byte offsets at character bounds (-b): counted in
 * characters, a CJK line's next part was one already read, cut inside letters. A latin1
 * file's characters are its bytes; sed and cut cannot read a UTF-16 file's lines. A UTF-8
 * BOM is the first line's first three bytes to sed. A file whose lines end in a lone CR
 * (read_file numbers its lines at CRs, splitLines) has no line feed for sed to count: tr
 * makes its CRs line feeds first. The offsets are counted in the file's line, whose secrets
 * read_file showed masked (`maskedLine`), and neither end splits a secret value: the
 * command's output is masked as run_command's, and a value's part alone is not shaped like one.
 */
function readOn(path: string, n: number, maskedLine: string, shownMasked: number, file: FileForm): string {
  if (file.encoding === "utf16le" || file.encoding === "utf16be") return "";
  const line = maskedLine.includes(MASK_START) ? (splitLines(file.text)[n - 1]?.text ?? maskedLine) : maskedLine;
  // A value the cut falls inside (a URL's scheme and user shown, its password not) is printed whole, so masked.
  const shown = safeEnd(line, line === maskedLine ? shownMasked : inFileLine(line, maskedLine, shownMasked));
  const end = pairSafeEnd(line, safeEnd(line, shown + MAX_READ_CHARS));
  const ascii = file.encoding === "latin1" || !/[^\x00-\x7f]/.test(line.slice(0, end));
  const bom = n === 1 && file.bom ? 3 : 0;
  const [from, to] = ascii ? [shown + 1, end] : [Buffer.byteLength(line.slice(0, shown)) + 1, Buffer.byteLength(line.slice(0, end))];
  const lineOf = file.eol === "\r" ? `tr '\\r' '\\n' < ${shellWord(path)} | sed -n '${n}p'` : `sed -n '${n}p' ${shellWord(path)}`;
  return `, or read on with run_command: ${lineOf} | cut -${ascii ? "c" : "b"} ${from + bom}-${to + bom}`;
}

/**
 * How many of the file's `line` characters the first `shown` characters of `maskedLine` (the
 * line with its secret values masked) stand for; a cut inside a mask stands for its value's
 * start. Outside its masks the masked line is the file's text.
 */
function inFileLine(line: string, maskedLine: string, shown: number): number {
  let [i, j] = [0, 0];
  for (;;) {
    const mask = maskedLine.indexOf(MASK_START, i);
    if (mask < 0 || mask >= shown) return j + (shown - i);
    j += mask - i;
    const close = maskedLine.indexOf("]", mask) + 1 || maskedLine.length;
    const valueEnd = safeStart(line, j + 1);
    // A mask's text that is the file's own (no value starts here) is taken as written.
    if (valueEnd === j + 1) [i, j] = [mask + 1, j + 1];
    else {
      if (close > shown) return j;
      // The value's span can hold what the mask keeps after it (a key block's END line).
      const kept = maskedLine.slice(close, Math.min(maskedLine.length, close + 64)).split(MASK_START)[0]!;
      const back = kept === "" ? -1 : line.lastIndexOf(kept, valueEnd);
      [i, j] = [close, back > j ? back : valueEnd];
    }
  }
}

/** Around an offset, as far as a secret value (a key block) may run: each look reads this much of a line, not all of it. */
const VALUE_REACH = 16_384;

function safeStart(line: string, start: number): number {
  const from = Math.max(0, start - VALUE_REACH);
  return from + secretSafeStart(line.slice(from, start + VALUE_REACH), start - from);
}

function safeEnd(line: string, end: number): number {
  if (end >= line.length) return line.length;
  const from = Math.max(0, end - VALUE_REACH);
  return from + secretSafeEnd(line.slice(from, end + VALUE_REACH), end - from);
}
