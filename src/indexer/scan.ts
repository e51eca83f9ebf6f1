import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { enclosingIgnores } from "./enclosing-ignores.ts";
import { skipByName } from "./file-check.ts";
import { IgnoreRules, isIgnored } from "./ignore.ts";
import { tooManyOpenFiles } from "./indexed-file.ts";
import { NOT_UTF8_NAME, errorCode, limitCalls, nodeScanFs, type ScanFs } from "./scan-fs.ts";
import { linkedInode, type LinkInfo } from "./secret-links.ts";
import type { SkippedFile } from "./types.ts";

/** A file found by the scan, with the metadata the cache compares. */
export interface ScannedFile {
  readonly path: string;
  readonly absPath: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** Its change time, where the file system keeps one (file-stamp.ts). */
  readonly ctimeMs?: number;
  /** Its identity, for a file with several links (hard links) outside node_modules: secret-links.ts compares it. */
  readonly inode?: string;
  /** Its real path (workspace-relative) when it is a symbolic link: secret-links.ts looks at it. */
  readonly linkTarget?: string;
}

export interface ScanOptions {
  readonly excludeDirs: readonly string[];
  readonly useGitignore: boolean;
  readonly maxFileBytes: number;
  readonly signal?: AbortSignal;
  /**
   * Filled with each entered directory's own ignore rules (repository-relative directory →
   * rules; "" for the root), the cache `isPathExcluded` takes: single-file updates after a
   * scan then read no ignore file from disk.
   */
  readonly rulesCache?: Map<string, IgnoreRules[]>;
  /**
   * Stop after this many files (default: no limit). Folders are walked breadth first, so
   * the files kept are those nearest the root: a home folder opened by mistake gives its
   * top folders, not the whole of the first deep one.
   */
  readonly maxFiles?: number;
  /**
   * Walk only this folder (root-relative, forward slashes; default: the root), seen as the
   * whole walk would see it: paths stay root-relative, the ignore rules of the folders on the
   * way apply, and a way the walk would not take (an excluded or ignored folder, a link out
   * or into an excluded folder, a loop) leaves nothing to walk and is reported in `skipped`.
   * list_files and search use it so that a folder deep in a huge tree costs only its own files.
   */
  readonly from?: string;
  /**
   * Most file calls in flight at once (default 64), each failing after 10 s without an answer
   * (a stalled mount: reported, the scan goes on). `Infinity`: node's calls as they come, no
   * bound and no deadline, as before (a benchmark's reference).
   */
  readonly maxCallsInFlight?: number;
  /** The file calls to make (default: node's). Tests pass a layer that counts them or never answers. */
  readonly fs?: ScanFs;
}

/** At 64 stats at a time a folder of 200,000 files was scanned in 205–211 MB; all at once took 846–940 MB (test/bench/scan-load.ts). */
const MAX_CALLS_IN_FLIGHT = 64;

export interface ScanResult {
  readonly files: ScannedFile[];
  readonly skipped: SkippedFile[];
  /** The links to folders the scan entered (the link's path, its real path): their files are indexed under both names. */
  readonly linkedFolders: { readonly path: string; readonly target: string }[];
  /** Set when the scan stopped at `maxFiles`: how many folders it did not enter (or finish). */
  readonly stopped?: { readonly maxFiles: number; readonly foldersLeft: number };
}

/** A folder waiting to be walked, with the real paths of the folders above it (loops). */
interface Folder {
  readonly abs: string;
  readonly rel: string;
  readonly stack: IgnoreRules[];
  readonly ancestors: Ancestors;
}
/** The real paths from a folder up to the root, as a chain: folders queued breadth first share their parents'. */
interface Ancestors {
  readonly real: string;
  readonly up: Ancestors | undefined;
}

function isAncestor(chain: Ancestors | undefined, real: string): boolean {
  for (let a = chain; a; a = a.up) if (a.real === real) return true;
  return false;
}

