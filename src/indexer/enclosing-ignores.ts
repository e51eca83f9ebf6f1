/**
 * The ignore rules a workspace takes from the repository around it when it is one of that
 * repository's folders (a monorepo's package opened on its own): the .gitignore files of the
 * folders above it, up to the repository's top, and the repository's exclude file. git status
 * in the folder applies them; the checkpoints' shadow repository, whose work tree starts at the
 * workspace, saw none of them, so a package's build output (`dist/` in the top's .gitignore),
 * its logs and its .env went into every checkpoint and the review as the agent's changes.
 *
 * Each rule is rewritten for the workspace's own top (scan.ts repositoryExcludes puts them in
 * the shadow's info/exclude, below the workspace's own .gitignore files, as git ranks them): a
 * rule without a slash (`*.log`, `dist/`) matches at any depth and is kept as it is; an anchored
 * one (`/packages/app/tmp/`) is kept, from the workspace's top, where its leading names match
 * the workspace's path (each a glob of one name: `packages/*\/cache/` is `/cache/` there); one
 * with a `**` in those names, or one that names the workspace itself or a folder above it, is
 * left out, and where such a negation is left out, so are the positive rules before it whose
 * last name could match its own (`*.log` for `!packages/**\/keep.log`): checkpoints then hold
 * more than git would, never less. A repository that holds none of the workspace's files (a
 * home folder kept in git that ignores `*`, with a project under it) gives none. No rule leaves
 * out a file the repository tracks: checkpoints.ts adds those (ignoredTracked) past every rule.
 */
import { execFile } from "node:child_process";
import { lstat, realpath } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { globTest, withoutTrailingSpaces } from "./ignore.ts";
import { READ_ONLY_GIT_OPTIONS, readOnlyGitEnv, workTreeElsewhere } from "./read-only-git.ts";

const GIT_TIMEOUT_MS = 30_000;

/** Reads an ignore file's text (undefined: none, or not read). */
export type IgnoreFileReader = (abs: string) => Promise<string | undefined>;

/**
 * The rules for `root` (a folder's real or given path) from the repository around it, rewritten
 * for `root` as the top, lowest precedence first; "" where `root` is a repository's top itself
 * (its own `.git`), in none, or in one that holds none of its files. `excludeFile`: where git
 * reads the exclude file of the repository at a top (scan.ts gitExcludeFile).
 */
export async function enclosingIgnores(root: string, read: IgnoreFileReader, excludeFile: (top: string) => Promise<string>): Promise<string> {
  // The common case, a workspace at its repository's top, runs no git.
  if (await lstat(join(root, ".git")).then(() => true, () => false)) return "";
  const real = await realpath(root).catch(() => undefined);
  const [top, gitDir] = (await git(root, ["rev-parse", "--show-toplevel", "--absolute-git-dir"]))?.split("\n") ?? [];
  if (!real || !top || top === real || workTreeElsewhere(real, top, gitDir || undefined)) return "";
  if (!(await holdsFiles(root))) return "";
  const names = relative(top, real).split(sep);
  const texts: [string | undefined, string[]][] = [[await read(await excludeFile(top)), names]];
  for (let i = 0; i < names.length; i++) texts.push([await read(join(top, ...names.slice(0, i), ".gitignore")), names.slice(i)]);
  return kept(texts.flatMap(([text, below]) => (text === undefined ? [] : rewritten(text, below)))).map((line) => `${line}\n`).join("");
}

/** A rule rewritten for the workspace's top, or a negation that could not be (`overrides`: its last name). */
type Rewritten = { readonly line: string } | { readonly overrides: string };

/**
 * The lines of an ignore file in a folder above the workspace, for the workspace's top:
 * `below` is the workspace's path from that folder, by its names.
 */
export function rewrite(text: string, below: readonly string[]): string[] {
  return kept(rewritten(text, below));
}

