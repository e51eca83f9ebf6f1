/** How much a folder holds on disk, for `hearth storage`. */
import type { Stats } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * The bytes of the files under `path` (a file: its own), links not followed (a link to the
 * user's own folder is not Hearth's to count), a file with several names (hard links) once;
 * 0 for a path that is not there. Folders that cannot be read count as empty: the total is
 * what this user can see.
 */
export async function folderSize(path: string): Promise<number> {
  return sizeUnder(path, new Set());
}

async function sizeUnder(path: string, seen: Set<string>): Promise<number> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.isFile() && firstName(info, seen) ? info.size : 0;
  let total = 0;
  for (const name of await readdir(path).catch(() => [] as string[])) total += await sizeUnder(join(path, name), seen);
  return total;
}

/** Whether this is the first of a file's names met (always, for a file with one name). */
function firstName(info: Stats, seen: Set<string>): boolean {
  if (info.nlink < 2) return true;
  const id = `${info.dev}:${info.ino}`;
  if (seen.has(id)) return false;
  seen.add(id);
  return true;
}
