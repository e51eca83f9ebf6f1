/**
 * hearth fix's patch in the line endings the checkout's repository stores. With
 * core.autocrlf=true (Git for Windows' default) or .gitattributes' `text` / `eol=crlf`, the
 * work tree holds CRLF where the repository holds LF; the checkpoints hold the work tree's
 * bytes, so a patch made from them had CRLF lines that apply in the user's checkout and
 * nowhere else (a clean clone, SWE-bench, CI). `git diff` in the user's checkout gives the
 * repository's form: git "cleans" the work tree's side. This does the same for the patch,
 * asking the user's repository (read-only) what it would do:
 * - bytes with no CR are what git stores (its clean conversion only turns CRLF into LF);
 * - a file the repository already stores with CRLF is left as it is (git's own rule for
 *   autocrlf and text=auto — convert.c's has_crlf_in_index — so a `-text` .bat or a file
 *   committed with CRLF keeps them; for one marked `text` git would renormalise the whole
 *   file instead, and this patch changes only the agent's lines);
 * - otherwise the bytes with CRLF turned into LF, when that is exactly what
 *   `git hash-object --path` says the repository would store (its attributes, its config:
 *   a binary, a `-text` file, a checkout without conversion, a filter's or an encoding's
 *   result are not that, and keep their bytes).
 */
import { createHash } from "node:crypto";
import type { StoredFile, StoredForm } from "../tools/checkpoint-stored-form.ts";
import { repositoryGit } from "./repository-git.ts";

const CR = 13;
/** A name git's `:./path` cannot carry on one line of cat-file's input. */
const UNNAMEABLE = /[\n\r]/;

/** The StoredForm of the checkout `root` (workspace-relative paths; `root` may be a folder of its repository). */
export function repositoryLineEnds(root: string): StoredForm {
  return async (files) => {
    const withCr = files.filter((file) => file.bytes.includes(CR) && !UNNAMEABLE.test(file.path));
    const keptCrlf = withCr.length ? await storedWithCrlf(root, [...new Set(withCr.map((file) => file.path))]) : undefined;
    // No repository (or git cannot read it): nothing converts the files, their bytes are the patch's.
    if (!keptCrlf) return files.map((file) => file.bytes);
    const forms = new Map<StoredFile, Buffer>();
    for (const file of withCr) {
      if (keptCrlf.has(file.path)) continue;
      const lf = crlfToLf(file.bytes);
      if (lf.length !== file.bytes.length && (await wouldStore(root, file, lf))) forms.set(file, lf);
    }
    return files.map((file) => forms.get(file) ?? file.bytes);
  };
}

function crlfToLf(bytes: Buffer): Buffer {
  return Buffer.from(bytes.toString("latin1").replace(/\r\n/g, "\n"), "latin1");
}

/** Whether the repository, cleaning `file`'s bytes at its path, would store `lf`. */
async function wouldStore(root: string, file: StoredFile, lf: Buffer): Promise<boolean> {
  const id = (await git(root, ["hash-object", "--stdin", `--path=${file.path}`], file.bytes))?.toString("utf8").trim();
  if (!id) return false;
  // The id in the repository's own object format (SHA-1 or SHA-256, by its length).
  const algorithm = id.length === 64 ? "sha256" : "sha1";
  return createHash(algorithm).update(`blob ${lf.length}\0`).update(lf).digest("hex") === id;
}

/** Those of `paths` whose blob in the repository's index holds a CRLF; undefined outside a repository. */
async function storedWithCrlf(root: string, paths: readonly string[]): Promise<Set<string> | undefined> {
  // `:./path`: the index's entry, relative to `root`, which may be a folder of the repository.
  const out = await git(root, ["cat-file", "--batch"], paths.map((path) => `:./${path}\n`).join(""));
  if (!out) return undefined;
  const found = new Set<string>();
  let at = 0;
  for (const path of paths) {
    const eol = out.indexOf(10, at);
    if (eol < 0) break;
    // "<id> <type> <size>\n<bytes>\n", or "<name> missing\n" for a file the index does not hold.
    const entry = /^[0-9a-f]+ (\w+) (\d+)$/.exec(out.subarray(at, eol).toString("utf8"));
    const size = entry ? Number(entry[2]) : -1;
    if (entry?.[1] === "blob" && out.subarray(eol + 1, eol + 1 + size).includes("\r\n")) found.add(path);
    at = entry ? eol + 1 + size + 1 : eol + 1;
  }
  return found;
}

/** git's stdout in `root` (read-only), undefined when it fails or is missing. */
async function git(root: string, args: readonly string[], input: string | Buffer): Promise<Buffer | undefined> {
  const run = await repositoryGit(root, args, { input });
  return run.ok ? run.stdout : undefined;
}
