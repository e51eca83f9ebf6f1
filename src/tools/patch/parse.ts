/**
 * Reads unified diffs the way LLMs write them: inside a fenced block with prose around it,
 * with or without `diff --git` headers, with wrong or missing hunk numbers, CRLF line
 * endings, context lines whose leading space was dropped. Parsing is lenient on purpose:
 * every hunk is later checked against the file, so a misread hunk is refused, not applied.
 */

/** One body line of a hunk. */
export interface PatchLine {
  readonly kind: " " | "-" | "+";
  readonly text: string;
}

export interface Hunk {
  /** The `@@ … @@` line as written. */
  readonly header: string;
  /** From the header when it has numbers (1-based, as in the diff). */
  readonly oldStart?: number;
  readonly oldCount?: number;
  readonly newStart?: number;
  readonly newCount?: number;
  readonly lines: PatchLine[];
  /** `\ No newline at end of file` after the old side's last line. */
  readonly oldNoNewline: boolean;
  /** `\ No newline at end of file` after the new side's last line. */
  readonly newNoNewline: boolean;
  /** The header has counts and they agree with the body: its line numbers are trusted as a hint. */
  readonly countsConsistent: boolean;
  /**
   * The patch ends inside this hunk and its body falls short of the header's counts by more
   * than dropped context lines explain: the patch was cut off (a model's output stopped at
   * its token limit). The lines the body has, and the counts it was meant to have.
   */
  readonly cutOff?: { readonly oldLines: number; readonly newLines: number; readonly oldCount: number; readonly newCount: number };
}

/** One file's part of a patch. Paths are as written (prefixes and all); null is /dev/null. */
export interface FilePatch {
  readonly oldPath: string | null;
  readonly newPath: string | null;
  readonly hunks: Hunk[];
  readonly gitHeader: boolean;
  readonly newFileMode: boolean;
  readonly deletedFileMode: boolean;
  readonly binary: boolean;
  /**
   * How the paths are written: "git" — with git's `a/` and `b/` (the `diff --git` line has
   * them); "none" — as they are (git's `rename from/to` lines); "unknown" — the workspace decides.
   */
  readonly prefixes: Prefixes;
  /** A merge's combined diff (`diff --cc`, `@@@` hunks): one column per parent, not a patch. */
  readonly combined: boolean;
  /** git's file modes from `old mode` / `deleted file mode` and `new mode` / `new file mode` ("100755", "120000": a link). */
  readonly oldMode?: string;
  readonly newMode?: string;
  /**
   * The patch's last section, with a header that promises hunks and none after it: `---`/`+++`
   * lines (git writes them only before hunks), or a `diff --git` header that changes no mode,
   * renames nothing and names a new file's non-empty content. The patch was cut off there.
   */
  readonly cutAfterHeader: boolean;
  /** git's `copy from` / `copy to` (`git diff -C`): the new path is made from the old one, which stays. */
  readonly copied?: true;
}

export type Prefixes = "git" | "none" | "unknown";

/** A patch text that contains no diff at all. */
export class PatchParseError extends Error {}

