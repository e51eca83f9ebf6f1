/**
 * The Workspace on disk (CLI, tests, and the runtime when agent edits do not go through
 * the editor: src/runtime/agent-service.ts). Paths are checked lexically and then through their
 * real path (links followed, dangling ones too), so a symlink pointing out of the root is
 * refused for reads and writes alike; every write, delete and rename end also passes
 * `checkWritable` (never into a `.git` folder, whatever the spelling or link), all of a
 * batch before anything is written. Writes go to a temporary file in the same directory
 * and are renamed over the target: a crash never leaves half a file.
 */
import { type Stats, constants, readFileSync } from "node:fs";
import { type FileHandle, access, chmod, link, lstat, mkdir, open, readFile, readdir, readlink, realpath, rename, rm, rmdir, stat, symlink, unlink } from "node:fs/promises";
import { createHash, randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve as resolvePath, sep } from "node:path";
import { isAlive, startedAfter } from "../protocol/processes.ts";
import { ToolError } from "./tool.ts";
import { isOutside } from "../indexer/scan.ts";
import { modelPath } from "./path-spelling.ts";
import {
  BatchNames, type DirEntry, type EntryInfo, type Workspace, type WorkspaceChange, alreadyThere, checkFileTarget, checkNotFolder, checkRenameTarget, checkUnchanged, checkWritable,
  diskSpelling, lexicalRelative, outside, quotedPath, realTarget,
} from "./workspace.ts";

/** How many times `read` opens a file that other programs keep replacing before it gives up. */
const MAX_READ_TRIES = 3;
/** Thrown by `checkOpened` for a file replaced inside the workspace between the open and the check. */
const REPLACED = new Error("replaced while it was read");

export class DiskWorkspace implements Workspace {
  private realRootLookup?: Promise<string>;

  /**
   * `pathsAsWritten`: `resolve` takes a path as given (Unicode normalization aside), not in the
   * shapes a model writes (path-spelling.ts) — for `hearth apply-patch`, whose patch is a
   * person's or a script's and names its files as git apply reads them.
   */
  constructor(
    readonly root: string,
    private readonly options: {
      readonly pathsAsWritten?: boolean;
      /** Told when a batch dropped a cut-off batch whose files it wrote (finishCutOff's words, for a log or the user). */
      readonly onCutOff?: (words: string) => void;
    } = {},
  ) {}

  /**
   * The root's real path, looked up on first use: a lookup started by the constructor
   * rejected unhandled (and crashed whatever test or run was current) when the folder was
   * removed before the workspace was used.
   */
  private realRoot(): Promise<string> {
    this.realRootLookup ??= realpath(this.root);
    return this.realRootLookup;
  }

  /** A model's path as the disk holds it (path-spelling.ts: letter case, links, a location after the name). */
  async resolve(path: string): Promise<string> {
    return this.options.pathsAsWritten ? this.asWritten(path) : this.contained(await modelPath(this.root, path), path);
  }

  private async asWritten(path: string): Promise<string> {
    return this.contained(await diskSpelling(this.root, lexicalRelative(this.root, path)), path);
  }

  /**
   * `rel` if it stays inside the root. The other methods take the path as given (Unicode
   * normalization aside), never another letter case: stat("Foo.ts") of a patch renaming
   * foo.ts to Foo.ts must not answer for foo.ts, nor delete("Foo.ts") delete it.
   */
  private async contained(rel: string, path: string): Promise<string> {
    const realRoot = await this.realRoot();
    const real = await realTarget(join(this.root, rel), path);
    if (isOutside(relative(realRoot, real))) throw outside(path);
    return rel;
  }

  /**
   * A file replaced inside the workspace between the open and `checkOpened` (an editor's or
   * formatter's save by rename) is read again from the start, up to MAX_READ_TRIES times.
   */
  async read(path: string): Promise<Uint8Array> {
    for (let tries = 1; ; tries++) {
      const abs = await this.abs(path);
      try {
        return await readRegularFile(abs, path, (opened) => this.checkOpened(abs, opened, path));
      } catch (error) {
        if (error === REPLACED && tries < MAX_READ_TRIES) continue;
        if (error === REPLACED) throw new ToolError("stale-file", `${quotedPath(path)} was replaced each time it was read (another program keeps rewriting it); nothing of it was read. Read it again`);
        throw error instanceof ToolError ? error : fsError(error, path);
      }
    }
  }

