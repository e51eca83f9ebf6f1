/**
 * Checkpoints: a shadow git repository (its own git dir in Hearth's storage, the workspace
 * as its work tree) that snapshots the workspace before each write, so any step can be
 * undone. The user's own `.git` is never read or written: every command runs with
 * GIT_DIR pointing at the shadow repository, so the user's index, branches and stash stay
 * as they are.
 *
 * A checkpoint is the tree `git add --all` sees (the workspace minus what .gitignore and
 * the excludes below leave out, minus files over MAX_CHECKPOINT_FILE_BYTES the agent is
 * not writing, and minus nested repositories: git would run `git status` inside each,
 * and with it whatever that repository's config names — core.fsmonitor, filters) plus, in its commit
 * message, the files the agent wrote that this tree misses — ignored files, files inside
 * nested repositories (see checkpoint-extras.ts). Every git call holds the repository
 * through checkpoint-lock.ts: one at a time, and locks left by a killed process recovered.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { access, chmod, constants, copyFile, link, lstat, mkdir, readFile, readdir, realpath, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
// scan.ts is not re-exported by the indexer's index.ts (file-walk.ts imports it the same way).
import { isOutside, repositoryExcludes } from "../indexer/scan.ts";
import { ignoredTracked } from "../indexer/enclosing-ignores.ts";
import { inBatches } from "../indexer/scan-fs.ts";
import { diskFullWords } from "../protocol/disk-full.ts";
import { PRIVATE_FOLDER, keepPrivate } from "../protocol/make-folders.ts";
import { type CheckpointSource, linksAmong, restoreExtraFiles, restoreLinks, restoreModes } from "./checkpoint-disk.ts";
import { type ExtrasManifest, type FileState, checkpointMessage, checkpointPath, parseManifest, sameState, stdinPaths, underAny } from "./checkpoint-extras.ts";
import { type AgentBaseline, type CheckpointContents, agentBaselines, hearthsContent, hearthsDeletes, heldAnywhere, isRunStart, usersChange } from "./checkpoint-authorship.ts";
import { abandonedJournal, clearJournal, writeJournal } from "./checkpoint-journal.ts";
import { writeNew } from "./disk-workspace.ts";
import { RepoLock } from "./checkpoint-lock.ts";
import { PACK_ABOVE_BYTES, packLoose, storeOpened } from "./checkpoint-stores.ts";
import { type UserHead, MOVED_GREP, MOVED_INLINE, filesBetween, headTrailers, keepsModes, movedBlobPaths, movedBlobText, parseHeadTrailers, userHead } from "./checkpoint-git-head.ts";
import { type StoredForm, inStoredForm } from "./checkpoint-stored-form.ts";
import { MAX_CHECKPOINT_FILE_BYTES, MAX_DIFF_BYTES } from "./limits.ts";
import { ToolError } from "./tool.ts";
import { ignoresCase } from "./workspace.ts";

/** One snapshot of the workspace. */
export interface Checkpoint {
  /** The shadow commit's hash. */
  readonly id: string;
  readonly label: string;
  readonly time: Date;
  /**
   * Set by `create`: files over MAX_CHECKPOINT_FILE_BYTES in the workspace that this
   * checkpoint does not hold, so restoring it leaves them as they are.
   */
  readonly leftOut?: readonly string[];
  /**
   * Set by `create`: files this user may not read (a 0600 file a container left as root),
   * which this checkpoint does not hold either (one in a folder this user may not enter: it
   * holds the copy the checkpoint before held): restoring it leaves them as they are.
   */
  readonly unreadable?: readonly string[];
  /**
   * Set by `create`: folders that are git repositories of their own (a folder of clones opened
   * as one workspace, a vendored checkout), which no checkpoint looks into (see stageAll): the
   * agent's own writes there are extras, a change a command makes there is in none.
   */
  readonly nested?: readonly string[];
}

/** What to tell the user about files a checkpoint left out (Checkpoint.leftOut). */
export function leftOutMessage(paths: readonly string[]): string {
  return leftOutFiles(paths, `over ${MAX_CHECKPOINT_FILE_BYTES / 1024 / 1024} MiB`);
}

/** What to tell the user about files a checkpoint left out because this user may not read them (Checkpoint.unreadable). */
export function unreadableMessage(paths: readonly string[]): string {
  return leftOutFiles(paths, "this user may not read");
}

/** What to tell the user about the repositories of their own a checkpoint does not look into (Checkpoint.nested). */
export function nestedMessage(folders: readonly string[]): string {
  const shown = folders.slice(0, 3).join(", ") + (folders.length > 3 ? ` and ${folders.length - 3} more` : "");
  const which = folders.length === 1 ? "1 folder that is a git repository of its own" : `${folders.length} folders that are git repositories of their own`;
  const them = folders.length === 1 ? "it" : "them";
  return `Checkpoints leave out ${which} (${shown}): Undo and Restore bring back the agent's edits there, but not a change a command makes in ${them}; git in ${folders.length === 1 ? "that folder" : "each folder"} shows those.`;
}

function leftOutFiles(paths: readonly string[], which: string): string {
  const shown = paths.slice(0, 3).join(", ") + (paths.length > 3 ? ` and ${paths.length - 3} more` : "");
  const files = paths.length === 1 ? "1 file" : `${paths.length} files`;
  return `Checkpoints leave out ${files} ${which}, so Undo and Restore cannot bring back a change a command makes to ${paths.length === 1 ? "it" : "them"}: ${shown}.`;
}

export interface CheckpointOptions {
  readonly workspaceRoot: string;
  /** Hearth's storage folder (e.g. the extension's workspace storage); one repo per workspace inside. */
  readonly storageDir: string;
  /** How long a call waits while another Hearth process uses the same repository (default 60 s). */
  readonly lockWaitMs?: number;
  /**
   * Files Hearth itself writes during the run (hearth fix's trajectory, patch and predictions,
   * given inside the checkout): never part of a checkpoint, a review or the patch. Absolute
   * paths; those outside the workspace are no concern here.
   */
  readonly exclude?: readonly string[];
  /** Loose objects past this many bytes are packed after a checkpoint (default PACK_ABOVE_BYTES; tests give less). */
  readonly packAboveBytes?: number;
}

// Byte-exact snapshots: no line-ending conversion, no filters (LFS, smudge), no re-encoding
// (working-tree-encoding: git stores UTF-8 and refuses a file not in the named encoding,
// which failed every checkpoint), whatever the workspace's .gitattributes say. The shadow
// repo's info/attributes overrides them. `!diff`: a file is text or binary by its bytes, not
// by a `-diff` or `diff=driver` the repository gives it (package-lock.json -diff would make
// the agent's change to it "Binary files differ", a line no patch can apply).
const ATTRIBUTES = "* -text -filter -ident -working-tree-encoding !diff\n";
// Heavy folders that are rarely gitignored-by-mistake but never the agent's to undo
// (a file the agent itself writes there is still snapshotted, as an extra).
const EXCLUDED_FOLDERS = new Set(["node_modules", ".venv", "venv", "__pycache__", ".hearth", ".tox", ".mypy_cache", ".pytest_cache"]);
const EXCLUDES = [...EXCLUDED_FOLDERS].map((name) => `${name}/\n`).join("");
/** The paths the agent has written, in the shadow git dir (see checkpoint-extras.ts). */
const TRACKED_FILE = "hearth-paths.json";
/** Paths given to one git command on its command line. */
const PATHS_PER_CALL = 200;
/** A throwaway index for building trees of extras (its lock is recovered like the others). */
const EXTRAS_INDEX = "hearth-extras.index";
/**
 * How far back the shadow index's time is set (backdateIndex): a FAT disk's 2 s steps, and a
 * second more for a network share's times.
 */
const INDEX_TIME_MARGIN_MS = 3000;

// Variables that would point git at the user's editor, pager, hooks or credentials. The
// shadow repository needs none of them (npm sets EDITOR for every script, for one).
const INHERITED_BUT_UNSAFE = /^(GIT_.*|EDITOR|VISUAL|PAGER|PREFIX|SSH_ASKPASS)$/i;

interface GitCall {
  readonly input?: string | Uint8Array;
  readonly env?: Record<string, string>;
  /** Exit codes other than 0 that are an answer, not a failure (check-ignore's 1: none matched). */
  readonly answers?: readonly number[];
  /** Output past this many bytes stops git and throws DiffTooLargeError (diffs only). */
  readonly maxBytes?: number;
}