const FENCE = /^(\s*)(```+|~~~+)/;
const COMBINED = /^diff --(cc|combined) /;
const EXTENDED = /^(old mode|new mode|new file mode|deleted file mode|similarity index|dissimilarity index|rename from|rename to|copy from|copy to|index )/;

/** Parses every file section of a patch. Throws `PatchParseError` when none is found. */
export function parsePatch(text: string): FilePatch[] {
  const lines = extractDiffLines(text);
  // The text stops inside its last diff line (no newline after it): that line may be cut short.
  const lastRaw = patchLines(text).at(-1)!;
  const openEnd = lastRaw !== "" && lines.at(-1) === lastRaw;
  const files: MutableFile[] = [];
  let current: MutableFile | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("diff --git ")) {
      const written = gitHeaderPaths(line);
      const mnemonic = mnemonicPrefixes(written.oldPath, written.newPath);
      const paths = mnemonic ? { oldPath: asGitPrefix(written.oldPath, mnemonic[0], "a/"), newPath: asGitPrefix(written.newPath, mnemonic[1], "b/") } : written;
      current = startFile(files, paths);
      current.gitHeader = true;
      if (mnemonic) current.mnemonic = mnemonic;
      current.headerPrefixes = current.prefixes = paths.oldPath?.startsWith("a/") === true && paths.newPath?.startsWith("b/") === true ? "git" : "unknown";
    } else if (COMBINED.test(line)) {
      const path = unquote(line.replace(COMBINED, "").trim());
      current = startFile(files, { oldPath: path, newPath: path });
      current.gitHeader = current.combined = true;
    } else if (line.startsWith("--- ") && lines[i + 1]?.startsWith("+++ ")) {
      // The ---/+++ lines under a mnemonic diff --git header carry its letters too.
      const mnemonic = current && current.hunks.length === 0 && !current.sawFileLines ? current.mnemonic : undefined;
      const oldPath = asGitPrefix(headerPath(line.slice(4)), mnemonic?.[0], "a/");
      const newPath = asGitPrefix(headerPath(lines[i + 1]!.slice(4)), mnemonic?.[1], "b/");
      if (!current || current.hunks.length > 0 || current.sawFileLines || namesOtherFiles(current, [oldPath, newPath])) current = startFile(files, { oldPath, newPath });
      else Object.assign(current, { oldPath, newPath, prefixes: current.headerPrefixes });
      current.sawFileLines = true;
      i++;
    } else if (current && current.hunks.length === 0 && EXTENDED.test(line)) {
      readExtended(current, line);
    } else if (current && (line.startsWith("Binary files ") || line === "GIT binary patch")) {
      current.binary = true;
    } else if (line.startsWith("@@")) {
      if (!current) current = startFile(files, { oldPath: undefined, newPath: undefined });
      if (line.startsWith("@@@")) current.combined = true;
      i = readHunk(lines, i, current, openEnd) - 1;
    }
  }
  if (files.length === 0 || files.every((f) => f.hunks.length === 0 && !f.gitHeader && !f.combined)) {
    throw new PatchParseError("no unified diff found: expected `--- a/file`, `+++ b/file` and `@@` hunks");
  }
  return files.map((f, i) => freeze(f, i === files.length - 1 && headerOnly(f)));
}

interface MutableFile {
  oldPath: string | null | undefined;
  newPath: string | null | undefined;
  hunks: Hunk[];
  gitHeader: boolean;
  sawFileLines: boolean;
  newFileMode: boolean;
  deletedFileMode: boolean;
  binary: boolean;
  headerPrefixes: Prefixes;
  prefixes: Prefixes;
  /** The letters of a diff.mnemonicPrefix header (old side, new side), read as a/ and b/. */
  mnemonic?: readonly [string, string];
  combined: boolean;
  oldMode?: string;
  newMode?: string;
  /** The new side's blob from git's `index old..new` line. */
  newBlob?: string;
  renamed?: boolean;
  copied?: boolean;
}

// git's empty blob (SHA-1, SHA-256), abbreviated as `index` lines write it.
const EMPTY_BLOB = /^(e69de29|473a0f4)/;

/** A section that says only what file comes next (see FilePatch.cutAfterHeader). */
function headerOnly(f: MutableFile): boolean {
  if (f.hunks.length > 0 || f.combined || f.binary) return false;
  if (f.sawFileLines) return true;
  if (!f.gitHeader || f.oldMode || f.newMode || f.renamed || f.deletedFileMode) return false;
  return !f.newFileMode || (f.newBlob !== undefined && !EMPTY_BLOB.test(f.newBlob));
}

/**
 * `---`/`+++` lines that are not a rename or copy section's own (`--- a/from`, `+++ b/to`
 * of its `rename from/to`, `copy from/to` lines): the next file's, its own `diff --git` line
 * left out. Taken for this section's, they replaced its paths and the rename was dropped in
 * silence. (Any other `diff --git` line the `---`/`+++` lines contradict is taken to be the
 * one that is wrong.)
 */
function namesOtherFiles(file: MutableFile, [oldPath, newPath]: readonly [string | null, string | null]): boolean {
  if (!file.gitHeader || !file.renamed) return false;
  return !samePath(oldPath, file.oldPath) || !samePath(newPath, file.newPath);
}

// A rename or copy has a file on both sides: its own lines never name /dev/null.
function samePath(given: string | null, known: string | null | undefined): boolean {
  if (given === null || typeof known !== "string") return given === known;
  return given === known || withoutGitPrefix(given) === known || withoutGitPrefix(given) === withoutGitPrefix(known);
}

function withoutGitPrefix(path: string): string {
  const bare = path.startsWith("./") ? path.slice(2) : path;
  return /^[ab]\//.test(bare) ? bare.slice(2) : bare;
}

function startFile(files: MutableFile[], paths: { oldPath: string | null | undefined; newPath: string | null | undefined }): MutableFile {
  const file: MutableFile = { ...paths, hunks: [], gitHeader: false, sawFileLines: false, newFileMode: false, deletedFileMode: false, binary: false, headerPrefixes: "unknown", prefixes: "unknown", combined: false };
  files.push(file);
  return file;
}

function freeze(f: MutableFile, cutAfterHeader: boolean): FilePatch {
  let oldPath = f.oldPath ?? null;
  let newPath = f.newPath ?? null;
  // A headerless hunk section (only `@@`): the caller supplies the path.
  if (f.oldPath === undefined && f.newPath === undefined) oldPath = newPath = "";
  if (f.newFileMode) oldPath = null;
  if (f.deletedFileMode) newPath = null;
  const extras = { ...(f.oldMode ? { oldMode: f.oldMode } : {}), ...(f.newMode ? { newMode: f.newMode } : {}), ...(f.copied ? { copied: true as const } : {}) };
  return { oldPath, newPath, hunks: f.hunks, gitHeader: f.gitHeader, newFileMode: f.newFileMode, deletedFileMode: f.deletedFileMode, binary: f.binary, prefixes: f.prefixes, combined: f.combined, cutAfterHeader, ...extras };
}

/**
 * The patch's lines, split as git writes them: at LF and CRLF, and at a lone CR only in a
 * patch saved with classic Mac line ends, told by its first header line's end. A CR inside
 * a line (a progress line in a log, a string with a raw CR, as git diff writes it) is part of
 * that line: split there, an added line lost its rest. Counting CRs would not tell: one
 * progress line's redraws outnumber a patch's lines. (A classic-Mac file, which git writes
 * as one line, is split at its CRs where it is applied: apply-hunks.ts.)
 */
function patchLines(text: string): string[] {
  const end = headerEnd(text);
  if (end === "\r") return text.split(/\r\n?|\n/);
  const lines = text.split("\n");
  for (let i = 0; i < lines.length - 1; i++) {
    // In a patch whose lines end in LF, as git writes them, a CR before `\ No newline at end
    // of file` is the line's own (a classic-Mac file's last line end), not half of a CRLF.
    const own = end === "\n" && lines[i + 1]!.startsWith("\\");
    if (lines[i]!.endsWith("\r") && !own) lines[i] = lines[i]!.slice(0, -1);
  }
  return lines;
}

