/**
 * Reads that ask first. Reads never ask, but for a file that looks like it holds secrets
 * (`protocol/secret-files.ts`: an environment file, a private key, a credential store): a
 * model steered by what it read (a README, an issue text, a dependency's comment) can read
 * `.env` and copy it into a file, a commit message or a command's arguments, and every tool
 * result is kept in the saved conversation and goes to the model's server, which may be a
 * team's (`hearth.serverUrl`). So the user sees that read before it happens, under every
 * policy but `auto-all` (see agent/loop.ts `needsApproval`). Search already leaves such files
 * out when it walks folders (search.ts); a call naming one asks.
 *
 * An edit of one asks too, even under `auto-edit`: an edit_file or apply_patch that does not
 * match answers with the file's nearest lines ("did you mean"), so a guessed `old_text` read
 * the keys as well as read_file would.
 *
 * A file is known by its name, the name a symbolic link leads to, or — for a file with more
 * than one link (`ln .env notes.txt`) — another name of the same file: in the workspace, or
 * one of the home folder's credential stores and keys (`~/.aws/credentials`, `~/.ssh/`). A
 * hard link's other names elsewhere on the disk cannot be found short of walking it, and are
 * not looked for; nor are those of an installed package's file (node_modules, site-packages, .pixi:
 * indexer/secret-links.ts, which the index uses to leave such files out).
 */
import { realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { shownPath } from "../indexer/index.ts";
import { hardLinksLookedUp, inodeKey, secretInodes } from "../indexer/secret-links.ts";
import { secretFileReason } from "../protocol/secret-files.ts";
import { reasonByNameOrLink, writtenFile } from "./control-files.ts";
import { isGitDirectoryAt, isOutside } from "../indexer/scan.ts";

/**
 * Why reading `path` in the workspace at `root` shows the model what looks like secrets — by
 * its name, through links (`notes.txt` → `.env`: the read shows `.env`), or as another name
 * of such a file (a hard link) — as the line the user is shown; undefined for an ordinary
 * file or a path the read will refuse anyway.
 */
export async function secretFileRead(root: string, path: string): Promise<string | undefined> {
  return (await reasonByNameOrLink(root, path, "reads", await reasonsIn(root, path, readTarget), readTarget)) ?? (await hardLinkReason(root, path, "reads", readTarget));
}

/** The same for a write (edit_file, apply_patch, write_file): "it changes .env: …". */
export async function secretFileWrite(root: string, path: string): Promise<string | undefined> {
  return (await reasonByNameOrLink(root, path, "changes", await reasonsIn(root, path, writtenFile))) ?? (await hardLinkReason(root, path, "changes", writtenFile));
}

/**
 * How a path (workspace-relative, or absolute inside it) is judged: by its name, and in git's
 * own folder (a bare repository or a `.git` opened as the workspace, a fixture's `remote.git`
 * inside it) as the same path under `.git` — its `config` is `.git/config`, whose remote URL
 * can carry a token. The workspace is looked at for every path; the folders above `path`, and
 * above the file it lands on (`landsOn`: a link named `remote.cfg`), only for a `config` or
 * `config.worktree`, the names `.git` decides for.
 */
async function reasonsIn(root: string, path: string, landsOn: (root: string, path: string) => Promise<string | undefined>): Promise<(path: string) => string | undefined> {
  const real = await landsOn(root, path);
  const realRoot = real === undefined ? undefined : await realpath(root).catch(() => undefined);
  const named = [path, ...(real !== undefined && realRoot !== undefined ? [relative(realRoot, real)] : [])].map((p) => workspaceParts(root, p));
  const folders = new Set([""]);
  for (const parts of named) {
    const name = parts.at(-1)?.toLowerCase() ?? "";
    if (name === "config" || name === "config.worktree") for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join("/"));
  }
  const found = await Promise.all([...folders].map(async (f) => ((await isGitDirectoryAt(join(root, f))) ? f : undefined)));
  const gitFolders = found.filter((f) => f !== undefined);
  if (gitFolders.length === 0) return (p) => secretFileReason(p);
  const inGitFolder = (p: string): string | undefined => {
    const rel = workspaceParts(root, p).join("/");
    for (const f of gitFolders) if (f === "" || rel.startsWith(`${f}/`)) return secretFileReason(`.git/${f === "" ? rel : rel.slice(f.length + 1)}`);
    return undefined;
  };
  return (p) => secretFileReason(p) ?? inGitFolder(p);
}

/** The folders and name of `path` in the workspace at `root`: as given, or relative to `root` when absolute. */
function workspaceParts(root: string, path: string): string[] {
  return (isAbsolute(path) ? relative(root, path) : path).split(/[\\/]+/).filter((p) => p !== "" && p !== ".");
}

/**
 * The real path a read of `path` opens, links followed, or undefined where it is outside the
 * workspace or names nothing. Not `writtenFile`: reads of `.git` are not refused as writes
 * are, so a link to `.git/config` (`gitdir/config`, `repo.cfg`) reads git's config.
 */
async function readTarget(root: string, path: string): Promise<string | undefined> {
  const [realRoot, real] = await Promise.all([realpath(root), realpath(resolve(root, path))].map((p) => p.catch(() => undefined)));
  if (realRoot === undefined || real === undefined) return undefined;
  return isOutside(relative(realRoot, real)) ? undefined : real;
}

/**
 * Another name of `path`'s file that looks like it holds secrets: "it reads notes.txt, another
 * name (a hard link) of .env: …". A stat for most files (one link); for one with several, a
 * walk of the workspace's folder names (no file opened, no stat but of secret-named files and
 * the folders), or the last one's names while none of its folders changed since.
 */
async function hardLinkReason(root: string, path: string, verb: string, landsOn: (root: string, path: string) => Promise<string | undefined>): Promise<string | undefined> {
  const real = await landsOn(root, path);
  const info = real === undefined ? undefined : await stat(real).catch(() => undefined);
  if (real === undefined || !info?.isFile() || info.nlink < 2) return undefined;
  if (!hardLinksLookedUp(relative(await realpath(root), real).split(sep).join("/"))) return undefined;
  const other = (await secretInodes(root)).get(inodeKey(info));
  return other === undefined ? undefined : `it ${verb} ${shownPath(path)}, another name (a hard link) of ${shownPath(other)}: ${secretFileReason(other)}`;
}

/**
 * Of `paths` (workspace-relative), those that are another name of a secret-looking file
 * (hard links; not installed packages' files), with that file's name: a stat each, and
 * `secretInodes` once when one has several links.
 */
export async function otherSecretNames(root: string, paths: readonly string[]): Promise<Map<string, string>> {
  const infos = await Promise.all(paths.map((path) => stat(join(root, path)).catch(() => undefined)));
  const linked = paths.flatMap((path, i) => (infos[i]?.isFile() && infos[i].nlink > 1 && hardLinksLookedUp(path) ? [{ path, inode: inodeKey(infos[i]) }] : []));
  const others = new Map<string, string>();
  if (linked.length === 0) return others;
  const inodes = await secretInodes(root);
  for (const { path, inode } of linked) {
    const other = inodes.get(inode);
    if (other !== undefined) others.set(path, other);
  }
  return others;
}
