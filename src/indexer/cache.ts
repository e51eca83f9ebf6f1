import { createHash } from "node:crypto";
import { lstat, mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { PRIVATE_FILE, PRIVATE_FOLDER, makeFolders } from "../protocol/make-folders.ts";
import { isAlive } from "../protocol/processes.ts";
import type { FileRecord, SkippedFile } from "./types.ts";

/**
 * The persistent index: one `v8.serialize`d file per repository in the storage folder.
 * A cache key (schema version + grammar versions + the query files' text) is stored in
 * it; a cache written under another key, or one that does not deserialize, is ignored
 * and the index is rebuilt. Writes go to a temporary file renamed over the old one, so a
 * crash mid-write leaves the previous cache intact, and a reader in another process (two
 * windows on one folder share the storage folder) reads one whole cache or the other. The
 * temporary file (`<cache>.<pid>.<ms>.tmp`, as big as the cache) of a process killed while
 * writing is removed by the next save, once that pid no longer runs.
 */

/** Bumped whenever FileRecord or extraction changes meaning. */
export const SCHEMA_VERSION = 12;
const MAGIC = "hearth-index";
const GRAMMARS = [
  "tree-sitter", "tree-sitter-typescript", "tree-sitter-javascript", "tree-sitter-python", "tree-sitter-go",
  "tree-sitter-rust", "tree-sitter-java", "tree-sitter-c", "tree-sitter-cpp",
];

export interface CacheContents {
  readonly root: string;
  readonly files: readonly FileRecord[];
  readonly skipped: readonly SkippedFile[];
}

interface CacheFile extends CacheContents {
  readonly magic: string;
  readonly key: string;
}

/** Why a cache was not used, for the index report. */
export type CacheMiss = "absent" | "unreadable" | "corrupt" | "version-mismatch" | "other-runtime" | "other-root";

const MISSES: Record<CacheMiss | "rebuild", string> = {
  absent: "there is none yet for this folder (its first index); it is written for the next start",
  unreadable: "its file could not be read; every file is parsed again",
  corrupt: "its file is damaged (cut short, or not Hearth's); every file is parsed again",
  "version-mismatch": "it was written by another version of Hearth, its grammars or its queries; every file is parsed again",
  "other-runtime": "it was written by Hearth running on a newer Node.js (another VS Code or Node.js version), whose format this one cannot read; every file is parsed again",
  "other-root": "it was written for another folder; every file is parsed again",
  rebuild: "Reindex Workspace parses every file again",
};

/**
 * Why a build did not start from the cache, in words for the log; undefined when it did, or
 * there is no cache to use. `detail`: loadCache's, naming an unreadable file and what is wrong.
 */
export function cacheMissMessage(cache: CacheMiss | "rebuild" | "hit" | "disabled", detail?: string): string | undefined {
  if (cache === "hit" || cache === "disabled") return undefined;
  if (cache === "unreadable" && detail) return `the cache was not used: its file ${detail}; every file is parsed again`;
  return `the cache was not used: ${MISSES[cache]}`;
}

/** What is wrong with a cache file that could not be read, naming it: the user can act on it. */
function unreadable(file: string, err: NodeJS.ErrnoException): string {
  const code = err.code ?? String(err);
  const why = code === "EISDIR" ? "a folder is in its place" : code === "EACCES" || code === "EPERM" ? `${code}: this user may not read it` : code;
  return `${file} could not be read (${why})`;
}

/** The cache key for the current code, grammars and queries. */
export async function computeCacheKey(queriesDir: string): Promise<string> {
  const h = createHash("sha1").update(`schema ${SCHEMA_VERSION}\n`);
  const req: NodeJS.Require = typeof require === "function" ? require : createRequire(import.meta.url);
  for (const pkg of GRAMMARS) {
    try {
      h.update(`${pkg} ${(req(`${pkg}/package.json`) as { version: string }).version}\n`);
    } catch {
      h.update(`${pkg} ?\n`);
    }
  }
  for (const name of (await readdir(queriesDir)).filter((n) => n.endsWith(".scm")).sort()) {
    h.update(name).update(await readFile(join(queriesDir, name)));
  }
  return h.digest("hex");
}

/** The cache file for a repository root inside the storage folder. */
export function cachePath(storageDir: string, root: string): string {
  const id = createHash("sha1").update(root).digest("hex").slice(0, 16);
  return join(storageDir, `index-${id}.bin`);
}

/** Loads a cache; never throws for a bad file, it reports the miss instead. */
export async function loadCache(
  file: string,
  key: string,
  root: string,
): Promise<{ ok: true; contents: CacheContents } | { ok: false; miss: CacheMiss; detail?: string }> {
  const before = await stat(file).then((info) => info.mtimeMs, () => undefined);
  if (before !== undefined && !usedBefore.has(file)) usedBefore.set(file, before);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    return error.code === "ENOENT" ? { ok: false, miss: "absent" } : { ok: false, miss: "unreadable", detail: unreadable(file, error) };
  }
  let data: CacheFile;
  try {
    data = deserialize(bytes) as CacheFile;
  } catch {
    return { ok: false, miss: newerSerialization(bytes) ? "other-runtime" : "corrupt" };
  }
  if (!data || typeof data !== "object" || data.magic !== MAGIC || !Array.isArray(data.files)) return { ok: false, miss: "corrupt" };
  if (data.key !== key) return { ok: false, miss: "version-mismatch" };
  if (data.root !== root) return { ok: false, miss: "other-root" };
  // Marked as used: an unchanged tree does not rewrite it, and a save elsewhere removes caches unused for long (removeLeftovers).
  const now = new Date();
  await utimes(file, now, now).catch(() => {});
  return { ok: true, contents: data };
}

