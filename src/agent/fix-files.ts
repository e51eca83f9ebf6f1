/**
 * Which new files belong in a fix's patch. The patch is the checkout's change from the run's
 * start, and the commands the agent runs leave things behind: `pip install -e .` an
 * `*.egg-info/`, pytest-cov a `.coverage`, `make` its `.o` files, a test its log or database.
 * In a project without a .gitignore for them all of that was "the fix" a reviewer or
 * SWE-bench applied. The rule:
 * - a file an edit tool wrote (write_file, edit_file, apply_patch) is in the patch, always;
 * - a file that was there at the start and that a command changed or deleted is in it;
 * - a new file only commands made is in it when it is text and does not look like build
 *   output, a cache or a log (a `cat > helper.py` is the model writing source); else it is
 *   left out of the patch, left on disk, and named to the user with why;
 * - but what the project keeps itself is never taken for output (a wrong patch is worse than a
 *   noisy one): a folder named build/, coverage/ or out/ where the project has files (pip's
 *   operations/build/, coverage.py's coverage/) holds source, and a new `.gz` or `.log` in a
 *   folder where the project keeps files of that extension is a fixture beside the others.
 * And the agent's own scratch files: a model reproducing a bug writes `reproduce.py`,
 * `test_bug.py` at the top, `debug_x.py` or `notes.md`, and leaves them. They stay IN the patch
 * (`namedNowhere` only names them): whether a new file is a scratch script or a module the fix
 * needs cannot be told for sure — a new module only a config, a plugin entry point or another
 * language names looks the same — and losing a file the fix needs is a wrong patch too, where
 * a kept scratch file is noise a reviewer sees. So: the fix's task asks the model to delete
 * them before it finishes (system-prompt.ts SCRATCH_RULE), and hearth fix (and Fix This Issue, in
 * the chat: conversation-run.ts namedNowhereNotice) names every new file
 * of the patch that no other file of it names, outside test folders, with a Python module
 * name of the standard library or a common package at the top (a `json.py` there breaks
 * imports) said to hide that module: never silently in the patch.
 */
import type { BigIntStats } from "node:fs";
import { constants, lstat, open, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { CheckpointStore } from "../tools/checkpoints.ts";
import { MAX_CHECKPOINT_FILE_BYTES } from "../tools/limits.ts";
import { crlfToLf } from "./fix-line-ends.ts";
import { CANCELLED, type RepositoryGitCall, blobId, fileBlobId, noRepository, repositoryGit, repositoryGitText } from "./repository-git.ts";
import { type GitCryptKey, gitCryptKeys, sameEncrypted } from "../tools/git-crypt.ts";

/**
 * Why a file is not part of the patch: a new file only commands made that looks like build
 * output / a cache / a log, or whose bytes are binary; or a file a command changed that is
 * now over the checkpoints' size limit (it is taken as it was: the patch neither changes nor deletes it);
 * or one over that limit at the start that is under it now ("shrunk": the start checkpoint does
 * not hold it, so there is nothing to diff it from — it is no new file), or that a command
 * changed and is still over it ("large" too), or deleted ("deletedLarge"); or a file inside a
 * submodule that a command changed or deleted ("submodule": checkpoints do not look into nested
 * repositories, so no patch holds it), or inside a plain git repository in the checkout, a
 * clone no submodule names ("nested", as Checkpoint.nested finds them at the start); or a file
 * the agent's edit tools wrote inside such a clone ("nestedEdit": the checkout's repository
 * tracks none of its files, so `git apply` of a patch holding it would fail, all of it); or a
 * file outside a sparse checkout the agent wrote whose committed version git could not give
 * ("notFetched": a partial clone, `--filter=blob:none`, that never downloaded it, and Hearth's
 * git fetches nothing): the patch could only add it as new, which `git apply` refuses, all of it,
 * where the repository has the file; or such a file whose committed version git did not give for
 * another reason ("unread": the fix cancelled, git past its time limit; `detail` says which).
 */
export type LeftOutWhy = "output" | "binary" | "large" | "shrunk" | "deletedLarge" | "submodule" | "nested" | "nestedEdit" | "notFetched" | "unread" | "byHand";

export interface LeftOutOfPatch {
  readonly path: string;
  readonly why: LeftOutWhy;
  /** Why git did not give it ("unread"): its words, or that the fix was cancelled. */
  readonly detail?: string;
}

/** Folders whose new files are what builds, test runners and package tools make. */
const OUTPUT_FOLDERS = new Set([
  "build", "dist", "target", "out", ".eggs", "htmlcov", "coverage", ".nyc_output", ".gradle", ".next", ".nuxt", ".parcel-cache",
  ".turbo", ".cache", ".ipynb_checkpoints", ".hypothesis", ".ruff_cache", ".pytest_cache", ".mypy_cache", "__pycache__", ".tox",
  "node_modules", ".venv", "venv", "CMakeFiles", "cmake-build-debug", "cmake-build-release",
]);
/** Extensions of build output, caches, coverage data and logs. */
const OUTPUT_EXTENSIONS = new Set(["pyc", "pyo", "o", "obj", "a", "so", "dylib", "dll", "exe", "lib", "class", "jar", "log", "tmp", "swp", "gcda", "gcno", "lcov", "tsbuildinfo"]);
/** Whole names of such files. */
const OUTPUT_NAMES = /^(\.coverage(\..+)?|coverage\.xml|nohup\.out|\.DS_Store|Thumbs\.db|a\.out|CMakeCache\.txt)$/i;

/**
 * Where and what the project keeps (`ProjectFiles`): the folders holding its files (a
 * dotfile alone — a `.gitkeep` in dist/ — does not make a folder one), and each folder's
 * extensions, as `folder/*.ext` ("*.ext" at the root).
 */
export interface ProjectKinds {
  readonly folders: ReadonlySet<string>;
  readonly kinds: ReadonlySet<string>;
}

/** The folder of a workspace path ("" at the root), its name, and its extension (lower case; "" for none or a dotfile). */
function parts(path: string): { folder: string; name: string; ext: string } {
  const slash = path.lastIndexOf("/");
  const name = path.slice(slash + 1);
  const dot = name.lastIndexOf(".");
  return { folder: slash < 0 ? "" : path.slice(0, slash), name, ext: dot > 0 ? name.slice(dot + 1).toLowerCase() : "" };
}

const kindOf = (folder: string, ext: string) => (folder ? `${folder}/*.${ext}` : `*.${ext}`);

/** ProjectKinds of the files the project keeps (workspace-relative). */
export function projectKinds(files: readonly string[]): ProjectKinds {
  const folders = new Set<string>();
  const kinds = new Set<string>();
  for (const path of files) {
    const { folder, name, ext } = parts(path);
    if (ext) kinds.add(kindOf(folder, ext));
    if (name.startsWith(".")) continue;
    for (let end = folder.indexOf("/"); end >= 0; end = folder.indexOf("/", end + 1)) folders.add(folder.slice(0, end));
    if (folder) folders.add(folder);
  }
  return { folders, kinds };
}

const NO_KINDS: ProjectKinds = { folders: new Set(), kinds: new Set() };

/** Whether the project keeps files with the extension of `path` in its folder. */
function ofAKindKept(path: string, project: ProjectKinds): boolean {
  const { folder, ext } = parts(path);
  return ext !== "" && project.kinds.has(kindOf(folder, ext));
}

/** Whether a workspace path looks like something a build, a test run or a package tool made, and is not of a kind the project keeps there. */
export function looksLikeOutput(path: string, project: ProjectKinds = NO_KINDS): boolean {
  const { folder, name, ext } = parts(path);
  if (OUTPUT_NAMES.test(name)) return true;
  if (OUTPUT_EXTENSIONS.has(ext) && !ofAKindKept(path, project)) return true;
  const folders = folder ? folder.split("/") : [];
  return folders.some((segment, i) => (OUTPUT_FOLDERS.has(segment) || segment.endsWith(".egg-info")) && !project.folders.has(folders.slice(0, i + 1).join("/")));
}

/** Bytes read to tell text from binary: git's own rule, a NUL in the first 8,000. */
const SNIFF_BYTES = 8000;

async function isBinary(file: string): Promise<boolean> {
  // A link (its target is the text git stores) or a file gone since: not binary. Not followed
  // and opened without blocking: a pipe (or a link to one) a command made would wait for a writer for ever.
  const handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)).catch(() => undefined);
  if (!handle) return false;
  try {
    if (!(await handle.stat()).isFile()) return false;
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead).includes(0);
  } finally {
    await handle.close();
  }
}