/**
 * Linux's pseudo file systems, by real path, never entered (with `/` opened as the folder):
 * /proc/<pid>/environ is a process's environment, tokens included, reading /proc/kmsg waits
 * for the kernel's next message, /sys and /dev are devices and settings, /run sockets and a
 * container's mounted secrets (/run/secrets).
 */
const KERNEL_FOLDERS: ReadonlySet<string> = new Set(["/proc", "/sys", "/dev", "/run"]);

const IGNORE_FILES = [".gitignore", ".hearthignore"];
const GIT_FILE = "a .git file: where a worktree or submodule keeps its repository";
const GIT_DIRECTORY = "git's own folder (a bare repository, or a .git folder): no checked-out files, and its config can hold a remote URL's token";
/** What makes a folder a git repository's own (a bare `project.git`, a `.git`), as git itself tells one. */
const GIT_DIRECTORY_MARKS: readonly (readonly [name: string, kind: "file" | "dir"])[] = [["HEAD", "file"], ["objects", "dir"], ["refs", "dir"]];
/** Whether a folder's entries are a git repository's own (`GIT_DIRECTORY_MARKS`). */
function isGitDirectory(entries: readonly { name: string; isDir: boolean; isFile: boolean }[]): boolean {
  const kind = new Map(entries.map((e) => [e.name, e.isDir ? "dir" : e.isFile ? "file" : "other"]));
  return GIT_DIRECTORY_MARKS.every(([name, want]) => kind.get(name) === want);
}

/** A skip's detail for an entry whose name is not UTF-8 (withoutUnnamed): the one a stat of such a name gives (scan-fs.ts errorCode). */
export { NOT_UTF8_NAME };

/**
 * `entries` less those whose names are not UTF-8 (Linux keeps a name's bytes: caf\xe9.txt from
 * a Latin-1 tool or an old archive), each told to `skip`. Node reads such a name with U+FFFD for
 * each byte, a name no file has: a stat of it failed, so the file was left out unsaid, or it
 * answered for a real caf\uFFFD.txt beside it, listed a second time. Of the entries read as one
 * such name, one is kept where a file of that name is there (which entry is that file cannot
 * be told by name; each is walked by its name, so the kept one stands for the real file).
 */
async function withoutUnnamed<E extends { readonly name: string }>(fs: ScanFs, dirAbs: string, entries: E[], skip: (name: string) => void): Promise<E[]> {
  const byName = new Map<string, E[]>();
  for (const e of entries) if (e.name.includes("\uFFFD")) byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
  if (byName.size === 0) return entries;
  const dropped = new Set<E>();
  for (const [name, same] of byName) {
    // lstat: a real one that is a dangling link is there too.
    const real = await fs.lstat(join(dirAbs, name)).catch(() => undefined);
    const kept = real === undefined ? undefined : same[0];
    for (const e of same) {
      if (e === kept) continue;
      dropped.add(e);
      skip(name);
    }
  }
  return entries.filter((e) => !dropped.has(e));
}

/** Whether the folder at `abs` is a git repository's own (`GIT_DIRECTORY_MARKS`), by a stat of each mark (the tools, which do not list it). */
export async function isGitDirectoryAt(abs: string, fs: Pick<ScanFs, "stat"> = nodeScanFs): Promise<boolean> {
  const found = await Promise.all(GIT_DIRECTORY_MARKS.map(([name]) => fs.stat(join(abs, name)).catch(() => undefined)));
  return GIT_DIRECTORY_MARKS.every(([, want], i) => (want === "dir" ? found[i]?.isDirectory() : found[i]?.isFile()) === true);
}
/** A worktree's or submodule's `.git` file is git's pointer to its repository, never the project's text (while `.git` is excluded). */
function isGitFile(name: string, excluded: ReadonlySet<string>): boolean {
  return name === ".git" && excluded.has(".git");
}

