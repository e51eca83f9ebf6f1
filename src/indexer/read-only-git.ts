/**
 * How Hearth runs a git that only reads the user's repository (the index's history, git_diff,
 * `hearth fix`'s questions) without running what the repository configures. A repository
 * that came with its `.git` folder (a zip of a checkout, a shared drive) can name programs
 * for git to run in its config: core.fsmonitor (status, diff, ls-files, check-attr),
 * `filter.<x>.clean/smudge/process` with `.gitattributes` (status, diff), diff.external and
 * `diff.<x>.textconv` (diff; turned off there by `--no-ext-diff --no-textconv`), and a
 * transport (`ext::`, core.sshCommand) reached when a promisor remote fetches an object a
 * command needs. The user's own config files (an LFS filter in ~/.gitconfig) are kept: under
 * hearth fix --yes commands cannot write them (tools/command-network.ts makes ~/.gitconfig,
 * ~/.config/git and .git/config read-only to them); one an include.path names elsewhere they
 * can, and a driver defined there is kept here (checkpoints, git_diff, which the editor's long
 * sessions share: a definition read once at some start would empty a git-lfs installed since),
 * while hearth fix's patch step runs none defined after its start (agent/fix-line-ends.ts).
 */
import { execFile } from "node:child_process";
import { accessSync, constants, readFileSync, realpathSync, statSync } from "node:fs";
import { realpath } from "node:fs/promises";
import { basename, delimiter, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/**
 * Options before the subcommand. A `-c` outranks every config file, include.path ones too;
 * git passes them on to the gits it starts (a lazy fetch).
 */
export const READ_ONLY_GIT_OPTIONS: readonly string[] = [
  "--no-optional-locks",
  "-c",
  "core.fsmonitor=false",
  // Messages come back as UTF-8, as they are read: with the user's i18n.logOutputEncoding=latin1
  // (set for a Latin-1 terminal) the history's "Größen" read "Gr\uFFFD\uFFFDen".
  "-c",
  "i18n.logOutputEncoding=UTF-8",
  // readOnlyGitEnv's GIT_ALLOW_PROTOCOL is what holds every protocol shut (a repository's
  // protocol.<name>.allow outranks protocol.allow); this holds the known ones where it is absent.
  ...["protocol.allow", ...["ext", "ssh", "git", "file", "http", "https"].map((name) => `protocol.${name}.allow`)].flatMap((key) => ["-c", `${key}=never`]),
];

/**
 * `git <READ_ONLY_GIT_OPTIONS> <args>` in `cwd` with readOnlyGitEnv, its output; undefined when
 * git fails, is missing, or runs past `timeoutMs`. `cwd` must be given: an empty one would
 * ask the repository the process happens to be in.
 */
export function readOnlyGitOutput(cwd: string, args: readonly string[], timeoutMs: number): Promise<string | undefined> {
  if (!cwd) throw new Error("readOnlyGitOutput: no folder given");
  return new Promise((resolve) => {
    execFile("git", [...READ_ONLY_GIT_OPTIONS, ...args], { cwd, env: readOnlyGitEnv(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8", windowsHide: true }, (error, stdout) => {
      resolve(error ? undefined : stdout);
    });
  });
}

/**
 * Variables (the user's shell, a git hook running Hearth) that make git read another repository
 * than the folder's. The agent's commands run without them too (tools/run-command.ts).
 */
export const REPOSITORY_VARIABLES: readonly string[] = ["GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE"];

/** Those, and the one that runs another diff program. */
const REDIRECTING_VARIABLES = [...REPOSITORY_VARIABLES, "GIT_EXTERNAL_DIFF"];

/** How long reading the repository's filter drivers may take (git config reads a few small files). */
const CONFIG_TIMEOUT_MS = 30_000;

/**
 * The environment for a read-only git (`base`: the process's): without the variables that
 * redirect it, with no object fetched on demand (GIT_NO_LAZY_FETCH: git 2.39.4, 2.40.2 … 2.45.1
 * and later; an earlier git ignores it), and no transport at all: GIT_ALLOW_PROTOCOL allows only
 * the protocols it lists, whatever protocol.<name>.allow a config sets (a remote helper's name:
 * `hg::` starts the user's git-remote-hg), so an earlier git's fetch of a missing object fails.
 * ":" lists none (two empty names; a value, as a platform may drop an empty variable).
 */
export function readOnlyGitEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, GIT_NO_LAZY_FETCH: "1", GIT_ALLOW_PROTOCOL: ":" };
  for (const name of REDIRECTING_VARIABLES) delete env[name];
  return env;
}