/**
 * Sorts the files made since the run started (`added`, workspace-relative) that no edit tool
 * wrote (`written`): those left out of the patch with why, and those kept — made by commands.
 * `project`: what the project keeps (projectKinds of projectFiles, or of the start checkpoint).
 */
export async function sortCommandFiles(root: string, added: readonly string[], written: ReadonlySet<string>, project: ProjectKinds = NO_KINDS): Promise<{ leftOut: LeftOutOfPatch[]; madeByCommands: string[] }> {
  const leftOut: LeftOutOfPatch[] = [];
  const madeByCommands: string[] = [];
  for (const path of [...added].sort()) {
    if (written.has(path)) continue;
    if (looksLikeOutput(path, project)) leftOut.push({ path, why: "output" });
    else if (!ofAKindKept(path, project) && (await isBinary(join(root, path)))) leftOut.push({ path, why: "binary" });
    else madeByCommands.push(path);
  }
  return { leftOut, madeByCommands };
}

/**
 * What to tell the user of the files left out (one line each kind, a few names shown). `again`:
 * what can be done again once the file is there (Export Conversation's own words).
 */
export function leftOutOfPatchMessage(files: readonly LeftOutOfPatch[], again = "hearth fix can run again"): string[] {
  const named = (paths: readonly string[]) => paths.slice(0, 5).join(", ") + (paths.length > 5 ? ` and ${paths.length - 5} more` : "");
  const lines: string[] = [];
  const output = files.filter((f) => f.why === "output").map((f) => f.path);
  const binary = files.filter((f) => f.why === "binary").map((f) => f.path);
  if (output.length) lines.push(`not in the patch: ${output.length} new file(s) that commands made and that look like build output, caches or logs (still in the checkout): ${named(output)}`);
  if (binary.length) lines.push(`not in the patch: ${binary.length} new binary file(s) that commands made (still in the checkout): ${named(binary)}`);
  const large = files.filter((f) => f.why === "large").map((f) => f.path);
  if (large.length) lines.push(`not in the patch: a command's change to ${large.length} file(s) now over ${MAX_CHECKPOINT_FILE_BYTES / 1024 / 1024} MiB, which checkpoints leave out (the checkout has the change; the patch leaves the file as it was): ${named(large)}`);
  const shrunk = files.filter((f) => f.why === "shrunk").map((f) => f.path);
  if (shrunk.length) lines.push(`not in the patch: ${shrunk.length} file(s) changed, but too large to diff from their start (over ${MAX_CHECKPOINT_FILE_BYTES / 1024 / 1024} MiB when the run started, which checkpoints leave out; the checkout has the change): ${named(shrunk)}`);
  const deleted = files.filter((f) => f.why === "deletedLarge").map((f) => f.path);
  if (deleted.length) lines.push(`not in the patch: the deletion of ${deleted.length} file(s) over ${MAX_CHECKPOINT_FILE_BYTES / 1024 / 1024} MiB when the run started, which checkpoints leave out (the checkout has it deleted; the patch leaves the file as it was): ${named(deleted)}`);
  const inSubmodules = files.filter((f) => f.why === "submodule").map((f) => f.path);
  if (inSubmodules.length) lines.push(`not in any patch: the change a command made to ${inSubmodules.length} file(s) inside submodules, which Hearth's checkpoints do not look into (the checkout has the change; git diff in the submodule's folder shows it): ${named(inSubmodules)}`);
  const inOwn = files.filter((f) => f.why === "nested").map((f) => f.path);
  if (inOwn.length) lines.push(`not in any patch: the change a command made to ${inOwn.length} file(s) inside folders that are git repositories of their own (not submodules), which Hearth's checkpoints do not look into (the checkout has the change; git diff in that folder shows it): ${named(inOwn)}`);
  const editedInOwn = files.filter((f) => f.why === "nestedEdit").map((f) => f.path);
  if (editedInOwn.length) lines.push(`not in the patch: the agent's edit of ${editedInOwn.length} file(s) inside folders that are git repositories of their own (not submodules), which the checkout's repository does not track, so git apply there could not take it (the edit is in that folder on disk; git diff in that folder shows it): ${named(editedInOwn)}`);
  const notFetched = files.filter((f) => f.why === "notFetched").map((f) => f.path);
  if (notFetched.length) lines.push(`not in the patch: the agent's write of ${notFetched.length} file(s) outside the sparse checkout whose committed version git could not read here (a partial clone that has not downloaded it: Hearth's git fetches nothing), so the patch could only add them as new files, which git apply refuses where the repository has them (the agent's version is on disk; git sparse-checkout add FOLDER, or any git command that reads the file, downloads it, and ${again}): ${named(notFetched)}`);
  const byHand = files.filter((f) => f.why === "byHand").map((f) => f.path);
  if (byHand.length) lines.push(`not in the patch: ${byHand.length} file(s) changed during the run while no step of the agent's ran — saved by hand, or by another program —, so not the fix's (the checkout has the change; git diff shows it): ${named(byHand)}`);
  const unread = files.filter((f) => f.why === "unread");
  for (const detail of new Set(unread.map((f) => f.detail ?? "git failed"))) {
    const paths = unread.filter((f) => (f.detail ?? "git failed") === detail).map((f) => f.path);
    lines.push(`not in the patch: the agent's write of ${paths.length} file(s) outside the sparse checkout whose committed version git did not give (${detail}), so the patch could only add them as new files, which git apply refuses where the repository has them (the agent's version is on disk; ${again}): ${named(paths)}`);
  }
  return lines;
}