/**
 * Walks `root` and lists the files to index. Ignored and excluded directories are not
 * entered. Symlinks are followed while they stay inside the root: a link whose real path
 * is outside it is reported ("link-outside"), one into an excluded folder (`gitlink ->
 * .git`) is reported as excluded, and a directory whose real path is already on the
 * current path is a loop and is reported, not entered. A folder is entered through links
 * once per scan, a later link to it is reported ("link-duplicate"): two links a level to the
 * next would otherwise make 2^depth copies. Errors become skip reasons. Folders are walked
 * breadth first, entries in name order, so where `maxFiles` stops the scan is the same on
 * every run.
 */
export async function scanRepository(root: string, options: ScanOptions): Promise<ScanResult> {
  const files: ScannedFile[] = [];
  const skipped: SkippedFile[] = [];
  const excluded = new Set(options.excludeDirs);
  const maxCalls = options.maxCallsInFlight ?? MAX_CALLS_IN_FLIGHT;
  const fs = maxCalls === Infinity ? (options.fs ?? nodeScanFs) : limitCalls(options.fs ?? nodeScanFs, maxCalls);
  // Reported after the walk, so they win over the walk's own entry for the same file.
  const ignoreFileSkips: SkippedFile[] = [];
  // Each ignore file's rules and path, for those whose wildcard lines cost too much (ignore.ts).
  const loadedFrom = new Map<IgnoreRules, string>();
  const rulesOf = async (dirAbs: string, dirRel: string): Promise<IgnoreRules[]> => {
    const rules = await loadRules(fs, dirRel, dirRel === "" ? await rootIgnoreFiles(fs, dirAbs) : ignoreFilesIn(dirAbs, dirRel), ignoreFileSkips, loadedFrom);
    options.rulesCache?.set(dirRel, rules);
    return rules;
  };
  const rootRules = options.useGitignore ? await rulesOf(root, "") : [];
  const rootReal = await fs.realpath(root).catch((err: unknown) => {
    throw ["ENOENT", "ENOTDIR"].includes(errorCode(err)) ? new Error(`the folder ${root} is gone: deleted, or renamed or moved while open — open it where it is now`) : err;
  });
  // Real paths of the folders entered through a link: each is entered so once per scan.
  const linkedDirs = new Set<string>();
  const linkedFolders: { path: string; target: string }[] = [];

  const maxFiles = options.maxFiles ?? Infinity;
  const queue: Folder[] = [];
  // Set when a file was left out for the limit (the queue may be empty by then).
  let cut = false;

  const walk = async ({ abs: dirAbs, rel: dirRel, stack, ancestors }: Folder): Promise<void> => {
    options.signal?.throwIfAborted();
    let entries: { name: string; isDir: boolean; isLink: boolean; isFile: boolean }[];
    try {
      entries = (await fs.readdir(dirAbs)).map((e) => ({ name: e.name, isDir: e.isDirectory(), isLink: e.isSymbolicLink(), isFile: e.isFile() }));
    } catch (err) {
      skipped.push({ path: dirRel || ".", reason: "unreadable", detail: errorCode(err) });
      return;
    }
    if (isGitDirectory(entries)) {
      skipped.push({ path: dirRel || ".", reason: dirRel === "" ? "git-folder" : "excluded-dir", detail: GIT_DIRECTORY });
      return;
    }
    entries = await withoutUnnamed(fs, dirAbs, entries, (name) => skipped.push({ path: dirRel ? `${dirRel}/${name}` : name, reason: "unreadable", detail: NOT_UTF8_NAME }));
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // Stats of one directory's files run side by side, as many as the calls allowed in flight
    // (more would only wait, each a promise held); subdirectories wait in the queue.
    const found: (ScannedFile | undefined)[] = [];
    let running = 0;
    let wake: (() => void) | undefined;
    const oneDone = (): void => {
      running--;
      wake?.();
    };
    const room = (below: number): Promise<void> | undefined => (running > below ? new Promise<void>((go) => (wake = go)) : undefined);
    for (const e of entries) {
      const rel = dirRel ? `${dirRel}/${e.name}` : e.name;
      const abs = join(dirAbs, e.name);
      let isDir = e.isDir;
      let info: { size: number; mtimeMs: number; ctimeMs?: number } & LinkInfo | undefined;
      /** A link's real path, workspace-relative. */
      let target: string | undefined;
      if (e.isLink || (!e.isDir && !e.isFile)) {
        if (e.isLink) {
          const link = await linkSkip(fs, abs, rel, rootReal, excluded);
          if ("skip" in link) {
            skipped.push(link.skip);
            continue;
          }
          target = link.target;
          // Its rules are not read through a link (readIgnoreFile): the user must learn that what it lists is indexed.
          if (options.useGitignore && IGNORE_FILES.includes(e.name)) {
            skipped.push({ path: rel, reason: "unreadable", detail: "a symbolic link: its rules are not applied (git does not follow it either)" });
            continue;
          }
        }
        try {
          const s = await fs.stat(abs);
          isDir = s.isDirectory();
          if (!isDir && !s.isFile()) {
            // Pipes, sockets, devices: never read, always named (an ignore file is, where its rules are read).
            if (!(options.useGitignore && IGNORE_FILES.includes(e.name))) {
              skipped.push({ path: rel, reason: options.useGitignore && isIgnored(stack, rel, false) ? "ignored" : "not-regular" });
            }
            continue;
          }
          info = s;
        } catch (err) {
          skipped.push({ path: rel, reason: errorCode(err) === "ELOOP" ? "symlink-loop" : "unreadable", detail: errorCode(err) });
          continue;
        }
      }
      if (isDir) {
        if (excluded.has(e.name)) {
          skipped.push({ path: rel, reason: "excluded-dir" });
          continue;
        }
        if (options.useGitignore && isIgnored(stack, rel, true)) {
          skipped.push({ path: rel, reason: "ignored" });
          continue;
        }
        const folder = await folderAt(abs, rel, stack, ancestors, e.isLink);
        if (folder) queue.push(folder);
        if (folder && target !== undefined) linkedFolders.push({ path: rel, target });
        continue;
      }
      if (isGitFile(e.name, excluded)) {
        skipped.push({ path: rel, reason: "excluded-dir", detail: GIT_FILE });
        continue;
      }
      if (options.useGitignore && isIgnored(stack, rel, false)) {
        skipped.push({ path: rel, reason: "ignored" });
        continue;
      }
      if (files.length + found.length >= maxFiles) {
        cut = true;
        break;
      }
      while (running >= maxCalls) await room(maxCalls - 1);
      const at = found.push(undefined) - 1;
      running++;
      void addFile(rel, abs, info, target).then((file) => void (found[at] = file), (err: unknown) => void skipped.push({ path: rel, reason: "unreadable", detail: errorCode(err) })).finally(oneDone);
    }
    while (running > 0) await room(0);
    // In name order, whatever order the stats finish in: the same files on every run.
    for (const file of found) if (file) files.push(file);
  };

  /** A folder to walk, unless it is a loop or a folder already entered through a link (reported). */
  const folderAt = async (abs: string, rel: string, stack: IgnoreRules[], ancestors: Ancestors, viaLink: boolean): Promise<Folder | undefined> => {
    let real: string;
    try {
      real = await fs.realpath(abs);
    } catch (err) {
      skipped.push({ path: rel, reason: "unreadable", detail: errorCode(err) });
      return undefined;
    }
    if (isAncestor(ancestors, real)) {
      skipped.push({ path: rel, reason: "symlink-loop", detail: real });
      return undefined;
    }
    if (KERNEL_FOLDERS.has(real)) {
      skipped.push({ path: rel, reason: "excluded-dir", detail: `${real}: the kernel's files, no project's` });
      return undefined;
    }
    if (viaLink) {
      if (linkedDirs.has(real)) {
        skipped.push({ path: rel, reason: "link-duplicate", detail: real });
        return undefined;
      }
      linkedDirs.add(real);
    }
    let own: IgnoreRules[] = [];
    try {
      if (options.useGitignore) own = await rulesOf(abs, rel);
    } catch (err) {
      if (!tooManyOpenFiles(err)) throw err;
      // Its ignore files could not be opened (EMFILE): walked without their rules, what they ignore would be indexed.
      skipped.push({ path: rel, reason: "unreadable", detail: errorCode(err) });
      return undefined;
    }
    const rules = [...stack, ...own];
    return { abs, rel, stack: rules, ancestors: { real, up: ancestors } };
  };

  /** The file to index, or undefined when it is skipped (and why is in `skipped`). */
  const addFile = async (rel: string, abs: string, known: { size: number; mtimeMs: number; ctimeMs?: number } & LinkInfo | undefined, target: string | undefined): Promise<ScannedFile | undefined> => {
    const byName = skipByName(rel);
    if (byName) {
      skipped.push({ path: rel, reason: byName });
      return undefined;
    }
    let info = known;
    if (!info) {
      try {
        info = await fs.stat(abs);
      } catch (err) {
        skipped.push({ path: rel, reason: "unreadable", detail: errorCode(err) });
        return undefined;
      }
    }
    if (info.size > options.maxFileBytes) {
      skipped.push({ path: rel, reason: "too-large", detail: `${info.size} bytes` });
      return undefined;
    }
    const inode = linkedInode(rel, info);
    return { path: rel, absPath: abs, size: info.size, mtimeMs: info.mtimeMs, ...(info.ctimeMs !== undefined ? { ctimeMs: info.ctimeMs } : {}), ...(inode !== undefined ? { inode } : {}), ...(target !== undefined ? { linkTarget: target } : {}) };
  };

  const top: Folder = { abs: root, rel: "", stack: rootRules, ancestors: { real: rootReal, up: undefined } };
  const start = options.from ? await folderOnTheWay(fs, top, options.from.split("/"), folderAt, excluded, rootReal, skipped, options.useGitignore) : top;
  if (start) queue.push(start);
  let next = 0;
  while (next < queue.length && !cut) await walk(queue[next++]!);
  for (const [rules, path] of loadedFrom) {
    if (rules.gaveUpAt !== undefined) {
      ignoreFileSkips.push({ path, reason: "unreadable", detail: `its ${rules.wildcardLines.toLocaleString("en")} wildcard lines cost too much to check: not applied from ${rules.gaveUpAt} on (plain names and *.ext lines still are)` });
    }
  }
  skipped.push(...ignoreFileSkips);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // The folder the limit was reached in counts as one not finished.
  return { files, skipped, linkedFolders, ...(cut ? { stopped: { maxFiles, foldersLeft: queue.length - next + 1 } } : {}) };
}