/**
 * `env` for a git in `cwd` (`gitDir`: the git directory it reads with `--git-dir`, when not
 * the one `cwd` is in) that reads work-tree files: every filter driver the repository's own
 * config defines (its .git/config, its worktree config and what they include) emptied and not
 * required, so git compares a file's bytes as they are. The user's own drivers (git-lfs's, from
 * ~/.gitconfig) still run where their program is there (one that is not, as git-lfs off the
 * PATH, is emptied: with `required` git failed instead), unless the repository's config names a git-lfs extension
 * (`lfs.extension.<name>.clean`, a command git-lfs's clean filter runs): then every driver is
 * emptied, as on a git before 2.26, which cannot say which config file defines a driver. A git
 * that cannot say (none, no repository) leaves no filter to empty.
 */
export async function withoutRepositoryFilters(cwd: string, env: NodeJS.ProcessEnv, gitDir?: string): Promise<NodeJS.ProcessEnv> {
  const drivers = await filtersToEmpty(cwd, env, gitDir);
  if (!drivers.length) return env;
  const emptied: NodeJS.ProcessEnv = { ...env };
  let count = Number(env.GIT_CONFIG_COUNT) || 0;
  const parameters = env.GIT_CONFIG_PARAMETERS ? [env.GIT_CONFIG_PARAMETERS] : [];
  for (const driver of drivers) {
    for (const [key, value] of [["clean", ""], ["smudge", ""], ["process", ""], ["required", "false"]] as const) {
      emptied[`GIT_CONFIG_KEY_${count}`] = `filter.${driver}.${key}`;
      emptied[`GIT_CONFIG_VALUE_${count++}`] = value;
      parameters.push(configParameter(`filter.${driver}.${key}`, value));
    }
  }
  emptied.GIT_CONFIG_COUNT = String(count);
  emptied.GIT_CONFIG_PARAMETERS = parameters.join(" ");
  return emptied;
}

/**
 * One setting in GIT_CONFIG_PARAMETERS, where git keeps its `-c` settings for the gits it
 * starts: GIT_CONFIG_COUNT is read by git 2.31 and later only, and this by every git, so a
 * Debian 11 or Ubuntu 20.04 git (2.30, 2.25) empties the drivers too. Its older form,
 * 'key=value' (every git reads it), splits at the first "=": a driver whose name holds one
 * (`filter "x.clean=COMMAND"`, which a repository may define and .gitattributes name) would set
 * another driver's command. Such a key goes in 2.31's form, 'key'='value', which an older git
 * refuses as a whole (bogus format: every git call fails, and none runs the driver).
 */
function configParameter(key: string, value: string): string {
  const quote = (text: string) => `'${text.replace(/'/g, "'\\''").replace(/!/g, "'\\!'")}'`;
  return key.includes("=") ? `${quote(key)}=${quote(value)}` : quote(`${key}=${value}`);
}

/** The names of the filter drivers to empty (withoutRepositoryFilters); a name may hold any character but a line break. */
function filtersToEmpty(cwd: string, env: NodeJS.ProcessEnv, gitDir: string | undefined): Promise<string[]> {
  const args = [...(gitDir ? ["--git-dir", gitDir] : []), "config", "--show-scope", "-z", "--get-regexp", "^(filter|lfs\\.extension)\\."];
  return new Promise((resolve) => {
    try {
      execFile("git", args, { cwd, env, timeout: CONFIG_TIMEOUT_MS, windowsHide: true }, (error, stdout) => {
        // Exit 1: no such key. Another failure may be a git before 2.26, which has no --show-scope
        // (129, unknown option): it tells no repository's driver from the user's, so each is emptied.
        if (error && error.code !== 1 && typeof error.code === "number") return resolve(everyFilter(cwd, env, gitDir));
        const fields = error ? [] : stdout.split("\0");
        const [repositoryDrivers, allDrivers] = [new Set<string>(), new Set<string>()];
        const commands = new Map<string, { process?: string; clean?: string }>();
        let lfsExtension = false;
        for (let i = 0; i + 1 < fields.length; i += 2) {
          // "scope\0key\nvalue\0": a key holds no line break.
          const [scope, entry] = [fields[i]!, fields[i + 1]!];
          const [key, value] = entry.includes("\n") ? [entry.slice(0, entry.indexOf("\n")), entry.slice(entry.indexOf("\n") + 1)] : [entry, ""];
          const repository = scope === "local" || scope === "worktree";
          if (repository && key.startsWith("lfs.extension.")) lfsExtension = true;
          const [, driver, setting] = /^filter\.(.+)\.([^.]+)$/s.exec(key) ?? [];
          if (driver === undefined) continue;
          allDrivers.add(driver);
          if (repository) repositoryDrivers.add(driver);
          else if (setting === "process" || setting === "clean") commands.set(driver, { ...commands.get(driver), [setting]: value });
        }
        if (lfsExtension) return resolve([...allDrivers]);
        // The user's own driver whose program is not there (git-lfs from ~/.gitconfig's `git lfs install`, on
        // no PATH VS Code was started with from the Dock, or uninstalled since): with `required`, every git
        // that reads a file through it failed ("git-lfs: not found"), so git_diff and hearth fix failed whole.
        const missing = [...commands].filter(([, command]) => programMissing(command.process || command.clean || "", env, cwd)).map(([driver]) => driver);
        resolve([...new Set([...repositoryDrivers, ...missing])]);
      });
    } catch {
      // spawn throws at once for some bad folders (a file as the working directory: ENOTDIR).
      resolve([]);
    }
  });
}

