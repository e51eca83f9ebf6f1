/**
 * The folder `hearth fix` works on, as git sees it. A subfolder of a checkout is the
 * checkout's top: there the agent saw only the subfolder and the patch named its files from
 * there (`a/calc.py` for `lib/calc.py`), which neither `git apply` at the top nor SWE-bench
 * applies. A bare repository, or git's own `.git` folder, has no files to fix: the run went
 * as far as the model's first turn and ended as "the model failed" in git's words; hearth
 * index, map and locate refuse them too (refuseGitFolder). A checkout a merge or rebase left
 * with conflicts is refused as well (refuseConflicts), one this user may not write
 * (refuseReadOnly), one git will not read because another user owns it (refuseDubiousOwnership),
 * and one whose config names another folder as its work tree (refuseWorkTreeElsewhere).
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, lstatSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { crlfToLf } from "../agent/fix-line-ends.ts";
import { type BrokenGitLink, brokenGitLink, gitLinkProblem, gitLinkWayOut } from "../agent/git-link.ts";
import { ownershipRefusal } from "../agent/git-ownership.ts";
import { type GitUnusable, gitUnusable as unusableGit } from "../agent/git-usable.ts";
import { blobId } from "../agent/repository-git.ts";
import { READ_ONLY_GIT_OPTIONS, gitDirElsewhere, readOnlyGitEnv, workTreeElsewhere } from "../indexer/read-only-git.ts";
import { programSearchEnv } from "../protocol/program-search.ts";
import { OPERATIONS_UNDER_WAY, conflictBlocks, moreMarkersThanEitherSide } from "../tools/conflict-markers.ts";
import { UsageError } from "./command.ts";
import { shellWord } from "./no-model.ts";
import { terminalName, terminalText } from "./terminal-text.ts";

/** `folder`, or the top of the checkout it is in (where HEAD or the index holds files in the folder); a UsageError for a bare repository or a .git folder, or where no git can be started; `folder` where git has no answer (no repository). */
export function checkoutRoot(folder: string): { readonly root: string; readonly note?: string } {
  refuseMissingGit(folder);
  refuseDubiousOwnership(folder);
  refuseBrokenGitLink(folder);
  const found = checkoutTop(folder);
  refuseConflicts(found.root);
  refuseMarkersAdded(found.root);
  refuseReadOnly(found.root);
  return found;
}

function checkoutTop(folder: string): { readonly root: string; readonly note?: string } {
  if (refuseGitFolder(folder, "fix") === undefined) return { root: folder };
  const [top, gitDir] = revParse(folder, ["--show-toplevel", "--absolute-git-dir"]) ?? [];
  if (!top) return { root: folder };
  // git names the top by its real path: /tmp/x through a link to /private/tmp/x is the top too.
  const isTop = top === realpathSync(folder);
  if (!isTop) refuseWorkTreeElsewhere(folder, top, gitDir);
  if (gitDir) refuseGitDirElsewhere(top, gitDir);
  if (isTop) return { root: folder };
  // A folder none of whose files the checkout holds (a project under a home folder kept in git,
  // an ignored scratch folder) is a project of its own: the checkout around it is not what to fix.
  if (!checkoutHolds(folder)) return { root: folder };
  return { root: top, note: `${folder} is inside the checkout ${top}: the agent works on the whole checkout, and the patch names files from its top (as git apply and SWE-bench read it)` };
}

/**
 * A UsageError where the folder's repository reads another folder's files (its core.worktree:
 * read-only-git.ts workTreeElsewhere): hearth fix took that folder for the checkout's top and
 * set the agent to work on it (an unpacked archive's config can name the user's home).
 */
function refuseWorkTreeElsewhere(folder: string, top: string, gitDir: string | undefined): void {
  if (!workTreeElsewhere(realpathSync(folder), top, gitDir)) return;
  const at = terminalName(folder);
  throw new UsageError(`the repository in ${at} names another folder as its files (core.worktree: ${terminalName(top)}), so git there reads that folder, not this one; nothing was changed. If you did not set it (an unpacked archive's .git/config can), remove it (git -C ${terminalName(shellWord(folder))} config --unset core.worktree) and run hearth fix again`);
}

/**
 * A UsageError where the checkout's git folder is another checkout's (read-only-git.ts
 * gitDirElsewhere): an unpacked archive's .git file can name the user's other repository,
 * whose commits git then compares with the archive's files.
 */
