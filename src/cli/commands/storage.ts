/**
 * `hearth storage`: what Hearth keeps on this machine outside the user's folders, where, and how
 * much; `--clean` removes what no one needs: checkpoints of folders that are gone, the
 * index caches (rebuilt when needed), interrupted downloads and the CUDA packages of other
 * node-llama-cpp versions than this Hearth's. Nothing a running Hearth
 * uses (a store a live process has open, a part a download appends to) and nothing of the
 * user's (downloaded models, `hearth fix` trajectories) is removed; those are named so the
 * user can decide.
 */
import { lstat, readdir, readFile, rm, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { hearthStateDir } from "../../agent/checkout-lock.ts";
import { bundledLlamaVersion, holderWords, LOCK_STALE_MS, lockPart, nativeFolderIn, packageFolderVersion, downloadVersion, removalLeft, removePackageFolder } from "../../models/index.ts";
import { isAlive } from "../../protocol/processes.ts";
import { formatSize } from "../../protocol/units.ts";
import { listStores, removeStore, type StoreInfo } from "../../tools/checkpoint-stores.ts";
import { type CliCommand, parseFlags } from "../command.ts";
import { folderSize } from "../folder-size.ts";
import { terminalJson, terminalName } from "../terminal-text.ts";
import { xdgFolder } from "../user-folders.ts";
import { cliModelsFolder, cliStoragePath, editorModelsFolders } from "./models.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
const CACHE_FILE = /^index-[0-9a-f]{16}\.bin$/;
const CACHE_TEMP = /^index-[0-9a-f]{16}\.bin\.(\d+)\.\d+\.tmp$/;
const TRAJECTORY = /^fix-\d+\.trajectory\.jsonl$/;

/** One thing Hearth keeps, as listed. */
interface Item {
  readonly path: string;
  readonly bytes: number;
  /** What it is, in words. */
  readonly note: string;
  /** `--clean` removes it. */
  readonly cleanable: boolean;
}

/** One place Hearth keeps things in. */
interface Place {
  readonly what: string;
  readonly path: string;
  readonly bytes: number;
  readonly note: string;
  readonly items: readonly Item[];
}

/** The options it takes (its usage names each: test/unit/cli/usage-flags.test.ts). */
export const STORAGE_FLAGS = { clean: "boolean", json: "boolean" } as const;

export const storageCommand: CliCommand = {
  name: "storage",
  summary: "show what Hearth keeps on this machine and how much; --clean removes what is not needed",
  usage: `hearth storage [--clean] [--json]

Lists the folders Hearth keeps files in outside your projects, with their sizes: downloaded
models and interrupted downloads, CUDA packages, the index caches, hearth fix's checkpoints
(one store per checkout) and trajectories, and what Hearth in VS Code keeps.

  --clean   remove the checkpoints of folders that are not there, unused for 14 days
            (not sooner: a folder on a disk not mounted now is not there either), every
            index cache (the next index of a folder parses it again) and interrupted
            downloads (a model download then starts from the beginning), and the CUDA
            packages downloaded for another version of Hearth (never the one this
            Hearth loads); never a downloaded model, a
            trajectory, or anything a running Hearth holds (a store another process has
            open, a part being downloaded): those are named, for you to decide
  --json    print the list (and what was removed) as JSON

Checkpoint stores are also removed on their own: one unused for 90 days, or for 14 days
when its folder is not there; days counted to the last use of any store, never past now
(a clock that jumped forward ages none). Index caches unused for 30 days are removed by the next index.`,
  async run(args, io) {
    const { flags } = parseFlags(args, STORAGE_FLAGS);
    const removed = flags.clean ? await clean() : undefined;
    const places = await survey();
    if (flags.json) {
      io.out(terminalJson(JSON.stringify({ places, ...(removed ? { removed } : {}) }, null, 2)) + "\n");
      return 0;
    }
    if (removed) io.out(describeRemoved(removed));
    io.out(describePlaces(places, !removed));
    return 0;
  },
};

async function survey(): Promise<Place[]> {
  const state = hearthStateDir();
  return [
    await modelsPlace(),
    await packagesPlace(),
    await indexPlace(),
    await checkpointsPlace(join(state, "checkpoints")),
    await trajectoriesPlace(state),
    ...(await editorPlaces()),
  ].filter((place): place is Place => place !== undefined);
}

async function modelsPlace(): Promise<Place> {
  const folder = cliModelsFolder();
  const items: Item[] = [];
  for (const name of (await readdir(folder).catch(() => [] as string[])).sort()) {
    const path = join(folder, name);
    if (name.endsWith(".part")) items.push({ path, bytes: await folderSize(path), note: "interrupted download (hearth models --download goes on from it)", cleanable: true });
    else if (name.endsWith(".gguf")) items.push({ path, bytes: await folderSize(path), note: "downloaded model", cleanable: false });
  }
  return { what: "Models (hearth models)", path: folder, bytes: await folderSize(folder), note: "", items };
}

/** The CUDA packages `hearth models --cuda` installs: their folder alone, HEARTH_HOME may hold the user's own files too. */
async function packagesPlace(): Promise<Place | undefined> {
  const folder = nativeFolderIn(cliStoragePath());
  const bytes = await folderSize(folder);
  return bytes > 0 ? { what: "CUDA packages (hearth models --cuda)", path: folder, bytes, note: "", items: await nativePackages(folder) } : undefined;
}

/**
 * The package versions installed in a native folder (`<folder>/@node-llama-cpp/<name>@<version>`,
 * native-packages.ts) and the downloads of them left in `.downloads`. Each update of Hearth
 * that moves node-llama-cpp to another version downloads the CUDA package anew (hundreds of
 * megabytes; node-llama-cpp loads its own version's alone); an install removes the older
 * versions' (native-packages.ts), but what an older Hearth left, a newer one's, or another version of Hearth
 * sharing the folder installed since, stays: those are cleanable. This version's package is not; nor is its download, which a download
 * goes on from.
 */
async function nativePackages(folder: string): Promise<Item[]> {
  // Not known (node-llama-cpp's manifest unreadable): every version is listed, none removed.
  let current: string | undefined;
  try {
    current = bundledLlamaVersion();
  } catch {
    current = undefined;
  }
  const items: Item[] = [];
  const scope = join(folder, "@node-llama-cpp");
  for (const name of (await readdir(scope).catch(() => [] as string[])).sort()) {
    // Only names an install makes: a folder put there by hand (notes@home), or one being unpacked, is counted in the total, never removed.
    const version = packageFolderVersion(name);
    const left = removalLeft(name);
    if (version === undefined && !left) continue;
    const path = join(scope, name);
    const bytes = await folderSize(path);
    if (left || version === undefined) items.push({ path, bytes, note: "what is left of a package whose removal was cut short (a crash, or a file held open): no version loads it", cleanable: true });
    else if (version === current) items.push({ path, bytes, note: "the CUDA package this Hearth loads", cleanable: false });
    else if (current === undefined) items.push({ path, bytes, note: `for node-llama-cpp ${version}`, cleanable: false });
    else items.push({ path, bytes, note: otherVersion(version, current), cleanable: true });
  }
  const downloads = join(folder, ".downloads");
  for (const name of current === undefined ? [] : (await readdir(downloads).catch(() => [] as string[])).sort()) {
    // A part's lock and notes go with it (cleanPart); this version's download is gone on from.
    const version = downloadVersion(name);
    if (version === undefined || version === current) continue;
    const path = join(downloads, name);
    items.push({ path, bytes: await folderSize(path), note: `a download of a CUDA package for another version of Hearth, ${name.endsWith(".part") ? "left unfinished" : "never unpacked"}`, cleanable: true });
  }
  return items;
}

function otherVersion(version: string, current: string): string {
  return `for node-llama-cpp ${version}, which this Hearth does not load (it loads ${current}'s): left by another version of Hearth, which downloads it again if it needs it`;
}

function indexFolder(): string {
  return join(xdgFolder("XDG_CACHE_HOME"), "hearth", "index");
}

async function indexPlace(): Promise<Place> {
  const folder = indexFolder();
  const caches = (await readdir(folder).catch(() => [] as string[])).filter((name) => CACHE_FILE.test(name));
  const bytes = await folderSize(folder);
  return { what: "Index caches (hearth index, locate, map)", path: folder, bytes, note: `${caches.length} folder(s); rebuilt when needed`, items: [] };
}

async function checkpointsPlace(folder: string): Promise<Place> {
  const now = Date.now();
  const items: Item[] = [];
  for (const store of (await listStores(folder)).sort((a, b) => a.lastUsed - b.lastUsed)) {
    items.push({ path: store.root ?? store.dir, bytes: await folderSize(store.dir), note: storeNote(store, now), cleanable: cleanableStore(store) });
  }
  return { what: "Checkpoints (hearth fix)", path: folder, bytes: await folderSize(folder), note: `${items.length} checkout(s)`, items };
}

/** A store of a folder not there, unused for 14 days (listStores looks at a folder only then: one on a disk not mounted now is not there either). */
function cleanableStore(store: StoreInfo): boolean {
  return store.folderGone && !store.inUse;
}

function storeNote(store: StoreInfo, now: number): string {
  return `${usedWords(store.lastUsed, now)}${storeState(store)}`;
}

/**
 * "used today", "last used 3 day(s) ago"; a use ahead of this machine's clock by more than a
 * day (made while the clock was ahead, set right since, or on a machine whose clock is) is said
 * by its date: it read "last used -365 day(s) ago", and one a second ahead "-1 day(s) ago".
 */
function usedWords(lastUsed: number, now: number): string {
  if (lastUsed - now > DAY_MS) return `last used ${new Date(lastUsed).toISOString().slice(0, 10)}, a date ahead of this machine's clock`;
  const days = Math.max(0, Math.floor((now - lastUsed) / DAY_MS));
  return days === 0 ? "used today" : `last used ${days} day(s) ago`;
}

function storeState(store: StoreInfo): string {
  return store.inUse ? ", in use now" : store.folderGone ? ", its folder is not there (deleted, or on a disk not mounted now)" : store.root ? "" : ", made by an older Hearth";
}

async function trajectoriesPlace(state: string): Promise<Place | undefined> {
  const files = (await readdir(state).catch(() => [] as string[])).filter((name) => TRAJECTORY.test(name));
  if (!files.length) return undefined;
  let bytes = 0;
  for (const name of files) bytes += await folderSize(join(state, name));
  return { what: "Trajectories (hearth fix without --trajectory)", path: state, bytes, note: `${files.length} fix-*.trajectory.jsonl file(s): yours, delete those you do not need`, items: [] };
}

/** Hearth in VS Code's storage: its global storage (models, CUDA packages) and one folder per workspace opened. */
async function editorPlaces(): Promise<Place[]> {
  const places: Place[] = [];
  for (const models of editorModelsFolders()) {
    const global = dirname(models);
    const user = dirname(dirname(global));
    const globalBytes = await folderSize(global);
    const workspaces = await editorWorkspaces(join(user, "workspaceStorage"), basename(global));
    if (!globalBytes && !workspaces.length) continue;
    places.push({ what: "Hearth in VS Code: models and packages", path: global, bytes: globalBytes, note: "Hearth: Manage Downloaded Models removes models", items: [] });
    if (!workspaces.length) continue;
    const gone = workspaces.filter((w) => w.gone);
    const bytes = workspaces.reduce((sum, w) => sum + w.bytes, 0);
    const note = `${workspaces.length} folder(s) opened${gone.length ? `, ${gone.length} of them gone (${formatSize(gone.reduce((sum, w) => sum + w.bytes, 0))}): VS Code keeps a folder's storage after the folder is deleted` : ""}`;
    places.push({ what: "Hearth in VS Code: per folder (index, checkpoints, conversations)", path: join(user, "workspaceStorage"), bytes, note, items: [] });
  }
  return places;
}

async function editorWorkspaces(storage: string, extension: string): Promise<{ bytes: number; gone: boolean }[]> {
  const found: { bytes: number; gone: boolean }[] = [];
  for (const name of await readdir(storage).catch(() => [] as string[])) {
    const bytes = await folderSize(join(storage, name, extension));
    if (bytes) found.push({ bytes, gone: await workspaceGone(join(storage, name, "workspace.json")) });
  }
  return found;
}

/** Whether the local folder a VS Code workspace storage names (workspace.json's `folder`, a file:// URI) is gone. */
async function workspaceGone(file: string): Promise<boolean> {
  try {
    const folder = (JSON.parse(await readFile(file, "utf8")) as { folder?: unknown }).folder;
    if (typeof folder !== "string" || !folder.startsWith("file://")) return false;
    return await lstat(fileURLToPath(folder)).then(() => false, (error: NodeJS.ErrnoException) => error.code === "ENOENT");
  } catch {
    return false;
  }
}

/** What `--clean` removed, and what it left though asked. */
interface Removed {
  readonly path: string;
  readonly bytes: number;
}

async function clean(): Promise<{ files: Removed[]; kept: string[] }> {
  const files: Removed[] = [];
  const kept: string[] = [];
  for (const store of await listStores(join(hearthStateDir(), "checkpoints"))) {
    if (!cleanableStore(store)) continue;
    const bytes = await folderSize(store.dir);
    if (await removeStore(store.dir)) files.push({ path: store.dir, bytes });
    else kept.push(`${store.dir}: a running Hearth opened it meanwhile`);
  }
  const index = indexFolder();
  for (const name of await readdir(index).catch(() => [] as string[])) {
    const temp = CACHE_TEMP.exec(name);
    if (!CACHE_FILE.test(name) && !(temp && !isAlive(Number(temp[1])))) continue;
    const path = join(index, name);
    const bytes = await folderSize(path);
    if (await unlink(path).then(() => true, () => false)) files.push({ path, bytes });
  }
  const models = cliModelsFolder();
  for (const name of await readdir(models).catch(() => [] as string[])) {
    if (name.endsWith(".part")) await cleanPart(join(models, name), files, kept);
  }
  // The CLI's own alone: VS Code's storage holds the packages of the extension's version, which may not be this CLI's.
  for (const item of await nativePackages(nativeFolderIn(cliStoragePath()))) {
    if (!item.cleanable) continue;
    if (item.path.endsWith(".part")) await cleanPart(item.path, files, kept);
    else {
      // A package folder renamed aside first: a removal cut short leaves no half package that its version would load.
      const whole = removalLeft(basename(item.path)) || item.path.endsWith(".tgz");
      const left = whole ? rm(item.path, { recursive: true, force: true }).then(() => undefined) : removePackageFolder(item.path);
      const aside = await left.then((path) => path ?? "", (error: unknown) => error);
      if (aside === "") files.push({ path: item.path, bytes: item.bytes });
      else if (typeof aside === "string") kept.push(`${item.path}: removed in part (a file there held open?); what is left is ${aside}, which no version loads: run hearth storage --clean again later`);
      else kept.push(`${item.path}: it could not be removed (${aside instanceof Error ? aside.message : String(aside)})`);
    }
  }
  return { files, kept };
}

/**
 * Removes an interrupted download unless a download appends to it now: one that holds its lock
 * (models/part-lock.ts), or one that takes none (an older Hearth's, a browser saving model.gguf
 * writes model.gguf.part) and wrote to it within LOCK_STALE_MS.
 */
async function cleanPart(part: string, files: Removed[], kept: string[]): Promise<void> {
  const lock = await lockPart(part).catch(() => undefined);
  if (!lock || "holder" in lock) {
    kept.push(lock ? `${part}: being downloaded now (${holderWords(lock.holder)})` : `${part}: its download lock could not be taken`);
    return;
  }
  try {
    const written = await stat(part).then((info) => info.mtimeMs, () => 0);
    if (Date.now() - written < LOCK_STALE_MS) {
      kept.push(`${part}: written to in the last ${LOCK_STALE_MS / 60_000} minutes, something may be downloading it`);
      return;
    }
    const bytes = await folderSize(part);
    await rm(part, { force: true });
    await rm(`${part}.json`, { force: true });
    files.push({ path: part, bytes });
  } finally {
    await lock.release();
  }
}

function describeRemoved(removed: { files: Removed[]; kept: string[] }): string {
  const total = removed.files.reduce((sum, f) => sum + f.bytes, 0);
  const lines = [`Removed ${removed.files.length} item(s), ${formatSize(total)}:`, ...removed.files.map((f) => `  ${terminalName(f.path)} (${formatSize(f.bytes)})`)];
  for (const why of removed.kept) lines.push(`Kept ${terminalName(why)}`);
  return `${lines.join("\n")}\n\n`;
}

function describePlaces(places: readonly Place[], offerClean: boolean): string {
  const lines: string[] = [];
  for (const place of places) {
    lines.push(`${place.what}: ${formatSize(place.bytes)} in ${terminalName(place.path)}${place.note ? ` — ${terminalName(place.note)}` : ""}`);
    for (const item of place.items) lines.push(`  ${item.cleanable && offerClean ? "*" : " "} ${terminalName(item.path)}: ${formatSize(item.bytes)}, ${item.note}`);
  }
  if (offerClean) lines.push("", "hearth storage --clean removes what is marked *, and the index caches.");
  return `${lines.join("\n")}\n`;
}
