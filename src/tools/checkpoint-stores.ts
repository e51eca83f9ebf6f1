/**
 * The shadow repositories in one storage folder's `checkpoints/`, one per workspace: which
 * are in use, and removing those no one has used for long. `hearth fix` keeps every
 * checkout's in one state folder (~/.local/state/hearth), a temp clone's holding a whole
 * project; kept for good, hundreds of them piled up for folders long deleted.
 *
 * Each store records, in its git dir:
 * - `hearth-workspace`: the workspace's real path, written at each open;
 * - `hearth-open/<pid>`: one empty file per process that opened it. A store with a live pid
 *   there is never removed, whatever its age (a window open for months on a folder) — unless
 *   that pid's process started after the file was written (Linux): a program given the pid
 *   of one that died.
 * Its last use is the newest of that record and the files each checkpoint writes (index,
 * HEAD, logs/HEAD, ORIG_HEAD) and the git dir itself (every git call writes hearth.owner
 * there): a store an older Hearth made, with no record, is judged by those alone.
 *
 * When a store is opened, each other store in the same folder is removed if no live process
 * has it open, no git call runs in it (hearth.owner of a live pid), and it was last used
 * STALE_GONE_MS ago with its folder gone (not sooner: a folder on a disk not mounted now is
 * gone as well) or STALE_MS ago whatever its folder. It is renamed aside first
 * (`<key>.removing-<pid>`), so no process opens a half-removed repository; what a process
 * that died while removing left is removed.
 */
import { readFileSync } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { isAlive, startedAfter } from "../protocol/processes.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
/** A store unused this long is removed though its folder is there: its checkpoints are of work long since settled. */
export const STALE_MS = 90 * DAY_MS;
/** A store of a folder that is gone, unused this long, is removed. */
export const STALE_GONE_MS = 14 * DAY_MS;

const RECORD = "hearth-workspace";
const OPENS = "hearth-open";
const OWNER = "hearth.owner";
const STORE_NAME = /^[0-9a-f]{16}$/;
const REMOVING = /^[0-9a-f]{16}\.removing-(\d+)$/;
/** Files an older Hearth's store writes as it is used. */
const USE_FILES = ["index", "HEAD", "ORIG_HEAD", join("logs", "HEAD")];

/**
 * Records that this process opened the store at `gitDir` for the workspace `root` (a real
 * path), then removes the other stores beside it that are unused (see above). Never
 * throws: a storage folder this process cannot write in, no other can remove stores from.
 */
export async function storeOpened(gitDir: string, root: string): Promise<void> {
  try {
    await mkdir(join(gitDir, OPENS), { recursive: true });
    await writeFile(join(gitDir, OPENS, String(process.pid)), "");
    await writeFile(join(gitDir, RECORD), root);
  } catch {
    return;
  }
  await removeDeadOpens(gitDir);
  await removeUnusedStores(dirname(gitDir), gitDir);
}

/** One store in a `checkpoints/` folder, as `hearth storage` shows it. */
export interface StoreInfo {
  /** The store's git dir. */
  readonly dir: string;
  /** The workspace it holds checkpoints of; undefined for a store an older Hearth made. */
  readonly root?: string;
  /** When it was last used (ms since the epoch). */
  readonly lastUsed: number;
  /** A live process has it open or runs git in it: it is never removed. */
  readonly inUse: boolean;
  /** Its workspace folder is not on disk (deleted, or on a disk not mounted now). */
  readonly folderGone: boolean;
}

/** The stores in `checkpointsDir` (none when there is no such folder). */
export async function listStores(checkpointsDir: string): Promise<StoreInfo[]> {
  const names = (await readdir(checkpointsDir).catch(() => [] as string[])).filter((name) => STORE_NAME.test(name));
  return Promise.all(names.map((name) => describeStore(join(checkpointsDir, name))));
}

async function describeStore(dir: string): Promise<StoreInfo> {
  const inUse = (await livePids(dir)).length > 0 || (await gitRunning(dir));
  const record = await stat(join(dir, RECORD)).then((info) => info.mtimeMs, () => 0);
  const lastUsed = Math.max(record, await lastWrite(dir));
  const root = record ? (await readFile(join(dir, RECORD), "utf8").catch(() => "")) || undefined : undefined;
  const folderGone = root !== undefined && (await stat(root).then(() => false, (error: NodeJS.ErrnoException) => error.code === "ENOENT"));
  return { dir, ...(root ? { root } : {}), lastUsed, inUse, folderGone };
}

