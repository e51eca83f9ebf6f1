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
 * one (`/packages/app/tmp/`) is kept, from the workspace's top, where its leading names are the
 * workspace's own path; one with a wildcard in those names (`packages/*\/cache/`), or one that
 * names the workspace itself or a folder above it, is left out: checkpoints then hold more than
 * git would, never less. A repository that holds none of the workspace's files (a home folder
 * kept in git that ignores `*`, with a project under it) gives none.
 */
import { execFile } from "node:child_process";
import { lstat, realpath } from "node:fs/promises";
import { join, relative, sep } from "node:path";
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
  return texts.flatMap(([text, below]) => (text === undefined ? [] : rewrite(text, below))).map((line) => `${line}\n`).join("");
}

/**
 * The lines of an ignore file in a folder above the workspace, for the workspace's top:
 * `below` is the workspace's path from that folder, by its names.
 */
export function rewrite(text: string, below: readonly string[]): string[] {
  const lines: string[] = [];
  for (const raw of text.split("\n")) {
    // git drops trailing spaces but an escaped one ("a\\ ").
    const line = raw.replace(/\r$/, "").replace(/(?<!\\) +$/, "");
    if (line.trim() === "" || line.startsWith("#")) continue;
    const negated = line.startsWith("!");
    const body = negated ? line.slice(1) : line;
    const folderOnly = body.endsWith("/");
    const pattern = folderOnly ? body.slice(0, -1) : body;
    if (pattern === "") continue;
    // No slash but a last one: the name matches at any depth, the workspace's too.
    if (!pattern.includes("/")) {
      lines.push(line);
      continue;
    }
    const anchored = pattern.replace(/^\//, "");
    if (anchored.startsWith("**/")) {
      lines.push(`${negated ? "!" : ""}${anchored}${folderOnly ? "/" : ""}`);
      continue;
    }
    const parts = anchored.split("/");
    // Its leading names must be the workspace's path, as written; then the rest is from the workspace's top.
    if (parts.length <= below.length || below.some((name, i) => /[*?[\\]/.test(parts[i]!) || parts[i] !== name)) continue;
    lines.push(`${negated ? "!" : ""}/${parts.slice(below.length).join("/")}${folderOnly ? "/" : ""}`);
  }
  return lines;
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