/**
 * The files inside the checked-out ones of `submodules` (folders relative to `root`, as
 * submoduleFolders gives them, or plain nested repositories as Checkpoint.nested names them)
 * that differ from their own HEAD, as uncommittedFiles tells them there, relative to `root`. The checkpoints do not look into a nested repository,
 * so this is how a command's change there is seen at all.
 */
export async function submoduleChangedFiles(root: string, submodules: readonly string[], call: Omit<RepositoryGitCall, "input"> = {}): Promise<Set<string>> {
  const changed = new Set<string>();
  for (const folder of submodules) {
    if (!(await lstat(join(root, folder, ".git")).then(() => true, () => false))) continue;
    const inside = await uncommittedFiles(join(root, folder), call);
    for (const path of inside && "files" in inside ? inside.files : []) changed.add(`${folder}/${path}`);
  }
  return changed;
}

/**
 * What tells whether a file changed without reading it: its size, times and inode, or
 * undefined when it is gone. For the files checkpoints leave out (over the size limit), which
 * no diff sees: the same stamp at the end as at the start means nothing wrote them.
 */
export async function fileStamps(root: string, paths: readonly string[]): Promise<Map<string, string | undefined>> {
  const stamps = new Map<string, string | undefined>();
  for (const path of paths) {
    const stat = await lstat(join(root, path), { bigint: true }).catch(() => undefined);
    stamps.set(path, stat && `${stat.size} ${stat.mtimeNs} ${stat.ctimeNs} ${stat.dev}:${stat.ino}`);
  }
  return stamps;
}

/** A file's (or a symbolic link's) mode and blob in the repository's index. */
export interface IndexEntry {
  readonly mode: "100644" | "100755" | "120000";
  readonly blob: string;
}

/**
 * The files and links of the checkout `root` that its repository's index marks skip-worktree (`S`: git
 * keeps them off the disk — outside a sparse checkout's cone), relative to `root`, with their
 * index mode and blob. The checkpoints do not hold one that is not on disk at the start, so
 * a file of them the agent writes reads as new: the fix's patch must change the index's
 * version instead (fix.ts). Empty where git cannot tell or there is no repository. `evenOnDisk`:
 * also those written since (an export after the run): git 2.37 and later read the mark off a file
 * outside the cone that is on disk (`sparse.expectFilesOutsideOfPatterns` keeps it).
 */