/**
 * The deepest folder holding more than half of `files`, and how many: when a scan stops at its
 * limit, usually a generated folder (a dataset, a cache) nobody listed in .gitignore, which the
 * user can name in .hearthignore. Undefined when no folder holds most of them (a home folder).
 */
export function crowdedFolder(files: readonly { readonly path: string }[]): { readonly folder: string; readonly files: number } | undefined {
  const counts = new Map<string, number>();
  for (const { path } of files) {
    for (let i = path.indexOf("/"); i >= 0; i = path.indexOf("/", i + 1)) {
      const folder = path.slice(0, i);
      counts.set(folder, (counts.get(folder) ?? 0) + 1);
    }
  }
  let best: { folder: string; files: number } | undefined;
  // The folders holding more than half lie on one line from the root down: the longest is the deepest.
  for (const [folder, n] of counts) if (n * 2 > files.length && (!best || folder.length > best.folder.length)) best = { folder, files: n };
  return best;
}

/**
 * The folder at `names` below `top`, as the walk would queue it (its way checked as the walk
 * checks each folder it enters: links, excluded names, ignore rules, loops), or undefined
 * when the walk would not get there (why is in `skipped`).
 */
async function folderOnTheWay(
  fs: ScanFs,
  top: Folder,
  names: readonly string[],
  folderAt: (abs: string, rel: string, stack: IgnoreRules[], ancestors: Ancestors, viaLink: boolean) => Promise<Folder | undefined>,
  excluded: ReadonlySet<string>,
  rootReal: string,
  skipped: SkippedFile[],
  useGitignore: boolean,
): Promise<Folder | undefined> {
  let folder = top;
  for (const name of names) {
    const rel = folder.rel ? `${folder.rel}/${name}` : name;
    const abs = join(folder.abs, name);
    let isLink: boolean;
    try {
      isLink = (await fs.lstat(abs)).isSymbolicLink();
    } catch (err) {
      skipped.push({ path: rel, reason: "unreadable", detail: errorCode(err) });
      return undefined;
    }
    const link = isLink ? await linkSkip(fs, abs, rel, rootReal, excluded) : undefined;
    if (link && "skip" in link) skipped.push(link.skip);
    else if (excluded.has(name)) skipped.push({ path: rel, reason: "excluded-dir" });
    else if (useGitignore && isIgnored(folder.stack, rel, true)) skipped.push({ path: rel, reason: "ignored" });
    else {
      const next = await folderAt(abs, rel, folder.stack, folder.ancestors, isLink);
      if (!next) return undefined;
      folder = next;
      continue;
    }
    return undefined;
  }
  return folder;
}