function refuseGitDirElsewhere(top: string, gitDir: string): void {
  if (!gitDirElsewhere(top, gitDir)) return;
  throw new UsageError(`the .git of ${terminalName(top)} names the repository of another folder (${terminalName(gitDir)}), so git there would compare that repository's commits with these files; nothing was changed. If you did not put it there (an unpacked archive's .git file can), remove ${terminalName(join(top, ".git"))} and run hearth fix again`);
}

/**
 * A UsageError for a bare repository or git's own folder, which hold no checked-out files
 * (`hearth COMMAND` is said to run on a checkout instead): hearth index, map and locate
 * indexed git's internals there (hooks/*.sample, objects/…). Undefined where git has no
 * answer (no repository, no git); otherwise nothing.
 */
export function refuseGitFolder(folder: string, command: string): true | undefined {
  const answer = revParse(folder, ["--is-bare-repository", "--is-inside-git-dir", "--absolute-git-dir"]);
  if (answer === undefined) return undefined;
  const [bare, insideGitDir, gitDir] = answer;
  if (bare === "true") throw new UsageError(`${folder} is a bare git repository: it has no checked-out files${command === "fix" ? " to fix" : ""}; clone it (git clone ${folder} DIR) and run hearth ${command} --repo DIR`);
  if (insideGitDir === "true") {
    const top = gitDir === undefined ? undefined : (linkedWorktree(gitDir) ?? revParse(dirname(gitDir), ["--show-toplevel"])?.[0]);
    throw new UsageError(`${folder} is git's own folder, not the checkout's files: ${top ? `give --repo ${top}` : "give --repo the checkout's folder"}`);
  }
  return true;
}

/**
 * A UsageError where git refuses the folder's repository because another user owns it (its
 * safe.directory check: a checkout mounted into a container, one made with sudo). Every git
 * then failed and read as "no repository": from a subfolder the agent fixed that folder alone
 * and the patch named its files from there, and the uncommitted changes and the patch's line
 * ends went unchecked. Hearth does not pass the check over: the repository's config would run
 * its clean filters for the patch's line ends, which the check is there to stop.
 */
function refuseDubiousOwnership(folder: string): void {
  const refused = ownerRefusal(folder);
  if (refused) throw new UsageError(`git will not read the repository at ${refused.at}: another user owns it (git's "dubious ownership" check); run hearth fix as its owner, or, if you trust it, mark it safe (${refused.command}) and run hearth fix again`);
}

/**
 * git's refusal of the folder's repository because another user owns it, in the terminal's
 * words: the repository (`at`) and the command that marks it safe; undefined where git reads it.
 */
export function ownerRefusal(folder: string): { at: string; command: string } | undefined {
  const answer = git(folder, ["rev-parse", "--git-dir"]);
  const refused = answer.status !== 0 && typeof answer.stderr === "string" ? ownershipRefusal(answer.stderr) : undefined;
  if (!refused) return undefined;
  // git's own line where it gives one: it knows the form a path takes there (a UNC path on Windows: %(prefix)///server/share).
  return { at: terminalName(refused.repository), command: terminalName(refused.command ?? `git config --global --add safe.directory ${shellWord(refused.repository)}`) };
}

/** The broken `.git` file (agent/git-link.ts) git stops at in `folder`; undefined where there is none. */
export function gitLinkBroken(folder: string): BrokenGitLink | undefined {
  const answer = git(folder, ["rev-parse", "--git-dir"]);
  return answer.status !== 0 && typeof answer.stderr === "string" ? brokenGitLink(answer.stderr, folder) : undefined;
}

/**
 * A UsageError where git stops at a broken `.git` file (a worktree whose repository moved): git
 * answered nothing, the folder was taken for no repository, and from a subfolder the patch named
 * files from there (src/calc.py as calc.py), with the checkout's uncommitted changes unknown.
 */