function rewritten(text: string, below: readonly string[]): Rewritten[] {
  const rules: Rewritten[] = [];
  for (const raw of text.split("\n")) {
    // git drops trailing spaces but an escaped one ("a\\ ").
    const line = withoutTrailingSpaces(raw.replace(/\r$/, ""));
    if (line.trim() === "" || line.startsWith("#")) continue;
    const negated = line.startsWith("!");
    const body = negated ? line.slice(1) : line;
    const folderOnly = body.endsWith("/");
    const pattern = folderOnly ? body.slice(0, -1) : body;
    if (pattern === "") continue;
    // No slash but a last one: the name matches at any depth, the workspace's too.
    if (!pattern.includes("/")) {
      rules.push({ line });
      continue;
    }
    const anchored = pattern.replace(/^\//, "");
    if (anchored.startsWith("**/")) {
      rules.push({ line: `${negated ? "!" : ""}${anchored}${folderOnly ? "/" : ""}` });
      continue;
    }
    const parts = anchored.split("/");
    // It names the workspace itself or a folder above it: git's answer for the workspace as a whole, not for its files.
    if (parts.length <= below.length) continue;
    const leading = parts.slice(0, below.length);
    // A `**` there may take any number of the workspace's names: which of its files it matches is not known.
    if (leading.includes("**")) {
      if (negated) rules.push({ overrides: parts.at(-1)! });
      continue;
    }
    // Its leading names (each a glob of one name) must match the workspace's path; then the rest is from the workspace's top.
    if (!matches(leading.join("/"), below.join("/"))) continue;
    rules.push({ line: `${negated ? "!" : ""}/${parts.slice(below.length).join("/")}${folderOnly ? "/" : ""}` });
  }
  return rules;
}

/**
 * The lines of `rules` (lowest precedence first) but the positive ones that a negation after
 * them, which could not be rewritten, could override: left in, they would leave out a file
 * git keeps. Such a negation keeps only paths whose last name matches its own last one, so a
 * rule whose last name cannot match that stays.
 */
function kept(rules: readonly Rewritten[]): string[] {
  const lines: string[] = [];
  const overriding: string[] = [];
  for (const rule of [...rules].reverse()) {
    if ("overrides" in rule) overriding.push(rule.overrides);
    else if (rule.line.startsWith("!") || !overriding.some((name) => mayMatch(rule.line, name))) lines.push(rule.line);
  }
  return lines.reverse();
}

/** Whether the last name of a positive rule's pattern could match a name that the glob `name` matches. */
function mayMatch(line: string, name: string): boolean {
  if (/[*?[\\]/.test(name)) return true;
  const last = line.replace(/\/$/, "").split("/").at(-1)!;
  return last === "**" || matches(last, name);
}

/** Whether the glob `glob` (no `**` of its own) matches the whole of `path`; one git matches nothing with matches nothing. */
function matches(glob: string, path: string): boolean {
  try {
    return globTest(glob, true)(path);
  } catch {
    return false;
  }
}

/**
 * The files of `root` (paths from it, with `/`) that its repository tracks although an ignore
 * rule matches them (`git add -f`, or ignored after they were added): git's rules never apply
 * to a tracked file, so checkpoints hold these whatever their rules leave out. Empty where
 * `root` is in no repository or git cannot say; read-only, as enclosingIgnores reads.
 */
export async function ignoredTracked(root: string): Promise<string[]> {
  const out = await git(root, ["ls-files", "-z", "--cached", "--ignored", "--exclude-standard", "--", "."], 64 * 1024 * 1024);
  return out?.split("\0").filter(Boolean) ?? [];
}

/** Whether the repository around `folder` holds a file in it: committed (HEAD has the folder), or added since. */
async function holdsFiles(folder: string): Promise<boolean> {
  if ((await git(folder, ["rev-parse", "--verify", "--quiet", "HEAD:./"])) !== undefined) return true;
  return Boolean(await git(folder, ["ls-files", "--cached", "-z", "--", "."], 4096, true));
}

/**
 * git's stdout in `cwd`, read-only, running nothing the repository names; undefined where it
 * fails. `maxBuffer`: the most read (`partial`: what came before it is the answer).
 */
function git(cwd: string, args: readonly string[], maxBuffer = 1024 * 1024, partial = false): Promise<string | undefined> {
  return new Promise((resolve) => {
    try {
      execFile("git", [...READ_ONLY_GIT_OPTIONS, ...args], { cwd, env: readOnlyGitEnv(), timeout: GIT_TIMEOUT_MS, maxBuffer, windowsHide: true, encoding: "utf8" }, (error, stdout) => {
        const cut = (error as NodeJS.ErrnoException | null)?.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER";
        resolve(!error || (partial && cut) ? stdout.trimEnd() : undefined);
      });
    } catch {
      // spawn throws at once for some bad folders (a file as the working directory: ENOTDIR).
      resolve(undefined);
    }
  });
}
