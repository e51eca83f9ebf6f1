/**
 * Two checkpoint trees with the files that differ between them in the form the workspace's
 * own repository stores them, for a patch that applies where that repository is cloned.
 *
 * Checkpoints hold the work tree's bytes (an undo must give back exactly what was on disk).
 * In a checkout that converts line endings (core.autocrlf=true, Git for Windows' default;
 * .gitattributes' `text`, `eol=crlf`) those are CRLF where the repository stores LF, so a
 * diff of them has CRLF lines no clean clone holds: `git apply` fails there. `git diff` in the
 * user's checkout runs git's "clean" conversion on the work tree's side; a diff of two trees
 * never converts, so the blobs are put in that form first (a `StoredForm` says what it is:
 * src/agent/fix-line-ends.ts) and written to the shadow repository beside the checkpoints' own.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** One file's bytes as a checkpoint holds them, and its workspace-relative path. */
export interface StoredFile {
  readonly path: string;
  readonly bytes: Buffer;
}

/** The bytes the workspace's repository would store for each of `files`, in the same order (a file's own bytes where it converts nothing). */
export type StoredForm = (files: readonly StoredFile[]) => Promise<Buffer[]>;

/** Runs git in the shadow repository; stdout as bytes. */
export type ShadowGit = (args: string[], call?: { readonly input?: string | Uint8Array; readonly env?: Record<string, string> }) => Promise<Buffer>;

/** A blob on one side of a diff: a regular file (links and gitlinks are not converted). */
interface Side {
  readonly path: string;
  readonly mode: string;
  readonly blob: string;
}

const NO_BLOB = /^0+$/;

/**
 * `from` and `to` (trees) with each regular file that differs between them (within
 * `pathspec`) replaced by its stored form; `indexFile`: a throwaway index for building them.
 */
export async function inStoredForm(git: ShadowGit, from: string, to: string, pathspec: readonly string[], storedForm: StoredForm, indexFile: string): Promise<[string, string]> {
  // latin1: a byte a character, so a name that is not UTF-8 can be told from one that is.
  const raw = (await git(["diff", "--raw", "-z", "--no-renames", "--no-abbrev", from, to, "--", ...pathspec])).toString("latin1").split("\0");
  const sides: [Side[], Side[]] = [[], []];
  // ":<mode> <mode> <blob> <blob> <status>" then the path.
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const [modeA, modeB, blobA, blobB] = raw[i]!.slice(1).split(" ");
    const path = Buffer.from(raw[i + 1]!, "latin1").toString("utf8");
    // A name that is not UTF-8 cannot be named to git as a string (it would come back as
    // another file, U+FFFD in its name, beside this one): its bytes stay as they are.
    if (Buffer.from(path, "utf8").toString("latin1") !== raw[i + 1]) continue;
    if (/^1006[04]4$/.test(modeA!) && !NO_BLOB.test(blobA!)) sides[0].push({ path, mode: modeA!, blob: blobA! });
    if (/^1006[04]4$/.test(modeB!) && !NO_BLOB.test(blobB!)) sides[1].push({ path, mode: modeB!, blob: blobB! });
  }
  const all = [...sides[0], ...sides[1]];
  if (!all.length) return [from, to];
  const bytes = await blobs(git, all.map((side) => side.blob));
  const stored = await storedForm(all.map((side, i) => ({ path: side.path, bytes: bytes[i]! })));
  const changed = all.flatMap((side, i) => (stored[i]!.equals(bytes[i]!) ? [] : [{ side, form: stored[i]! }]));
  const written = await writeBlobs(git, changed.map((c) => c.form), indexFile);
  const trees: string[] = [];
  for (const [k, tree] of [from, to].entries()) {
    const onSide = new Set(sides[k]);
    const entries = changed.flatMap((c, i) => (onSide.has(c.side) ? [`${c.side.mode} ${written[i]!}\t${c.side.path}\0`] : []));
    trees.push(entries.length ? await treeWith(git, tree, entries, indexFile) : tree);
  }
  return [trees[0]!, trees[1]!];
}

/**
 * Writes `forms` as blobs of the shadow repository; their ids, in order. One git for them all
 * (a formatter run over thousands of files: a git a file took minutes where starting a process
 * is slow), through files beside `indexFile` that are removed after.
 */
async function writeBlobs(git: ShadowGit, forms: readonly Buffer[], indexFile: string): Promise<string[]> {
  if (!forms.length) return [];
  const folder = await mkdtemp(`${indexFile}.blobs-`);
  try {
    const files = forms.map((_, i) => join(folder, String(i)));
    for (const [i, form] of forms.entries()) await writeFile(files[i]!, form);
    const ids = (await git(["hash-object", "-w", "--no-filters", "--stdin-paths"], { input: files.map((file) => `${file}\n`).join("") })).toString("utf8").split("\n");
    if (ids.length <= forms.length || !ids.slice(0, forms.length).every((id) => /^[0-9a-f]{40,64}$/.test(id))) throw new Error("git hash-object did not name every blob it wrote in the checkpoint repository");
    return ids.slice(0, forms.length);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** `tree` with `entries` ("<mode> <blob>\t<path>\0", as update-index --index-info reads them) put in. */
async function treeWith(git: ShadowGit, tree: string, entries: readonly string[], indexFile: string): Promise<string> {
  const env = { GIT_INDEX_FILE: indexFile };
  try {
    await git(["read-tree", tree], { env });
    await git(["update-index", "-z", "--index-info"], { env, input: entries.join("") });
    return (await git(["write-tree"], { env })).toString("utf8").trim();
  } finally {
    await rm(indexFile, { force: true });
  }
}

/** Each blob's bytes, in order (one `cat-file --batch` for them all). */
async function blobs(git: ShadowGit, hashes: readonly string[]): Promise<Buffer[]> {
  const out = await git(["cat-file", "--batch"], { input: hashes.map((hash) => `${hash}\n`).join("") });
  const found: Buffer[] = [];
  let at = 0;
  for (const hash of hashes) {
    const eol = out.indexOf(10, at);
    // "<hash> blob <size>\n<bytes>\n"
    const header = out.subarray(at, eol).toString("utf8").split(" ");
    if (header[1] !== "blob") throw new Error(`blob ${hash} is missing from the checkpoint repository`);
    const size = Number(header[2]);
    found.push(out.subarray(eol + 1, eol + 1 + size));
    at = eol + 1 + size + 1;
  }
  return found;
}
