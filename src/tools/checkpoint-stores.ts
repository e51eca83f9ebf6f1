/**
 * The shadow repositories in one storage folder's `checkpoints/`, one per workspace: which
 * are in use, and removing those no one has used for long. `hearth fix` keeps every
 * checkout's in one state folder (~/.local/state/hearth), a temp clone's holding a whole
 * project; kept for good, hundreds of them piled up for folders long deleted.
 *
 * Each store records, in its git dir:
 * - `hearth-workspace`: the workspace's real path, written at each open;
 * - `hearth-open/<pid>`: one file per process that opened it, holding where that process runs
 *   (boot id, PID namespace, host name). A store with a live pid there is never removed,
 *   whatever its age (a window open for months on a folder) — unless that pid's process
 *   started after the file was written (Linux): a program given the pid of one that died. A
 *   record written in another PID namespace (a container sharing ~/.local/state) or on another
 *   host (one sharing the home folder) cannot be checked from here: the store counts as open
 *   until that record is STALE_MS old. One written on this host in an earlier boot is of a
 *   process that ended with the reboot.
 * Its last use is the newest of that record and the files each checkpoint writes (index,
 * HEAD, logs/HEAD, ORIG_HEAD) and the git dir itself (every git call writes hearth.owner
 * there): a store an older Hearth made, with no record, is judged by those alone.
 *
 * When a store is opened, each other store in the same folder is removed if no live process
 * has it open, no git call runs in it (hearth.owner of a live pid), and it was last used
 * STALE_GONE_MS before with its folder gone (not sooner: a folder on a disk not mounted now is
 * gone as well) or STALE_MS before whatever its folder. "Before" is before the newest use of
 * any store in the folder as the open found them (never past now): a clock that jumped
 * forward (a VM resumed with a bad clock) does not age every store at once, and a store
 * last used after that time (a clock set back since) is never removed. This runs after
 * the open, which never waits for it, one at a time in a process; a store's folder is looked
 * at (stat) only once the store is STALE_GONE_MS idle, so a dead network share hangs only
 * that look, never a checkpoint. A store is renamed aside first (`<key>.removing-<pid>`), so
 * no process opens a half-removed repository; what a process that died while removing left
 * is removed.
 */
import { readFileSync, readlinkSync } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
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

/** How a store's workspace folder is looked at; replaced only by tests (a share whose stat never answers). */
export const folderLook = { stat: (path: string): Promise<unknown> => stat(path) };

/** The removal running in this process, if any (one at a time: a hung folder look holds one of libuv's threads, not more). */
let pruning: Promise<void> | undefined;

/**
 * Records that this process opened the store at `gitDir` for the workspace `root` (a real
 * path), then starts removing the other stores beside it that are unused (see above), without
 * waiting for it (`pruned` does). Never throws: a storage folder this process cannot write
 * in, no other can remove stores from.
 */
export async function storeOpened(gitDir: string, root: string): Promise<void> {
  // Its files alone: open has just made the folder of a new store.
  const before = await lastUse(gitDir, false);
  try {
    await mkdir(join(gitDir, OPENS), { recursive: true });
    await writeFile(join(gitDir, OPENS, String(process.pid)), JSON.stringify(here()));
    await writeFile(join(gitDir, RECORD), root);
  } catch {
    return;
  }
  await removeDeadOpens(gitDir);
  if (pruning) return;
  pruning = removeUnusedStores(dirname(gitDir), gitDir, before).catch(() => undefined).finally(() => {
    pruning = undefined;
  });
}

/** Resolves once the removal storeOpened started in this process is done. */
export async function pruned(): Promise<void> {
  await pruning;
}

/** Where this process runs: a record written elsewhere names a pid this process cannot check. */
interface Place {
  readonly boot: string;
  readonly pidns: string;
  readonly host: string;
}

function here(): Place {
  const boot = (() => {
    try {
      return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
      return "";
    }
  })();
  const pidns = (() => {
    try {
      return readlinkSync("/proc/self/ns/pid");
    } catch {
      return "";
    }
  })();
  return { boot, pidns, host: hostname() };
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
  /**
   * Its workspace folder is not on disk (deleted, or on a disk not mounted now); looked at only
   * for a store idle STALE_GONE_MS (false before: a dead network share would hang the look).
   */
  readonly folderGone: boolean;
}

