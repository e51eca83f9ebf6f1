/**
 * Turns a patch into workspace changes without writing anything: resolves each file's
 * path (with or without a/ b/ prefixes), applies its hunks in memory, and reports per
 * file and per hunk. The caller writes `changes` only when `ok` (all or nothing).
 */
import { randomBytes } from "node:crypto";
import { realpath } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type TextFile, checkJsonKept, decodeText, encodeText, joinLines, splitLines } from "../text-file.ts";
import { ToolError } from "../tool.ts";
import { type Workspace, type WorkspaceChange, lexicalRelative, quotedPath } from "../workspace.ts";
import { type HunkOutcome, applyHunks } from "./apply-hunks.ts";
import { matchEncoding, rawSectionPaths } from "./encoding.ts";
import { type FilePatch, type Prefixes, parsePatch } from "./parse.ts";

export type FileOperation = "modify" | "create" | "delete" | "rename" | "copy";

/** The outcome for one file section of the patch. */
export interface FileOutcome {
  readonly path: string;
  readonly operation: FileOperation;
  /** For renames and copies: the new path. */
  readonly newPath?: string;
  readonly ok: boolean;
  /** Why the file as a whole failed (hunk reasons are in `hunks`). */
  readonly reason?: string;
  /** What was not done although the file applied (a mode change: only contents are written). */
  readonly note?: string;
  readonly hunks: HunkOutcome[];
}

export interface PatchPlan {
  readonly ok: boolean;
  readonly files: FileOutcome[];
  /** What to write; empty unless `ok`. */
  readonly changes: WorkspaceChange[];
}

export interface PlanOptions {
  /** Path for hunks that come without any file header. */
  readonly defaultPath?: string;
  /**
   * The patch text is its bytes, one character each (`patchText`'s `raw`: a patch that is
   * not UTF-8): each section is matched to its file's encoding first (encoding.ts).
   */
  readonly raw?: boolean;
  /**
   * Refuse a file that parsed as JSON (`.json`, `.ipynb`) and would not after, as edit_file
   * does: set for the model's patches. A patch a person hands to `hearth apply-patch` is
   * applied as given.
   */
  readonly keepJson?: boolean;
}

/** In-memory state of a file across the patch (a file may appear in several sections). */
interface Pending {
  file: TextFile;
  text: string | null;
  /** The file on disk this text was read from, and its bytes then (a write there is refused if they changed). */
  source?: { readonly path: string; readonly bytes: Uint8Array };
}

/** OpenAI's patch format (`*** Begin Patch`, `*** Update File: path`), which is not a unified diff. */
const OPENAI_FORMAT = /^\*\*\* (?:Begin Patch|Update File: |Add File: |Delete File: )/m;
const OPENAI_REFUSAL =
  "this patch is in the `*** Begin Patch` / `*** Update File:` format, which Hearth does not read; send a unified diff: for each file a `--- a/path` and a `+++ b/path` line, then its hunks, each under an `@@ -start,count +start,count @@` line";

