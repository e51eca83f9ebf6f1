/**
 * Other names of files that look like they hold secrets (`protocol/secret-files.ts`): a hard
 * link (`ln .env settings.py`) is the same file under a name that says nothing, and reading
 * it reads the keys. A file's other names are not written anywhere; two names are known to
 * be one file only by their identity (device and inode), so the workspace's secret-looking
 * files are found by a walk of its folder names (`secretInodes`) — only when some file has
 * several links, which few outside installed packages have; the tools reuse a walk's names
 * while none of its folders changed (a store's links outside node_modules give every file
 * several, and each read walked again). The tools ask before such a read
 * and leave such files out of searches and diffs (tools/secret-reads.ts); the index leaves
 * them out (`SecretLinks`), or find_symbol, the repository map and
 * the completions' context would show their definitions' lines.
 */
import type { Stats } from "node:fs";
import { homedir, userInfo } from "node:os";
import { isAbsolute, join } from "node:path";
import { homeFolderOf } from "../protocol/home-folder.ts";
import { HOME_PROFILES, HOME_STORES, inProfileFolder, looksLikeSecrets } from "../protocol/secret-files.ts";
import type { ScannedFile } from "./scan.ts";
import { inBatches, nodeScanFs, type ScanFs } from "./scan-fs.ts";
import type { SkippedFile } from "./types.ts";

/**
 * Home folders whose files are looked at whatever their names, to a depth of folders (a
 * readdir each): keys are named by their owners (`ssh-keygen -f`), gcloud keeps a folder per
 * account (`legacy_credentials/<account>/adc.json`, `.boto`), the AWS CLI a file per cached login,
 * cloudflared a file per tunnel (`<uuid>.json`), wrangler its login by environment (`default.toml`).
 */
const HOME_KEY_FOLDERS: readonly { folder: string; depth: number }[] = [
  { folder: ".ssh", depth: 1 }, { folder: ".config/gcloud/legacy_credentials", depth: 2 }, { folder: ".aws/sso/cache", depth: 1 }, { folder: ".aws/cli/cache", depth: 1 },
  { folder: ".cloudflared", depth: 1 }, { folder: ".wrangler/config", depth: 1 }, { folder: ".config/.wrangler/config", depth: 1 },
];

/** The files under the home folder's `folder`, `depth` folders deep at most, home-relative. */
async function homeFiles(home: string, folder: string, depth: number, fs: Pick<ScanFs, "readdir">): Promise<string[]> {
  const entries = await fs.readdir(join(home, folder)).catch(() => []);
  const nested = await Promise.all(entries.map((entry) => {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) return depth > 1 ? homeFiles(home, path, depth - 1, fs) : [];
    return [path];
  }));
  return nested.flat();
}

/**
 * The key files of the home folder's browsers' and mail clients' profiles (`HOME_PROFILES`),
 * home-relative: a readdir of each browser's folder of profiles, the keys named in each profile
 * (not statted here) — never a walk of a profile's caches.
 */
async function homeProfileKeys(home: string, fs: Pick<ScanFs, "readdir">): Promise<string[]> {
  const found = await Promise.all(HOME_PROFILES.map(async ({ folder, profile, keys, shared = [] }) => {
    const entries = await fs.readdir(join(home, folder)).catch(() => []);
    const profiles = entries.filter((entry) => entry.isDirectory() && (profile?.test(entry.name) ?? true));
    return [...shared.map((name) => `${folder}/${name}`), ...profiles.flatMap((entry) => keys.map((key) => `${folder}/${entry.name}/${key}`))];
  }));
  return found.flat();
}

/**
 * Folders the walk for other names does not enter: git's objects, and installed packages (a
 * Python environment's thousands of folders would use up `MAX_WALKED_FOLDERS`). Nor browsers'
 * and mail clients' profiles (`inProfileFolder`: a home folder opened as the workspace), whose
 * tens of thousands of files each lookup would stat again; a link to one of their key files
 * is found by name, from any workspace (`homeProfileKeys`).
 */
const NOT_WALKED = new Set([".git", "node_modules", "site-packages", ".pixi"]);
/**
 * Files whose other names are not looked for: pnpm hard-links every package file from its
 * store, uv (on Linux and Windows) every file it installs in a Python environment from its
 * cache, and pixi every file of a conda environment (`.pixi/envs/…`: the standard library,
 * headers), so each read of one would walk the workspace (20,000 folders: over a second).
 */
const PACKAGE_FILE = /(^|\/)(node_modules|site-packages|\.pixi)\//i;

/** Whether the workspace file at `path` (its real path, workspace-relative) is looked up by its other names when it has several. */
export function hardLinksLookedUp(path: string): boolean {
  return !PACKAGE_FILE.test(path);
}
/** The walk stops after this many folders (a home folder opened as a workspace); names beyond are not found. */
const MAX_WALKED_FOLDERS = 20_000;

/** The files of the workspace (workspace-relative) and home folder (`~/…`) that look like secrets, by their identity (device and inode). */
export type SecretInodes = Map<string, string>;