export async function skipWorktreeFiles(root: string, call: Omit<RepositoryGitCall, "input"> = {}, evenOnDisk = false): Promise<Map<string, IndexEntry>> {
  const listed = await repositoryGitText(root, [...(evenOnDisk ? ["-c", "sparse.expectFilesOutsideOfPatterns=true"] : []), "ls-files", "-t", "--stage", "-z", "--", "."], call);
  const files = new Map<string, IndexEntry>();
  // "S MODE BLOB STAGE\tPATH": a link too (the agent may write a file in its place: the patch then turns the link into it); a submodule is no file.
  for (const entry of listed?.split("\0") ?? []) {
    const match = /^S (100644|100755|120000) ([0-9a-f]+) 0\t(.+)$/s.exec(entry);
    if (match) files.set(match[3]!, { mode: match[1] as IndexEntry["mode"], blob: match[2]! });
  }
  return files;
}

/**
 * `start`, or a commit standing for it that also holds `paths` as the repository's index has
 * them (`entries`): files git kept off the disk that the run wrote, so the patch changes the
 * repository's version (what a full clone holds) rather than adding them as new files, which
 * `git apply` refuses there. A path whose blob the repository lacks (a partial clone that never
 * downloaded it: read-only git fetches nothing) is `notFetched`; one git did not give for another
 * reason (the run cancelled, git past its time limit) is `unread`, with git's words: as a new file
 * either would make `git apply` refuse the whole patch in a full clone, so it is left out and named.
 */
export async function withIndexVersions(store: Pick<CheckpointStore, "withFiles">, start: string, root: string, paths: readonly string[], entries: ReadonlyMap<string, IndexEntry>, call: Omit<RepositoryGitCall, "input">): Promise<{ base: string; leftOut: LeftOutOfPatch[] }> {
  const files = new Map<string, { mode: IndexEntry["mode"]; bytes: Buffer }>();
  const leftOut: LeftOutOfPatch[] = [];
  for (const path of paths) {
    const entry = entries.get(path)!;
    const blob = await repositoryGit(root, ["cat-file", "blob", entry.blob], call);
    if (blob.ok) files.set(path, { mode: entry.mode, bytes: blob.stdout });
    else if (missingObject(blob)) leftOut.push({ path, why: "notFetched" });
    else leftOut.push({ path, why: "unread", detail: blob.why === CANCELLED ? blob.why : `git: ${blob.why}` });
  }
  return { base: files.size ? await store.withFiles(start, files) : start, leftOut };
}

/**
 * Whether git's failure to give an object says the repository lacks it (a partial clone's object
 * left on its promisor remote, which git may not fetch here: "lazy fetching disabled", "could not
 * fetch … from promisor remote"), rather than that git was stopped or failed otherwise.
 */
function missingObject(failed: { readonly why: string; readonly timedOut?: true }): boolean {
  if (failed.timedOut || failed.why === CANCELLED) return false;
  return /lazy fetching disabled|promisor remote|could not fetch/i.test(failed.why);
}

/**
 * The submodules of the checkout `root` (gitlinks in its repository's index, mode 160000), and
 * theirs where they are checked out, relative to `root`, deepest last: a repository tracks only
 * each one's commit, so a change to a file in one is the submodule's own change, which
 * `git apply` at the top cannot take (`--index`: "does not exist in index"; a clone without the
 * submodule: no such file). Empty where git cannot tell or there is no repository.
 */
export async function submoduleFolders(root: string, call: Omit<RepositoryGitCall, "input"> = {}, prefix = ""): Promise<string[]> {
  const listed = await repositoryGitText(join(root, prefix), ["ls-files", "--stage", "-z", "--", "."], call);
  const folders: string[] = [];
  for (const entry of listed?.split("\0") ?? []) {
    const folder = /^160000 [0-9a-f]+ 0\t(.+)$/s.exec(entry)?.[1];
    if (folder === undefined) continue;
    folders.push(prefix + folder);
    // Not checked out (no .git in it): git would answer for the repository around it.
    if (await lstat(join(root, prefix, folder, ".git")).then(() => true, () => false)) folders.push(...(await submoduleFolders(root, call, `${prefix}${folder}/`)));
  }
  return folders;
}

/** The user's uncommitted files at the start (see uncommittedFiles), or why git could not tell. */
export type Uncommitted = { readonly files: string[]; readonly noCommit?: true } | { readonly unknown: string };

/**
 * The files of the checkout `root` that differ from its repository's HEAD (changed, staged,
 * deleted, untracked and not ignored), relative to `root`: the user's own work in progress,
 * which the start checkpoint holds and the patch therefore does not; `noCommit` where the
 * branch has no commit yet (a new repository, an orphan branch: no HEAD, every file is uncommitted). Undefined when `root`
 * is in no git repository; `unknown`, with why, when git cannot tell (a corrupt index, a
 * clean filter of the repository's that runs past `call.timeoutMs`, a cancelled fix). Read-only: --no-optional-locks
 * keeps git from refreshing the user's index; nested repositories are not looked into.
 */