/** A terminal's colour code (SGR: ESC [ … m), as git diff writes them with color.ui=always. */
const COLOUR_CODE = /\x1b\[[0-9;]*m/;
const COLOURS_REFUSAL =
  "the patch holds a terminal's colour codes (ESC [ … m), as git diff writes them where color.ui or color.diff is always, or with --color; git apply refuses it too. Make it again without them: git diff --no-color";

/**
 * Whether a patch in which no diff was found is one once its colour codes are gone: saved from
 * a git diff in colour, it looks like a plain diff wherever a terminal shows it (`cat`), and "no
 * unified diff found" was a dead end. Not read without them: a file's own lines may hold such codes.
 */
function inColours(patchText: string): boolean {
  if (!COLOUR_CODE.test(patchText)) return false;
  try {
    parsePatch(patchText.replace(new RegExp(COLOUR_CODE.source, "g"), ""));
    return true;
  } catch {
    return false;
  }
}

/** Plans a patch against the workspace. Parse errors throw `ToolError("patch-failed")`. */
export async function planPatch(ws: Workspace, patchText: string, options: PlanOptions = {}): Promise<PatchPlan> {
  let sections: FilePatch[];
  try {
    sections = parsePatch(patchText);
  } catch (error) {
    throw new ToolError("patch-failed", OPENAI_FORMAT.test(patchText) ? OPENAI_REFUSAL : inColours(patchText) ? COLOURS_REFUSAL : (error as Error).message);
  }
  // Its hunks have no file header, and no path was given: every section would be "modify ''".
  if (options.defaultPath === undefined && OPENAI_FORMAT.test(patchText) && sections.every((s) => s.oldPath === "" && s.newPath === "")) {
    throw new ToolError("patch-failed", OPENAI_REFUSAL);
  }
  const pending = new Map<string, Pending>();
  const renames: { from: string; to: string }[] = [];
  const files: FileOutcome[] = [];
  const names = new Map<string, string>();
  for (const section of sections) files.push(await planFile(ws, section, { pending, renames, names }, options));
  if (files.every((f) => f.ok)) await refuseFilesUnderFiles(ws, pending, files);
  const ok = files.every((f) => f.ok);
  return { ok, files, changes: ok ? await toChanges(ws, pending, renames) : [] };
}

/**
 * Refuses (in `files`) a file the patch leaves under a name that is a file once the patch is
 * applied: one the patch makes (`d` and `d/x` both: git apply writes `d`, then fails) or one
 * on disk the patch does not delete or move. A file the patch deletes or moves away frees its
 * name for a folder (`git mv d d/x`).
 */
async function refuseFilesUnderFiles(ws: Workspace, pending: Map<string, Pending>, files: FileOutcome[]): Promise<void> {
  const onDisk = new Map<string, Promise<"file" | "directory" | undefined>>();
  const kindOnDisk = (name: string) => {
    if (!onDisk.has(name)) onDisk.set(name, ws.stat(name).then((info) => info?.type));
    return onDisk.get(name)!;
  };
  for (const [index, outcome] of files.entries()) {
    const target = outcome.operation === "delete" ? undefined : (outcome.newPath ?? outcome.path);
    if (target === undefined || pending.get(target)?.text == null) continue;
    for (let folder = target; folder.includes("/"); ) {
      folder = folder.slice(0, folder.lastIndexOf("/"));
      const state = pending.get(folder);
      if (state?.text === null) continue;
      const kind = state ? "file" : await kindOnDisk(folder);
      if (kind === "directory") break;
      if (kind === undefined) continue;
      const why = state ? `the patch also makes "${folder}" a file` : `"${folder}" is a file`;
      files[index] = { ...outcome, ok: false, reason: `"${target}" cannot be made: ${why}, and a file cannot hold files` };
      break;
    }
  }
}

/** What the sections of one patch share: the files' states, the renames, the real file behind each name used. */
interface PlanState {
  readonly pending: Map<string, Pending>;
  readonly renames: { from: string; to: string }[];
  readonly names: Map<string, string>;
}

async function planFile(ws: Workspace, patchSection: FilePatch, { pending, renames, names }: PlanState, options: PlanOptions): Promise<FileOutcome> {
  let section = options.raw ? rawSectionPaths(patchSection) : patchSection;
  let paths: { from: string | null; to: string | null };
  try {
    paths = await resolvePaths(ws, section, pending, options);
  } catch (error) {
    const shown = section.newPath ?? section.oldPath ?? "?";
    return { path: shown, operation: "modify", ok: false, reason: error instanceof ToolError ? error.message : String(error), hunks: [] };
  }
  const operation = operationOf(paths, section.copied === true);
  const path = (paths.from ?? paths.to)!;
  const base = { path, operation, ...(operation === "rename" || operation === "copy" ? { newPath: paths.to! } : {}) };
  const fail = (reason: string, hunks: HunkOutcome[] = []): FileOutcome => ({ ...base, ok: false, reason, hunks });
  if (section.combined) return fail("this is a combined diff (`diff --cc`, a merge shown against each of its parents), not a patch: its lines have a column per parent. Send a plain unified diff of the change (`git diff` between two versions)");
  if (section.binary) return fail("binary patches are not supported; write the file instead");
  if (section.cutAfterHeader) return fail("the patch ends with this file's header and no hunks for it: the patch looks cut off; send it whole");
  const special = [section.oldMode, section.newMode].find((m) => m === LINK_MODE || m === SUBMODULE_MODE);
  if (special === LINK_MODE) return fail("the patch makes or changes a symbolic link (mode 120000), which Hearth does not do: a link from a patch can point outside the workspace. Make the link yourself if it is wanted");
  if (special === SUBMODULE_MODE) return fail("the patch changes a submodule (mode 160000), which is not a file; update the submodule with git");
  const note = modeNote(section, paths.to ?? path);
  const alias = await aliasOf(ws.root, names, [paths.from, paths.to]);
  if (alias) return fail(`"${alias.path}" is "${alias.other}" under another name (through a link), which this patch also changes; patch the file under one name`);
  const twin = paths.to !== null && paths.to !== paths.from ? await caseTwin(ws, pending, paths.to, paths.from) : undefined;
  if (twin !== undefined) {
    const verb = operation === "create" ? "creates" : operation === "copy" ? "copies it to" : "renames it to";
    return fail(
      `the patch ${verb} ${quotedPath(paths.to!)}, and ${quotedPath(twin)} is there, its name differing only in letter case (macOS and Windows disks cannot hold both). To change that file, patch it under its name as it is; a new file needs a name that differs in more than letter case`,
    );
  }
  try {
    let state = await load(ws, pending, paths.from, path, operation === "copy");
    if (options.raw) {
      const matched = matchEncoding(section, state.file, path);
      if ("refusal" in matched) return fail(matched.refusal);
      section = matched.section;
      state = { file: matched.file, text: state.text };
    }
    const taken = paths.to !== null && paths.to !== paths.from && (await exists(ws, pending, paths.to));
    // foo.ts -> Foo.ts where the disk ignores case: Foo.ts is there as foo.ts itself.
    const ownCase = taken && operation === "rename" && !pending.has(paths.to!) && (await caseOfItself(ws, paths.from!, paths.to!));
    if (taken && !ownCase) return fail(`"${paths.to}" already exists`);
    const original = splitLines(state.text ?? "");
    const { lines, outcomes } = applyHunks(original, state.file.eol, section.hunks);
    if (!lines) return fail(`${outcomes.filter((o) => !o.ok).length} of ${outcomes.length} hunk(s) did not apply`, outcomes);
    const text = joinLines(lines);
    if (operation === "delete") {
      if (text !== "" && section.hunks.length > 0) return fail("the patch deletes the file, but the file has lines the patch does not remove", outcomes);
      if (section.hunks.length === 0 && !section.deletedFileMode && state.text !== "") return fail("no hunks and no `deleted file mode`: nothing says what to do");
    }
    encodeText(state.file, text, path);
    // As edit_file and write_file: a notebook or JSON file that parsed before must parse after.
    if (options.keepJson && paths.to !== null) checkJsonKept(paths.to, state.text ?? "", text);
    // A copy leaves its source as it is (git diff -C: the new file is made from it).
    if (paths.from !== null && operation !== "copy") pending.set(paths.from, { file: state.file, text: operation === "modify" ? text : null, ...(state.source ? { source: state.source } : {}) });
    if (paths.to !== null && paths.to !== paths.from) pending.set(paths.to, { file: state.file, text, ...(state.source ? { source: state.source } : {}) });
    if (operation === "rename") renames.push({ from: paths.from!, to: paths.to! });
    return { ...base, ok: true, hunks: outcomes, ...(note ? { note } : {}) };
  } catch (error) {
    if (error instanceof ToolError) return fail(error.message);
    throw error;
  }
}

function operationOf(paths: { from: string | null; to: string | null }, copied: boolean): FileOperation {
  if (paths.from === null) return "create";
  if (paths.to === null) return "delete";
  if (paths.from === paths.to) return "modify";
  return copied ? "copy" : "rename";
}

/**
 * A path of this section that names a file an earlier section named otherwise (a folder
 * link, `lib -> src`, or a file link): each section would start from the file on disk and
 * the last write would drop the others' changes, all reported as applied.
 */
async function aliasOf(root: string, names: Map<string, string>, paths: readonly (string | null)[]): Promise<{ path: string; other: string } | undefined> {
  const ids = new Map<string, string>();
  for (const path of paths) if (path !== null) ids.set(await realFile(join(root, path)), path);
  for (const [id, path] of ids) {
    const other = names.get(id);
    if (other !== undefined && other !== path) return { path, other };
  }
  for (const [id, path] of ids) if (!names.has(id)) names.set(id, path);
  return undefined;
}

// The real path of a file, or of the nearest folder above it that exists (a new file).
async function realFile(abs: string): Promise<string> {
  try {
    return await realpath(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(await realFile(parent), basename(abs));
  }
}

const LINK_MODE = "120000";
const SUBMODULE_MODE = "160000";

/** A mode change Hearth does not make (it writes contents only), said so, not dropped in silence. */
function modeNote(section: FilePatch, path: string): string | undefined {
  if (section.newMode === "100755" && section.oldMode !== "100755") return `the patch makes it executable (mode 100755), which Hearth does not do: run chmod +x ${path}`;
  if (section.oldMode === "100755" && section.newMode === "100644") return `the patch makes it not executable (mode 100644), which Hearth does not do: run chmod -x ${path}`;
  return undefined;
}

/**
 * The file a section starts from: as an earlier section left it, else as on disk. A copy's
 * source is the file as it was before the patch, as git apply reads it: `git diff -C` finds
 * copies of files it changes, and its hunks are against the source's old lines whichever
 * section comes first (one made by the patch itself is taken as made).
 */
async function load(ws: Workspace, pending: Map<string, Pending>, from: string | null, path: string, asBefore = false): Promise<Pending> {
  if (from === null) {
    if (await exists(ws, pending, path)) throw new ToolError("already-exists", `the patch creates "${path}", but it already exists`);
    return { file: { text: "", encoding: "utf8", bom: false, eol: "\n" }, text: "" };
  }
  const known = asBefore && (await ws.stat(from)) ? undefined : pending.get(from);
  if (known) {
    if (known.text === null) throw new ToolError("not-found", `"${from}" was deleted or renamed earlier in this patch`);
    return known;
  }
  const info = await ws.stat(from);
  if (!info) throw new ToolError("not-found", `"${from}" does not exist`);
  if (info.type !== "file") throw new ToolError("not-a-file", `"${from}" is a directory`);
  const bytes = await ws.read(from);
  const file = decodeText(bytes, from);
  return { file, text: file.text, source: { path: from, bytes } };
}

/**
 * The file a new `path` (one a section creates, or renames or copies to) would be a case twin
 * of (src/foo.ts for src/Foo.ts), where the workspace takes the name in another case for it
 * (path-spelling.ts) and it is still there in this patch: a patch that deletes it first makes
 * `path` as named, as git apply does, and so does the rename of `from` to `path`.
 */
async function caseTwin(ws: Workspace, pending: Map<string, Pending>, path: string, from: string | null): Promise<string | undefined> {
  const twin = await ws.resolve(path).catch(() => path);
  const fold = (name: string): string => name.normalize("NFC").toLowerCase();
  return twin !== path && twin !== from && fold(twin) === fold(path) && (await exists(ws, pending, twin)) ? twin : undefined;
}

/**
 * Whether `to`, which a rename of `from` names, is there only as `from` in another letter case:
 * a disk that ignores case (macOS, Windows) answers for foo.ts when asked for Foo.ts, and its
 * folder lists no Foo.ts. foo.ts -> Foo.ts then changes the name's case, as on Linux.
 */
async function caseOfItself(ws: Workspace, from: string, to: string): Promise<boolean> {
  const fold = (path: string): string => path.normalize("NFC").toLowerCase();
  if (fold(from) !== fold(to)) return false;
  const listed = await ws.list(dirname(to)).catch(() => undefined);
  return listed !== undefined && !listed.some((entry) => entry.name === basename(to));
}

async function exists(ws: Workspace, pending: Map<string, Pending>, path: string): Promise<boolean> {
  const known = pending.get(path);
  if (known) return known.text !== null;
  return (await ws.stat(path)) !== undefined;
}

/**
 * Paths as the workspace knows them. git writes `a/` and `b/` prefixes, LLMs often leave
 * them out (or keep them where they do not belong): the existing file decides.
 */
async function resolvePaths(ws: Workspace, section: FilePatch, pending: Map<string, Pending>, options: PlanOptions): Promise<{ from: string | null; to: string | null }> {
  const fallback = options.defaultPath;
  const rawOld = section.oldPath === "" ? fallback : section.oldPath;
  const rawNew = section.newPath === "" ? fallback : section.newPath;
  if (rawOld === undefined || rawNew === undefined) throw new ToolError("invalid-input", "a hunk has no file header (`--- a/path` / `+++ b/path`) and no path was given");
  const from = rawOld === null ? null : await pickPath(ws, pending, rawOld, section.prefixes);
  const to = rawNew === null ? null : await pickNewPath(ws, rawNew, rawOld, from, section.prefixes);
  if (from === null && to === null) throw new ToolError("invalid-input", "both sides of the file header are /dev/null");
  return { from, to };
}

async function pickPath(ws: Workspace, pending: Map<string, Pending>, raw: string, prefixes: Prefixes): Promise<string> {
  const candidates = withoutPrefix(raw, "a/", prefixes);
  for (const c of candidates) {
    const rel = await ws.resolve(c);
    if (await exists(ws, pending, rel)) return rel;
  }
  return ws.resolve(candidates[0]!);
}

async function pickNewPath(ws: Workspace, rawNew: string, rawOld: string | null, from: string | null, prefixes: Prefixes): Promise<string> {
  const candidates = withoutPrefix(rawNew, "b/", prefixes);
  // Same file on both sides once prefixes are gone: a modification.
  if (from !== null && candidates.includes(from)) return from;
  const oldWritten = rawOld === null ? [] : withoutPrefix(rawOld, "a/", prefixes);
  if (candidates.length === 1) return caseRename(ws, candidates[0]!, from, oldWritten);
  const oldWasPrefixed = rawOld !== null && from !== null && stripDot(rawOld) !== from;
  const prefixDirExists = (await ws.stat(rawNew.split("/")[0]!))?.type === "directory";
  return caseRename(ws, oldWasPrefixed || !prefixDirExists ? candidates[0]! : candidates[1]!, from, oldWritten);
}

/**
 * The new path. Where the workspace takes it for the old file (a path in another letter case
 * names the file on disk: path-spelling.ts) though the header's two sides are written
 * differently, the rename changes only the case of the name, kept as written, in its folder
 * as the disk spells it: foo.ts -> Foo.ts renames; Src/X.ts on both sides changes src/x.ts,
 * and so does src/x.ts -> Src/x.ts (a folder Src beside src is what macOS and Windows clones
 * cannot hold). A new file's name, and a rename's or copy's to another file, is kept as written
 * too (planFile refuses it beside its case twin: caseTwin).
 */
async function caseRename(ws: Workspace, raw: string, from: string | null, oldWritten: readonly string[]): Promise<string> {
  const to = await ws.resolve(raw);
  const written = asWritten(ws.root, raw);
  const name = written === undefined ? undefined : basename(written);
  if (name === undefined || name === basename(to) || name.toLowerCase() !== basename(to).toLowerCase()) return to;
  if (to === from && oldWritten.some((old) => asWritten(ws.root, old) === written)) return to;
  const folder = dirname(to);
  return folder === "." ? name : `${folder}/${name}`;
}

/** lexicalRelative, or undefined for a path it refuses (a Windows path the workspace took as its file). */
function asWritten(root: string, path: string): string | undefined {
  try {
    return lexicalRelative(root, path);
  } catch {
    return undefined;
  }
}

/**
 * Candidate paths, the prefix-less one first (git's a/ b/ convention is the common case).
 * Where the section says how its paths are written, that is the only candidate: a patch
 * from git creating `x` in a folder with a top-level `b/` creates `x`, as git apply does.
 */
function withoutPrefix(raw: string, prefix: string, prefixes: Prefixes): string[] {
  // A header written on Windows (`--- a\src\x.ts`) has the prefix `a\`: the tools take `\` for `/`.
  const path = stripDot(raw.replace(/\\/g, "/"));
  const alt = prefix === "a/" ? "b/" : "a/";
  const prefixed = path.startsWith(prefix) || path.startsWith(alt);
  if (prefixes === "none" || !prefixed) return [path];
  return prefixes === "git" ? [path.slice(2)] : [path.slice(2), path];
}

function stripDot(path: string): string {
  return path.startsWith("./") ? path.slice(2) : path;
}

/**
 * The batch: deletes first (a rename's deleted target included, a file never on disk
 * skipped), then moves, then writes. Renames are followed through the patch (a -> tmp -> b
 * moves a to b; a file renamed and then deleted is deleted; one made and then renamed is
 * written under its last name). A move waits until the file at its target has moved away, and
 * a ring of moves (a swap) first sets one file aside under a free name.
 */
async function toChanges(ws: Workspace, pending: Map<string, Pending>, renames: readonly { from: string; to: string }[]): Promise<WorkspaceChange[]> {
  const moves = await movesOf(ws, pending, renames);
  const movedFrom = new Set(moves.values());
  const changes: WorkspaceChange[] = [];
  // A file the patch made and deleted again was never on disk: nothing to delete.
  for (const [path, state] of pending) if (state.text === null && !movedFrom.has(path) && (await ws.stat(path))) changes.push({ kind: "delete", path });
  for (const [to, from] of moves) if (!movedFrom.has(to) && (await ws.stat(to)) && !(await caseOfItself(ws, from, to))) changes.push({ kind: "delete", path: to });
  changes.push(...(await ordered(ws, pending, moves)));
  for (const [path, state] of pending) {
    if (moves.has(path) || state.text === null) continue;
    const bytes = encodeText(state.file, state.text, path);
    // A name whose file moved away is empty by now, whatever was there before.
    const before = !movedFrom.has(path) && (await ws.stat(path)) ? await ws.read(path) : undefined;
    // Made from the file as planning read it: refused if it was written since (Workspace `expected`).
    const expected = state.source?.path === path ? { expected: state.source.bytes } : {};
    if (!before || Buffer.compare(Buffer.from(before), Buffer.from(bytes)) !== 0) changes.push({ kind: "write", path, content: bytes, ...expected });
  }
  return changes;
}

/** Each file on disk that the renames move, by its last name (last name -> name on disk). */
async function movesOf(ws: Workspace, pending: Map<string, Pending>, renames: readonly { from: string; to: string }[]): Promise<Map<string, string>> {
  // The name on disk of the file each name holds now; null: one the patch made, or none.
  const holds = new Map<string, string | null>();
  for (const { from, to } of renames) {
    holds.set(to, holds.has(from) ? holds.get(from)! : from);
    holds.set(from, null);
  }
  const moves = new Map<string, string>();
  for (const [to, from] of holds) if (from !== null && from !== to && pending.get(to)?.text != null && (await ws.stat(from))) moves.set(to, from);
  return moves;
}

/**
 * The moves as renames, each after the one that empties its target or the folder name above
 * it (`git mv d d/x`: `d` must be gone before `d/x` can be made); a ring (a swap, or a file
 * moved under its own name) is opened by setting a file aside. The new text goes with the
 * rename from the file's name on disk (the set-aside one for a file set aside): the editor's
 * workspace edits the text it reads there. Linear in the moves: a queue of moves that can
 * go, and for each name still taken the moves waiting for it to move away.
 */
async function ordered(ws: Workspace, pending: Map<string, Pending>, moves: ReadonlyMap<string, string>): Promise<WorkspaceChange[]> {
  const occupied = new Set(moves.values());
  const waitingFor = new Map<string, Move[]>();
  const ready: Move[] = [];
  const blocked: Move[] = [];
  for (const [to, from] of moves) {
    const move: Move = { to, from, setAside: false };
    const name = blocker(to, occupied);
    if (name === undefined) ready.push(move);
    else {
      const list = waitingFor.get(name) ?? [];
      if (list.length === 0) waitingFor.set(name, list);
      list.push(move);
      blocked.push(move);
    }
  }
  const changes: WorkspaceChange[] = [];
  const contentOf = (to: string) => encodeText(pending.get(to)!.file, pending.get(to)!.text!, to);
  const free = (name: string) => {
    occupied.delete(name);
    for (const move of waitingFor.get(name) ?? []) ready.push(move);
    waitingFor.delete(name);
  };
  let next = 0;
  let ringAt = 0;
  for (;;) {
    if (next < ready.length) {
      const move = ready[next++]!;
      changes.push({ kind: "rename", from: move.from, to: move.to, ...(move.setAside ? {} : { content: contentOf(move.to) }) });
      move.done = true;
      free(move.from);
      continue;
    }
    while (ringAt < blocked.length && (blocked[ringAt]!.done || blocked[ringAt]!.setAside)) ringAt++;
    const move = blocked[ringAt];
    if (!move) return changes;
    // Every move left waits for another one: a ring. Set this file aside to open it.
    const from = move.from;
    const aside = await freeName(ws, pending, from);
    changes.push({ kind: "rename", from, to: aside, content: contentOf(move.to) });
    move.from = aside;
    move.setAside = true;
    free(from);
  }
}

interface Move {
  readonly to: string;
  from: string;
  setAside: boolean;
  done?: boolean;
}

/** The name a move to `to` waits for: `to` itself or a folder name above it, while a file there has not moved away. */
function blocker(to: string, occupied: ReadonlySet<string>): string | undefined {
  for (let name = to; ; name = name.slice(0, name.lastIndexOf("/"))) {
    if (occupied.has(name)) return name;
    if (!name.includes("/")) return undefined;
  }
}

/** A name next to `path` that nothing on disk or in the patch uses. */
async function freeName(ws: Workspace, pending: Map<string, Pending>, path: string): Promise<string> {
  for (;;) {
    const name = `${path}.${randomBytes(4).toString("hex")}.hearth-move`;
    if (!pending.has(name) && !(await ws.stat(name))) return name;
  }
}