/** The stores in `checkpointsDir` (none when there is no such folder); `now` is what idle times are judged by. */
export async function listStores(checkpointsDir: string, now = Date.now()): Promise<StoreInfo[]> {
  const names = (await readdir(checkpointsDir).catch(() => [] as string[])).filter((name) => STORE_NAME.test(name));
  return Promise.all(names.map((name) => describeStore(join(checkpointsDir, name), now)));
}

async function describeStore(dir: string, now: number): Promise<StoreInfo> {
  const inUse = (await openedBy(dir, now)) || (await gitRunning(dir));
  const record = await stat(join(dir, RECORD)).then((info) => info.mtimeMs, () => 0);
  const lastUsed = await lastUse(dir);
  const root = record ? (await readFile(join(dir, RECORD), "utf8").catch(() => "")) || undefined : undefined;
  const folderGone = root !== undefined && now - lastUsed > STALE_GONE_MS
    && (await folderLook.stat(root).then(() => false, (error: NodeJS.ErrnoException) => error.code === "ENOENT"));
  return { dir, ...(root ? { root } : {}), lastUsed, inUse, folderGone };
}

/**
 * Removes the stores in `checkpointsDir` other than `own` that are unused (see above), `ownBefore`
 * being when `own` was last used before this open; never throws.
 */
async function removeUnusedStores(checkpointsDir: string, own: string, ownBefore: number): Promise<void> {
  const names = await readdir(checkpointsDir).catch(() => [] as string[]);
  const others = names.filter((name) => STORE_NAME.test(name)).map((name) => join(checkpointsDir, name)).filter((dir) => dir !== own);
  const uses = await Promise.all(others.map((dir) => lastUse(dir)));
  const now = Math.min(Date.now(), Math.max(ownBefore, ...uses));
  for (const name of names) {
    const removing = REMOVING.exec(name);
    if (removing && !isAlive(Number(removing[1]))) await rm(join(checkpointsDir, name), { recursive: true, force: true }).catch(() => undefined);
  }
  for (const [i, dir] of others.entries()) {
    // Not idle long enough: not even looked at (its folder on a dead share would hang the stat).
    if (now - uses[i]! <= STALE_GONE_MS) continue;
    if (stale(await describeStore(dir, now), now)) await removeStore(dir);
  }
}

/** Whether a store unused as `store` says, `now`, is removed on its own. */
export function stale(store: StoreInfo, now: number): boolean {
  if (store.inUse) return false;
  const idle = now - store.lastUsed;
  return idle > STALE_MS || (idle > STALE_GONE_MS && store.folderGone);
}

/**
 * Removes a store unless a live process has it open (looked at again here); whether it did.
 * Renamed aside first: a process opening it meanwhile makes a new one, never a half-removed one.
 */