function refuseBrokenGitLink(folder: string): void {
  const broken = gitLinkBroken(folder);
  if (!broken) return;
  const shown = { file: terminalName(broken.file), ...(broken.names !== undefined ? { names: terminalName(broken.names) } : {}) };
  throw new UsageError(`${gitLinkProblem(shown)}: hearth fix cannot tell the checkout's top or what it holds uncommitted; nothing was changed. ${capitalized(gitLinkWayOut(broken, (path) => terminalName(shellWord(path))))}, and run hearth fix again`);
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A UsageError where no git can be started (none on PATH's absolute folders): the run went as
 * far as the checkpoints' first git and ended as "the model failed" (exit 3), once with a stack
 * trace. Every fix needs git, in a folder that is no repository too (its checkpoints are one).
 */
function refuseMissingGit(folder: string): void {
  const unusable = gitUnusable(folder);
  if (unusable && "missing" in unusable) throw new UsageError(`git is not on the PATH (${unusable.missing}): hearth fix needs it (its checkpoints and its patch are made with git); install git, or add its folder to PATH, and run hearth fix again`);
  // Every question to the repository failed, the top was taken for no repository, and the run
  // fixed the folder it was started in, its files' paths wrong for the patch (an edit of
  // lib/calc.py from lib/ failed), with only "could not tell whether the checkout had uncommitted changes" said.
  if (unusable) throw new UsageError(`${unusable.version} is too old for hearth fix: Hearth runs git with --no-optional-locks (git 2.15 and later), so that reading the repository never rewrites its index, and this git refuses it (${unusable.old}); install a newer git, or put its folder first on PATH, and run hearth fix again`);
}

/**
 * Why no read-only git runs in the folder (agent/git-usable.ts): none on PATH's absolute
 * folders (`missing`), or one that refuses Hearth's read-only options (`old`, `version`), as a
 * git before 2.15 (CentOS 7's 1.8, Debian 9's 2.11) refuses --no-optional-locks. Said in the
 * terminal's words.
 */
export function gitUnusable(folder: string): GitUnusable | undefined {
  const unusable = unusableGit(folder);
  if (!unusable) return undefined;
  return "missing" in unusable ? { missing: terminalText(unusable.missing) } : { old: terminalText(unusable.old), version: terminalText(unusable.version) };
}

/** The most files with conflict markers named in refuseConflicts' message. */
const MAX_CONFLICTS_NAMED = 5;

/**
 * A UsageError where a merge, rebase, cherry-pick or stash pop stopped on conflicts (the
 * index holds unmerged files): the agent read and edited files full of <<<<<<< markers
 * without a word of them, and its patch carried them. Nothing where git has no answer.
 */
function refuseConflicts(root: string): void {
  const listed = git(root, ["ls-files", "--unmerged", "-z", "--full-name"]);
  if (listed.status !== 0 || typeof listed.stdout !== "string" || listed.stdout === "") return;
  // One entry per stage ("MODE BLOB STAGE\tPATH"): each file two or three times.
  const stages = new Map<string, UnmergedPath>();
  for (const entry of listed.stdout.split("\0")) {
    const tab = entry.indexOf("\t");
    if (tab < 0) continue;
    const [mode = "", blob = "", stage = ""] = entry.slice(0, tab).split(" ");
    const file = stages.get(entry.slice(tab + 1)) ?? { modes: [], stages: [], blobs: [] };
    file.modes.push(mode);
    file.stages.push(stage);
    // The sides' versions (stage 1 is their common base, which neither is).
    if (stage !== "1") file.blobs.push(blob);
    stages.set(entry.slice(tab + 1), file);
  }
  const files = [...stages.keys()];
  const named = files.slice(0, MAX_CONFLICTS_NAMED).map((path) => `${terminalName(path)} (${conflictKind(root, path, stages.get(path)!)})`).join(", ") + (files.length > MAX_CONFLICTS_NAMED ? ` and ${files.length - MAX_CONFLICTS_NAMED} more` : "");
  const stopped = stoppedOperation(root);
  const [what, abort] = stopped === undefined ? ["a merge, rebase, cherry-pick or stash that stopped", ", or abort it (git merge --abort, git rebase --abort)"] : stopped ? [`${stopped.what} that stopped`, `, or abort it (${stopped.abort})`] : ["a stash pop, checkout -m or apply -3 that stopped, which left nothing to abort; a stash pop keeps its stash entry", ""];
  throw new UsageError(`the checkout has unresolved conflicts (${what}): ${named}; resolve them and git add them (git rm a file to delete)${abort}, then run hearth fix again`);
}

/**
 * What git leaves in the git folder while an operation waits on conflicts (first match wins:
 * git am's state is a rebase-apply folder too), and the command that aborts it: "git merge
 * --abort" said of a cherry-pick fails ('There is no merge to abort').
 */
/**
 * The operation under way in the checkout at `root` (its state in the git folder, a linked
 * worktree's own: --git-path); null where none is (a stash pop's or checkout -m's conflicts:
 * nothing to abort); undefined where git cannot say.
 */
function stoppedOperation(root: string): (typeof OPERATIONS_UNDER_WAY)[number] | null | undefined {
  const asked = git(root, ["rev-parse", ...OPERATIONS_UNDER_WAY.flatMap(({ state }) => ["--git-path", state])]);
  const paths = asked.status === 0 && typeof asked.stdout === "string" ? asked.stdout.split("\n") : [];
  if (paths.length < OPERATIONS_UNDER_WAY.length) return undefined;
  return OPERATIONS_UNDER_WAY.find((_, i) => existsSync(resolve(root, paths[i]!))) ?? null;
}

/** Staged files whose markers refuseMarkersAdded looks for, at most (the first ones git lists). */
const MAX_STAGED_SCANNED = 200;

/**
 * A UsageError where a merge, rebase, cherry-pick or revert is under way and a file it staged
 * holds conflict markers that neither side's version holds: the conflicts were git added with
 * their markers in (git add -A after a conflicting merge), which git takes for resolved, so
 * refuseConflicts saw none, and the run went on on files full of <<<<<<< markers (read_file
 * names them only for files git still counts as conflicted): the model read them as code, and its
 * patch's lines held them. Read from the index and the two commits alone (no work-tree file,
 * no filter); a marker that HEAD's or the other side's version holds (a test fixture) is no
 * conflict. Nothing where no operation is under way or git has no answer.
 */
function refuseMarkersAdded(root: string): void {
  const stopped = stoppedOperation(root);
  if (!stopped) return;
  const other = stopped.other;
  const staged = git(root, ["diff", "--cached", "--no-ext-diff", "--no-renames", "--diff-filter=AM", "--name-only", "-z", "HEAD", "--"]);
  if (staged.status !== 0 || typeof staged.stdout !== "string") return;
  const conflicted: string[] = [];
  for (const path of staged.stdout.split("\0").filter(Boolean).slice(0, MAX_STAGED_SCANNED)) {
    const blocks = (rev: string) => {
      const shown = git(root, ["cat-file", "blob", `${rev}:${path}`], MAX_MARKER_SCAN_BYTES);
      return shown.status === 0 && typeof shown.stdout === "string" ? conflictBlocks(shown.stdout.split(/\r?\n/)) : [];
    };
    const added = blocks(":0");
    if (added.length === 0) continue;
    if (!moreMarkersThanEitherSide(added.length, blocks("HEAD").length, other ? blocks(other).length : 0)) continue;
    const lines = added.slice(0, 3).map((b) => `${b.start}-${b.end}`).join(", ") + (added.length > 3 ? ` and ${added.length - 3} more` : "");
    conflicted.push(`${terminalName(path)} (lines ${lines})`);
  }
  if (conflicted.length === 0) return;
  const named = conflicted.slice(0, MAX_CONFLICTS_NAMED).join(", ") + (conflicted.length > MAX_CONFLICTS_NAMED ? ` and ${conflicted.length - MAX_CONFLICTS_NAMED} more` : "");
  throw new UsageError(`${stopped.what} is under way in the checkout, and its conflicts were git added with git's markers still in them: ${named}; resolve them (edit the file, then git add it again), or abort it (${stopped.abort}), then run hearth fix again`);
}

/** The largest file whose conflict markers are looked for (a file past it is taken to hold them). */
const MAX_MARKER_SCAN_BYTES = 8 * 1024 * 1024;

/** One path of `git ls-files --unmerged`: each stage's mode, the stages it has, the blobs of the sides (stages 2 and 3). */
interface UnmergedPath {
  readonly modes: string[];
  readonly stages: string[];
  readonly blobs: string[];
}

/** What a path git could not merge (a binary file, a link) holds: the version of the side it kept, no marker. */
const ONE_SIDE = "not merged: one side's version, without the other's changes";

/**
 * What an unmerged path holds, in a few words: not every one has conflict markers — a file one
 * side deleted has none, a submodule neither, a binary file or a link git could not merge is
 * one side's version, and one resolved in the file (by hand, by rerere) but not yet added has
 * none left.
 */
function conflictKind(root: string, path: string, entry: UnmergedPath): string {
  if (entry.modes.includes("160000")) return "a submodule both sides moved";
  if (!entry.stages.includes("2") || !entry.stages.includes("3")) return "deleted on one side, changed on the other";
  try {
    // A plain file or a link only: whatever else is at the path now (a FIFO) is not read.
    const at = join(root, path);
    const stat = lstatSync(at);
    if (stat.isSymbolicLink()) return entry.blobs.includes(blobId(readlinkSync(at, { encoding: "buffer" }), entry.blobs[0]!)) ? ONE_SIDE : "resolved in the link, not yet added";
    if (!stat.isFile() || stat.size > MAX_MARKER_SCAN_BYTES) return "conflict markers";
    const bytes = readFileSync(at);
    if (isOneSide(bytes, entry.blobs)) return ONE_SIDE;
    return /^<{7}(?: |\r?$)/m.test(bytes.toString("latin1")) ? "conflict markers" : "resolved in the file, not yet added";
  } catch {
    return "conflict markers";
  }
}

/**
 * Whether a file's bytes are a side's version (`blobs`): as stored, or as git wrote them out
 * with CRLF line ends (eol=crlf, core.autocrlf=true) from a blob stored with LF.
 */
function isOneSide(bytes: Buffer, blobs: readonly string[]): boolean {
  if (blobs.includes(blobId(bytes, blobs[0]!))) return true;
  if (!bytes.includes("\r\n")) return false;
  return blobs.includes(blobId(crlfToLf(bytes), blobs[0]!));
}

/**
 * A UsageError where this user may not write the checkout's top folder (a checkout another
 * user owns, a read-only mount): the run loaded the model and went on until the agent's
 * first edit failed, then ended as "the model failed" (exit 3).
 */
function refuseReadOnly(root: string): void {
  try {
    accessSync(root, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    // On a read-only file system its owner may not write either: only a copy helps.
    const [why, who] = code === "EROFS" ? ["cannot be written (EROFS: a read-only file system)", ""] : [`cannot be written by this user (${code})`, "as its owner, or "];
    throw new UsageError(`the checkout ${root} ${why}: the agent could not edit a file there; run hearth fix ${who}in a writable copy (git clone ${root} DIR)`);
  }
}

/** The checkout of a linked worktree's folder in git's (`.git/worktrees/NAME`, made by git worktree add): its `gitdir` file names the checkout's `.git`. */
function linkedWorktree(gitDir: string): string | undefined {
  try {
    const dotGit = readFileSync(join(gitDir, "gitdir"), "utf8").trim();
    return basename(dotGit) === ".git" && isAbsolute(dotGit) ? dirname(dotGit) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the checkout holds any file in `folder`: committed (HEAD has the folder), or added
 * since (the index has a file under it: a new repository's first files before its first
 * commit, a package added since the last one).
 */
function checkoutHolds(folder: string): boolean {
  if (revParse(folder, ["--verify", "--quiet", "HEAD:./"]) !== undefined) return true;
  // ls-files lists every file under the folder: its first bytes are enough (git is stopped past them).
  const listed = git(folder, ["ls-files", "--cached", "-z", "--", "."], 4096);
  return typeof listed.stdout === "string" && listed.stdout !== "";
}

/** rev-parse's lines in `folder`, or undefined where it fails (not a repository, no git). */
function revParse(folder: string, args: readonly string[]): string[] | undefined {
  const result = git(folder, ["rev-parse", ...args]);
  if (result.status !== 0 || typeof result.stdout !== "string") return undefined;
  return result.stdout.split("\n").filter((line) => line !== "");
}

/** git in `folder`, asked about the folder's own repository; `maxBuffer`: the most of its output read. */
function git(folder: string, args: readonly string[], maxBuffer?: number): SpawnSyncReturns<string> {
  // The folder's own repository (GIT_DIR / GIT_WORK_TREE exported by a dotfiles setup or a git hook
  // named theirs as the top), and nothing its config names runs (ls-files runs core.fsmonitor).
  // rev-parse and ls-files read no work-tree file: no filter runs, they cannot hang on the work tree.
  // git from PATH's absolute folders, never the folder's own (program-search.ts).
  const env = readOnlyGitEnv(programSearchEnv({ ...process.env, LANGUAGE: "en" }));
  return spawnSync("git", [...READ_ONLY_GIT_OPTIONS, ...args], { cwd: folder, encoding: "utf8", timeout: 30_000, env, ...(maxBuffer ? { maxBuffer } : {}) });
}