/**
 * Every filter driver's definition git reads in `cwd` now, every config file's (driver name →
 * its settings, "key=value" lines in git's order): what hearth fix reads at its start, so that a
 * driver a command defined or changed during the run (through a config file it could still
 * write: one an include.path names) is not run by Hearth's own git after it (agent/fix-line-ends.ts
 * filtersChangedSince). Empty where git has no answer (no repository, no git).
 */
export function filterDefinitions(cwd: string, env: NodeJS.ProcessEnv = readOnlyGitEnv()): Promise<ReadonlyMap<string, string>> {
  return new Promise((resolve) => {
    try {
      execFile("git", [...READ_ONLY_GIT_OPTIONS, "config", "-z", "--get-regexp", "^filter\\."], { cwd, env, timeout: CONFIG_TIMEOUT_MS, windowsHide: true }, (error, stdout) => {
        const found = new Map<string, string>();
        for (const entry of error ? [] : stdout.split("\0")) {
          const [key, value] = entry.includes("\n") ? [entry.slice(0, entry.indexOf("\n")), entry.slice(entry.indexOf("\n") + 1)] : [entry, ""];
          const driver = /^filter\.(.+)\.[^.]+$/s.exec(key)?.[1];
          if (driver !== undefined) found.set(driver, `${found.get(driver) ?? ""}${key}=${value}\n`);
        }
        resolve(found);
      });
    } catch {
      resolve(new Map());
    }
  });
}

/** Shell words a filter's command may start with that are not programs on the PATH. */
const SHELL_WORDS = new Set(["exec", "cd", "eval", "export", "set", "test", "[", ".", ":", "true", "false", "if", "for", "while", "case", "{", "(", "!", "command", "env"]);

/**
 * Whether a filter driver's command (`git-lfs filter-process`) starts with a program that is
 * not there: a name no folder of env's PATH holds as an executable, or a path to none. A command
 * that starts otherwise (a shell word, a variable, a quote) is taken to be there; on Windows,
 * where git finds programs its own way, every one is.
 */