/** Removes the stores in `checkpointsDir` other than `own` that are unused (see above); never throws. */
async function removeUnusedStores(checkpointsDir: string, own: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(checkpointsDir).catch(() => [] as string[])) {
    const dir = join(checkpointsDir, name);
    const removing = REMOVING.exec(name);
    if (removing && !isAlive(Number(removing[1]))) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    else if (STORE_NAME.test(name) && dir !== own && stale(await describeStore(dir), now)) await removeStore(dir);
  }
}

function stale(store: StoreInfo, now: number): boolean {
  if (store.inUse) return false;
  const idle = now - store.lastUsed;
  return idle > STALE_MS || (idle > STALE_GONE_MS && store.folderGone);
}

/**
 * Removes a store unless a live process has it open (looked at again here); whether it did.
 * Renamed aside first: a process opening it meanwhile makes a new one, never a half-removed one.
 */
export async function removeStore(dir: string): Promise<boolean> {
  if ((await describeStore(dir)).inUse) return false;
  const aside = `${dir}.removing-${process.pid}`;
  try {
    await rename(dir, aside);
  } catch {
    return false; // another process removed it first
  }
  await rm(aside, { recursive: true, force: true }).catch(() => undefined);
  return true;
}

/**
 * The processes that opened the store and still run: a pid alive now whose process started
 * after its record was written is another program's, given the pid of one that died.
 */
async function livePids(dir: string): Promise<number[]> {
  const live: number[] = [];
  for (const name of await readdir(join(dir, OPENS)).catch(() => [] as string[])) {
    const pid = Number(name);
    if (!isAlive(pid)) continue;
    const opened = await stat(join(dir, OPENS, name)).then((info) => info.mtimeMs, () => Number.NaN);
    if (!startedAfter(pid, opened, (path) => readFileSync(path, "utf8"))) live.push(pid);
  }
  return live;
}

/** Whether a live process runs git there now (checkpoint-lock.ts's owner file). */
async function gitRunning(dir: string): Promise<boolean> {
  const text = await readFile(join(dir, OWNER), "utf8").catch(() => undefined);
  if (text === undefined) return false;
  try {
    return isAlive(Number((JSON.parse(text) as { pid?: unknown }).pid));
  } catch {
    return true; // being written now
  }
}

/** When git last wrote in the store. */
async function lastWrite(dir: string): Promise<number> {
  const times = await Promise.all([dir, ...USE_FILES.map((file) => join(dir, file))].map((path) => stat(path).then((info) => info.mtimeMs, () => 0)));
  return Math.max(...times);
}

async function removeDeadOpens(gitDir: string): Promise<void> {
  const live = new Set((await livePids(gitDir)).map(String));
  for (const name of await readdir(join(gitDir, OPENS)).catch(() => [] as string[])) {
    if (!live.has(name)) await rm(join(gitDir, OPENS, name), { force: true }).catch(() => undefined);
  }
}

/**
 * A store's loose objects past this size are packed: gc.auto is off in a store (no git gc in
 * the middle of a run), so a generated file the folder rebuilds between checkpoints was kept
 * whole at each (an 8 MB dist.js over ten checkpoints: 63 MB); packed, its versions are
 * deltas of one another. Some seconds of git once per that much written, not at every checkpoint.
 */
export const PACK_ABOVE_BYTES = 256 * 1024 * 1024;

/**
 * Packs the loose objects of the store `git` runs in (inside its lock) when they hold over
 * `limit` bytes. Never throws: a store that cannot be packed (a full disk) keeps its objects
 * loose, and the checkpoint just made stands.
 */
export async function packLoose(git: (args: string[]) => Promise<string>, limit: number): Promise<void> {
  try {
    const kib = Number(/^size: (\d+)$/m.exec(await git(["count-objects", "-v"]))?.[1] ?? 0);
    if (kib * 1024 > limit) await git(["repack", "-d", "-q"]);
  } catch {
    // left loose
  }
}