/**
 * Why a link is not followed (`skip`): its real path is outside the root, in one of the
 * kernel's folders (`inKernelFolder`), or inside an excluded folder there. Else its real
 * path, workspace-relative (`target`; none for a link that does not resolve: the caller's
 * stat reports it).
 */
async function linkSkip(fs: ScanFs, abs: string, rel: string, rootReal: string, excluded: ReadonlySet<string>): Promise<{ skip: SkippedFile } | { target?: string }> {
  let real: string;
  try {
    real = await fs.realpath(abs);
  } catch {
    return {};
  }
  const back = relative(rootReal, real);
  if (isOutside(back)) return { skip: { path: rel, reason: "link-outside", detail: "the link points outside the workspace" } };
  // With / opened, /etc/mtab -> /proc/self/mounts or /var/lock -> /run/lock: never read, as the folders themselves.
  if (inKernelFolder(real, rootReal)) return { skip: { path: rel, reason: "excluded-dir", detail: `the link points into ${real}: the kernel's files, no project's` } };
  const parts = back.split(sep);
  if (parts.some((p) => excluded.has(p))) return { skip: { path: rel, reason: "excluded-dir", detail: `the link points into ${parts.join("/")}` } };
  return { target: parts.join("/") };
}

/**
 * Whether the real path of `relPath` (of its deepest existing ancestor) is outside the root, in
 * an excluded folder, or in one of the kernel's (`KERNEL_FOLDERS`, with `/` opened), which the
 * scan does not enter.
 */