export async function removeStore(dir: string): Promise<boolean> {
  if ((await openedBy(dir, Date.now())) || (await gitRunning(dir))) return false;
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
 * after its record was written is another program's, given the pid of one that died. Only
 * records written where this process runs (same boot and PID namespace).
 */
async function livePids(dir: string): Promise<number[]> {
  const live: number[] = [];
  const me = here();
  for (const name of await readdir(join(dir, OPENS)).catch(() => [] as string[])) {
    const opened = await openRecord(join(dir, OPENS, name));
    if (!opened || !local(opened.place, me)) continue;
    const pid = Number(name);
    if (isAlive(pid) && !startedAfter(pid, opened.at, (path) => readFileSync(path, "utf8"))) live.push(pid);
  }
  return live;
}

/** Whether a process has the store open: a live one here, or one elsewhere whose record is younger than STALE_MS. */
async function openedBy(dir: string, now: number): Promise<boolean> {
  if ((await livePids(dir)).length) return true;
  const me = here();
  for (const name of await readdir(join(dir, OPENS)).catch(() => [] as string[])) {
    const opened = await openRecord(join(dir, OPENS, name));
    if (opened && elsewhere(opened.place, me) && now - opened.at < STALE_MS) return true;
  }
  return false;
}

/** An open record: when it was written, and where (an older Hearth's empty record: here). */
async function openRecord(file: string): Promise<{ at: number; place: Place | undefined } | undefined> {
  const at = await stat(file).then((info) => info.mtimeMs, () => undefined);
  if (at === undefined) return undefined;
  const text = await readFile(file, "utf8").catch(() => "");
  try {
    const place = JSON.parse(text) as Partial<Place>;
    return { at, place: typeof place.boot === "string" && typeof place.pidns === "string" ? place as Place : undefined };
  } catch {
    return { at, place: undefined };
  }
}

function local(place: Place | undefined, me: Place): boolean {
  return !place || (place.boot === me.boot && place.pidns === me.pidns);
}

/**
 * Whether a record was written by a process this one cannot check: in another PID namespace of
 * this boot (a container), or on another host. One written on this host in an earlier boot is
 * not: that process ended with the reboot.
 */
function elsewhere(place: Place | undefined, me: Place): boolean {
  if (!place || local(place, me)) return false;
  return place.host !== me.host || place.boot === me.boot;
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

/** When a store was last used (its record, or git's files and, with `folder`, its git dir; 0 when it has none). */
async function lastUse(dir: string, folder = true): Promise<number> {
  const record = await stat(join(dir, RECORD)).then((info) => info.mtimeMs, () => 0);
  return Math.max(record, await lastWrite(dir, folder));
}

/** When git last wrote in the store. */
async function lastWrite(dir: string, folder = true): Promise<number> {
  const times = await Promise.all([...(folder ? [dir] : []), ...USE_FILES.map((file) => join(dir, file))].map((path) => stat(path).then((info) => info.mtimeMs, () => 0)));
  return Math.max(...times);
}

/** Drops the open records of processes that ended here; those written elsewhere stay until STALE_MS old. */
async function removeDeadOpens(gitDir: string): Promise<void> {
  const live = new Set((await livePids(gitDir)).map(String));
  const me = here();
  const now = Date.now();
  for (const name of await readdir(join(gitDir, OPENS)).catch(() => [] as string[])) {
    if (live.has(name) || name === String(process.pid)) continue;
    const opened = await openRecord(join(gitDir, OPENS, name));
    if (opened && elsewhere(opened.place, me) && now - opened.at < STALE_MS) continue;
    await rm(join(gitDir, OPENS, name), { force: true }).catch(() => undefined);
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
 * Or past this many loose objects, however small: each checkpoint adds a few (its trees, commit
 * and changed files), each a file of its own taking a whole disk block and an inode — 360
 * simulated checkpoints (a month of a dozen a day) made 1,441 files, 7 MB on disk; packed,
 * 0.6 MB. git's own gc.auto (off in stores) packs at 6,700.
 */
export const PACK_ABOVE_OBJECTS = 2000;

/** A temporary pack file this old is what a repack killed halfway left (git writes one for seconds, minutes at most). */
export const TEMP_PACK_STALE_MS = DAY_MS;

/**
 * Packs the loose objects of the store `git` runs in (inside its lock) when they hold over
 * `limit` bytes or are over `objects` (git repack -d: only loose objects, reachable ones, go
 * into a pack; none is removed that is not in one); first removes the temporary files (objects/pack/tmp_pack_*, tmp_idx_*, …) a
 * repack killed halfway left there over TEMP_PACK_STALE_MS ago, as big as the pack it was
 * writing. Never throws: a store that cannot be packed (a full disk) keeps its objects loose,
 * and the checkpoint just made stands.
 */
export async function packLoose(git: (args: string[]) => Promise<string>, limit: number, objects = PACK_ABOVE_OBJECTS): Promise<void> {
  try {
    const counts = await git(["count-objects", "-v"]);
    const kib = Number(/^size: (\d+)$/m.exec(counts)?.[1] ?? 0);
    const count = Number(/^count: (\d+)$/m.exec(counts)?.[1] ?? 0);
    if (kib * 1024 <= limit && count <= objects) return;
    await removeTempPacks(join((await git(["rev-parse", "--git-dir"])).trim(), "objects", "pack"), Date.now());
    await git(["repack", "-d", "-q"]);
  } catch {
    // left loose
  }
}

async function removeTempPacks(packDir: string, now: number): Promise<void> {
  for (const name of await readdir(packDir).catch(() => [] as string[])) {
    if (!/^(tmp_|\.tmp-)/.test(name)) continue;
    const path = join(packDir, name);
    const written = await stat(path).then((info) => info.mtimeMs, () => now);
    if (now - written > TEMP_PACK_STALE_MS) await rm(path, { force: true }).catch(() => undefined);
  }
}