/**
 * A diff longer than `diff`'s `maxBytes` (MAX_DIFF_BYTES unless given): git was stopped
 * there, nothing cut was returned. The files on disk are untouched.
 */
export class DiffTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the change is over ${sizeWords(maxBytes)} as a diff (many changed files or large binary ones: a build's output or installed packages in a folder the project does not ignore), so no diff was made; the files on disk are as the change left them`);
    this.name = "DiffTooLargeError";
  }
}

function sizeWords(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MiB` : `${bytes.toLocaleString("en-US")} bytes`;
}

/**
 * The workspace-relative path (with `/`) of the file at `path` (absolute) when it is inside
 * the workspace `root` (real path); undefined for one outside it or one no pattern can name
 * (a newline in its name).
 */
async function ownPath(root: string, path: string): Promise<string | undefined> {
  // The file may not exist yet: its folder's real path, then its name.
  const folder = await realpath(dirname(path)).catch(() => dirname(path));
  const inside = relative(root, join(folder, basename(path)));
  if (inside === "" || isOutside(inside) || /[\n\r]/.test(inside)) return undefined;
  return inside.split(sep).join("/");
}

/**
 * A regular file's size, or "unreadable" when this user may not read it; "unreachable" for a
 * file in a folder this user may not enter (a command's chmod 000 dir: not even its lstat
 * succeeds, and git lists it as modified while its index holds it); 0 for anything else or
 * nothing there.
 */
async function fileState(abs: string): Promise<number | "unreadable" | "unreachable"> {
  const isDenied = (error: NodeJS.ErrnoException) => error.code === "EACCES" || error.code === "EPERM";
  const info = await lstat(abs).catch((error: NodeJS.ErrnoException) => (isDenied(error) ? "denied" : undefined));
  if (info === "denied") return "unreachable";
  if (!info?.isFile()) return 0;
  const denied = await access(abs, constants.R_OK).then(() => false, isDenied);
  return denied ? "unreadable" : info.size;
}

/** An info/exclude line matching exactly the workspace file `inside`: anchored, git's pattern characters escaped. */
function excludeLine(inside: string): string {
  return `/${inside.replace(/[\\*?[\]]/g, "\\$&").replace(/ +$/, (spaces) => "\\ ".repeat(spaces.length))}\n`;
}

/** A restore that a process began and did not end (killed between files), finished by `open`. */
export interface FinishedRestore {
  readonly checkpoint: string;
  /** The files put back as the checkpoint holds them. */
  readonly paths: readonly string[];
  /** Files left as they are: changed since by hand (content no checkpoint holds), or all of them when it `failed`. */
  readonly left: readonly string[];
  /** Why the restore could not be finished. */
  readonly failed?: string;
  /**
   * The journal's format, where a newer Hearth began the restore in a format this version
   * does not read ("format 2"): nothing was put back, and the journal is left for that version.
   */
  readonly newer?: string;
}

export class CheckpointStore {
  /** Set by `open` when it finished a restore an earlier process left halfway: for the user to be told. */
  finishedRestore: FinishedRestore | undefined;
  /** The shadow repository as checkpoint-disk.ts reads it (inside the lock). */
  private readonly source: CheckpointSource;
  private packAboveBytes = PACK_ABOVE_BYTES;
  /** Whether the checkpoints hold the executable bit: the workspace's repository keeps modes (init, keepsModes). */
  private modes = true;
  /** What info/exclude was last written with (syncExcludes). */
  private excludes: string | undefined;
  /**
   * The folders that are git repositories of their own, as the last staging (a checkpoint, a
   * diff against the work tree) found them: no checkpoint looks into them (see stageAll), so
   * a diff since a checkpoint holds the agent's writes there but no command's change.
   */
  nested: readonly string[] = [];

  private constructor(
    /** The shadow git directory. */
    readonly gitDir: string,
    private readonly root: string,
    private readonly env: Record<string, string>,
    private readonly lock: RepoLock,
    /** CheckpointOptions.exclude inside the workspace, workspace-relative. */
    private readonly ownFiles: readonly string[],
  ) {
    this.source = {
      root,
      modesAt: (target, paths) => this.modesAt(target, paths),
      bytesAt: (target, file) => this.bytesAt(target, file),
      blob: (hash) => this.git(["cat-file", "blob", hash]),
    };
  }

  /** Opens (creating on first use) the shadow repository for a workspace. */
  static async open(options: CheckpointOptions): Promise<CheckpointStore> {
    const root = await realpath(options.workspaceRoot);
    const key = createHash("sha1").update(root).digest("hex").slice(0, 16);
    const gitDir = join(options.storageDir, "checkpoints", key);
    // Copies of the user's files (an .env, a key): this user's alone from the first mkdir (see PRIVATE_FOLDER).
    await mkdir(gitDir, { recursive: true, mode: PRIVATE_FOLDER });
    for (const dir of [dirname(gitDir), gitDir]) await keepPrivate(dir, { stat, chmod, uid: process.getuid?.() });
    await storeOpened(gitDir, root);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !INHERITED_BUT_UNSAFE.test(k)) env[k] = v;
    // LANGUAGE=en: git's words (and the strerror it quotes) are read, "No space left on device" by diskFullWords.
    Object.assign(env, { GIT_DIR: gitDir, GIT_WORK_TREE: root, GIT_OPTIONAL_LOCKS: "0", LANGUAGE: "en" });
    // One lock per repository however its storage path is spelled.
    const ownFiles = (await Promise.all((options.exclude ?? []).map((path) => ownPath(root, path)))).filter((p): p is string => p !== undefined);
    const store = new CheckpointStore(gitDir, root, env, new RepoLock(await realpath(gitDir), options.lockWaitMs), ownFiles);
    if (options.packAboveBytes !== undefined) store.packAboveBytes = options.packAboveBytes;
    // init reads the shadow index (dropGitlinks): one a crashed process truncated would fail every open.
    await store.lock.run(() => store.init().catch(async (error: unknown) => {
      if (!(await store.repaired())) throw error;
      await store.init();
    }));
    store.finishedRestore = await store.lock.run(() => store.finishAbandonedRestore());
    return store;
  }

  /**
   * A restore whose process died between files left the workspace half one checkpoint, half
   * another: its journal's paths are put back as the checkpoint holds them (on disk, as
   * restoreLinks does: links as links, modes too), but for files changed since by hand.
   */
  private async finishAbandonedRestore(): Promise<FinishedRestore | undefined> {
    const journal = await abandonedJournal(this.gitDir);
    if (!journal) return undefined;
    // A newer Hearth's: not followed (its fields may mean more than this version reads), and its journal kept for it.
    if ("newer" in journal) return { checkpoint: journal.checkpoint ?? "", paths: [], left: [], newer: journal.newer };
    try {
      const left = new Set(await this.unrecordedFiles(journal.paths, "any"));
      const paths = journal.paths.filter((p) => !left.has(p));
      await restoreLinks(this.source, journal.checkpoint, paths);
      return { checkpoint: journal.checkpoint, paths, left: [...left] };
    } catch (error) {
      // The checkpoint unreadable (a damaged shadow repository): said, and the store still opens.
      return { checkpoint: journal.checkpoint, paths: [], left: journal.paths, failed: error instanceof Error ? error.message : String(error) };
    } finally {
      await clearJournal(this.gitDir);
    }
  }

  /**
   * Records that a restore to `id` of `paths` begins (call `endRestore` when it is done,
   * failed or not): if this process dies before, the next `open` finishes it.
   */
  async beginRestore(id: string, paths: readonly string[]): Promise<void> {
    await this.lock.run(async () => writeJournal(this.gitDir, { pid: process.pid, started: new Date().toISOString(), checkpoint: await this.resolveId(id), paths }));
  }

  async endRestore(): Promise<void> {
    await this.lock.run(() => clearJournal(this.gitDir));
  }

  private async init(): Promise<void> {
    await this.git(["init", "--quiet"]);
    const config: [string, string][] = [
      ["user.name", "Hearth"], ["user.email", "hearth@localhost"], ["commit.gpgsign", "false"],
      ["core.autocrlf", "false"], ["core.safecrlf", "false"], ["gc.auto", "0"], ["core.quotepath", "false"],
      ["advice.addEmbeddedRepo", "false"],
      // Labels (the user's prompt) and trailers (paths) are written and read as UTF-8: with the
      // user's i18n.logOutputEncoding=latin1, git log's "ändere café.py" read as "\uFFFDndere caf\uFFFD.py";
      // with i18n.commitEncoding a commit claimed an encoding its bytes were not in.
      ["i18n.commitEncoding", "UTF-8"], ["i18n.logOutputEncoding", "UTF-8"],
      // Which checkpoints changed a file is read with git log -- FILE: with the user's log.follow=true
      // git followed a file the agent had moved (a.py to b.py) across the move, where --reverse
      // loses its later changes, and the agent's edit of b.py was taken for the user's.
      ["log.follow", "false"],
      // No hook or fsmonitor from the user's global config may run for the shadow repo.
      ["core.hooksPath", join(this.gitDir, "hearth-no-hooks")], ["core.fsmonitor", "false"],
      // Diffs are patches (hearth fix's, the review's, git_diff's): a/ b/ and 3 lines of
      // context whatever the user's global config prefers for their terminal. Hunks apart and a
      // blank context line " ": with the user's diff.interHunkContext=20 two changes 16 lines
      // apart were one hunk, and diff.suppressBlankEmpty wrote blank context lines empty.
      ["diff.noprefix", "false"], ["diff.mnemonicPrefix", "false"], ["diff.srcPrefix", "a/"], ["diff.dstPrefix", "b/"],
      ["diff.context", "3"], ["diff.relative", "false"], ["diff.interHunkContext", "0"], ["diff.suppressBlankEmpty", "false"],
      // git sets it from the disk of GIT_DIR (~/.local/state), not the workspace's: on WSL's
      // /mnt/c or an SMB share, utils.ts and Utils.ts were two files, and a restore failed.
      ["core.ignorecase", String(await ignoresCase(this.root))],
      // The same for the x bit: on a disk that keeps no modes every file reads as executable,
      // and each new file in hearth fix's patch was `new file mode 100755`.
      ["core.fileMode", String(this.modes = await keepsModes(this.root))],
      // A file rewritten with its size and mtime kept (touch -r, cp -p, rsync -t) differs only
      // in its ctime: with the user's global core.trustctime=false or core.checkStat=minimal
      // (advice for network drives and Cygwin), git add took it as unchanged: the checkpoint held
      // its old text, and diffs, reviews and restores went by that. Both: under minimal git
      // compares no ctime, trustctime or not. On a disk whose inode numbers change (sshfs
      // without use_ino), files whose numbers changed are hashed again: slower, not wrong.
      ["core.trustctime", "true"], ["core.checkStat", "default"],
    ];
    for (const [key, value] of config) await this.git(["config", key, value]);
    await mkdir(join(this.gitDir, "info"), { recursive: true });
    await writeFile(join(this.gitDir, "info", "attributes"), ATTRIBUTES);
    await this.syncExcludes();
    await this.dropGitlinks();
  }

  /**
   * The shadow repository's info/exclude: Hearth's own excludes, then the workspace
   * repository's (`.git/info/exclude`, a worktree's main repository's). git reads the exclude
   * file of GIT_DIR, the shadow's, so without this what the user excluded there (a scratch
   * folder, a local dataset) went into every checkpoint, the review and hearth fix's patch.
   * Written again when the user's changes (read at each snapshot: it is one small file).
   */
  private async syncExcludes(): Promise<void> {
    const own = await repositoryExcludes(this.root);
    const ours = EXCLUDES + (this.ownFiles.length ? `# written by this run of Hearth\n${this.ownFiles.map(excludeLine).join("")}` : "");
    const text = own ? `${ours}# the workspace repository's info/exclude\n${own}${own.endsWith("\n") ? "" : "\n"}` : ours;
    if (text === this.excludes) return;
    await writeFile(join(this.gitDir, "info", "exclude"), text);
    this.excludes = text;
  }

  /**
   * Takes the nested repositories (gitlinks) an older Hearth staged out of the shadow index:
   * at each `git add` git would ask them for their status (see stageAll).
   */
  private async dropGitlinks(): Promise<void> {
    const staged = (await this.text(["ls-files", "-z", "--stage"])).split("\0");
    const gitlinks = staged.filter((entry) => entry.startsWith("160000 ")).map((entry) => entry.slice(entry.indexOf("\t") + 1));
    // Plumbing: `git rm` would itself ask each one whether it has changes.
    if (gitlinks.length) await this.git(["update-index", "-z", "--force-remove", "--stdin"], { input: gitlinks.map((p) => `${p}\0`).join("") });
  }

  /**
   * Snapshots the workspace as it is now. `paths` are the files about to be written
   * (workspace-relative): they are snapshotted from now on even where git would not see them.
   */
  async create(label: string, paths: readonly string[] = []): Promise<Checkpoint> {
    const touched = paths.map(checkpointPath).filter((p): p is string => p !== undefined);
    try {
      return await this.lock.run(async () => {
        let made: Checkpoint;
        try {
          made = await this.snapshot(label, touched);
        } catch (error) {
          // A damaged shadow repository would fail every checkpoint, and every run starts with one.
          if (!(await this.repaired())) throw error;
          made = await this.snapshot(label, touched);
        }
        await packLoose((args) => this.text(args), this.packAboveBytes);
        return made;
      });
    } catch (error) {
      // Node's ENOSPC from the store's own files, or git's words for it: the change the checkpoint comes before must not happen.
      const why = diskFullWords(error);
      if (!why) throw error;
      throw new ToolError("io-error", `the checkpoint before this change could not be stored: the disk holding Hearth's checkpoints (${this.gitDir}) is full (${why}); nothing was written. Tell the user: without a checkpoint the change could not be undone, so free some space on that disk, then try again`);
    }
  }

  /**
   * After a failed snapshot: a damaged shadow index (truncated by a crash or a full disk) is
   * rebuilt from the last checkpoint, and a history whose newest commit cannot be read (its
   * objects lost) is started again — the earlier checkpoints are gone with their objects.
   * The workspace is never touched. False when neither was the trouble.
   */
  private async repaired(): Promise<boolean> {
    const head = await this.text(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]).then((out) => out.trim(), () => undefined);
    const branch = (await this.text(["symbolic-ref", "--quiet", "HEAD"]).catch(() => "")).trim();
    const damagedIndex = await this.git(["ls-files", "--stage", "--", "."]).then(() => false, () => true);
    if (head) {
      if (!damagedIndex) return false;
      await rm(join(this.gitDir, "index"), { force: true });
      await this.git(["read-tree", head]);
      return true;
    }
    const lostBranch = branch !== "" && (await lstat(join(this.gitDir, branch)).then(() => true, () => false));
    if (!lostBranch && !damagedIndex) return false;
    if (lostBranch) await rm(join(this.gitDir, branch), { force: true });
    await rm(join(this.gitDir, "index"), { force: true });
    return true;
  }

  /** Checkpoints, newest first. */
  async list(limit = 1000): Promise<Checkpoint[]> {
    return this.lock.run(() => this.log(limit));
  }

  /**
   * Puts the workspace back as it was at `id`: changed files restored, files created since
   * removed. The current state is snapshotted first, so a restore can itself be undone.
   * Returns that snapshot.
   */
  async restore(id: string, label = `before restoring ${id.slice(0, 8)}`): Promise<Checkpoint> {
    return this.lock.run(async () => {
      const target = await this.resolveId(id);
      const before = await this.snapshot(label, []);
      // read-tree -u moves index and work tree from the snapshot just taken to the target:
      // tracked files absent from the target are deleted, the rest rewritten. HEAD stays.
      await this.git(["read-tree", "--reset", "-u", target]);
      await this.restoreExtras(target);
      return before;
    });
  }

  /** A file's bytes at a checkpoint (a link's: the path it points at); undefined when it did not exist then. */
  async fileAt(id: string, path: string): Promise<Uint8Array | undefined> {
    const file = checkpointPath(path);
    return this.lock.run(async () => {
      const target = await this.resolveId(id);
      return file === undefined ? undefined : this.bytesAt(target, file);
    });
  }

  /**
   * Those of `paths` that are files on disk whose content Hearth did not write: the user's
   * edits and files they made, after the run's end or between two runs (a run's start
   * checkpoint holds those, yet they are not Hearth's: checkpoint-authorship.ts), which a
   * whole restore must not write over or delete; and those gone from disk that no run of
   * Hearth's deleted (the user removed them, or a `git checkout` of a branch without them
   * did), which it must not bring back. Left out: links and files reached through
   * a folder that is a link (restoreLinks puts those back), and files over
   * MAX_CHECKPOINT_FILE_BYTES, which no checkpoint holds unless the agent wrote them (a
   * command that grew one is undone by writing back what the checkpoint held).
   */
  async unrecorded(paths: readonly string[]): Promise<string[]> {
    const files = paths.map(checkpointPath).filter((p): p is string => p !== undefined);
    if (!files.length) return [];
    return this.lock.run(() => this.unrecordedFiles(files, "hearths"));
  }

  /**
   * For each of `paths` (workspace-relative) that the checkpoints after `id` show changed:
   * the checkpoint just before the agent's first write of it, and whether the user changed it
   * after that (checkpoint-authorship.ts agentBaselines) — over `id`'s own run (a Reject, an
   * Undo: up to the next run's start) or, `span: "since"`, every checkpoint since (Restore
   * checkpoint on a message). Empty when `id` is not in the history (then no checkpoint tells
   * more than `id` itself). A file no change of the user's touched in that span is left out:
   * it goes back to `id`, as before the agent's first write it was as there. `until`: the
   * run's own end checkpoint, where a run knows it (conversation-run's finish), so the span
   * reaches it though another conversation's run started meanwhile (its start would end the span).
   */
  async agentBaselines(id: string, paths: readonly string[], span: "run" | "since", until?: string): Promise<Map<string, AgentBaseline>> {
    const files = new Map(paths.flatMap((p) => {
      const file = checkpointPath(p);
      return file === undefined ? [] : [[file, p] as const];
    }));
    if (!files.size) return new Map();
    const { target, last, list } = await this.lock.run(async () => ({
      target: await this.resolveId(id),
      last: until === undefined ? undefined : await this.resolveId(until),
      list: (await this.head()) ? (await this.text(["log", "--reverse", "--format=%H%x00%s", "HEAD", "--"])).split("\n").filter(Boolean).map((line) => line.split("\0") as [string, string]) : [],
    }));
    const from = list.findIndex(([commit]) => commit === target);
    if (from < 0) return new Map();
    const next = span === "run" ? list.findIndex(([, label], i) => i > from && isRunStart(label)) : -1;
    const ends = last === undefined ? -1 : list.findIndex(([commit], i) => i > from && commit === last);
    const to = ends >= 0 ? ends : next < 0 ? list.length - 1 : next - 1;
    // Only the files a change of the user's touched: reading every file's history took 50 s for a run that rewrote 20,000.
    const touched = new Set<string>();
    for (let i = from + 1; i <= to; i++) {
      if (usersChange(list[i - 1]![1], list[i]![1])) for (const path of await this.changedFiles(list[i - 1]![0], list[i]![0])) touched.add(path);
    }
    const wanted = [...files.keys()].filter((file) => touched.has(file));
    if (!wanted.length) return new Map();
    return this.lock.run(async () => {
      const history = await this.contentHistory(wanted);
      const start = history.findIndex((c) => c.id === target);
      const end = history.findIndex((c) => c.id === list[to]![0]);
      if (start < 0 || end < 0) return new Map(); // the history changed meanwhile (repaired)
      const found = agentBaselines(wanted, history, start, end);
      return new Map([...found].map(([file, baseline]) => [files.get(file)!, baseline]));
    });
  }

  /**
   * unrecorded, inside the lock; `held: "any"`: content no checkpoint holds at all (what
   * writing over would lose for good), as a restore cut off halfway leaves alone.
   */
  private async unrecordedFiles(files: readonly string[], held: "any" | "hearths"): Promise<string[]> {
    const onDisk: string[] = [];
    // Gone from disk (a whole restore's question only): the user's delete unless a run of Hearth's deleted it.
    const gone: string[] = [];
    for (const path of files) {
      const info = await lstat(join(this.root, path)).catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" || error.code === "ENOTDIR" ? null : undefined));
      if (info === null && held === "hearths") gone.push(path);
      if (!info?.isFile() || info.size > MAX_CHECKPOINT_FILE_BYTES) continue;
      // Reached through a folder that is a link now: another file, which restoreLinks leaves alone.
      const folder = join(this.root, dirname(path));
      if ((await realpath(folder).catch(() => folder)) === folder) onDisk.push(path);
    }
    if (!(await this.head())) return onDisk;
    const theirs: string[] = [];
    if (onDisk.length) {
      // Without -w: hashing names the content, it does not store it.
      const now = (await this.text(["hash-object", "--no-filters", "--stdin-paths"], { input: stdinPaths(onDisk) })).split("\n");
      const history = await this.contentHistory(onDisk);
      const blobs = held === "any" ? heldAnywhere(onDisk, history) : hearthsContent(onDisk, history);
      theirs.push(...onDisk.filter((path, i) => !blobs.get(path)?.has(now[i]!)));
    }
    if (gone.length) {
      const deleted = hearthsDeletes(gone, await this.contentHistory(gone));
      theirs.push(...gone.filter((path) => !deleted.has(path)));
    }
    return theirs;
  }

  /** Every checkpoint, oldest first, with the content each gives `paths` that it changed or records in its extras. */
  private async contentHistory(paths: readonly string[]): Promise<CheckpointContents[]> {
    const history = (await this.text(["log", "--reverse", "--format=%H%x00%s", "HEAD", "--"])).split("\n").filter(Boolean).map((line) => {
      const [id, label] = line.split("\0");
      return { id: id!, label: label ?? "", changed: new Map<string, string | null>(), movedByGit: undefined as Set<string> | undefined };
    });
    const byId = new Map(history.map((c) => [c.id, c]));
    for (let i = 0; i < paths.length; i += PATHS_PER_CALL) {
      const spec = paths.slice(i, i + PATHS_PER_CALL).map((p) => `:(literal)${p}`);
      // Per checkpoint: "\x1e<id>\0" then, per change, ":<old mode> <new mode> <old blob> <new blob> <status>\0<path>\0"; --root: the first checkpoint's files too.
      const out = await this.text(["log", "--reverse", "--root", "--no-renames", "--raw", "-z", "--no-abbrev", "--format=%x1e%H", "HEAD", "--", ...spec]);
      for (const chunk of out.split("\x1e").slice(1)) {
        const [id, ...rest] = chunk.split("\0");
        const changed = byId.get(id!)?.changed;
        for (let k = 0; k + 1 < rest.length; k++) {
          const change = /^\n?:\d+ \d+ [0-9a-f]+ ([0-9a-f]+) \w+$/.exec(rest[k]!);
          if (change) changed?.set(rest[++k]!, /^0+$/.test(change[1]!) ? null : change[1]!);
        }
      }
    }
    // The files a move of the user's HEAD changed (checkpoint-git-head.ts): few checkpoints name any.
    const wantedPaths = new Set(paths);
    for (const record of (await this.text(["log", "--format=%x1e%H%x00%B", `--grep=${MOVED_GREP}`, "HEAD", "--"])).split("\x1e").slice(1)) {
      const [id, message] = record.split("\0");
      const checkpoint = byId.get(id!);
      const moved = (await this.movedIn(message ?? "")).filter((p) => wantedPaths.has(p));
      if (checkpoint && moved.length) checkpoint.movedByGit = new Set(moved);
    }
    const tracked = new Set(await this.tracked());
    if (paths.some((p) => tracked.has(p))) {
      const wanted = new Set(paths);
      for (const record of (await this.text(["log", "--format=%x1e%H%x00%B", "HEAD", "--"])).split("\x1e").slice(1)) {
        const [id, message] = record.split("\0");
        const changed = byId.get(id!)?.changed;
        for (const [path, state] of parseManifest(message ?? "")) if (wanted.has(path)) changed?.set(path, state ? state.blob : null);
      }
    }
    return history;
  }

  /**
   * Those of `paths` that are a link now or were one at `id`. A Workspace writes through
   * links, so these are for restoreLinks, not for a Workspace write.
   */
  async linksAmong(id: string, paths: readonly string[]): Promise<string[]> {
    return this.lock.run(async () => linksAmong(this.source, await this.resolveId(id), paths));
  }

  /**
   * The files a checkpoint holds that this user may not read now (a command's `chmod 000`, a
   * file root wrote over): no snapshot can read them, so a diff takes each as the checkpoint
   * held it, and a restore could neither tell whether it changed nor put it back.
   */
  async unreadableHeld(id: string): Promise<string[]> {
    return this.lock.run(async () => {
      const target = await this.resolveId(id);
      await this.syncExcludes();
      const { unreadable } = await this.unstagedFiles([], await this.forcedFiles());
      if (!unreadable.length) return [];
      const held = await this.modesAt(target, unreadable);
      return unreadable.filter((path) => held.has(path));
    });
  }

  /**
   * Puts `paths` (from linksAmong) back as they were at `id`, on disk: a Workspace would
   * write a link's old target, or a file that a link now stands for, into the file the link
   * points at now. Returns the paths restored (see checkpoint-disk.ts).
   */
  async restoreLinks(id: string, paths: readonly string[]): Promise<string[]> {
    return this.lock.run(async () => restoreLinks(this.source, await this.resolveId(id), paths));
  }

  /**
   * After a restore wrote `paths` back through a Workspace, which writes contents only (a
   * file keeps its mode, a new one gets the default): each file's executable bit as at
   * `id` — a deleted or moved script comes back executable, a chmod is undone.
   */
  async restoreModes(id: string, paths: readonly string[]): Promise<void> {
    // Where the repository keeps no modes the checkpoints hold none: a script's x bit is the disk's.
    if (!this.modes) return;
    await this.lock.run(async () => restoreModes(this.source, await this.resolveId(id), paths));
  }

  /** Paths that differ between a checkpoint and now (or another checkpoint). */
  async changedFiles(from: string, to?: string): Promise<string[]> {
    return this.lock.run(async () => {
      const { base, target, extras, grown } = await this.compare(from, to, []);
      // -z: without it git quotes a name holding a quote, tab or backslash ("say \"hi\".txt").
      // --no-renames: a rename is listed as its new name only, and a restore would delete
      // that without writing the old one back.
      const main = (await this.text(["diff", "--no-ext-diff", "--no-renames", "--name-only", "-z", base, target, "--"])).split("\0").filter(Boolean);
      return [...new Set([...main, ...extras.changed, ...grown])];
    });
  }

  /**
   * How the user's HEAD moved from checkpoint `from` to `to` (a `git checkout`, a pull, a
   * reset while a run went on), and the files the moves in the user's time changed — git's
   * writes, not Hearth's (checkpoint-git-head.ts); undefined where it did not move, or a
   * checkpoint records no HEAD (no repository, a checkpoint an older Hearth took).
   * `written`: those of `paths` whose content on disk the move changed (the checkpoint that
   * records it differs from the one before there): a `git commit` the user made of files as
   * they were changes the commit, not the files.
   */
  async headMoved(from: string, to: string): Promise<{ from: UserHead; to: UserHead; paths: string[]; written: string[] } | undefined> {
    return this.lock.run(async () => {
      const [base, target] = [await this.resolveId(from), await this.resolveId(to)];
      const first = parseHeadTrailers(await this.text(["log", "-1", "--format=%B", base, "--"])).head;
      const records = (await this.text(["log", "--reverse", "--format=%x1e%H%x00%B", `${base}..${target}`, "--"])).split("\x1e").slice(1).map((record) => {
        const [id = "", message = ""] = record.split("\0");
        return { id, head: parseHeadTrailers(message).head, message };
      });
      const last = records.at(-1)?.head;
      if (!first || !last || first.commit === last.commit) return undefined;
      const paths = new Set<string>();
      const written = new Set<string>();
      for (const record of records) {
        const moved = await this.movedIn(record.message);
        if (!moved.length) continue;
        // Checkpoints form one line: the parent is the checkpoint before.
        const onDisk = new Set((await this.text(["diff", "--no-ext-diff", "--no-renames", "--name-only", "-z", `${record.id}^`, record.id, "--"])).split("\0"));
        for (const path of moved) {
          paths.add(path);
          if (onDisk.has(path)) written.add(path);
        }
      }
      return { from: first, to: last, paths: [...paths], written: [...written] };
    });
  }

  /** The files a checkpoint's tree holds (not its extras: files the agent wrote that git would not see). */
  async filesAt(id: string): Promise<string[]> {
    return this.lock.run(async () => (await this.text(["ls-tree", "-r", "-z", "--name-only", await this.resolveId(id)])).split("\0").filter(Boolean));
  }

  /**
   * Those of `paths` (workspace-relative) that checkpoints leave out by rule: Hearth's own
   * excludes (.hearth/, node_modules/, __pycache__/…), the run's own files
   * (CheckpointOptions.exclude), and what the workspace ignores. What a checkpoint does not
   * hold, no diff and no patch holds either.
   */
  async excludedAmong(paths: readonly string[]): Promise<string[]> {
    if (!paths.length) return [];
    return this.lock.run(async () => {
      await this.syncExcludes();
      // --no-index: by the patterns alone, whatever the shadow index holds from earlier runs.
      const out = await this.text(["check-ignore", "-z", "--no-index", "--stdin"], { input: paths.map((p) => `${p}\0`).join(""), answers: [1] });
      const held = new Set(await this.trackedPastRules());
      return out.split("\0").filter((p) => p !== "" && !held.has(p));
    });
  }

  /** The files that a checkpoint did not hold and now (or another checkpoint) holds: the ones made since. */
  async addedFiles(from: string, to?: string): Promise<string[]> {
    return this.lock.run(async () => {
      const { base, target, extras } = await this.compare(from, to, []);
      const main = (await this.text(["diff", "--no-ext-diff", "--no-renames", "--diff-filter=A", "--name-only", "-z", base, target, "--"])).split("\0").filter(Boolean);
      return [...new Set([...main, ...extras.changed.filter((p) => extras.from.get(p) === null)])];
    });
  }

  /**
   * A unified diff from a checkpoint to now (or to another checkpoint), new files included.
   * `patch`: the diff is a file to apply (`hearth fix`'s): binary files as git's binary
   * patches and names outside ASCII quoted, so `git apply` reproduces every byte; without
   * it, binary files are one "Binary files … differ" line for people to read.
   * `leaveOut`: files the diff takes as they were at `from` (hearth fix's build output).
   * `storedForm`: the changed files' bytes as the workspace's repository would store them
   * (hearth fix's patch in a checkout that converts line endings: checkpoint-stored-form.ts);
   * the checkpoints keep the work tree's bytes.
   * `relative`: a folder the diff's names start from, and to which it keeps (git diff
   * --relative): hearth fix's patch of a submodule, which is applied in the submodule's folder.
   */
  async diff(from: string, to?: string, paths: readonly string[] = [], options: { readonly patch?: boolean; readonly leaveOut?: readonly string[]; readonly storedForm?: StoredForm; readonly relative?: string; readonly maxBytes?: number } = {}): Promise<string> {
    const maxBytes = options.maxBytes ?? MAX_DIFF_BYTES;
    return this.lock.run(async () => {
      const compared = await this.compare(from, to, paths);
      const { base, extras } = compared;
      const leaveOut = new Set(options.leaveOut ?? []);
      const target = leaveOut.size ? await this.treeLeavingOut(compared.target, base, [...leaveOut]) : compared.target;
      const changed = extras.changed.filter((p) => !leaveOut.has(p));
      const pathspec = paths.map((p) => `:(literal)${p}`);
      const diff = [...(options.patch ? ["-c", "core.quotepath=true", "diff", "--binary"] : ["diff"]), ...(options.relative ? [`--relative=${options.relative}/`] : [])];
      const trees = (a: string, b: string, spec: readonly string[]) =>
        options.storedForm ? inStoredForm((args, call) => this.git(args, call), a, b, spec, options.storedForm, join(this.gitDir, EXTRAS_INDEX)) : Promise.resolve([a, b]);
      const main = await this.git([...diff, "--no-ext-diff", "--no-textconv", "--no-color", ...(await trees(base, target, pathspec)), "--", ...pathspec], { maxBytes });
      if (!changed.length) return main.toString("utf8");
      const pick = (states: ExtrasManifest) => new Map(changed.map((p) => [p, states.get(p) ?? null]));
      const extraTrees = await trees(await this.treeOf(pick(extras.from)), await this.treeOf(pick(extras.to)), []);
      // What is left of the limit: the refusal still names the limit itself.
      const more = await this.git([...diff, "--no-ext-diff", "--no-textconv", "--no-color", ...extraTrees, "--"], { maxBytes: maxBytes - main.length }).catch((error: unknown) => {
        throw error instanceof DiffTooLargeError ? new DiffTooLargeError(maxBytes) : error;
      });
      return main.toString("utf8") + more.toString("utf8");
    });
  }

  /**
   * A commit standing for checkpoint `from` whose tree also holds `files` (its label, its
   * parents and so its extras are `from`'s; no branch points at it): hearth fix's base for the
   * files the workspace's repository has but the start did not have on disk (outside a sparse
   * checkout), so that its patch changes the repository's version of each rather than adding
   * the file anew, which `git apply` refuses where the file is checked out. A file's mode may be
   * a symbolic link's (120000, `bytes` its target): one the run wrote a file in place of.
   */
  async withFiles(from: string, files: ReadonlyMap<string, { readonly mode: FileState["mode"] | "120000"; readonly bytes: Buffer }>): Promise<string> {
    return this.lock.run(async () => {
      const base = await this.resolveId(from);
      const env = { GIT_INDEX_FILE: join(this.gitDir, EXTRAS_INDEX) };
      try {
        await this.git(["read-tree", base], { env });
        const entries: string[] = [];
        // No --path: the bytes are stored as given, no filter or line-end conversion.
        for (const [path, file] of files) entries.push(`${file.mode} ${(await this.text(["hash-object", "-w", "--stdin"], { input: file.bytes })).trim()}\t${path}\0`);
        if (entries.length) await this.git(["update-index", "-z", "--index-info"], { env, input: entries.join("") });
        const tree = (await this.text(["write-tree"], { env })).trim();
        const parents = (await this.text(["rev-parse", `${base}^@`])).split("\n").filter(Boolean).flatMap((parent) => ["-p", parent]);
        const message = await this.git(["log", "-1", "--format=%B", base, "--"]);
        return (await this.text(["commit-tree", tree, ...parents, "-F", "-"], { input: message })).trim();
      } finally {
        await rm(env.GIT_INDEX_FILE, { force: true });
      }
    });
  }

  private async snapshot(label: string, touched: readonly string[]): Promise<Checkpoint> {
    const tracked = await this.track(touched);
    const { large: leftOut, unreadable, nested } = await this.stageAll(tracked);
    // "" names the index just staged: the paths it misses are this checkpoint's extras.
    const extras = await this.diskStates(await this.missingFrom("", tracked));
    const message = checkpointMessage(label, extras, await this.headRecord(label));
    await this.git(["commit", "--quiet", "--allow-empty", "--no-verify", "--cleanup=verbatim", "-F", "-"], { input: message });
    const checkpoint = (await this.log(1, "HEAD"))[0]!;
    return { ...checkpoint, ...(leftOut.length ? { leftOut } : {}), ...(unreadable.length ? { unreadable } : {}), ...(nested.length ? { nested } : {}) };
  }

  /**
   * The user's HEAD for a new checkpoint's message, and, where it moved since the previous
   * checkpoint in the user's time (not inside a step: the agent's own git command), the files
   * that differ between the two commits: git's writes, not Hearth's (checkpoint-git-head.ts).
   */
  private async headRecord(label: string): Promise<string[]> {
    const head = await userHead(this.root);
    if (!head || !(await this.head())) return headTrailers(head, []);
    const [previousLabel = "", message = ""] = (await this.text(["log", "-1", "--format=%s%x00%B", "HEAD", "--"])).split("\0");
    const previous = parseHeadTrailers(message).head;
    const moved = previous && previous.commit !== head.commit && usersChange(previousLabel, checkpointMessage(label, new Map()).trim())
      ? ((await filesBetween(this.root, previous.commit, head.commit)) ?? [])
      : [];
    if (moved.length <= MOVED_INLINE) return headTrailers(head, moved);
    const blob = (await this.text(["hash-object", "-w", "--no-filters", "--stdin"], { input: movedBlobText(moved) })).trim();
    return headTrailers(head, { count: moved.length, blob });
  }

  /** The files a checkpoint's message says a move of the user's HEAD changed, from its blob where it names one (inside the lock). */
  private async movedIn(message: string): Promise<string[]> {
    const { moved, movedBlob } = parseHeadTrailers(message);
    if (!movedBlob) return moved;
    // A blob gone (a shadow repository someone ran git gc in): no list, as a checkpoint that records none.
    return movedBlobPaths(await this.text(["cat-file", "blob", movedBlob.blob]).catch(() => ""));
  }

  /**
   * Stages the whole work tree into the shadow index, but for files over
   * MAX_CHECKPOINT_FILE_BYTES other than `keep` (the files the agent writes), which it
   * takes out of the index if an older checkpoint held them, files this user may not read
   * (git add refuses the whole tree for one), and nested repositories.
   * Returns the large and unreadable files left out, and the nested repositories.
   *
   * A nested repository staged as a gitlink makes every later `git add` run `git status`
   * in it, with its own config: its core.fsmonitor and its filters' commands run (a
   * vendored checkout or an unpacked archive can carry any), and neither the shadow's
   * config nor `diff.ignoreSubmodules` stops it — the workspace's .gitmodules overrides
   * both. Left out, it is never looked into; the agent's writes inside it are extras.
   */
  private async stageAll(keep: readonly string[] = []): Promise<{ large: string[]; unreadable: string[]; nested: string[] }> {
    await this.syncExcludes();
    const forced = await this.forcedFiles();
    const { large, unreadable, unreachable, nested } = await this.unstagedFiles(keep, forced);
    const spec = (paths: readonly string[]) => ({ input: paths.map((p) => `:(literal)${p}\0`).join("") });
    // The run's own files too: an earlier run's checkpoints may hold them, and an exclude does not untrack.
    // Not a file in a folder this user may not enter: untracked, git could list it no more (it
    // cannot look inside), and the next diff would take it for deleted.
    const untrack = [...large, ...unreadable.filter((p) => !unreachable.has(p)), ...this.ownFiles];
    // -r: a folder the shadow index holds that a command replaced by a large or unreadable file of its name (rm -r gen; tar cf gen …).
    if (untrack.length) await this.git(["rm", "-r", "--cached", "--quiet", "--ignore-unmatch", "--pathspec-from-file=-", "--pathspec-file-nul"], spec(untrack));
    const skipped = [...large, ...unreadable, ...nested];
    const repositories = [...nested];
    await this.backdateIndex();
    for (;;) {
      try {
        // Pathspecs on stdin: a folder of many large files would not fit on a command line.
        const input = [".", ...skipped.map((p) => `:(exclude,literal)${p}`)].map((p) => `${p}\0`).join("");
        await this.git(["add", "--all", "--pathspec-from-file=-", "--pathspec-file-nul"], { input });
        // The user's tracked files that an ignore rule matches: `add --all` passes them by while the shadow index lacks them.
        const past = forced.filter((p) => skipped.length === 0 || !underAny(p, skipped));
        if (past.length) await this.git(["add", "--all", "--force", "--pathspec-from-file=-", "--pathspec-file-nul"], spec(past));
        this.nested = repositories.sort();
        return { large, unreadable, nested: [...this.nested] };
      } catch (error) {
        // A nested repository without a commit makes `git add` refuse the whole tree: leave
        // that folder out (the agent's own writes in it are kept as extras).
        const nested = /'(.+?)\/?' does not have a commit checked out/.exec(String(error));
        if (!nested || skipped.includes(nested[1]!)) throw error;
        skipped.push(nested[1]!);
        repositories.push(nested[1]!);
      }
    }
  }

  /** The index's modification time as backdateIndex last set it. */
  private indexStamp?: number;

  /**
   * Sets the shadow index's modification time INDEX_TIME_MARGIN_MS back. git takes a file whose
   * size and times match its index entry as unchanged unless the entry's time is not before the
   * index's own ("racily clean": then it reads the file). The index is in the storage folder,
   * the files in the workspace: on a FAT disk (exFAT, some SMB shares) their times are in 2 s
   * steps, so a same-size save in a checkpoint's 2 s window (b = 2 -> b = 3) kept its time, was
   * older than the index, and the next checkpoint held the old text. Backdated, a file written
   * in the seconds before the index is read again: a few files, not the tree.
   */
  private async backdateIndex(): Promise<void> {
    const index = join(this.gitDir, "index");
    const written = await stat(index).then((info) => info.mtimeMs, () => undefined);
    if (written === undefined || written === this.indexStamp) return;
    const stamp = new Date(written - INDEX_TIME_MARGIN_MS);
    await utimes(index, stamp, stamp).catch(() => undefined);
    this.indexStamp = await stat(index).then((info) => info.mtimeMs, () => undefined);
  }

  /**
   * The files of the workspace that the user's repository tracks although an ignore rule
   * matches them (enclosing-ignores.ts ignoredTracked): git never leaves a tracked file out,
   * so neither do checkpoints (the agent's change to one was missing from the review, and
   * Restore could not bring it back). Not Hearth's own: EXCLUDES, this run's files.
   */
  private async trackedPastRules(): Promise<string[]> {
    const own = new Set(this.ownFiles);
    return (await ignoredTracked(this.root)).filter((p) => !own.has(p) && !p.split("/").slice(0, -1).some((name) => EXCLUDED_FOLDERS.has(name)));
  }

  /** trackedPastRules, those on disk now (`git add` refuses a path that names nothing). */
  private async forcedFiles(): Promise<string[]> {
    const present: string[] = [];
    for await (const batch of inBatches(await this.trackedPastRules(), (p) => lstat(join(this.root, p)).then(() => true, () => false))) {
      for (const [p, found] of batch) if (found) present.push(p);
    }
    return present;
  }

  /**
   * Since the shadow index was staged: the new or changed files over the size limit, but
   * for `keep`; those this user may not read, `keep` included (`unreachable`: those of them
   * in a folder this user may not enter); and the nested repositories (git lists one as `path/`).
   */
  private async unstagedFiles(keep: readonly string[], forced: readonly string[]): Promise<{ large: string[]; unreadable: string[]; unreachable: Set<string>; nested: string[] }> {
    const listed = (await this.text(["ls-files", "-z", "--others", "--modified", "--exclude-standard"])).split("\0");
    const nested = listed.filter((p) => p.endsWith("/")).map((p) => p.slice(0, -1));
    const kept = new Set(keep);
    const paths = [...new Set([...listed.filter((p) => p !== "" && !p.endsWith("/")), ...forced])];
    const large: string[] = [];
    const unreadable: string[] = [];
    const unreachable = new Set<string>();
    for await (const batch of inBatches(paths, (p) => fileState(join(this.root, p)))) {
      for (const [p, found] of batch) {
        if (found === "unreachable") unreachable.add(p);
        if (found === "unreadable" || found === "unreachable") unreadable.push(p);
        else if (found > MAX_CHECKPOINT_FILE_BYTES && !kept.has(p)) large.push(p);
      }
    }
    return { large: large.sort(), unreadable: unreadable.sort(), unreachable, nested };
  }

  /** What to compare: two trees (a checkpoint's, or the work tree staged now) and the extras that differ. */
  private async compare(from: string, to: string | undefined, paths: readonly string[]) {
    const base = await this.resolveId(from);
    const work = to ? undefined : await this.workTree(base);
    const target = work ? work.tree : await this.resolveId(to!);
    const candidates = (await this.tracked()).filter((p) => underAny(p, paths));
    const missing = new Set(await this.missingFrom(base, candidates));
    const need = (await this.missingFrom(target, candidates)).filter((p) => missing.has(p));
    const fromStates = await this.statesAt(base, need);
    const toStates = to ? await this.statesAt(target, need) : await this.diskStates(need);
    // A path neither side knows was never written by the agent in between: not a change.
    const changed = need.filter((p) => fromStates.has(p) && toStates.has(p) && !sameState(fromStates.get(p)!, toStates.get(p)!));
    return { base, target, grown: work?.grown ?? [], extras: { changed, from: fromStates, to: toStates } };
  }

  /**
   * The work tree as a tree, staged now. A file over the size limit is left out of it, so one
   * that `base` held — a small file a command grew past the limit — is taken as `base` holds
   * it: it was not deleted, and a diff (hearth fix's patch) that deleted it would be wrong.
   * `grown`: those files. They did change, and `base` can bring them back: changedFiles lists
   * them (the chat's review shows them; its Reject and Undo restore them).
   */
  private async workTree(base: string): Promise<{ tree: string; grown: string[] }> {
    const { large, unreadable } = await this.stageAll(await this.tracked());
    const tree = (await this.text(["write-tree"])).trim();
    if (!large.length && !unreadable.length) return { tree, grown: [] };
    const notHeld = new Set(await this.missingFrom(base, large));
    // A file this user may not read is taken as `base` holds it too: whether it changed cannot be known.
    return { tree: await this.treeLeavingOut(tree, base, [...large, ...unreadable]), grown: large.filter((p) => !notHeld.has(p)) };
  }

  /** The paths of `paths` that a tree (or commit; "": the index) does not hold as a file. */
  private async missingFrom(treeish: string, paths: readonly string[]): Promise<string[]> {
    if (!paths.length) return [];
    const out = await this.text(["cat-file", "--batch-check=%(objecttype)"], { input: paths.map((p) => `${treeish}:${p}\n`).join("") });
    const types = out.split("\n");
    return paths.filter((_, i) => types[i] !== "blob");
  }

  /** The state of each path on disk now (blobs written), null when absent; other kinds of entry left out. */
  private async diskStates(paths: readonly string[]): Promise<ExtrasManifest> {
    const states: ExtrasManifest = new Map();
    const files: { path: string; mode: FileState["mode"] }[] = [];
    for (const path of paths) {
      const info = await lstat(join(this.root, path)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT" || error.code === "ENOTDIR") return null;
        throw error;
      });
      if (info === null) states.set(path, null);
      else if (info.isFile()) files.push({ path, mode: info.mode & 0o111 ? "100755" : "100644" });
    }
    if (files.length) {
      const out = await this.text(["hash-object", "-w", "--no-filters", "--stdin-paths"], { input: stdinPaths(files.map((f) => f.path)) });
      out.split("\n").filter(Boolean).forEach((blob, i) => states.set(files[i]!.path, { mode: files[i]!.mode, blob }));
    }
    return states;
  }

  /** The bytes of `file` (a checkpoint path) at `target`, from its tree or its extras; undefined when it was not there. */
  private async bytesAt(target: string, file: string): Promise<Uint8Array | undefined> {
    if (!(await this.missingFrom(target, [file])).length) return this.git(["cat-file", "blob", `${target}:${file}`]);
    if (!(await this.tracked()).includes(file)) return undefined;
    const state = (await this.statesAt(target, [file])).get(file);
    return state ? this.git(["cat-file", "blob", state.blob]) : undefined;
  }

  /** Git's mode of each of `paths` a checkpoint holds (100644, 100755, 120000: a link), extras included. */
  private async modesAt(target: string, paths: readonly string[]): Promise<Map<string, string>> {
    const modes = new Map<string, string>();
    const files = [...new Set(paths.map(checkpointPath).filter((p): p is string => p !== undefined))];
    for (let i = 0; i < files.length; i += PATHS_PER_CALL) {
      const spec = files.slice(i, i + PATHS_PER_CALL).map((p) => `:(literal)${p}`);
      for (const entry of (await this.text(["ls-tree", "-z", target, "--", ...spec])).split("\0")) {
        const match = /^(\d+) blob \S+\t(.+)$/s.exec(entry);
        if (match) modes.set(match[2]!, match[1]!);
      }
    }
    const tracked = new Set(await this.tracked());
    const extras = await this.statesAt(target, files.filter((p) => !modes.has(p) && tracked.has(p)));
    for (const [path, state] of extras) if (state) modes.set(path, state.mode);
    return modes;
  }

  /**
   * Each path's extras state at checkpoint `id`: from its own manifest or, for a path it
   * did not know yet, from the first later checkpoint that does (see checkpoint-extras.ts).
   * Paths no checkpoint knows are left out.
   */
  private async statesAt(id: string, paths: readonly string[]): Promise<ExtrasManifest> {
    const states: ExtrasManifest = new Map();
    if (!paths.length) return states;
    // Oldest first from `id` itself: everything HEAD reaches that id's parents do not.
    const out = await this.text(["log", "--reverse", "--format=%x1e%B", "HEAD", "--not", `${id}^@`, "--"]);
    for (const message of out.split("\x1e").slice(1)) {
      const manifest = parseManifest(message);
      for (const path of paths) if (!states.has(path) && manifest.has(path)) states.set(path, manifest.get(path)!);
      if (states.size === paths.length) break;
    }
    return states;
  }

  /**
   * After read-tree: the extras back as they were at `target`. They are files git does not
   * look after, so the containment git gives tracked files is ours to give (checkpoint-disk.ts).
   */
  private async restoreExtras(target: string): Promise<void> {
    await restoreExtraFiles(this.source, await this.statesAt(target, await this.missingFrom(target, await this.tracked())));
  }

  /** The tree `target` with each of `paths` as tree `base` holds it (or without it, where `base` has none). */
  private async treeLeavingOut(target: string, base: string, paths: readonly string[]): Promise<string> {
    const env = { GIT_INDEX_FILE: join(this.gitDir, EXTRAS_INDEX) };
    try {
      await this.git(["read-tree", target], { env });
      // Pathspecs on stdin: a build folder can hold thousands of files.
      await this.git(["update-index", "-z", "--force-remove", "--stdin"], { env, input: paths.map((p) => `${p}\0`).join("") });
      let before: string[] = [];
      for (let i = 0; i < paths.length; i += PATHS_PER_CALL) {
        const spec = paths.slice(i, i + PATHS_PER_CALL).map((p) => `:(literal)${p}`);
        // Concatenated, not push(...): a path that was a folder at `base` lists every file it held, past what a call takes as arguments.
        before = before.concat((await this.text(["ls-tree", "-r", "-z", base, "--", ...spec])).split("\0").filter(Boolean));
      }
      // ls-tree's "<mode> blob <hash>\t<path>" is what --index-info reads.
      if (before.length) await this.git(["update-index", "-z", "--index-info"], { env, input: before.map((entry) => `${entry}\0`).join("") });
      return (await this.text(["write-tree"], { env })).trim();
    } finally {
      await rm(env.GIT_INDEX_FILE, { force: true });
    }
  }

  /** A tree holding the present files of `states` (nested paths and all: no gitlink in the way). */
  private async treeOf(states: ExtrasManifest): Promise<string> {
    const env = { GIT_INDEX_FILE: join(this.gitDir, EXTRAS_INDEX) };
    try {
      await this.git(["read-tree", "--empty"], { env });
      const entries = [...states].flatMap(([path, s]) => (s ? [`${s.mode} ${s.blob}\t${path}\0`] : [])).join("");
      if (entries) await this.git(["update-index", "-z", "--index-info"], { env, input: entries });
      return (await this.text(["write-tree"], { env })).trim();
    } finally {
      await rm(env.GIT_INDEX_FILE, { force: true });
    }
  }

  /** Adds `paths` to the paths the agent has written; returns them all. */
  private async track(paths: readonly string[]): Promise<string[]> {
    const known = await this.tracked();
    const added = paths.filter((p) => !known.includes(p));
    if (!added.length) return known;
    const all = [...known, ...added].sort();
    await this.writeTracked(all);
    return all;
  }

  /**
   * The list written beside and flushed before it is renamed over the old one: renamed
   * unflushed, a power cut could leave an empty list in its place. A `.tmp` a killed process
   * left is written over (inside the lock: no other process writes it now).
   */
  private async writeTracked(paths: readonly string[]): Promise<void> {
    const file = join(this.gitDir, TRACKED_FILE);
    await rm(`${file}.tmp`, { force: true });
    await writeNew(`${file}.tmp`, JSON.stringify(paths));
    await rename(`${file}.tmp`, file);
  }

  private async tracked(): Promise<string[]> {
    const file = join(this.gitDir, TRACKED_FILE);
    const text = await readFile(file, "utf8").catch(() => "[]");
    try {
      const parsed: unknown = JSON.parse(text);
      return Array.isArray(parsed) ? parsed.filter(recordable) : [];
    } catch {
      return this.rebuildTracked(file);
    }
  }

  /**
   * A list that is not JSON (empty, NUL bytes, cut short: what a crash or a power cut leaves)
   * is not "no paths": taken so, the next checkpoint would write a list without the agent's
   * earlier ignored files, and no checkpoint would diff or restore them again. Every path a
   * checkpoint recorded outside its tree is in its message's manifest: the list is made again
   * from those, the damaged file kept aside (`hearth-paths.json.damaged-<time>`). The new list
   * is renamed over the damaged one, never after it was moved away: a write that fails (a full
   * disk) leaves the damage in place to be rebuilt again, not a missing list read as no paths.
   */
  private async rebuildTracked(file: string): Promise<string[]> {
    const paths = new Set<string>();
    if (await this.head()) {
      for (const message of (await this.text(["log", "--format=%x1e%B", "HEAD", "--"])).split("\x1e").slice(1)) {
        for (const path of parseManifest(message).keys()) if (recordable(path)) paths.add(path);
      }
    }
    const all = [...paths].sort();
    await this.keepDamaged(file);
    await this.writeTracked(all);
    return all;
  }

  /**
   * The damaged list's bytes kept beside it (a hard link, else a copy), once: the same damage
   * found again (a rebuild whose write failed) is not kept again. A copy that cannot be made
   * (a full disk) does not stop the rebuild.
   */
  private async keepDamaged(file: string): Promise<void> {
    const bytes = await readFile(file).catch(() => undefined);
    if (!bytes) return;
    const prefix = `${TRACKED_FILE}.damaged-`;
    for (const name of (await readdir(this.gitDir)).filter((n) => n.startsWith(prefix))) {
      if ((await readFile(join(this.gitDir, name)).catch(() => undefined))?.equals(bytes)) return;
    }
    const aside = `${file}.damaged-${Date.now()}`;
    await link(file, aside).catch(() => copyFile(file, aside, constants.COPYFILE_EXCL)).catch(() => undefined);
  }

  /** Checkpoints from `start` back, newest first (`start` given: known to exist). */
  private async log(limit: number, start?: string): Promise<Checkpoint[]> {
    if (!start && !(await this.head())) return [];
    const out = await this.text(["log", `--max-count=${limit}`, "--format=%H%x00%cI%x00%s", ...(start ? [start, "--"] : [])]);
    return out.split("\n").filter(Boolean).map((line) => {
      const [id, time, label] = line.split("\0");
      return { id: id!, time: new Date(time!), label: label ?? "" };
    });
  }

  private async resolveId(id: string): Promise<string> {
    if (!/^[0-9a-f]{4,40}$/i.test(id)) throw new Error(`"${id}" is not a checkpoint id; pick one from the checkpoint list`);
    try {
      return (await this.text(["rev-parse", "--verify", "--quiet", `${id}^{commit}`])).trim();
    } catch {
      throw new Error(`Checkpoint ${id} does not exist in this workspace's history; pick one from the checkpoint list`);
    }
  }

  private async head(): Promise<string | undefined> {
    return this.text(["rev-parse", "--verify", "--quiet", "HEAD"]).then((out) => out.trim(), () => undefined);
  }

  private async text(args: string[], call: GitCall = {}): Promise<string> {
    return (await this.git(args, call)).toString("utf8");
  }

  /** Runs git in the shadow repository (inside `lock.run`); stdout as bytes. */
  private async git(args: string[], call: GitCall = {}): Promise<Buffer> {
    const child = spawn("git", args, { cwd: this.root, env: call.env ? { ...this.env, ...call.env } : this.env, stdio: "pipe" });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let read = 0;
    let over = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (over) return;
      read += chunk.length;
      // Held whole, a diff of a build's binaries passed the longest string V8 can make.
      if (call.maxBytes !== undefined && read > call.maxBytes) {
        over = true;
        stdout.length = 0;
        child.kill();
      } else stdout.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    const done = new Promise<number | null>((resolve, reject) => {
      child.on("error", (error) => reject(new Error(`git could not be run (${error.message}); checkpoints need git on the PATH`)));
      child.on("close", resolve);
    });
    // No git on the PATH fails at once, while lock.child below is still writing: unhandled
    // until `await done`, that rejection ended hearth fix with a stack trace.
    done.catch(() => undefined);
    child.stdin.on("error", () => undefined); // git may exit before reading all of it; its exit code says why
    child.stdin.end(call.input ?? "");
    // Whoever finds this process dead waits for this git before clearing its locks.
    await this.lock.child(child.pid).catch(() => undefined);
    const code = await done;
    if (over) throw new DiffTooLargeError(call.maxBytes!);
    if (code !== 0 && !call.answers?.includes(code ?? -1)) throw new Error(`git ${args[0]} failed in the checkpoint repository: ${Buffer.concat(stderr).toString("utf8").trim()}`);
    return Buffer.concat(stdout);
  }
}

/**
 * A path the list of the agent's files may hold: one `create` would have recorded (checkpointPath's
 * own form: inside the workspace, not in .git or .hearth). Where Hearth's state is in the
 * workspace (.hearth/state), a list or a checkpoint's manifest may come from the folder itself
 * (a repository that commits one): "../x" or "/etc/x" there made git refuse every diff and
 * restore of the store ("… is outside repository"); they are passed over.
 */
function recordable(path: unknown): path is string {
  if (typeof path !== "string") return false;
  try {
    return checkpointPath(path) === path;
  } catch {
    return false;
  }
}
