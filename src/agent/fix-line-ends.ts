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
 *   file instead, and this patch changes only the agent's lines: git apply, since 2.18, reads
 *   a clone's CRLF file as it is for a patch with CRLF lines, so it applies there and `git add`
 *   then stores what it stores in the user's checkout — test/integration/agent/fix-patch-crlf-text);
 * - otherwise the bytes with CRLF turned into LF, when that is exactly what
 *   `git hash-object --path` says the repository would store (its attributes, its config:
 *   a binary, a `-text` file, a checkout without conversion, a filter's or an encoding's
 *   result are not that, and keep their bytes).
 * A filter driver whose definition is not what it was at the run's start (`filtersAtStart`:
 * one a command defined or changed — under `--yes` its config files are read-only to commands,
 * tools/command-network.ts, but a file an include.path names may not be) is not run: each such
 * driver is emptied with `-c` for these gits, which outranks every config file (a driver whose
 * name `-c` cannot carry, an "=" or a line break in it: the files are left unchecked, with why).
 * Chosen over emptying every driver: the user's own (git-lfs, git-crypt) decide what the
 * repository stores, and were there before the run.
 */
import { filterDefinitions } from "../indexer/read-only-git.ts";
import type { StoredFile, StoredForm } from "../tools/checkpoint-stored-form.ts";
import { type RepositoryGit, blobId, noRepository, repositoryGit } from "./repository-git.ts";

const CR = 13;
/** A name git's `:./path` cannot carry on one line of cat-file's input. */
const UNNAMEABLE = /[\n\r]/;

/** Files whose line ends the repository could not be asked about, and why: the patch has their work tree's bytes. */
export interface LineEndsUnchecked {
  readonly files: readonly string[];
  readonly why: string;
}

export interface RepositoryLineEndsOptions {
  /** How long one git in the repository may take (its clean filters run): REPOSITORY_GIT_TIMEOUT_MS by default. */
  readonly timeoutMs?: number;
  /** Stops the git running when aborted; the files left are unchecked, with why. */
  readonly signal?: AbortSignal;
  /** Told, once a form is made, of the files it could not check (none: not called). */
  readonly onUnchecked?: (unchecked: LineEndsUnchecked) => void;
  /** The filter drivers' definitions at the run's start (filterDefinitions): one defined or changed since is not run. None: every driver runs. */
  readonly filtersAtStart?: ReadonlyMap<string, string>;
}

/** The drivers whose definition in `now` is not the one in `atStart` (changed, or new). */
export function filtersChangedSince(atStart: ReadonlyMap<string, string>, now: ReadonlyMap<string, string>): string[] {
  return [...now].filter(([driver, definition]) => atStart.get(driver) !== definition).map(([driver]) => driver);
}

/** The StoredForm of the checkout `root` (workspace-relative paths; `root` may be a folder of its repository). */
export function repositoryLineEnds(root: string, options: RepositoryLineEndsOptions = {}): StoredForm {
  // The repository's clean filters run (hash-object --path): what it would store is what they make.
  let emptied: readonly string[] = [];
  const ask = (args: readonly string[], input: string | Buffer) => repositoryGit(root, [...emptied, ...args], { input, filters: "repository", ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }), ...(options.signal ? { signal: options.signal } : {}) });
  return async (files) => {
    const withCr = files.filter((file) => file.bytes.includes(CR) && !UNNAMEABLE.test(file.path));
    if (!withCr.length) return files.map((file) => file.bytes);
    const paths = [...new Set(withCr.map((file) => file.path))];
    if (options.filtersAtStart) {
      const changed = filtersChangedSince(options.filtersAtStart, await filterDefinitions(root));
      const uncarried = changed.filter((driver) => /[=\n\r]/.test(driver));
      if (uncarried.length) {
        options.onUnchecked?.({ files: paths.sort(), why: `the filter driver ${JSON.stringify(uncarried[0])} was defined or changed during the run, and Hearth does not run it` });
        return files.map((file) => file.bytes);
      }
      emptied = changed.flatMap((driver) => ["clean=", "smudge=", "process=", "required=false"].flatMap((setting) => ["-c", `filter.${driver}.${setting}`]));
    }
    const index = await storedWithCrlf(ask, paths);
    if (!(index instanceof Set)) {
      // No repository: nothing converts the files. One git cannot read: it may, so the user is told.
      if (!noRepository(index)) options.onUnchecked?.({ files: paths.sort(), why: index.why });
      return files.map((file) => file.bytes);
    }
    const forms = new Map<StoredFile, Buffer>();
    const unchecked = new Set<string>();
    let failed: RepositoryGit | undefined;
    for (const file of withCr) {
      if (index.has(file.path)) continue;
      const lf = crlfToLf(file.bytes);
      if (lf.length === file.bytes.length) continue;
      // After a git that ran out of time the rest are not asked: each would wait as long (a cancelled one answers at once).
      const stored = failed && !failed.ok && failed.timedOut ? failed : await wouldStore(ask, file, lf);
      if (stored === true) forms.set(file, lf);
      else if (stored !== false) {
        unchecked.add(file.path);
        failed ??= stored;
      }
    }
    if (failed && !failed.ok) options.onUnchecked?.({ files: [...unchecked].sort(), why: failed.why });
    return files.map((file) => forms.get(file) ?? file.bytes);
  };
}

/** What to tell the user of the files whose line ends could not be checked (FixResult.lineEndsUnchecked). */
export function lineEndsUncheckedMessage(unchecked: LineEndsUnchecked): string {
  const shown = unchecked.files.slice(0, 5).join(", ") + (unchecked.files.length > 5 ? ` and ${unchecked.files.length - 5} more` : "");
  return `the patch has the checkout's line ends (CRLF) in ${unchecked.files.length} file(s), as the repository could not be asked how it stores them (${unchecked.why}); if it converts them, the patch may not apply to a clean clone: ${shown}`;
}

export function crlfToLf(bytes: Buffer): Buffer {
  return Buffer.from(bytes.toString("latin1").replace(/\r\n/g, "\n"), "latin1");
}

type Ask = (args: readonly string[], input: string | Buffer) => Promise<RepositoryGit>;

/** Whether the repository, cleaning `file`'s bytes at its path, would store `lf`; git's failure when it cannot say. */
async function wouldStore(ask: Ask, file: StoredFile, lf: Buffer): Promise<boolean | RepositoryGit> {
  const run = await ask(["hash-object", "--stdin", `--path=${file.path}`], file.bytes);
  if (!run.ok) return run;
  const id = run.stdout.toString("utf8").trim();
  // The id in the repository's own object format.
  return blobId(lf, id) === id;
}

/** Those of `paths` whose blob in the repository's index holds a CRLF; git's failure when it cannot read it (or there is none). */
async function storedWithCrlf(ask: Ask, paths: readonly string[]): Promise<Set<string> | { readonly why: string }> {
  // `:./path`: the index's entry, relative to `root`, which may be a folder of the repository.
  const run = await ask(["cat-file", "--batch"], paths.map((path) => `:./${path}\n`).join(""));
  if (!run.ok) return run;
  const out = run.stdout;
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
