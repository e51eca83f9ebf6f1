/** Adds `change` to the count of each folder above `path`, at any depth (a count that reaches 0 goes). */
export function countInFolders(counts: Map<string, number>, path: string, change: 1 | -1): void {
  for (let at = path.lastIndexOf("/"); at > 0; at = path.lastIndexOf("/", at - 1)) {
    const folder = path.slice(0, at);
    const count = (counts.get(folder) ?? 0) + change;
    if (count > 0) counts.set(folder, count);
    else counts.delete(folder);
  }
}
