/**
 * The parts of a checkpoint restore that go to disk directly rather than through a
 * Workspace (which writes contents only, and writes through links): links put back as
 * links, executable bits, and the extras git does not look after (checkpoint-extras.ts).
 * CheckpointStore calls these inside its repository lock, with a `CheckpointSource` that
 * reads the shadow repository for them.
 *
 * Containment is ours to give here: a path whose folder is now a link out of the workspace
 * or into `.git` is never written through, and removing a link never touches what it
 * points at.
 */
import { chmod, lstat, mkdir, rm, rmdir, symlink, writeFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import type { ExtrasManifest } from "./checkpoint-extras.ts";
import { checkWritable } from "./workspace.ts";

/** What the disk restores read from the shadow repository. */
export interface CheckpointSource {
  /** The workspace root (its real path). */
  readonly root: string;
  /** Git's mode of each of `paths` at `target` (100644, 100755, 120000: a link), extras included. */
  modesAt(target: string, paths: readonly string[]): Promise<Map<string, string>>;
  /** The bytes of a checkpoint path at `target` (a link's: the path it points at); undefined when it was not there. */
  bytesAt(target: string, file: string): Promise<Uint8Array | undefined>;
  /** A blob's bytes by its hash. */
  blob(hash: string): Promise<Uint8Array>;
}

/** Those of `paths` that are a link now or were one at `target`. */
export async function linksAmong(source: CheckpointSource, target: string, paths: readonly string[]): Promise<string[]> {
  const modes = await source.modesAt(target, paths);
  const links: string[] = [];
  for (const path of paths) {
    const now = await lstat(join(source.root, path)).catch(() => undefined);
    if (modes.get(path) === "120000" || now?.isSymbolicLink()) links.push(path);
  }
  return links;
}

/**
 * Puts `paths` (from linksAmong) back as they were at `target`: what is there is removed (a
 * link, never what it points at; a folder only when empty), then the link or file of the
 * checkpoint is made. Returns the paths restored; one with a folder that holds files in the
 * way, or under a folder that is a link out of the workspace, is left alone.
 */
export async function restoreLinks(source: CheckpointSource, target: string, paths: readonly string[]): Promise<string[]> {
  const modes = await source.modesAt(target, paths);
  const restored: string[] = [];
  for (const path of paths) {
    const abs = join(source.root, path);
    if (!(await insideFolder(source.root, path))) continue;
    if ((await lstat(abs).catch(() => undefined))?.isDirectory() && !(await rmdir(abs).then(() => true, () => false))) continue;
    const mode = modes.get(path);
    const bytes = mode ? await source.bytesAt(target, path) : undefined;
    await rm(abs, { force: true });
    if (bytes) await mkdir(dirname(abs), { recursive: true });
    if (bytes && mode === "120000") await symlink(Buffer.from(bytes).toString("utf8"), abs);
    else if (bytes) await writeFile(abs, bytes, { mode: mode === "100755" ? 0o755 : 0o644 });
    restored.push(path);
  }
  return restored;
}

/**
 * Each of `paths`' executable bit as at `target`. Links, paths the checkpoint did not hold
 * and folders that are links out are left alone.
 */
export async function restoreModes(source: CheckpointSource, target: string, paths: readonly string[]): Promise<void> {
  for (const [path, mode] of await source.modesAt(target, paths)) {
    if (mode === "120000" || !(await insideFolder(source.root, path))) continue;
    const abs = join(source.root, path);
    const info = await lstat(abs).catch(() => undefined);
    if (!info?.isFile()) continue;
    await setExecutable(abs, info.mode, mode === "100755");
  }
}

/** As git checks a file out: x wherever r is, or no x at all; the other bits as they are. */
async function setExecutable(abs: string, mode: number, executable: boolean): Promise<void> {
  const now = mode & 0o7777;
  const wanted = executable ? now | ((now & 0o444) >> 2) : now & ~0o111;
  if (wanted !== now) await chmod(abs, wanted);
}

/**
 * The extras back as `states` holds them (written, or removed with emptied folders). A
 * folder that became a link out of the workspace or into `.git` is neither written through
 * nor emptied (this throws naming it, after restoring the rest), and a file that became a
 * link is replaced by the file it was.
 */
export async function restoreExtraFiles(source: CheckpointSource, states: ExtrasManifest): Promise<void> {
  const refused: string[] = [];
  for (const [path, state] of states) {
    const abs = join(source.root, path);
    if (!(await insideFolder(source.root, path))) {
      refused.push(path);
      continue;
    }
    if ((await lstat(abs).catch(() => undefined))?.isSymbolicLink()) await rm(abs);
    if (state) {
      await mkdir(dirname(abs), { recursive: true });
      // Git records only 100644/100755: a file still there keeps its own permissions (an
      // ignored file is often a secret kept 0600), one made anew gets the umask's.
      await writeFile(abs, await source.blob(state.blob));
      await setExecutable(abs, (await lstat(abs)).mode, state.mode === "100755");
      continue;
    }
    const info = await lstat(abs).catch(() => undefined);
    if (!info || info.isDirectory()) continue;
    await rm(abs, { force: true });
    for (let dir = dirname(abs); dir.startsWith(`${source.root}${sep}`); dir = dirname(dir)) {
      if (!(await rmdir(dir).then(() => true, () => false))) break; // not empty: stop
    }
  }
  if (refused.length) {
    throw new Error(
      `Restored the checkpoint except ${refused.map((p) => `"${p}"`).join(", ")}: ${refused.length === 1 ? "its folder is" : "their folders are"} now a link out of the workspace or into .git, so nothing was written or removed there. Replace the link with a folder and restore again.`,
    );
  }
}

/** Whether `path`'s folder is the workspace's own (not a link out of it or into .git). */
async function insideFolder(root: string, path: string): Promise<boolean> {
  const folder = dirname(path);
  return folder === "." || checkWritable(root, folder).then(() => true, () => false);
}