  /**
   * The file opened is the one the path reaches now, inside the root: a link another process
   * pointed out of the workspace between resolve's check and the open is refused; a file
   * replaced inside it meanwhile throws REPLACED, for `read` to open it again.
   */
  private async checkOpened(abs: string, opened: Stats, shown: string): Promise<void> {
    const real = await realTarget(abs, shown);
    if (isOutside(relative(await this.realRoot(), real))) {
      throw new ToolError("stale-file", `${quotedPath(shown)} changed while it was read (a link in its path was pointed out of the workspace); nothing of it was read`);
    }
    const now = await stat(real).catch(() => undefined);
    if (now?.dev !== opened.dev || now.ino !== opened.ino) throw REPLACED;
  }

  async stat(path: string): Promise<EntryInfo | undefined> {
    const abs = await this.abs(path);
    try {
      const s = await stat(abs);
      return { type: s.isDirectory() ? "directory" : "file", size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      return undefined;
    }
  }

  /** Entries sorted by name; a link pointing out of the workspace is not followed and not listed. */
  async list(dir: string): Promise<DirEntry[]> {
    const abs = await this.abs(dir);
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (error) {
      throw fsError(error, dir);
    }
    const out: DirEntry[] = [];
    for (const e of entries) {
      if (!e.isSymbolicLink()) {
        out.push({ name: e.name, type: e.isDirectory() ? "directory" : "file" });
        continue;
      }
      const real = await realTarget(join(abs, e.name)).catch(() => undefined);
      if (real === undefined || isOutside(relative(await this.realRoot(), real))) continue;
      const isDir = (await stat(real).catch(() => undefined))?.isDirectory() === true;
      out.push({ name: e.name, type: isDir ? "directory" : "file" });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async write(path: string, content: Uint8Array): Promise<void> {
    await this.apply([{ kind: "write", path, content }]);
  }

  async create(path: string, content: Uint8Array): Promise<boolean> {
    const { real } = await checkWritable(this.root, path);
    await checkFileTarget(this.root, real, path);
    let made: string | undefined;
    try {
      made = await mkdir(dirname(real), { recursive: true });
      return await createExclusive(real, content);
    } catch (error) {
      await removeMadeFolders(dirname(real), made);
      throw writeError(error, path);
    }
  }

  async delete(path: string): Promise<void> {
    await this.apply([{ kind: "delete", path }]);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.apply([{ kind: "rename", from, to }]);
  }

  /**
   * Checks every path of the batch first (nothing is written when one is refused), then
   * applies the changes in order, keeping what each replaced; on a failure the completed
   * changes are undone in reverse order before the error is rethrown.
   */
  async apply(changes: readonly WorkspaceChange[]): Promise<void> {
    const reals: string[] = [];
    const steps = await this.prepareAll(changes, reals);
    if (stagedAtOnce(changes)) await this.applyWrites(changes, reals);
    else {
      const undo: (() => Promise<void>)[] = [];
      try {
        for (const step of steps) undo.push(await step());
      } catch (error) {
        for (const step of undo.reverse()) await step().catch(() => undefined);
        const failed = changes[undo.length]!;
        throw writeError(error, failed.kind === "rename" ? failed.to : failed.path);
      }
    }
    // A cut-off batch is never finished here (a restore, an undo would first be half patched the
    // other way round, and nobody told): one whose files this batch wrote is dropped, and said.
    const dropped = await this.dropCutOff(changes).catch(() => undefined);
    if (dropped) this.options.onCutOff?.(dropped);
  }

  /** A cut-off batch one of whose files `changes` wrote, deleted or moved is dropped (its staged contents removed): in words, or undefined. */
  private async dropCutOff(changes: readonly WorkspaceChange[]): Promise<string | undefined> {
    const root = resolvePath(this.root);
    const touched = new Set<string>();
    for (const change of changes) {
      for (const path of change.kind === "rename" ? [change.from, change.to] : [change.path]) {
        const abs = resolvePath(root, path);
        const folder = await realpath(dirname(abs)).catch(() => dirname(abs));
        touched.add(join(folder, basename(abs)));
      }
    }
    return finishCutOffWrites(root, "drop", touched);
  }

  /** `apply`'s checks of the whole batch, nothing written: a dry run refuses what `apply` would. */
  async check(changes: readonly WorkspaceChange[]): Promise<void> {
    await this.prepareAll(changes);
  }

  /**
   * Finishes a batch of writes whose process was killed between its renames (`applyWrites`'
   * journal, a process that no longer runs): each file not renamed yet gets its new content,
   * but for one changed since (its content no longer the one the batch replaced), which keeps
   * what it holds now. Returns what it did, in words; undefined where there was nothing to do.
   */
  async finishCutOff(): Promise<string | undefined> {
    return finishCutOffWrites(resolvePath(this.root), "finish");
  }

  /**
   * What `finishCutOff` would finish, in words, doing nothing (`hearth apply-patch --dry-run`,
   * which checks a patch against the tree as it is); undefined where nothing is pending.
   */
  async pendingCutOff(): Promise<string | undefined> {
    return finishCutOffWrites(resolvePath(this.root), "look");
  }

  /**
   * A batch of writes alone (a multi-file patch): every file's new content is written beside it
   * and flushed before any file is replaced, then a journal naming them is written (flushed) and
   * the files are renamed over one after the other. A process killed while it writes the new
   * contents leaves the tree as it was; one killed between the renames is finished where that is
   * said (`finishCutOff`: hearth apply-patch, an agent run's start), never by a later batch, which
   * drops it where it writes one of its files (`apply`): never a tree half patched unsaid. A failed rename puts back the files done.
   */
  private async applyWrites(changes: readonly WorkspaceChange[], reals: readonly string[]): Promise<void> {
    const befores: (Uint8Array | undefined)[] = [];
    for (const [i, change] of changes.entries()) {
      if (change.kind !== "write") throw new Error("applyWrites takes writes alone");
      befores.push(await readIfFile(reals[i]!));
      checkUnchanged(change.path, change.expected, befores[i]);
    }
    const root = resolvePath(this.root);
    const names: Staged[] = [];
    for (const real of reals) names.push(await stagedNames(real));
    const staged: Staged[] = [];
    const made: (string | undefined)[] = [];
    let journal: string | undefined;
    try {
      // Named first: a process killed while it writes them leaves no temporary file for good.
      const name = `.hearth-writes-journal-${randomBytes(6).toString("hex")}.json`;
      const afters = changes.map((change) => (change.kind === "write" ? change.content : new Uint8Array()));
      journal = await writeWritesJournal(root, name, "staging", names, befores, afters);
      for (const [i, change] of changes.entries()) {
        if (change.kind !== "write") continue;
        made.push(await mkdir(dirname(reals[i]!), { recursive: true }));
        staged.push(await stageWrite(reals[i]!, change.content, names[i]));
      }
      if (journal && !(await writeWritesJournal(root, basename(journal), "renaming", names, befores, afters))) {
        await rm(journal, { force: true });
        journal = undefined;
      }
    } catch (error) {
      await dropStaged(names, made, reals);
      if (journal) await rm(journal, { force: true });
      const failed = changes[staged.length] ?? changes[changes.length - 1]!;
      throw writeError(error, failed.kind === "rename" ? failed.to : failed.path);
    }
    let done = 0;
    try {
      for (; done < staged.length; done++) await rename(staged[done]!.tmp, staged[done]!.target);
    } catch (error) {
      for (let i = done - 1; i >= 0; i--) {
        const before = befores[i];
        await (before ? atomicWrite(reals[i]!, before) : unlink(reals[i]!)).catch(() => undefined);
      }
      await dropStaged(staged.slice(done), made.slice(done), reals.slice(done));
      for (let i = done - 1; i >= 0; i--) if (!befores[i]) await removeMadeFolders(dirname(reals[i]!), made[i]);
      if (journal) await rm(journal, { force: true });
      const failed = changes[done]!;
      throw writeError(error, failed.kind === "rename" ? failed.to : failed.path);
    }
    if (journal) await rm(journal, { force: true });
  }

  private async prepareAll(changes: readonly WorkspaceChange[], reals?: string[]): Promise<(() => Promise<() => Promise<void>>)[]> {
    const steps: (() => Promise<() => Promise<void>>)[] = [];
    const batch = new BatchNames();
    for (const change of changes) steps.push(await this.prepare(change, batch, reals));
    return steps;
  }

  /** Checks one change's paths; the returned step applies it and returns its undo. `reals`: each write's checked real path is added. */
  private async prepare(change: WorkspaceChange, batch: BatchNames, reals?: string[]): Promise<() => Promise<() => Promise<void>>> {
    if (change.kind === "write") {
      // The checked real path: a link is followed only to where the check allowed.
      const { real } = await checkWritable(this.root, change.path);
      await checkFileTarget(this.root, real, change.path, batch);
      await checkNotReadOnly(real, change.path);
      await batch.fill(real);
      reals?.push(real);
      return async () => {
        const before = await readIfFile(real);
        checkUnchanged(change.path, change.expected, before);
        const made = await mkdir(dirname(real), { recursive: true });
        await atomicWrite(real, change.content);
        return async () => {
          if (before) return atomicWrite(real, before);
          await unlink(real);
          await removeMadeFolders(dirname(real), made);
        };
      };
    }
    if (change.kind === "delete") {
      const abs = await this.writableAbs(change.path);
      await checkNotFolder(abs, change.path);
      await checkNotReadOnly(abs, change.path);
      await batch.free(abs);
      return async () => {
        const restore = await keepEntry(abs, change.path);
        await unlink(abs);
        const putBack = await removeEmptiedFolders(dirname(abs), resolvePath(this.root));
        return async () => {
          await putBack();
          await restore();
        };
      };
    }
    const from = await this.writableAbs(change.from);
    const to = await this.writableAbs(change.to);
    await checkNotFolder(from, change.from);
    await checkNotReadOnly(from, change.from);
    await checkRenameTarget(this.root, to, change.to, batch);
    await batch.free(from);
    await batch.fill(to);
    return () => renameStep(from, to, change, resolvePath(this.root));
  }

  private async abs(path: string): Promise<string> {
    return join(this.root, await this.asWritten(path));
  }

  /** The checked path as typed (a link itself is deleted or moved, not its target). */
  private async writableAbs(path: string): Promise<string> {
    return join(this.root, (await checkWritable(this.root, path)).rel);
  }
}

/** Moves the entry itself (a link stays a link), then writes the new content if any. */
async function renameStep(from: string, to: string, change: WorkspaceChange & { kind: "rename" }, root: string): Promise<() => Promise<void>> {
  const restore = await keepEntry(from, change.from);
  if ((await exists(to)) && !(await caseOnlyRename(from, to))) throw alreadyThere(change.to, "file");
  const made = await mkdir(dirname(to), { recursive: true });
  await rename(from, to);
  const putBack = await removeEmptiedFolders(dirname(from), root);
  if (change.content) await atomicWrite(to, change.content);
  return async () => {
    await rm(to, { force: true });
    await removeMadeFolders(dirname(to), made);
    await putBack();
    await restore();
  };
}

/**
 * Removes `folder` and the folders above it that a delete or move left empty, as git apply
 * does, never the root (`root`, resolved) or anything above it; returns the undo, which
 * makes them again with their modes, outermost first.
 */
async function removeEmptiedFolders(folder: string, root: string): Promise<() => Promise<void>> {
  const removed: { path: string; mode: number }[] = [];
  for (let current = folder; current !== root && dirname(current) !== current && !isOutside(relative(root, current)); current = dirname(current)) {
    const mode = (await lstat(current)).mode & 0o7777;
    try {
      await rmdir(current);
    } catch {
      break; // not empty: it holds other files
    }
    removed.push({ path: current, mode });
  }
  return async () => {
    for (const { path, mode } of removed.reverse()) {
      await mkdir(path);
      await chmod(path, mode);
    }
  };
}

/**
 * What is at `abs`, kept so that an undo puts it back as it was: a file with its mode (a
 * script deleted or moved by a batch that then failed comes back executable), a link as
 * the link it was, not a copy of what it points to (which is never read: a dangling link or
 * one to a pipe is deleted or moved as any other).
 */
async function keepEntry(abs: string, shown: string): Promise<() => Promise<void>> {
  const link = await readlink(abs).catch(() => undefined);
  if (link !== undefined) return () => symlink(link, abs);
  const before = await readExistingFile(abs, shown);
  const mode = (await lstat(abs)).mode & 0o7777;
  return async () => {
    await atomicWrite(abs, before);
    await chmod(abs, mode);
  };
}

/**
 * Undoes `mkdir(folder, { recursive: true })`, which returned `made` (the first folder it
 * created, or undefined when there was none): removes the folders from `folder` up to
 * `made` while they are empty, so a rolled-back batch leaves no empty folders behind.
 */
async function removeMadeFolders(folder: string, made: string | undefined): Promise<void> {
  if (made === undefined) return;
  for (let current = folder; ; current = dirname(current)) {
    try {
      await rmdir(current);
    } catch {
      return; // not empty: something else is in it now
    }
    if (current === made || dirname(current) === current) return;
  }
}

/**
 * Writes through a temporary sibling and a rename. The new file keeps the target's mode
 * (set with fchmod: the mode given to open is cut by the umask, which turned a shared 0664
 * file into 0644) and, where this process may (as root), its owner and group: a file
 * rewritten by root must stay the user's to save. A write that fails (a full disk) removes
 * its temporary file. Never writes through a link: a link at `target` is replaced (callers
 * pass the checked real path).
 */
export async function atomicWrite(path: string, content: Uint8Array): Promise<void> {
  const { tmp, target } = await stageWrite(path, content);
  try {
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** A new content written and flushed beside its file (`tmp`), to be renamed over `target`: the file's name as its folder lists it. */
interface Staged {
  readonly tmp: string;
  readonly target: string;
}

/** atomicWrite up to its rename: the temporary file, flushed, with the target's mode and owner; one it could not finish is removed. */
async function stageWrite(path: string, content: Uint8Array, named?: Staged): Promise<Staged> {
  const entry = await lstat(path).catch(() => undefined);
  const { tmp, target } = named ?? (await stagedNames(path));
  const kept = entry?.isSymbolicLink() ? undefined : entry;
  await mkdir(dirname(target), { recursive: true });
  await sweepStale(dirname(target));
  const handle = await open(tmp, "w", kept ? kept.mode & 0o7777 : 0o666);
  try {
    try {
      if (kept) await keepOwnerAndMode(handle, kept);
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  return { tmp, target };
}

/** The names stageWrite writes under for `path`: its temporary file, and the name its folder lists for it. */
async function stagedNames(path: string): Promise<Staged> {
  const target = (await lstat(path).catch(() => undefined)) ? await listedName(path) : path;
  return { tmp: tmpName(dirname(target)), target };
}

/**
 * The most a batch of writes stages at once (`applyWrites`): its new contents take room beside
 * the old ones until the renames, so a larger batch — a checkpoint restore of a run that
 * rewrote thousands of files, which has its own journal (checkpoint-journal.ts) — is written
 * one file at a time, as before, and needs no more room on a nearly full disk than its largest file.
 */
const STAGED_FILES = 1000;
const STAGED_BYTES = 64 * 1024 * 1024;

/** Whether `apply` takes the batch through `applyWrites`: several writes alone, within STAGED_FILES and STAGED_BYTES. */
function stagedAtOnce(changes: readonly WorkspaceChange[]): boolean {
  if (changes.length < 2 || changes.length > STAGED_FILES) return false;
  let bytes = 0;
  for (const change of changes) {
    if (change.kind !== "write") return false;
    bytes += change.content.byteLength;
  }
  return bytes <= STAGED_BYTES;
}

/** Removes the staged files of a batch that will not be made, and the folders made for them. */
async function dropStaged(staged: readonly Staged[], made: readonly (string | undefined)[], reals: readonly string[]): Promise<void> {
  for (const { tmp } of staged) await rm(tmp, { force: true }).catch(() => undefined);
  for (let i = made.length - 1; i >= 0; i--) await removeMadeFolders(dirname(reals[i]!), made[i]).catch(() => undefined);
}

const TMP_SUFFIX = ".hearth-tmp";
/**
 * A temporary file's name in `folder`: `.<12 hex>-<pid>.hearth-tmp`, the writing process's id in
 * it, so that one a killed process left (SIGKILL or a power cut in the middle of a write) can be
 * told from one a running write still needs (`sweepStale`).
 */
function tmpName(folder: string): string {
  return join(folder, `.${randomBytes(6).toString("hex")}-${process.pid}${TMP_SUFFIX}`);
}
const OWN_TMP = /^\.[0-9a-f]{12}-(\d+)\.hearth-tmp$/;
/** How old a temporary file of a process not running here must be to be removed: one of another machine's process (a folder on a network disk) is still being written, or renamed, for that long at most. */
const STALE_TMP_MS = 10 * 60 * 1000;
/** Folders `sweepStale` has looked at in this process: each once, a restore of thousands of files in one folder reads it once. */
const swept = new Set<string>();

/**
 * Removes from `folder` the temporary files a process killed in the middle of a write left
 * there — named by tmpName, their process no longer running and the file older than
 * STALE_TMP_MS — which were otherwise there for good, in the user's tree and its git status.
 * Once per folder per process; never throws.
 */
async function sweepStale(folder: string): Promise<void> {
  if (swept.has(folder)) return;
  swept.add(folder);
  for (const name of await readdir(folder).catch(() => [])) {
    const pid = Number(OWN_TMP.exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    const path = join(folder, name);
    const info = await lstat(path).catch(() => undefined);
    if (info?.isFile() && Date.now() - info.mtimeMs > STALE_TMP_MS) await rm(path, { force: true }).catch(() => undefined);
  }
}
/**
 * `applyWrites`' journals, at the workspace's root while a batch runs (milliseconds); left there
 * only by a process killed meanwhile. One per batch: two batches at once (two conversations'
 * runs in one runtime, two hearth commands) never write over each other's.
 */
const WRITES_JOURNAL = /^\.hearth-writes-journal-[0-9a-f]{12}\.json$/;

/**
 * What the journal holds: the process, and each file's staged content, the SHA-256 of the
 * content it replaces (null: no file was there) and of its new content (`after`; absent in a
 * journal of an older Hearth).
 */
interface WritesJournal {
  /** staging: the new contents are being written, no file replaced yet; renaming: the files are being replaced. */
  readonly phase: "staging" | "renaming";
  readonly pid: number;
  readonly started: number;
  /** The machine of `pid` (absent in a journal of an older Hearth): a folder on a network disk is written from several. */
  readonly host?: string;
  readonly files: readonly { readonly tmp: string; readonly target: string; readonly before: string | null; readonly after?: string }[];
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/**
 * Writes the journal of a batch about to rename its staged files (flushed, under a temporary
 * name renamed: a torn journal is never read). Undefined where it cannot be written (a root
 * folder this user may not write to, whose subfolders they may): the batch goes on without one.
 */
async function writeWritesJournal(
  root: string, name: string, phase: WritesJournal["phase"], staged: readonly Staged[], befores: readonly (Uint8Array | undefined)[], afters: readonly Uint8Array[],
): Promise<string | undefined> {
  const journal: WritesJournal = {
    phase,
    pid: process.pid,
    started: Date.now(),
    host: hostname(),
    files: staged.map(({ tmp, target }, i) => ({ tmp, target, before: befores[i] ? sha256(befores[i]) : null, after: sha256(afters[i]!) })),
  };
  const file = join(root, name);
  const draft = tmpName(root);
  try {
    await writeNew(draft, JSON.stringify(journal));
    await rename(draft, file);
    return file;
  } catch (error) {
    await rm(draft, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOSPC" || code === "EDQUOT") throw error;
    return undefined;
  }
}

/**
 * DiskWorkspace.finishCutOff, for the resolved root. `look`: pendingCutOff, nothing done.
 * `drop` (a batch just applied, `touched` its real paths): a batch cut off while staging is
 * cleared as ever (nothing of the tree changes), one cut off between its renames is never
 * finished — only dropped, its staged contents removed, where it names a file in `touched`.
 */
async function finishCutOffWrites(root: string, mode: "finish" | "look" | "drop", touched?: ReadonlySet<string>): Promise<string | undefined> {
  const journals = (await readdir(root).catch(() => [])).filter((name) => WRITES_JOURNAL.test(name));
  const said: string[] = [];
  for (const name of journals.sort()) {
    const one = await finishJournal(root, join(root, name), mode, touched);
    if (one) said.push(one);
  }
  return said.length ? said.join("; ") : undefined;
}

/** finishCutOffWrites for one journal. */
async function finishJournal(root: string, file: string, mode: "finish" | "look" | "drop", touched?: ReadonlySet<string>): Promise<string | undefined> {
  const look = mode === "look";
  const remove = (path: string) => (look ? Promise.resolve() : rm(path, { force: true }));
  let journal: WritesJournal;
  try {
    journal = JSON.parse(await readFile(file, "utf8")) as WritesJournal;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    // Written whole before any rename: one that cannot be read was never acted on.
    await remove(file).catch(() => undefined);
    return undefined;
  }
  if (typeof journal.host === "string" && journal.host !== hostname()) {
    // Another machine's batch (a network disk): its process cannot be asked, so it is taken for
    // running until its journal is STALE_TMP_MS old (a batch takes milliseconds).
    const info = await lstat(file).catch(() => undefined);
    if (!info || Date.now() - info.mtimeMs <= STALE_TMP_MS) return undefined;
  } else if (isAlive(journal.pid) && !startedAfter(journal.pid, journal.started, (path) => readFileSync(path, "utf8"))) return undefined;
  const realRoot = await realpath(root);
  const inside = (path: unknown): path is string => typeof path === "string" && isAbsolute(path) && !isOutside(relative(realRoot, path));
  const hashOf = async (path: string) => {
    const now = await readFile(path).catch(() => undefined);
    return now === undefined ? null : sha256(now);
  };
  const shownOf = (path: string) => relative(realRoot, path).split(sep).join("/");
  // Only what a batch writes: a staged file beside its target, both in the workspace.
  const entries = (Array.isArray(journal.files) ? journal.files : []).filter((entry) => {
    const { tmp, target } = entry ?? {};
    return inside(tmp) && inside(target) && dirname(tmp) === dirname(target) && basename(tmp).endsWith(TMP_SUFFIX);
  });
  if (mode === "drop" && journal.phase === "renaming") {
    if (!entries.some(({ target }) => touched?.has(target))) return undefined; // left for hearth apply-patch or a run's start
    const written = entries.filter(({ target }) => touched?.has(target)).map(({ target }) => shownOf(target));
    const notWritten: string[] = [];
    for (const { tmp, target } of entries) {
      if (!(await exists(tmp))) continue;
      await remove(tmp);
      if (!touched?.has(target)) notWritten.push(shownOf(target));
    }
    await remove(file);
    const rest = notWritten.length ? `; its other files (${notWritten.join(", ")}) keep the content they have, not written` : "";
    return `a batch of writes (a patch) cut off halfway by its process's end (killed, or the machine stopped) was dropped, not finished: this change wrote its files (${written.join(", ")})${rest}`;
  }
  // A file renamed before the kill that holds its old content again: the half patch was taken
  // back since (git checkout ., git stash, an undo). Finishing the rest would leave the other half.
  const takenBack: string[] = [];
  if (journal.phase === "renaming") {
    for (const { tmp, target, before, after } of entries) {
      if (typeof after !== "string" || after === before || (await exists(tmp))) continue;
      if ((await hashOf(target)) === before) takenBack.push(shownOf(target));
    }
  }
  const finished: string[] = [];
  const kept: string[] = [];
  for (const { tmp, target, before } of entries) {
    if (!(await exists(tmp))) continue; // renamed before the process ended, or never written
    if (journal.phase !== "renaming" || takenBack.length) {
      // Cut off before any file was replaced: its new contents, some perhaps half written, go.
      await remove(tmp);
      continue;
    }
    const shown = shownOf(target);
    if ((await hashOf(target)) === before) {
      if (!look) await rename(tmp, target);
      finished.push(shown);
    } else {
      await remove(tmp);
      kept.push(shown);
    }
  }
  await remove(file);
  if (look) return finished.length ? pendingWords(finished, kept) : undefined;
  if (takenBack.length) {
    return `a batch of writes (a patch) cut off halfway by its process's end (killed, or the machine stopped) was taken back since (the files it had written hold their old content again: ${takenBack.join(", ")}); left as it is, its other files not written`;
  }
  if (finished.length === 0 && kept.length === 0) return undefined;
  const parts = [`a batch of writes (a patch) was cut off halfway by its process's end (killed, or the machine stopped)`];
  if (finished.length) parts.push(`finished it: ${finished.join(", ")} now hold the new content`);
  if (kept.length) parts.push(`left as it is now, changed since: ${kept.join(", ")}`);
  return parts.join("; ");
}

/** pendingCutOff's words for one journal: the files a finishCutOff would write, and those it would keep. */
function pendingWords(finished: readonly string[], kept: readonly string[]): string {
  const keeps = kept.length ? `; ${kept.join(", ")}, changed since, would be left as they are` : "";
  return `a batch of writes (a patch) was cut off halfway by its process's end (killed, or the machine stopped) and is not finished: ${finished.join(", ")} still hold their old content and get the new one first when Hearth next writes here (hearth apply-patch without --dry-run, an agent's edit)${keeps}`;
}

/**
 * `path` under the name its folder lists for it. A disk that ignores letter case (macOS,
 * Windows) answers lstat("Foo.ts") for foo.ts, so a path the model wrote in another case
 * reaches the file as written, and the rename over it gave the file that name: an import of
 * "./foo" then broke where case counts (a Linux CI). One readdir, for a file that is there.
 * Not workspace.ts's listedName (one segment, its caller's fold): that one first asks whether
 * the disk folds (the segment's other spelling the same inode) and reads the folder only then,
 * trying upper or lower case before another normalization; this one always reads the folder
 * and folds case and normalization at once, so it finds the listed name on a disk that ignores
 * normalization but holds case too. Only atomicWrite of a file there and a rename call it.
 */
async function listedName(path: string): Promise<string> {
  const name = basename(path);
  const names = await readdir(dirname(path)).catch(() => [name]);
  if (names.includes(name)) return path;
  const fold = (entry: string): string => entry.normalize("NFC").toLowerCase();
  const same = names.filter((entry) => fold(entry) === fold(name));
  return same.length === 1 ? join(dirname(path), same[0]!) : path;
}

/**
 * Whether `to` is `from` in another letter case on a disk that ignores it (foo.ts -> Foo.ts on
 * macOS or Windows): the name is taken there, by `from` itself, and the rename changes its case.
 */
async function caseOnlyRename(from: string, to: string): Promise<boolean> {
  const listed = await listedName(to);
  return listed !== to && listed === (await listedName(from));
}

/** Gives the open temporary file the replaced file's owner (when allowed) and then its mode (a chown clears set-id bits). */
async function keepOwnerAndMode(handle: FileHandle, was: Stats): Promise<void> {
  if (was.uid !== process.getuid?.() || was.gid !== process.getgid?.()) {
    await handle.chown(was.uid, was.gid).catch((error: NodeJS.ErrnoException) => {
      // Not root: the file becomes this user's, as any editor's save-by-rename makes it.
      if (error.code !== "EPERM" && error.code !== "EINVAL") throw error;
    });
  }
  await handle.chmod(was.mode & 0o7777);
}

/**
 * Creates `target` with `content` unless something is there (false then). The content is
 * written whole to a draft and hard-linked into place — `link` fails when the name exists,
 * so a reader never sees half a file and a file another process made is never replaced. A
 * file system without hard links (some network and FAT drives) gets an exclusive open.
 */
async function createExclusive(target: string, content: Uint8Array): Promise<boolean> {
  const draft = tmpName(dirname(target));
  await writeNew(draft, content);
  try {
    await link(draft, target);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw error;
  } finally {
    await rm(draft, { force: true });
  }
  try {
    await writeNew(target, content);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

/**
 * Writes a file that must not exist yet (O_EXCL: never through a link or file left at `path`),
 * flushed to disk — renamed over an old version unflushed, a power cut can leave an empty file
 * in its place. One it could not finish is removed. `mode`: the file's from its open (less the
 * umask, which can only take bits away): a private file is never readable by others meanwhile.
 */
export async function writeNew(path: string, content: Uint8Array | string, mode = 0o666): Promise<void> {
  const handle = await open(path, "wx", mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
  await handle.close();
}

/** The file's bytes, undefined when nothing is there; a file that cannot be read (kept for undo) stops the change. */
async function readIfFile(abs: string): Promise<Uint8Array | undefined> {
  try {
    return await readRegularFile(abs, abs);
  } catch (error) {
    if (error instanceof ToolError) throw error;
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fsError(error, abs);
  }
}

/**
 * The bytes of a regular file. It is opened without blocking and checked before it is read:
 * a FIFO would wait for a writer forever and a device never ends, so anything but a file is
 * refused (a socket cannot be opened at all: ENXIO, refused the same way by `fsError`).
 * `checkOpened` sees what was opened before anything is read.
 */
async function readRegularFile(abs: string, shown: string, checkOpened?: (opened: Stats) => Promise<void>): Promise<Uint8Array> {
  const handle = await open(abs, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const info = await handle.stat();
    await checkOpened?.(info);
    if (info.isDirectory()) throw new ToolError("not-a-file", `${quotedPath(shown)} is a directory`);
    if (!info.isFile()) throw notRegular(shown);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

function notRegular(path: string): ToolError {
  return new ToolError("not-a-file", `${quotedPath(path)} is not a regular file (a pipe, socket or device); it cannot be read or written`);
}

async function readExistingFile(abs: string, path: string): Promise<Uint8Array> {
  const bytes = await readIfFile(abs);
  if (!bytes) throw new ToolError("not-found", `"${path}" does not exist`);
  return bytes;
}

async function exists(abs: string): Promise<boolean> {
  return lstat(abs).then(() => true, () => false);
}

/**
 * A file nobody may write (mode 0444: generated or vendored code, or marked so by the user)
 * is the user's to change: the write's rename over it would succeed anyway (a rename needs
 * only the folder's permission, and root ignores both), so it is refused here by its mode.
 * So is a file this user may not write (a teammate's 0644 file in a shared folder), which the
 * rename would replace and make this user's.
 * The EditorWorkspace runs it too: VS Code saves over such a file as root, or after its Overwrite.
 */
export async function checkNotReadOnly(abs: string, path: string): Promise<void> {
  const info = await lstat(abs).catch(() => undefined);
  if (!info?.isFile()) return;
  const mode = (info.mode & 0o777).toString(8).padStart(4, "0");
  if ((info.mode & 0o222) === 0) {
    throw new ToolError("io-error", `"${path}" is read-only (mode ${mode}): nothing was written. It is marked so on purpose (generated or vendored code, or by the user): ask the user to make it writable if it should change, or leave it`);
  }
  const denied = await access(abs, constants.W_OK).then(() => false, (error: NodeJS.ErrnoException) => error.code === "EACCES" || error.code === "EPERM");
  if (denied) throw new ToolError("io-error", `"${path}" is not writable for this user (mode ${mode}, another user's file): nothing was written. Ask the user to change it or give you write access, or leave it`);
}

/**
 * A failed write as the model and the user can act on it: permissions, a read-only or full
 * disk say so by the path written (the raw error names a temporary file of Hearth's).
 */
function writeError(error: unknown, path: string): ToolError {
  if (error instanceof ToolError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const cannot = `"${path}" cannot be written`;
  if (code === "EACCES" || code === "EPERM") return new ToolError("io-error", `${cannot}: permission denied (it or its folder is read-only for this user); nothing was written. Ask the user to make it writable, or leave it`);
  if (code === "EROFS") return new ToolError("io-error", `${cannot}: the file system is mounted read-only; nothing was written`);
  if (code === "ENOSPC" || code === "EDQUOT") return new ToolError("io-error", `${cannot}: the disk is full (or over its quota); nothing was written`);
  return fsError(error, path);
}

function fsError(error: unknown, path: string): ToolError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new ToolError("not-found", `${quotedPath(path)} does not exist`);
  if (code === "EISDIR") return new ToolError("not-a-file", `${quotedPath(path)} is a directory`);
  if (code === "ENOTDIR") return new ToolError("not-found", `${quotedPath(path)}: a parent is not a directory`);
  if (code === "ENXIO") return notRegular(path);
  return new ToolError("io-error", `${quotedPath(path)}: ${(error as Error).message}`);
}