async function leavesRoot(fs: ScanFs, root: string, relPath: string, excluded: ReadonlySet<string>): Promise<boolean> {
  const parts = relPath.split("/");
  for (let n = parts.length; n > 0; n--) {
    let real: string;
    try {
      real = await fs.realpath(join(root, ...parts.slice(0, n)));
    } catch {
      continue; // deleted (or a dangling link): its folder decides
    }
    const realRoot = await fs.realpath(root);
    const back = relative(realRoot, real);
    return isOutside(back) || back.split(sep).some((p) => excluded.has(p)) || inKernelFolder(real, realRoot);
  }
  return false;
}

/**
 * Whether the real path `real` is in one of `KERNEL_FOLDERS` the scan of `realRoot` meets (and
 * does not enter): not where the root is itself at or below one (a build in /dev/shm, a drive
 * mounted at /run/media/<user>/…), which the scan walks as any folder.
 */
function inKernelFolder(real: string, realRoot: string): boolean {
  const within = (path: string, folder: string): boolean => path === folder || path.startsWith(`${folder}/`);
  for (const folder of KERNEL_FOLDERS) if (within(real, folder) && !within(realRoot, folder)) return true;
  return false;
}

/**
 * Whether the folders `dirParts` lead from the root through a link loop (a folder whose real
 * path is one of the folders above it: `src/self -> .`), which the scan reports as a
 * "symlink-loop" and does not enter. VS Code's explorer opens such a folder for ever, and a
 * file opened through it would be indexed again under each name. One realpath when no link is
 * on the way; one a level when one is.
 */
