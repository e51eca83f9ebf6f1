/** How much a folder holds on disk, for `hearth storage`. */
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * The bytes of the files under `path` (a file: its own), links not followed (a link to the
 * user's own folder is not Hearth's to count); 0 for a path that is not there. Folders that
 * cannot be read count as empty: the total is what this user can see.
 */
export async function folderSize(path: string): Promise<number> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.isFile() ? info.size : 0;
  let total = 0;
  for (const name of await readdir(path).catch(() => [] as string[])) total += await folderSize(join(path, name));
  return total;
}