export async function uncommittedFiles(root: string, call: Omit<RepositoryGitCall, "input"> = {}): Promise<Uncommitted | undefined> {
  const git = (args: readonly string[]) => repositoryGit(root, args, call);
  const prefix = await git(["rev-parse", "--show-prefix"]);
  const status = prefix.ok ? await git(["status", "--porcelain=v2", "--branch", "-z", "--untracked-files=all", "--ignore-submodules=all", "--no-renames", "--", "."]) : prefix;
  if (!status.ok) return noRepository(status) ? undefined : { unknown: status.why };
  // Paths from the repository's root (porcelain ignores the folder git runs in).
  const inside = prefix.ok ? prefix.stdout.toString("utf8").trim() : "";
  const entries = statusEntries(status.stdout.toString("utf8")).filter((entry) => entry.path.startsWith(inside));
  const unchanged = await sameAsIndex(root, inside, entries, call);
  // A file unstaged with git rm --cached is listed twice: deleted from the index, and untracked.
  const hidden = await hiddenChanges(root, call);
  const files = [...new Set([...entries.filter((entry) => !unchanged.has(entry)).map((entry) => entry.path.slice(inside.length)), ...hidden])].sort();
  // "# branch.oid (initial)": the branch has no commit yet.
  return status.stdout.toString("utf8").split("\0").includes("# branch.oid (initial)") ? { files, noCommit: true } : { files };
}

/**
 * The files of `root` the user changed and hid from git status: marked assume-unchanged
 * (`git update-index --assume-unchanged`, `ls-files -v` tags them in lower case) or
 * skip-worktree while on disk (`S`: local settings kept out of commits), whose bytes or mode
 * differ from their index entry (CRLF read as LF too: a checkout that converts line ends
 * writes them so; the mode only where core.fileMode keeps it, as git status compares), or an
 * assume-unchanged file deleted. git status lists none of them, yet the start checkpoint holds them and a patch changing one does not apply to a clean checkout.
 * A skip-worktree file not on disk is a sparse checkout's, no change of the user's.
 */
async function hiddenChanges(root: string, call: Omit<RepositoryGitCall, "input">): Promise<string[]> {
  // --debug: each entry's stat data after its NUL, as the index keeps it.
  const listed = await repositoryGitText(root, ["ls-files", "-v", "--stage", "--debug", "-z", "--", "."], call) ?? "";
  const changed: string[] = [];
  let keepsModes: boolean | undefined;
  let indexWritten: bigint | undefined;
  const entryPattern = /([a-zA-Z?]) (\d+) ([0-9a-f]+) (\d)\t([^\0]*)\0  ctime: (\d+):(\d+)\n  mtime: (\d+):(\d+)\n  dev: \d+\tino: (\d+)\n  uid: \d+\tgid: \d+\n  size: (\d+)\tflags: [0-9a-f]+\n/y;
  for (let match = entryPattern.exec(listed); match; match = entryPattern.exec(listed)) {
    const [, tag, mode, blob, stage, path, ...stamp] = match as unknown as [string, string, string, string, string, string, ...string[]];
    if (!/^[a-zS]$/.test(tag) || stage !== "0") continue;
    const stat = await lstat(join(root, path), { bigint: true }).catch(() => undefined);
    if (!stat) {
      if (tag !== "S") changed.push(path);
      continue;
    }
    if (!/^100(644|755)$/.test(mode)) continue;
    const onDiskMode = stat.mode & 0o111n ? "100755" : "100644";
    // Where the checkout keeps no modes (core.fileMode=false: Windows, a FAT or SMB mount) git sees no change in the bit either.
    const modeChanged = onDiskMode !== mode && (keepsModes ??= (await repositoryGitText(root, ["config", "--bool", "core.fileMode"], call))?.trim() !== "false");
    if (!stat.isFile() || modeChanged) {
      changed.push(path);
      continue;
    }
    // git status's own check: the size and times the index kept when it last saw the file match blob, not racily (written as the index was).
    if (statAsIndexed(stat, stamp) && stat.mtimeNs < (indexWritten ??= await indexWrittenNs(root, call))) continue;
    // Too large to read whole (a dataset kept assume-unchanged): hashed as a stream, its line ends as they are.
    if (stat.size > MAX_CHECKPOINT_FILE_BYTES) {
      if ((await fileBlobId(join(root, path), Number(stat.size), blob)) !== blob) changed.push(path);
      continue;
    }
    const bytes = await readFile(join(root, path)).catch(() => undefined);
    if (!bytes || (blobId(bytes, blob) !== blob && blobId(crlfToLf(bytes), blob) !== blob)) changed.push(path);
  }
  return changed;
}

/**
 * Whether `stat` is what the index recorded of a file (`ls-files --debug`'s ctime and mtime
 * seconds and nanoseconds, inode and size, the last two kept in 32 bits): git records them when
 * it hashes the file, so the file still holds the blob. An inode of 0 (Git for Windows keeps none) is not compared.
 */
function statAsIndexed(stat: BigIntStats, [ctimeS, ctimeNs, mtimeS, mtimeNs, ino, size]: readonly string[]): boolean {
  const low32 = (n: bigint) => n & 0xffffffffn;
  const ns = (seconds: string | undefined, nanoseconds: string | undefined) => BigInt(seconds ?? -1) * 1_000_000_000n + BigInt(nanoseconds ?? 0);
  return low32(stat.size) === BigInt(size ?? -1) && stat.mtimeNs === ns(mtimeS, mtimeNs) && stat.ctimeNs === ns(ctimeS, ctimeNs) && (ino === "0" || low32(stat.ino) === BigInt(ino ?? -1));
}

/** When the index was last written (ns; 0 where unknown, so that no entry is taken on its stat alone). */
async function indexWrittenNs(root: string, call: Omit<RepositoryGitCall, "input">): Promise<bigint> {
  const index = (await repositoryGitText(root, ["rev-parse", "--git-path", "index"], call))?.trim();
  return (index ? await lstat(resolve(root, index), { bigint: true }).catch(() => undefined) : undefined)?.mtimeNs ?? 0n;
}