/** The identity of a file whatever its name: what two hard links share. */
export function inodeKey(info: Pick<Stats, "dev" | "ino">): string {
  return `${info.dev}:${info.ino}`;
}

/**
 * The secret-looking files of the workspace at `root` and of the home folder, by identity
 * (see `HOME_STORES`, `NOT_WALKED`): links are not followed (a link's file, when in the
 * workspace, is found by its own name). `fs`: the index passes its calls with a deadline, so
 * a stalled mount ends the walk instead of the build.
 */
export async function secretInodes(root: string, fs: Pick<ScanFs, "readdir" | "stat"> = nodeScanFs): Promise<SecretInodes> {
  return inodesOf(root, await cachedSecretNames(root, fs), fs);
}

/**
 * A workspace's last walk, kept while none of its folders changed: the tools look other names
 * up on each read of a file with several links, and where every file has them (a store's links
 * outside node_modules, a `cp -al` tree) each read_file walked the workspace again.
 */
interface Walk {
  readonly names: readonly string[];
  /** Each walked folder's modification time, taken before it was read: a name added, removed or renamed in it changes that. */
  readonly folders: ReadonlyMap<string, number>;
  /** When the walk began (ms since the epoch). */
  readonly startedMs: number;
}

const walks = new Map<string, Promise<Walk>>();
/**
 * A folder changed this close to its walk (or after) may have changed again in the same
 * clock tick, unseen (a FAT disk counts in 2 s): walked again rather than trusted.
 */
const RACY_MS = 2_000;

/** The workspace's secret-looking files by name: its last walk while still true, else a new walk. */
async function cachedSecretNames(root: string, fs: Pick<ScanFs, "readdir" | "stat">): Promise<readonly string[]> {
  const last = await walks.get(root)?.catch(() => undefined);
  if (last && (await unchanged(root, last, fs))) return last.names;
  const walk = secretWalk(root, fs);
  walks.set(root, walk);
  return (await walk).names;
}

async function unchanged(root: string, walk: Walk, fs: Pick<ScanFs, "stat">): Promise<boolean> {
  const stat = ([folder]: [string, number]) => fs.stat(join(root, folder)).then((info) => info.mtimeMs, () => undefined);
  for await (const batch of inBatches([...walk.folders], stat)) {
    if (batch.some(([[, mtime], now]) => now !== mtime || mtime === undefined || mtime >= walk.startedMs - RACY_MS)) return false;
  }
  return true;
}

/** The workspace-relative paths of the workspace's secret-looking files: a walk of its folder names (at most `MAX_WALKED_FOLDERS`). */
async function secretNames(root: string, fs: Pick<ScanFs, "readdir">): Promise<string[]> {
  return (await secretWalk(root, { readdir: (abs) => fs.readdir(abs) })).names;
}

/** `secretNames`' walk, with its folders' modification times when `fs` can stat (for `cachedSecretNames`). */
async function secretWalk(root: string, fs: Pick<ScanFs, "readdir"> & Partial<Pick<ScanFs, "stat">>): Promise<Walk & { names: string[] }> {
  const startedMs = Date.now();
  const names: string[] = [];
  const times = new Map<string, number>();
  const folders = [""];
  for (let i = 0; i < folders.length && i < MAX_WALKED_FOLDERS; i++) {
    const folder = folders[i]!;
    // Statted before it is read: a change between the two leaves a time the check will not match.
    const mtime = await fs.stat?.(join(root, folder)).then((info) => info.mtimeMs, () => undefined);
    // NaN where it could not be statted: never equal, so such a walk is not reused.
    if (fs.stat) times.set(folder, mtime ?? Number.NaN);
    const entries = await fs.readdir(join(root, folder)).catch(() => []);
    for (const entry of entries) {
      const path = folder === "" ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory() && !NOT_WALKED.has(entry.name.toLowerCase()) && !inProfileFolder(path)) folders.push(path);
      else if (entry.isFile() && looksLikeSecrets(path)) names.push(path);
    }
  }
  return { names, folders: times, startedMs };
}

/** The identities of the workspace's files at `paths` and of the home folder's credential stores and keys: a stat each, now. */
async function inodesOf(root: string, paths: readonly string[], fs: Pick<ScanFs, "readdir" | "stat">): Promise<SecretInodes> {
  const found: SecretInodes = new Map();
  const identity = async (abs: string, name: string) => {
    const info = await fs.stat(abs).catch(() => undefined);
    return info?.isFile() ? linkedInode(name, info) : undefined;
  };
  const home = homeOrNone();
  const named: [abs: string, name: string][] = [
    ...(home === undefined ? [] : (await homeSecrets(home, fs)).map((p): [string, string] => [join(home, p), `~/${p}`])),
    ...paths.map((p): [string, string] => [join(root, p), p]),
  ];
  const inodes = await Promise.all(named.map(([abs, name]) => identity(abs, name)));
  inodes.forEach((inode, i) => {
    if (inode !== undefined && !found.has(inode)) found.set(inode, named[i]![1]);
  });
  return found;
}