async function throughLoop(fs: ScanFs, root: string, dirParts: readonly string[]): Promise<boolean> {
  if (dirParts.length === 0) return false;
  const real = (parts: readonly string[]): Promise<string | undefined> => fs.realpath(join(root, ...parts)).catch(() => undefined);
  const realRoot = await fs.realpath(root);
  const realDir = await real(dirParts);
  if (realDir === undefined || realDir === join(realRoot, ...dirParts)) return false;
  const above = new Set([realRoot]);
  for (let n = 1; n <= dirParts.length; n++) {
    const at = await real(dirParts.slice(0, n));
    if (at === undefined) return false;
    if (above.has(at)) return true;
    above.add(at);
  }
  return false;
}

/** Whether a path relative to a folder (`relative(folder, path)`) leads out of it: `..`, `../x`, or another drive. */
export function isOutside(back: string): boolean {
  return back === ".." || back.startsWith(`..${sep}`) || isAbsolute(back);
}

/** An ignore file: where it is, and the repository-relative path a skip names it by. */
interface IgnoreFile {
  readonly abs: string;
  readonly path: string;
}

function ignoreFilesIn(dirAbs: string, dirRel: string): IgnoreFile[] {
  return IGNORE_FILES.map((name) => ({ abs: join(dirAbs, name), path: dirRel ? `${dirRel}/${name}` : name }));
}

/** The root's ignore files: git's exclude file first (the lowest precedence), then the folder's own. */
async function rootIgnoreFiles(fs: ScanFs, root: string): Promise<IgnoreFile[]> {
  return [{ abs: await gitExcludeFile(fs, root), path: ".git/info/exclude" }, ...ignoreFilesIn(root, "")];
}

/**
 * Where git reads the repository's exclude file: `.git/info/exclude`, or, where `.git` is a
 * file (a worktree: `gitdir: <main>/.git/worktrees/<name>`), in the folder its `commondir`
 * names, the main repository's git folder, which the worktrees share. Read as git reads them,
 * without running git; a pointer that says nothing usable leaves `.git/info/exclude`.
 */
async function gitExcludeFile(fs: ScanFs, root: string): Promise<string> {
  const inTree = join(root, ".git", "info", "exclude");
  const pointer = await fs.readIgnoreFile(join(root, ".git")).catch(unlessTableFull);
  const gitdir = typeof pointer === "string" ? /^gitdir: (.+)$/.exec(pointer.split(/\r?\n/, 1)[0]!.trimEnd())?.[1] : undefined;
  if (!gitdir) return inTree;
  const gitDir = resolve(root, gitdir);
  const common = await fs.readIgnoreFile(join(gitDir, "commondir")).catch(unlessTableFull);
  const commonDir = typeof common === "string" && common.trim() ? resolve(gitDir, common.trim()) : gitDir;
  return join(commonDir, "info", "exclude");
}

/**
 * The text of the exclude file git reads for the repository at `root` (gitExcludeFile), ""
 * when there is none or it is not read (a link, over 1 MiB): what checkpoints copy into their
 * shadow repository, whose own GIT_DIR git would read instead. Where `root` is a folder of a
 * repository (a monorepo's package), the rules that repository's exclude file and the
 * .gitignore files above `root` give it, rewritten for `root` (enclosing-ignores.ts).
 */
export async function repositoryExcludes(root: string, fs: ScanFs = nodeScanFs): Promise<string> {
  const read = async (abs: string) => {
    const text = await fs.readIgnoreFile(abs).catch(unlessTableFull);
    return typeof text === "string" ? text : undefined;
  };
  const own = (await read(await gitExcludeFile(fs, root))) ?? "";
  const around = await enclosingIgnores(root, read, (top) => gitExcludeFile(fs, top));
  return own && around ? `${own}${own.endsWith("\n") ? "" : "\n"}${around}` : own || around;
}