/** One file of `git status --porcelain=v2`: its path, and for a tracked one its index blob and modes. */
interface StatusEntry {
  readonly path: string;
  /** "1" entries (changed, not renamed): XY, the index's and the work tree's modes, the index's blob. */
  readonly changed?: { readonly xy: string; readonly indexMode: string; readonly worktreeMode: string; readonly indexBlob: string };
}

/**
 * The entries of `git status --porcelain=v2 -z`: "1 XY sub mH mI mW hH hI path",
 * "2 … path\0origPath" (renamed; --no-renames gives none), "u XY sub m1 m2 m3 mW h1 h2 h3 path",
 * "? path", "! path"; "# " headers are skipped.
 */
function statusEntries(output: string): StatusEntry[] {
  const items = output.split("\0");
  const entries: StatusEntry[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const fields = item.split(" ");
    if (item.startsWith("1 ")) entries.push({ path: fields.slice(8).join(" "), changed: { xy: fields[1]!, indexMode: fields[4]!, worktreeMode: fields[5]!, indexBlob: fields[7]! } });
    else if (item.startsWith("2 ")) entries.push({ path: fields.slice(9).join(" ") }, { path: items[++i] ?? "" });
    else if (item.startsWith("u ")) entries.push({ path: fields.slice(10).join(" ") });
    else if (item.startsWith("? ") || item.startsWith("! ")) entries.push({ path: item.slice(2) });
  }
  return entries.filter((entry) => entry.path);
}

/**
 * Those of `entries` (paths from the repository's root; `inside`: `root`'s prefix) changed in
 * the work tree alone whose bytes on disk are exactly their blob in the index, mode and all.
 * git status calls such a file modified when the repository would store it otherwise now — a
 * CRLF file committed before `.gitattributes` marked it `text` — but it holds what HEAD holds:
 * no change of the user's. A file over the checkpoints' size limit is not read (it stays a change).
 */
async function sameAsIndex(root: string, inside: string, entries: readonly StatusEntry[], call: Omit<RepositoryGitCall, "input">): Promise<Set<StatusEntry>> {
  const same = new Set<StatusEntry>();
  // An unlocked git-crypt checkout's secret file (.env) is on disk decrypted, in the index encrypted (git-crypt.ts): read once, where one differs.
  let keys: Promise<GitCryptKey[]> | undefined;
  const gitCryptKeysOnce = () => (keys ??= repositoryGitText(root, ["rev-parse", "--absolute-git-dir"], call).then((dir) => (dir?.trim() ? gitCryptKeys(dir.trim()) : [])));
  for (const entry of entries) {
    const changed = entry.changed;
    if (changed?.xy !== ".M" || changed.indexMode !== changed.worktreeMode || !/^100(644|755)$/.test(changed.indexMode)) continue;
    const file = join(root, entry.path.slice(inside.length));
    const stat = await lstat(file).catch(() => undefined);
    if (!stat?.isFile() || stat.size > MAX_CHECKPOINT_FILE_BYTES) continue;
    const bytes = await readFile(file).catch(() => undefined);
    if (bytes && (blobId(bytes, changed.indexBlob) === changed.indexBlob || sameEncrypted(bytes, changed.indexBlob, await gitCryptKeysOnce()))) same.add(entry);
  }
  return same;
}

/** What to tell the user when the checkout had uncommitted changes at the start (FixResult.uncommittedAtStart). */
export function uncommittedMessage(uncommitted: { readonly files: readonly string[]; readonly inPatch: readonly string[]; readonly noCommit?: true }): string {
  const named = (paths: readonly string[]) => paths.slice(0, 5).join(", ") + (paths.length > 5 ? ` and ${paths.length - 5} more` : "");
  // No HEAD to name: the patch applies to these files only, which a clone does not have.
  // An orphan branch (git checkout --orphan) has none either, in a repository that has commits.
  if (uncommitted.noCommit) return `the branch had no commit yet when the run started (a new repository, or an orphan branch): the patch does not hold the ${uncommitted.files.length} file(s) there (${named(uncommitted.files)}), only the agent's change made on top of them, so it applies to those files as they were, not to a clone; commit them first (git add, git commit) for a patch that applies to a clone`;
  const start = `the checkout had uncommitted changes when the run started (${uncommitted.files.length} file(s): ${named(uncommitted.files)}): the patch does not hold them, it is the agent's change made on top of them`;
  return uncommitted.inPatch.length
    ? `${start}. It changes ${named(uncommitted.inPatch)} too, so it applies to the checkout as it was, not to a clean checkout of HEAD`
    : `${start}; it changes none of those files, but the fix may rely on them`;
}

/** What to tell the user when git could not tell the checkout's uncommitted changes at the start (FixResult.uncommittedUnknown). */
export function uncommittedUnknownMessage(why: string): string {
  return `could not tell whether the checkout had uncommitted changes when the run started (${why}): the patch is the agent's change on top of whatever it held, which may not be a clean checkout of HEAD`;
}

/**
 * The files the repository of the checkout `root` tracks (its index), relative to `root`:
 * what the project keeps, read before the run (a model's `git add` would make its own files
 * the project's). Undefined when `root` is in no git repository (or git cannot tell).
 */
export async function projectFiles(root: string, call: Omit<RepositoryGitCall, "input"> = {}): Promise<string[] | undefined> {
  const listed = await repositoryGitText(root, ["ls-files", "-z"], call);
  return listed === undefined ? undefined : listed.split("\0").filter(Boolean);
}