/** The format version this Node's v8.serialize writes (its header: 0xFF, then the version). */
const SERIALIZATION_VERSION = serialize(null)[1]!;

/**
 * Whether `bytes` begin as a newer V8's serialization does: VS Code runs the runtime on its
 * Electron's Node, `hearth index` on the system's, and an older V8 refuses a newer format
 * whole — no damage, and not to be said as such.
 */
function newerSerialization(bytes: Buffer): boolean {
  return bytes.length > 2 && bytes[0] === 0xff && bytes[1]! > SERIALIZATION_VERSION && bytes[1]! < 0x80;
}

/**
 * Writes the cache atomically (temporary file, then rename); returns its size in bytes. Its
 * folder still to be made on a read-only disk fails with EROFS (makeFolders), not ENOENT. The
 * folders it makes are 0700, the cache 0600 (a new file each save: an older 0644 one goes).
 */
export async function saveCache(file: string, key: string, contents: CacheContents): Promise<number> {
  // Symbols and snippets of private code: this user's alone from the first mkdir and open (see PRIVATE_FOLDER).
  await makeFolders(dirname(file), { mkdir: (path, options) => mkdir(path, { ...options, mode: PRIVATE_FOLDER }), lstat, dirname });
  const data: CacheFile = { magic: MAGIC, key, ...contents };
  const bytes = serialize(data);
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, bytes, { mode: PRIVATE_FILE });
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await removeLeftovers(file);
  return bytes.length;
}

/**
 * A storage folder the CLI shares between every folder it indexes (~/.cache/hearth/index)
 * would keep a cache of each for good — a temp clone long deleted, a home folder opened once
 * (some 8 KB a file: hundreds of MB). Another folder's cache neither read nor written for this
 * long is removed by a save; it is only a cache (that folder, indexed again, is parsed again).
 */
const UNUSED_MS = 30 * 24 * 60 * 60 * 1000;
const CACHE_NAME = /^index-[0-9a-f]{16}\.bin$/;
/**
 * When each cache this process tried to read had last been used (its mtime as the first try
 * found it, before marking it used). A save counts the other caches' idle time to the newest of
 * that and their own uses, never past now: with a clock a year ahead (a VM resumed with a bad
 * clock, a wrong RTC, set right later) every other cache, used yesterday, was a year idle and
 * removed, each of those folders parsed again whole. Checkpoint stores do the same.
 */
const usedBefore = new Map<string, number>();

/** Removes the temporary files of `file` that processes no longer running left behind, and other folders' caches unused for `UNUSED_MS`. */
async function removeLeftovers(file: string): Promise<void> {
  const prefix = `${basename(file)}.`;
  const dir = dirname(file);
  const others = new Map<string, number>();
  for (const name of await readdir(dir).catch(() => [])) {
    const pid = name.startsWith(prefix) ? /^(\d+)\.\d+\.tmp$/.exec(name.slice(prefix.length))?.[1] : undefined;
    if (pid !== undefined && Number(pid) !== process.pid && !isAlive(Number(pid))) await unlink(join(dir, name)).catch(() => {});
    else if (CACHE_NAME.test(name) && name !== basename(file)) {
      const info = await stat(join(dir, name)).catch(() => undefined);
      if (info?.isFile()) others.set(join(dir, name), info.mtimeMs);
    }
  }
  // A folder's first cache (none to read before) has no use before this one to count to: now.
  const ownBefore = usedBefore.get(file);
  const now = ownBefore === undefined ? Date.now() : Math.min(Date.now(), Math.max(ownBefore, ...others.values()));
  for (const [cache, used] of others) if (now - used > UNUSED_MS) await unlink(cache).catch(() => {});
}