/** undefined for a file call's failure, but a full table of open files (EMFILE, ENFILE) thrown: it says nothing of the file. */
function unlessTableFull(err: unknown): undefined {
  if (tooManyOpenFiles(err)) throw err;
  return undefined;
}

/**
 * The rules of the ignore files of the folder `dirRel`; each one not read for a reason of its
 * own is added to `skips`. A full table of open files is thrown: nothing is known of the rules.
 */
async function loadRules(fs: ScanFs, dirRel: string, ignoreFiles: readonly IgnoreFile[], skips?: SkippedFile[], paths?: Map<IgnoreRules, string>): Promise<IgnoreRules[]> {
  const out: IgnoreRules[] = [];
  for (const { abs, path } of ignoreFiles) {
    const read = await fs.readIgnoreFile(abs).catch((err: unknown) => {
      // A full table of open files (EMFILE) once limitCalls has nothing left to wait for: the
      // folder is not walked without its rules, or what they ignore (secrets, build output) is indexed.
      if (tooManyOpenFiles(err)) throw err;
      return { reason: "unreadable" as const, detail: errorCode(err) };
    });
    if (typeof read === "string") {
      const rules = IgnoreRules.parse(dirRel, read);
      out.push(rules);
      paths?.set(rules, path);
    } else if (read) skips?.push({ path, ...read });
  }
  return out;
}

/**
 * Whether a single path (a watcher event, a save) is one the scan would skip: inside an
 * excluded folder, ignored by a .gitignore / .hearthignore on its way from the root, or
 * outside the root — lexically or through a link on its way —, in the kernel's folders, or
 * below a folder that is git's own. Reads the ignore files on that way, or takes them from `cache`
 * (directory → its rules), which the caller clears when an ignore file changes.
 */
export async function isPathExcluded(
  root: string,
  relPath: string,
  options: Pick<ScanOptions, "excludeDirs" | "useGitignore">,
  cache?: Map<string, IgnoreRules[]>,
  fs: ScanFs = nodeScanFs,
): Promise<boolean> {
  if (relPath === "" || relPath.startsWith("../") || relPath.startsWith("/")) return true;
  const parts = relPath.split("/");
  const excluded = new Set(options.excludeDirs);
  if (parts.slice(0, -1).some((p) => excluded.has(p)) || isGitFile(parts.at(-1)!, excluded)) return true;
  if ((await leavesRoot(fs, root, relPath, excluded)) || (await throughLoop(fs, root, parts.slice(0, -1)))) return true;
  if (!options.useGitignore) return inGitDirectory(fs, root, parts);
  const rulesOf = async (dirRel: string): Promise<IgnoreRules[]> => {
    let rules = cache?.get(dirRel);
    if (!rules) {
      rules = await loadRules(fs, dirRel, dirRel === "" ? await rootIgnoreFiles(fs, root) : ignoreFilesIn(join(root, dirRel), dirRel));
      cache?.set(dirRel, rules);
    }
    return rules;
  };
  let stack = await rulesOf("");
  for (let i = 0; i < parts.length; i++) {
    const rel = parts.slice(0, i + 1).join("/");
    const isDir = i < parts.length - 1;
    if (isIgnored(stack, rel, isDir)) return true;
    if (isDir) stack = [...stack, ...(await rulesOf(rel))];
  }
  return inGitDirectory(fs, root, parts);
}

/**
 * Whether the root or a folder above the file at `parts` is git's own (`isGitDirectoryAt`),
 * which the scan does not enter: a push into a fixture's `remote.git` writes its refs and
 * config, and the watcher names them. A stat of each mark a folder, the folders side by side.
 */
async function inGitDirectory(fs: ScanFs, root: string, parts: readonly string[]): Promise<boolean> {
  const folders = ["", ...parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"))];
  return (await Promise.all(folders.map((f) => isGitDirectoryAt(join(root, f), fs)))).some(Boolean);
}