/**
 * The commits of the checkout's stash entries (`git stash list`), newest first: [] with none,
 * undefined where git cannot say (no repository). A `git stash` during the run (a model's
 * command, to test on a clean tree) took uncommitted changes, the user's among them, out of
 * the checkout: the patch shows them removed, and nothing said where they went.
 */
export async function stashEntries(root: string, call: RepositoryGitCall = {}): Promise<string[] | undefined> {
  const text = await repositoryGitText(root, ["stash", "list", "--format=%H"], call);
  return text?.split("\n").filter(Boolean);
}

/**
 * The files and folders git ignores in the checkout at `root`, relative to it, a wholly ignored
 * folder as one entry (`node_modules/`, `dist/`: git's `--directory` form, so node_modules is
 * not listed file by file); undefined where git cannot say (no repository). Hearth's checkpoints
 * never copy them (but those the edit tools write), so a command that deletes them — `git clean
 * -fdx` taking the user's .env, `rm -rf node_modules`, a build that empties dist/ and fails —
 * leaves nothing a Reject or a Restore checkpoint could bring back.
 */
export async function ignoredEntries(root: string, call: RepositoryGitCall = {}): Promise<string[] | undefined> {
  const text = await repositoryGitText(root, ["ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"], call);
  return text?.split("\0").filter(Boolean);
}

/**
 * The files a stash entry took out of the checkout at `root` (relative to it): its changes to
 * tracked files (index and work tree) and, made with -u, its untracked ones; undefined where git
 * cannot say.
 */
export async function stashedFiles(root: string, commit: string, call: RepositoryGitCall = {}): Promise<string[] | undefined> {
  const tracked = await repositoryGitText(root, ["diff", "--name-only", "--relative", "-z", "--no-renames", `${commit}^1`, commit], call);
  if (tracked === undefined) return undefined;
  const untracked = await repositoryGitText(root, ["ls-tree", "-r", "-z", "--name-only", `${commit}^3`], call);
  return [...tracked.split("\0"), ...(untracked ?? "").split("\0")].filter(Boolean);
}

/**
 * How many of a run's start's ignored entries its end looks for, at most. Ignored files not in a
 * wholly ignored folder are listed one by one (`*.pyc` beside tracked sources, logs), and every
 * chat turn looked for each: a repository with 50,000 of them paid 50,000 lstats, one after
 * another, per turn (test/bench/ignored-entries.ts).
 */
export const MAX_IGNORED_CHECKED = 5_000;

/** How many lstats `goneEntries` has in flight at once. */
const IGNORED_CHECKS_AT_ONCE = 32;

/** What `goneEntries` found: the entries gone, and those it did not look for (past `MAX_IGNORED_CHECKED`). */
export interface IgnoredGone {
  readonly gone: string[];
  readonly unchecked: string[];
}

/**
 * Of `entries` (ignoredEntries at a run's start), those gone from `root` now, looked for in
 * parallel and at most `limit` of them: the wholly ignored folders and the files at the top
 * first (node_modules/, dist/, .env: what a `git clean -x` takes that matters most), then the
 * rest in git's order; the others come back as `unchecked`, for the notice to say.
 */