function programMissing(command: string, env: NodeJS.ProcessEnv, cwd: string): boolean {
  const word = /^\s*([^\s;&|<>()$`'"\\]+)(?=\s|$)/.exec(command)?.[1];
  if (!word || process.platform === "win32" || SHELL_WORDS.has(word) || word.includes("=")) return false;
  const executable = (path: string) => {
    try {
      accessSync(path, constants.X_OK);
      return statSync(path).isFile();
    } catch {
      return false;
    }
  };
  if (word.includes("/")) return !executable(resolve(cwd, word));
  return !(env.PATH ?? "").split(delimiter).some((folder) => executable(join(folder || ".", word)));
}

/** The name of every filter driver any config file defines (filtersToEmpty on a git with no --show-scope). */
function everyFilter(cwd: string, env: NodeJS.ProcessEnv, gitDir: string | undefined): Promise<string[]> {
  const args = [...(gitDir ? ["--git-dir", gitDir] : []), "config", "--name-only", "-z", "--get-regexp", "^filter\\."];
  return new Promise((resolve) => {
    execFile("git", args, { cwd, env, timeout: CONFIG_TIMEOUT_MS, windowsHide: true }, (error, stdout) => {
      const keys = error ? [] : stdout.split("\0");
      resolve([...new Set(keys.map((key) => /^filter\.(.+)\.[^.]+$/s.exec(key)?.[1]).filter((driver) => driver !== undefined))]);
    });
  });
}

/**
 * Whether the repository git finds from the folder `real` (its real path) reads another
 * folder's files: git names as the top (`rev-parse --show-toplevel`) a folder that does not
 * hold `real`, or the folder's own git folder (`gitDir`, `--absolute-git-dir`, inside `real`)
 * names a folder around it. Its config's core.worktree does that, and an unpacked archive's
 * .git/config can name any folder (the user's home): git's diff and status there are that
 * folder's. A submodule's git folder (.git/modules/NAME) names the submodule's own folder, and a
 * subfolder's repository is around it: neither reads elsewhere.
 */
export function workTreeElsewhere(real: string, top: string, gitDir: string | undefined): boolean {
  if (top === real) return false;
  return !within(top, real) || (gitDir !== undefined && within(real, gitDir));
}

/**
 * Whether the git folder (`gitDir`, `--absolute-git-dir`) of the checkout whose top is `top`
 * is another checkout's: a `.git` file (or link) that an unpacked archive brings can name any
 * repository on the machine (`gitdir: /home/user/secret/.git`), and git in the archive then
 * compares that repository's commits with the archive's files (its files show as deleted, with
 * their text) and reads its history. Told apart from a git folder that is this checkout's: one
 * inside the top; a linked worktree's (<repo>/.git/worktrees/NAME), whose `gitdir` file names
 * this top's .git; a submodule's (.git/modules/NAME), whose core.worktree names its own folder
 * (git then names that folder as the top: workTreeElsewhere); one put apart (git init
 * --separate-git-dir, a `NAME.git`), no checkout's own. Another checkout's `.git` folder, or a
 * worktree's git folder naming another worktree, is elsewhere.
 */
export function gitDirElsewhere(top: string, gitDir: string): boolean {
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return resolve(path);
    }
  };
  const [topReal, dir] = [real(top), real(gitDir)];
  if (within(topReal, dir)) return false;
  let back: string | undefined;
  try {
    back = readFileSync(join(dir, "gitdir"), "utf8").trim();
  } catch {
    // not a linked worktree's git folder
  }
  if (back) return real(dirname(resolve(dir, back))) !== topReal;
  return basename(dir) === ".git" && !namesWorkTree(dir);
}

/**
 * Whether the git folder's config sets core.worktree: git then took the top from it, not from
 * where the .git file lies, and workTreeElsewhere judges that top. Read from the file itself,
 * roughly: a config an archive cannot write (the folder is outside it), so a miss only refuses.
 */
function namesWorkTree(dir: string): boolean {
  let text: string;
  try {
    text = readFileSync(join(dir, "config"), "utf8");
  } catch {
    return false;
  }
  const sections = text.split(/^\s*(?=\[)/m);
  return sections.some((section) => /^\[\s*core\s*\]/i.test(section) && /^\s*worktree\s*=/im.test(section));
}

/**
 * Whether git in the folder `cwd` reads a repository that is not the folder's own
 * (workTreeElsewhere, gitDirElsewhere: an unpacked archive's config or .git file), so its
 * history is another folder's. False where git has no answer (no repository, no git).
 */
export async function readsElsewhere(cwd: string): Promise<boolean> {
  const out = await new Promise<string>((done) => {
    try {
      execFile("git", [...READ_ONLY_GIT_OPTIONS, "rev-parse", "--show-toplevel", "--absolute-git-dir"], { cwd, env: readOnlyGitEnv(), timeout: CONFIG_TIMEOUT_MS, windowsHide: true }, (error, stdout) => done(error ? "" : stdout));
    } catch {
      done("");
    }
  });
  const [top, gitDir] = out.split("\n");
  if (!top || !gitDir) return false;
  const real = await realpath(cwd).catch(() => cwd);
  return workTreeElsewhere(real, top, gitDir) || gitDirElsewhere(top, gitDir);
}

/** Whether `path` is `outer` or inside it. */
function within(outer: string, path: string): boolean {
  const inside = relative(resolve(outer), resolve(path));
  return inside !== ".." && !inside.startsWith(`..${sep}`) && !isAbsolute(inside);
}