/** How the patch's first header line ends: "\n", "\r\n", "\r", or "" (none). */
function headerEnd(text: string): string {
  return /^(?:diff |--- |\+\+\+ |@@)[^\r\n]*(\r\n|\r|\n|$)/m.exec(text)?.[1] ?? "";
}

/**
 * The diff's lines without their line ends (`patchLines`). When fenced blocks hold the diff, only their contents count
 * (prose outside them may contain lines that look like diff lines). A block closes only at
 * a bare fence no more indented than its opening one: a diff of a Markdown file carries
 * fences of its own as context lines (" ```js"), and closing there would cut hunks short.
 * If any diff header lies outside the blocks, the fences were not the diff's: all lines count.
 */
export function extractDiffLines(text: string): string[] {
  const all = patchLines(text);
  const blocks: string[][] = [];
  const outside: string[] = [];
  let open: RegExpExecArray | undefined;
  let inside: string[] = [];
  for (const line of all) {
    const fence = FENCE.exec(line);
    if (!open) {
      if (fence) [open, inside] = [fence, []];
      else outside.push(line);
    } else if (fence && closesFence(open, fence, line)) {
      blocks.push(inside);
      open = undefined;
    } else inside.push(line);
  }
  if (open) blocks.push(inside);
  const diffBlocks = blocks.filter((b) => b.some(isDiffHeader));
  return diffBlocks.length > 0 && !outside.some(isDiffHeader) ? diffBlocks.flat() : all;
}

function closesFence(open: RegExpExecArray, fence: RegExpExecArray, line: string): boolean {
  const [indent, marks] = [fence[1]!, fence[2]!];
  return indent.length <= open[1]!.length && marks[0] === open[2]![0] && marks.length >= open[2]!.length && line.slice(fence[0].length).trim() === "";
}

function isDiffHeader(line: string): boolean {
  return line.startsWith("@@") || line.startsWith("diff --git ") || line.startsWith("+++ ");
}