export async function goneEntries(root: string, entries: readonly string[], limit = MAX_IGNORED_CHECKED): Promise<IgnoredGone> {
  const first = (entry: string): boolean => entry.endsWith("/") || !entry.includes("/");
  const ordered = [...entries.filter(first), ...entries.filter((entry) => !first(entry))];
  const checked = ordered.slice(0, limit);
  const isGone = new Array<boolean>(checked.length).fill(false);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < checked.length) {
      const index = next++;
      await lstat(join(root, checked[index]!)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT" || error.code === "ENOTDIR") isGone[index] = true;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(IGNORED_CHECKS_AT_ONCE, checked.length) }, worker));
  const gone = new Set(checked.filter((_, index) => isGone[index]));
  return { gone: entries.filter((entry) => gone.has(entry)), unchecked: ordered.slice(limit) };
}

/** What a notice of ignored files gone adds where some were not looked for (`IgnoredGone.unchecked`). */
export function ignoredUncheckedWords(unchecked: readonly string[]): string {
  if (!unchecked.length) return "";
  const such = unchecked.slice(0, 3).join(", ");
  return ` Not looked for: ${unchecked.length.toLocaleString("en-US")} more ignored ${unchecked.length === 1 ? "file" : "files"} (${such}${unchecked.length > 3 ? ", …" : ""}), past the ${MAX_IGNORED_CHECKED.toLocaleString("en-US")} a run checks (ignored folders and the files at the top first): some of them may be gone too.`;
}

/** A stash entry by its commit and its place in the list (`stash@{N}`) when it was read. */
export interface StashEntry {
  readonly commit: string;
  readonly ref: string;
}

/**
 * How the stash list changed during a run, from `stashEntries` at its start and its end: the
 * entries made and still there (`git stash`: changes taken out of the files, the user's
 * uncommitted work among them, which the review or patch shows removed), and those there at
 * the start and gone at the end (`git stash pop` or `drop`: a popped entry's changes are in the
 * files, shown as the run's, and a Reject takes them out again — with the entry gone, its
 * commit is the only way back). Undefined where nothing changed or git could not say.
 */
export function stashChange(before: readonly string[] | undefined, after: readonly string[] | undefined): { readonly made: StashEntry[]; readonly gone: StashEntry[] } | undefined {
  if (!before || !after) return undefined;
  const made = after.flatMap((commit, index) => (before.includes(commit) ? [] : [{ commit, ref: `stash@{${index}}` }]));
  const gone = before.flatMap((commit, index) => (after.includes(commit) ? [] : [{ commit, ref: `stash@{${index}}` }]));
  return made.length || gone.length ? { made, gone } : undefined;
}

/**
 * A new file in the patch that nothing else in the patch names (`namedNowhere`): what an
 * agent leaves behind after trying things — `reproduce.py`, `repro_issue.js`, a root-level
 * `test_bug.py`, `debug_*.py`, a scratch `notes.md`. `shadows`: a Python module of that name
 * at the checkout's top, which hides the standard library's or a common package's module of
 * that name from every import run there (a scratch `json.py` breaks the project's imports).
 */
export interface NamedNowhere {
  readonly path: string;
  readonly shadows?: string;
}

/** Folders whose files are tests or their data: a new test there is the fix's test, named by nothing by design. */
const TEST_FOLDERS = new Set(["test", "tests", "testing", "__tests__", "spec", "specs", "t"]);
/** Names that a file need not be named by another to count (a package's own marker). */
const MARKER_NAMES = new Set(["__init__.py", "__main__.py", "conftest.py", "py.typed"]);
/** Python's standard modules and common packages a top-level `NAME.py` hides from imports. */
const PYTHON_MODULES = new Set([
  "abc", "argparse", "array", "ast", "asyncio", "base64", "bisect", "calendar", "code", "codecs", "collections", "contextlib", "copy", "csv",
  "dataclasses", "datetime", "decimal", "difflib", "dis", "email", "enum", "fractions", "functools", "glob", "hashlib", "heapq", "html",
  "http", "importlib", "inspect", "io", "itertools", "json", "logging", "math", "numbers", "operator", "os", "pathlib", "pickle",
  "platform", "pprint", "queue", "random", "re", "secrets", "select", "shutil", "signal", "site", "socket", "sqlite3", "ssl",
  "statistics", "string", "struct", "subprocess", "sys", "tempfile", "test", "textwrap", "threading", "time", "token", "tokenize",
  "traceback", "types", "typing", "unittest", "urllib", "uuid", "warnings", "weakref", "xml", "zipfile",
  "requests", "numpy", "pandas", "pytest", "setuptools", "six", "yaml", "attr", "attrs", "django", "flask", "sympy", "scipy", "matplotlib",
]);
/** Bytes of each other file in the patch read for the names. */
const NAME_READ_BYTES = 1024 * 1024;

const escapeForRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The new files of the patch (`added`, workspace-relative) that no other file of the patch
 * (`patchFiles`, as on disk under `root` now) names — by their name without its extension
 * (an import: `from helpers import x`, `require("./helpers")`) or whole — and that are not in a
 * test folder nor a package's marker file. They stay in the patch (see the module's header):
 * this only names them.
 */
export async function namedNowhere(root: string, added: readonly string[], patchFiles: readonly string[]): Promise<NamedNowhere[]> {
  const texts = new Map<string, string>();
  const textOf = async (path: string) => {
    let text = texts.get(path);
    if (text === undefined) {
      text = await readStart(join(root, path), NAME_READ_BYTES).catch(() => "");
      texts.set(path, text);
    }
    return text;
  };
  const newFiles = new Set(added);
  // Who can name a new file into the fix: the files the patch changes that were there before, a new
  // test or marker, and (in turn) a new file one of them names. Two scratch files naming each other
  // (notes.md: "run reproduce.py") do not make each other the fix's.
  const namers = patchFiles.filter((path) => !newFiles.has(path));
  const pending = new Map<string, RegExp>();
  const found: NamedNowhere[] = [];
  for (const path of [...added].sort()) {
    const { folder, name, ext } = parts(path);
    if (MARKER_NAMES.has(name) || folder.split("/").some((segment) => TEST_FOLDERS.has(segment))) {
      namers.push(path);
      continue;
    }
    const stem = ext ? name.slice(0, -(ext.length + 1)) : name;
    // Always said: an `import json` elsewhere names the module it hides, not this file.
    if (folder === "" && ext === "py" && PYTHON_MODULES.has(stem)) {
      found.push({ path, shadows: stem });
      continue;
    }
    pending.set(path, new RegExp(`(^|[^\\w-])(${escapeForRegExp(stem)}|${escapeForRegExp(name)})(?![\\w-])`));
  }
  for (let i = 0; i < namers.length; i++) {
    const text = await textOf(namers[i]!);
    for (const [path, word] of pending) {
      if (path === namers[i] || !word.test(text)) continue;
      pending.delete(path);
      namers.push(path);
    }
  }
  found.push(...[...pending.keys()].map((path) => ({ path })));
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The first `bytes` of a file as text (a link, a folder, a file gone: ""). */
async function readStart(file: string, bytes: number): Promise<string> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!(await handle.stat()).isFile()) return "";
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}

/** What to tell the user of `namedNowhere`'s files: one line, or none. */
export function namedNowhereMessage(files: readonly NamedNowhere[]): string | undefined {
  if (!files.length) return undefined;
  const shown = files.slice(0, 8).map((f) => (f.shadows ? `${f.path} (at the checkout's top, where it hides Python's own ${f.shadows} module from every import run there)` : f.path));
  const more = files.length > 8 ? ` and ${files.length - 8} more` : "";
  return `in the patch: ${files.length} new file(s) the agent wrote that no other file in the patch names — a script to reproduce the issue or scratch notes, or a part of the fix: look at them before applying the patch (git apply --exclude=PATH leaves one out): ${shown.join(", ")}${more}`;
}
