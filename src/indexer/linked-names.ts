import { countInFolders } from "./folder-counts.ts";

/**
 * The other names the scan indexes a file under: a symbolic link to it, or to a folder above it
 * (one inside the workspace: the scan never follows a link out). The editor's watcher and its
 * saves name one of them — the real one, as the watcher does not follow links, or the one the
 * user opened — so RepoIndex updates the others with it, or they keep the old content.
 * Paths are workspace-relative with forward slashes; a link's target is its real path.
 */
export class LinkedNames {
  /** Real path (a file or a folder) → the links naming it. */
  private readonly byTarget = new Map<string, Set<string>>();
  /** Link → its real path. */
  private readonly targetOf = new Map<string, string>();
  /** How many links lie in each folder, at any depth: a removal with none at or under it looks at no link. */
  private readonly linksIn = new Map<string, number>();

  /** Forgets every link: a build's scan lists them all again. */
  clear(): void {
    this.byTarget.clear();
    this.targetOf.clear();
    this.linksIn.clear();
  }

  add(link: string, target: string): void {
    this.forget(link);
    this.targetOf.set(link, target);
    countInFolders(this.linksIn, link, 1);
    let links = this.byTarget.get(target);
    if (!links) this.byTarget.set(target, (links = new Set()));
    links.add(link);
  }

  /** Forgets the links at or under `path` (deleted, or renamed away). */
  forget(path: string): void {
    this.drop(path);
    // A checkout names thousands of deletes: only a folder holding links looks at them all.
    if (!this.linksIn.has(path)) return;
    const inside = `${path}/`;
    for (const link of [...this.targetOf.keys()]) if (link.startsWith(inside)) this.drop(link);
  }

  private drop(link: string): void {
    const target = this.targetOf.get(link);
    if (target === undefined) return;
    this.targetOf.delete(link);
    countInFolders(this.linksIn, link, -1);
    const links = this.byTarget.get(target);
    links?.delete(link);
    if (links?.size === 0) this.byTarget.delete(target);
  }

  /** Whether `path` is a name a link gives (a link, or a path through one). */
  throughLink(path: string): boolean {
    return this.realName(path) !== path;
  }

  /** `path`'s real name and every name a link gives that file, but `path` itself. */
  otherNames(path: string): string[] {
    if (this.targetOf.size === 0) return [];
    const real = this.realName(path);
    const names = new Set([real]);
    const parts = real.split("/");
    for (let n = parts.length; n > 0; n--) {
      const links = this.byTarget.get(parts.slice(0, n).join("/"));
      if (links) for (const link of links) names.add(joined(link, parts.slice(n)));
    }
    names.delete(path);
    return [...names];
  }

  /** The real name of `path`, through the nearest link among it and the folders above it. */
  private realName(path: string): string {
    if (this.targetOf.size === 0) return path;
    const parts = path.split("/");
    for (let n = parts.length; n > 0; n--) {
      const target = this.targetOf.get(parts.slice(0, n).join("/"));
      if (target !== undefined) return joined(target, parts.slice(n));
    }
    return path;
  }
}

function joined(head: string, rest: readonly string[]): string {
  return rest.length === 0 ? head : `${head}/${rest.join("/")}`;
}