function readExtended(file: MutableFile, line: string): void {
  const mode = /^(old mode|new mode|new file mode|deleted file mode) +(\d{6})\s*$/.exec(line);
  if (mode) file[mode[1] === "old mode" || mode[1] === "deleted file mode" ? "oldMode" : "newMode"] = mode[2]!;
  const index = /^index [0-9a-f]+\.\.([0-9a-f]+)/.exec(line);
  if (index) file.newBlob = index[1]!;
  if (/^(rename|copy) (from|to) /.test(line)) file.renamed = true;
  if (/^copy (from|to) /.test(line)) file.copied = true;
  if (line.startsWith("new file mode")) file.newFileMode = true;
  else if (line.startsWith("deleted file mode")) file.deletedFileMode = true;
  else if (line.startsWith("rename from ") || line.startsWith("copy from ")) [file.oldPath, file.prefixes] = [unquote(line.slice(line.indexOf("from ") + 5)), "none"];
  else if (line.startsWith("rename to ") || line.startsWith("copy to ")) [file.newPath, file.prefixes] = [unquote(line.slice(line.indexOf("to ") + 3)), "none"];
}

const HUNK_HEADER = /^@@+ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Reads one hunk starting at the `@@` line; returns the index of the first line after it. */
function readHunk(lines: readonly string[], start: number, file: MutableFile, openEnd: boolean): number {
  const header = lines[start]!;
  const body: { kind: " " | "-" | "+"; text: string; loose: boolean }[] = [];
  let oldNoNewline = false;
  let newNoNewline = false;
  const counted = HUNK_HEADER.exec(header);
  const [oldCount, newCount] = counted ? [counted[2] === undefined ? 1 : Number(counted[2]), counted[4] === undefined ? 1 : Number(counted[4])] : [-1, -1];
  let [oldSeen, newSeen] = [0, 0];
  let i = start + 1;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (endsHunk(lines, i)) break;
    // git format-patch's e-mail signature ("-- ", then git's version) after a hunk its counts have ended.
    if (line === "-- " && oldSeen === oldCount && newSeen === newCount && !/^[ +\-@\\]/.test(lines[i + 1] ?? "")) break;
    const c = line[0];
    if (c !== "+" && c !== "\\") oldSeen++;
    if (c !== "-" && c !== "\\") newSeen++;
    if (c === "+" || c === "-" || c === " ") body.push({ kind: c, text: line.slice(1), loose: false });
    else if (c === "\\") {
      const last = body.at(-1);
      if (last?.kind !== "+") oldNoNewline = true;
      if (last?.kind !== "-") newNoNewline = true;
    } else body.push({ kind: " ", text: line, loose: true });
  }
  // Unprefixed lines at the end are prose or blank separators, not context.
  let popped = 0;
  for (; body.length > 0 && body.at(-1)!.loose; popped++) body.pop();
  const m = HUNK_HEADER.exec(header);
  const counts = m ? { oldStart: Number(m[1]), oldCount: m[2] === undefined ? 1 : Number(m[2]), newStart: Number(m[3]), newCount: m[4] === undefined ? 1 : Number(m[4]) } : {};
  const oldSide = body.filter((l) => l.kind !== "+").length;
  const newSide = body.filter((l) => l.kind !== "-").length;
  const countsConsistent = m !== null && counts.oldCount === oldSide && counts.newCount === newSide;
  const partialAdded = openEnd && popped === 0 && body.at(-1)?.kind === "+";
  const cut = m !== null && i === lines.length ? cutOff(body, counts, { oldLines: oldSide, newLines: newSide }, partialAdded) : undefined;
  if (body.length > 0) {
    file.hunks.push({ header, ...counts, lines: body.map(({ kind, text }) => ({ kind, text })), oldNoNewline, newNoNewline, countsConsistent, ...(cut ? { cutOff: cut } : {}) });
  }
  return i;
}

/**
 * The patch's last hunk, short of its header's counts on both sides (or, for a new file's
 * hunk, short of its new side): cut off, unless it is short by the same one or two lines on
 * each side with a change in it (context lines the model dropped while copying, or trailing
 * context cut, which loses nothing) and does not end in an added line the text stops inside
 * (a line cut in half would be written). Counts too small, or short on one side only, are
 * the usual miscounting and stay a mere hint.
 */
function cutOff(body: readonly { kind: string }[], counts: { oldCount?: number; newCount?: number }, sides: { oldLines: number; newLines: number }, partialAdded: boolean): Hunk["cutOff"] {
  const { oldCount = 0, newCount = 0 } = counts;
  const [oldShort, newShort] = [oldCount - sides.oldLines, newCount - sides.newLines];
  const short = oldCount === 0 ? newShort > 0 : oldShort > 0 && newShort > 0;
  if (!short) return undefined;
  const dropped = oldShort === newShort && oldShort <= DROPPED_CONTEXT && body.some((l) => l.kind !== " ");
  return dropped && !partialAdded ? undefined : { ...sides, oldCount, newCount };
}