/** The home folder's credential stores and keys, home-relative. */
async function homeSecrets(home: string, fs: Pick<ScanFs, "readdir">): Promise<string[]> {
  const [profileKeys, ...keys] = await Promise.all([homeProfileKeys(home, fs), ...HOME_KEY_FOLDERS.map(({ folder, depth }) => homeFiles(home, folder, depth, fs))]);
  return [...HOME_STORES, ...profileKeys, ...keys.flat().filter((p) => looksLikeSecrets(p))];
}

/**
 * The home folder whose stores and keys are looked up: homeFolderOf, not os.homedir() alone — with HOME
 * empty that was "", and ~/.ssh the .ssh of the folder Hearth runs in (the user's own never
 * looked at). None where this user has no home at all: only the workspace's files are looked up.
 */
function homeOrNone(): string | undefined {
  try {
    return homeFolderOf({ homedir, userInfo, isAbsolute });
  } catch {
    return undefined;
  }
}

/**
 * The index's lookups of other names: one walk of the workspace's folders, shared by the build
 * and the one-file updates after it (a checkout in a tree of hard links — `cp -al`, a store's
 * links — reports hundreds of files at once, each with several links), until a change could
 * have made it stale: a secret-looking file or a folder reported changed (`forget`). Each
 * lookup stats the files the walk found, and the home folder's, again: a file's identity now.
 */
export class SecretLinks {
  private names: Promise<string[]> | undefined;
  constructor(private readonly root: string, private readonly fs: Pick<ScanFs, "readdir" | "stat">) {}

  /** A secret-looking file or a folder was created, changed, moved or deleted: the next lookup walks again. */
  forget(): void {
    this.names = undefined;
  }

  /** Of a scan's files, those that are not another name (a hard or symbolic link) of a secret-looking file, and the skips of those that are: a walk, only when a file has several links. */
  async leaveOut(files: readonly ScannedFile[]): Promise<{ files: ScannedFile[]; skipped: SkippedFile[] }> {
    this.forget(); // a build looks again
    const inodes = files.some((f) => f.inode !== undefined) ? await this.inodes() : new Map<string, string>();
    const skipped: SkippedFile[] = [];
    const kept = files.filter((f) => {
      const other = f.inode === undefined ? undefined : inodes.get(f.inode);
      const skip = secretFileSkip(f.path) ?? (other !== undefined ? secretLinkSkipOf(f.path, other) : f.linkTarget !== undefined ? secretTargetSkip(f.path, f.linkTarget) : undefined);
      if (skip) skipped.push(skip);
      return skip === undefined;
    });
    return { files: kept, skipped };
  }

  /** The skip of the workspace file at `path` (a one-file update) when it is another name of a secret-looking file. */
  async skipOf(path: string, info: LinkInfo): Promise<SkippedFile | undefined> {
    const inode = linkedInode(path, info);
    const other = inode === undefined ? undefined : (await this.inodes()).get(inode);
    return other === undefined ? undefined : secretLinkSkipOf(path, other);
  }

  private async inodes(): Promise<SecretInodes> {
    const walk = (this.names ??= secretNames(this.root, this.fs));
    return inodesOf(this.root, await walk, this.fs);
  }
}

/** What a file's stat tells of its other names: several links, and its identity. */
export type LinkInfo = Partial<Pick<Stats, "nlink" | "dev" | "ino">>;

/** `info`'s identity when the workspace file at `path` (workspace-relative) is looked up by its other names: it has several, outside node_modules. */
export function linkedInode(path: string, info: LinkInfo): string | undefined {
  return info.nlink !== undefined && info.nlink > 1 && info.dev !== undefined && info.ino !== undefined && hardLinksLookedUp(path) ? inodeKey({ dev: info.dev, ino: info.ino }) : undefined;
}

/**
 * The index's skip of the workspace file at `path` that is a symbolic link to `target` (its
 * real path, workspace-relative where inside) when that looks like it holds secrets and `path`
 * does not: `settings.py -> .env` parses as Python, its definitions' lines the keys.
 */
export function secretTargetSkip(path: string, target: string): SkippedFile | undefined {
  if (!looksLikeSecrets(target) || looksLikeSecrets(path)) return undefined;
  return { path, reason: "secret-link", detail: `a symbolic link to ${target}, which looks like it holds secrets` };
}

/**
 * The index's skip of the workspace file at `path` when its name looks like it holds secrets
 * (a home folder opened as the workspace: .npmrc, .aws/credentials, .ssh/id_rsa, none of them
 * git-ignored there): its words are the keys, which would become search terms, go into the
 * cache on disk and rank the file for a query naming them.
 */
export function secretFileSkip(path: string): SkippedFile | undefined {
  return looksLikeSecrets(path) ? { path, reason: "secret", detail: "it looks like it holds secrets (an environment file, a private key or credentials)" } : undefined;
}

/** The index's skip of a file that is another name of `other`. */
function secretLinkSkipOf(path: string, other: string): SkippedFile {
  return { path, reason: "secret-link", detail: `another name (a hard link) of ${other}, which looks like it holds secrets` };
}