// As many context lines as the locator forgives (locate.ts MAX_FUZZ).
const DROPPED_CONTEXT = 2;

function endsHunk(lines: readonly string[], i: number): boolean {
  const line = lines[i]!;
  if (line.startsWith("@@") || line.startsWith("diff --git ") || COMBINED.test(line) || line.startsWith("Index: ")) return true;
  return line.startsWith("--- ") && (lines[i + 1]?.startsWith("+++ ") ?? false);
}

/** A path from a `---`/`+++` line: timestamp dropped, quotes removed, /dev/null → null. */
function headerPath(raw: string): string | null {
  let path = raw.includes("\t") ? raw.slice(0, raw.indexOf("\t")) : raw;
  path = unquote(path.trim());
  if (path === "/dev/null" || path === "dev/null") return null;
  // Some writers append a timestamp after spaces instead of a tab.
  return path.replace(/\s+\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?( [+-]\d{4})?$/, "");
}

function gitHeaderPaths(line: string): { oldPath: string | undefined; newPath: string | undefined } {
  const rest = line.slice("diff --git ".length).trim();
  const quoted = /^"((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$/.exec(rest);
  if (quoted) return { oldPath: unquote(`"${quoted[1]}"`), newPath: unquote(`"${quoted[2]}"`) };
  // "a/x b/x": split at the " b/" that makes both halves equal, else at the last " b/".
  const parts = rest.split(" ");
  for (let k = 1; k < parts.length; k++) {
    const a = parts.slice(0, k).join(" ");
    const b = parts.slice(k).join(" ");
    if (a.replace(/^a\//, "") === b.replace(/^b\//, "")) return { oldPath: a, newPath: b };
  }
  // "i/x w/x" (diff.mnemonicPrefix): the same, with its letters.
  for (let k = 1; k < parts.length; k++) {
    const a = parts.slice(0, k).join(" ");
    const b = parts.slice(k).join(" ");
    if (mnemonicPrefixes(a, b) && a.slice(2) === b.slice(2)) return { oldPath: a, newPath: b };
  }
  const at = rest.lastIndexOf(" b/");
  if (at > 0) return { oldPath: rest.slice(0, at), newPath: rest.slice(at + 1) };
  return { oldPath: parts[0], newPath: parts.at(-1) };
}

/**
 * The prefixes git writes for the two sides where the user's config sets diff.mnemonicPrefix
 * (git diff: i/ w/; git diff HEAD: c/ w/; --cached: c/ i/; an object and a file: o/ w/;
 * --no-index: 1/ 2/), which git apply strips as it strips a/ and b/.
 */
const MNEMONIC_PAIRS = new Set(["i w", "c w", "c i", "o w", "1 2"]);

/** The two letters where a diff --git header's paths start with a mnemonic pair (mnemonicPrefixes); a header with the same letter on both sides (diff.noprefix, a folder named c) has none. */
function mnemonicPrefixes(oldPath: string | undefined, newPath: string | undefined): readonly [string, string] | undefined {
  const [from, to] = [/^([a-z0-9])\//.exec(oldPath ?? "")?.[1], /^([a-z0-9])\//.exec(newPath ?? "")?.[1]];
  return from && to && MNEMONIC_PAIRS.has(`${from} ${to}`) ? [from, to] : undefined;
}

/** `path` with its one-letter prefix `letter/` written as git's `prefix` (a/, b/); as it is otherwise. */
function asGitPrefix<T extends string | null | undefined>(path: T, letter: string | undefined, prefix: string): T {
  return letter !== undefined && typeof path === "string" && path.startsWith(`${letter}/`) ? (`${prefix}${path.slice(2)}` as T) : path;
}

/** Removes git's C-style quoting ("a\tb", "\303\251"). */
function unquote(path: string): string {
  if (!(path.startsWith('"') && path.endsWith('"') && path.length >= 2)) return path;
  const bytes: number[] = [];
  const body = path.slice(1, -1);
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, "\\": 92, a: 7, b: 8, f: 12, v: 11 };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== "\\") {
      bytes.push(...Buffer.from(ch));
      continue;
    }
    const next = body[i + 1] ?? "";
    if (/[0-7]{3}/.test(body.slice(i + 1, i + 4))) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(simple[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}
