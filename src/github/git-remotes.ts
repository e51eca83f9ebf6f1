/**
 * Which GitHub repositories a folder is a clone of, read from its git config file — without
 * running git: a cloned repository's config can name programs for git to run (core.fsmonitor,
 * core.sshCommand…), and in an untrusted folder Hearth runs nothing. Then whether an issue
 * belongs to the folder (Fix This Issue asks before fixing an issue of another repository
 * here). No vscode import: tested on real files in temp folders.
 */
import { readFile, realpath, stat } from "node:fs/promises";
import { homedir, userInfo } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { homeFolderOf } from "../protocol/home-folder.ts";
import { escapeRegExp, GITHUB_HOST } from "./github-issue.ts";
import { readSshConfig, resolveSshAlias } from "./ssh-aliases.ts";
import { type Token, wildmatches, wildmatchTokens } from "./wildmatch.ts";

/** A remote of the folder's repository: its name and one of its URLs. */
export interface GitRemote {
  readonly name: string;
  readonly url: string;
  /**
   * The URL as the config wrote it, when `url.<base>.insteadOf` rewrote it: a github.com URL
   * sent through a mirror or proxy (ghproxy, Artifactory) still names its GitHub repository.
   * Also the URL as written when its host is an SSH alias (`git@github-work:o/r`): `url`
   * then has the host ~/.ssh/config's `HostName` gives it.
   */
  readonly written?: string;
}

/** A repository on github.com, as its owner and name are written. */
export interface GitHubRepo {
  readonly owner: string;
  readonly repo: string;
}

/**
 * Largest git config file read (a real one is a few KB): a file somebody made huge, or one
 * that is a link to /dev/zero, must not hold Fix This Issue up.
 */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** A regular file's text, or undefined (missing, a folder, a pipe or device, too large, unreadable). */
async function smallFile(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size > MAX_CONFIG_BYTES) return undefined;
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * The git folder of the repository `folder` is in, as git finds it: `.git` in the folder or
 * the nearest folder above; a `.git` file (a worktree, a submodule) says `gitdir: <path>`.
 */
async function gitDir(folder: string): Promise<string | undefined> {
  for (let dir = resolve(folder); ; dir = dirname(dir)) {
    const dotGit = join(dir, ".git");
    const info = await stat(dotGit).catch(() => undefined);
    if (info?.isDirectory()) return dotGit;
    if (info?.isFile()) {
      const line = (await smallFile(dotGit))?.match(/^gitdir:\s*(.+?)\s*$/m);
      return line ? resolve(dir, line[1]!) : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** Where git's user-wide config files are (tests pass their own). */
export interface GitConfigPlaces {
  /**
   * The home folder, for `~/` and ~/.gitconfig (default: the user's, by homeFolderOf — with HOME
   * empty os.homedir() is "", and ~/.gitconfig was the .gitconfig of the folder Hearth runs in,
   * a clone's committed file able to rewrite its remotes).
   */
  readonly home?: string;
  /** GIT_CONFIG_SYSTEM, GIT_CONFIG_NOSYSTEM, GIT_CONFIG_GLOBAL, XDG_CONFIG_HOME (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The remotes of the repository `folder` is in, with their URLs as git uses them
 * (`url.<base>.insteadOf` applied); undefined when it is in none (or its config cannot be
 * read). As git: the system and user config files first (an alias is usually defined
 * there), then the repository's; `include` and `includeIf "gitdir:…"` followed. A
 * worktree's remotes are in the main repository's config (`commondir`).
 */
export async function readGitRemotes(folder: string, places: GitConfigPlaces = {}): Promise<GitRemote[] | undefined> {
  const dir = await gitDir(folder);
  if (!dir) return undefined;
  const common = (await smallFile(join(dir, "commondir")))?.trim();
  const local = join(common ? resolve(dir, common) : dir, "config");
  if ((await smallFile(local)) === undefined) return undefined;
  const home = places.home ?? homeOrNone();
  const reader: IncludeReader = { home, gitDirs: await gitDirNames(dir), files: 0 };
  const entries: ConfigEntry[] = [];
  for (const file of [...userConfigFiles(home, places.env ?? process.env), local, join(dir, "config.worktree")]) {
    entries.push(...(await configFileEntries(file, reader, [])));
  }
  const ssh = home === undefined ? [] : await readSshConfig(home);
  return remotesOf(entries).map((remote) => {
    // As ssh connects: a Host alias of ~/.ssh/config is its HostName.
    const url = resolveSshAlias(remote.url, ssh);
    return url ? { ...remote, url, written: remote.written ?? remote.url } : remote;
  });
}

/** The user's home folder; none where this user has no home at all (as git without HOME: no ~/.gitconfig, no `~/`). */
function homeOrNone(): string | undefined {
  try {
    return homeFolderOf({ homedir, userInfo, isAbsolute });
  } catch {
    return undefined;
  }
}

/** The system and global config files git reads, in its order. */
function userConfigFiles(home: string | undefined, env: NodeJS.ProcessEnv): string[] {
  const system = env.GIT_CONFIG_NOSYSTEM ? [] : [env.GIT_CONFIG_SYSTEM || "/etc/gitconfig"];
  if (env.GIT_CONFIG_GLOBAL) return [...system, env.GIT_CONFIG_GLOBAL];
  const xdg = env.XDG_CONFIG_HOME || (home === undefined ? undefined : join(home, ".config"));
  return [...system, ...(xdg === undefined ? [] : [join(xdg, "git", "config")]), ...(home === undefined ? [] : [join(home, ".gitconfig")])];
}

/** The git folder as `gitdir:` conditions see it: its real path, then the path as found (git tries both). */
async function gitDirNames(dir: string): Promise<string[]> {
  const real = await realpath(dir).catch(() => dir);
  return real === dir ? [dir] : [real, dir];
}

/** git's own limit on nested includes (it stops with an error past it; this stops including). */
const MAX_INCLUDE_DEPTH = 10;
/** Files read for one repository at most: includes that fan out must not multiply without end. */
const MAX_CONFIG_FILES = 64;

interface IncludeReader {
  /** Undefined: this user has no home folder (`~/` includes and `gitdir:~/` conditions then name nothing). */
  readonly home: string | undefined;
  readonly gitDirs: readonly string[];
  /** Files read so far. */
  files: number;
}

/**
 * A config file's entries with its includes in place, as git reads them: `include.path` and
 * `includeIf.gitdir:<pattern>.path` (also `gitdir/i:`); other conditions (onbranch,
 * hasconfig) are not followed. `chain`: the files that include this one — a cycle stops.
 */
async function configFileEntries(file: string, reader: IncludeReader, chain: readonly string[]): Promise<ConfigEntry[]> {
  if (chain.length > MAX_INCLUDE_DEPTH || chain.includes(file) || reader.files >= MAX_CONFIG_FILES) return [];
  reader.files++;
  const text = await smallFile(file);
  if (text === undefined) return [];
  const entries: ConfigEntry[] = [];
  for (const entry of configEntries(text)) {
    entries.push(entry);
    const included = entry.key === "path" && entry.value ? includedFile(entry.section, entry.value, file, reader) : undefined;
    if (included) entries.push(...(await configFileEntries(included, reader, [...chain, file])));
  }
  return entries;
}

/** The file an `include` / `includeIf` entry of `file` names, or undefined (another section, a condition not met). */
function includedFile(section: string, path: string, file: string, reader: IncludeReader): string | undefined {
  if (section !== "include") {
    const condition = /^includeif\.gitdir(\/i)?:(.+)$/s.exec(section);
    if (!condition || !gitDirMatches(condition[2]!, Boolean(condition[1]), file, reader)) return undefined;
  }
  if (path === "~" || path.startsWith("~/")) return reader.home === undefined ? undefined : join(reader.home, path.slice(1));
  return isAbsolute(path) ? path : resolve(dirname(file), path);
}

/**
 * git's `gitdir:` condition: `~/` is the home folder, `./` the including file's folder, a
 * pattern not absolute matches at any depth (`**\/` before it), one ending in `/` everything
 * below (`**` after it); wildcards as in .gitignore, `*` within one folder name.
 */
function gitDirMatches(pattern: string, ignoreCase: boolean, file: string, reader: IncludeReader): boolean {
  let prefix = "";
  let rest = pattern;
  if (pattern.startsWith("~/")) {
    if (reader.home === undefined) return false;
    [prefix, rest] = [reader.home + "/", pattern.slice(2)];
  }
  else if (pattern.startsWith("./")) [prefix, rest] = [dirname(file) + "/", pattern.slice(2)];
  else if (!isAbsolute(pattern)) rest = `**/${pattern}`;
  if (rest.endsWith("/")) rest += "**";
  const tokens = [...[...prefix.replace(/\/+/g, "/")].map((char): Token => ({ kind: "char", char })), ...wildmatchTokens(rest)];
  return reader.gitDirs.some((dir) => wildmatches(tokens, dir, ignoreCase));
}

/** One `key = value` of a git config file, with the section it is in (`remote.origin`). */
interface ConfigEntry {
  readonly section: string;
  readonly key: string;
  readonly value: string;
}

/** `remote.<name>.url` of a git config file's text, in order (a remote may have several), rewritten by the text's `url.<base>.insteadOf`. */
export function parseGitConfigRemotes(text: string): GitRemote[] {
  return remotesOf([...configEntries(text)]);
}

/**
 * The remotes of config entries, each URL rewritten as git does: the longest `insteadOf`
 * prefix it starts with is replaced by its `url.<base>` (equal lengths: the base seen first).
 */
function remotesOf(entries: readonly ConfigEntry[]): GitRemote[] {
  const remotes: GitRemote[] = [];
  const rewrites = new Map<string, string[]>();
  for (const { section, key, value } of entries) {
    const remote = section.match(/^remote\.(.+)$/is);
    if (remote && key === "url" && value) remotes.push({ name: remote[1]!, url: value });
    const base = section.match(/^url\.(.+)$/is);
    if (base && key === "insteadof") rewrites.set(base[1]!, [...(rewrites.get(base[1]!) ?? []), value]);
  }
  return remotes.map(({ name, url }) => {
    let best: { base: string; prefix: string } | undefined;
    for (const [base, prefixes] of rewrites) {
      for (const prefix of prefixes) if (url.startsWith(prefix) && (!best || prefix.length > best.prefix.length)) best = { base, prefix };
    }
    return best ? { name, url: best.base + url.slice(best.prefix.length), written: url } : { name, url };
  });
}

/**
 * git config's syntax, as far as remotes need it: `[section "sub"]` (the subsection keeps its
 * case; `\"` and `\\` escaped) or the old `[section.sub]`, keys without case, values with
 * quotes, escapes, `#`/`;` comments outside quotes and lines continued with a backslash.
 */
function* configEntries(text: string): Generator<ConfigEntry> {
  const src = text.replace(/^\uFEFF/, "");
  let section = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === "\n" || c === " " || c === "\t" || c === "\r") i++;
    else if (c === "#" || c === ";") i = lineEnd(src, i);
    else if (c === "[") {
      const header = sectionHeader(src, i);
      if (!header) return; // git refuses the whole file: so does this
      section = header.section;
      i = header.end;
    } else {
      const entry = keyValue(src, i);
      if (!entry) return;
      if (section) yield { section, key: entry.key, value: entry.value };
      i = entry.end;
    }
  }
}

function lineEnd(src: string, i: number): number {
  const end = src.indexOf("\n", i);
  return end < 0 ? src.length : end + 1;
}

/** `[remote "origin"]` → "remote.origin"; `[Remote.Origin]` → "remote.origin" (the old form has no case). */
function sectionHeader(src: string, start: number): { section: string; end: number } | undefined {
  const quoted = /^\[\s*([A-Za-z0-9.-]+)\s+"((?:[^"\\\n]|\\.)*)"\s*\]/.exec(src.slice(start, start + 4096));
  if (quoted) return { section: `${quoted[1]!.toLowerCase()}.${quoted[2]!.replace(/\\(.)/g, "$1")}`, end: start + quoted[0].length };
  const plain = /^\[\s*([A-Za-z0-9.-]+)\s*\]/.exec(src.slice(start, start + 4096));
  return plain ? { section: plain[1]!.toLowerCase(), end: start + plain[0].length } : undefined;
}

/** `key = value` from `start` to the end of its (continued) line; a key alone means "true". */
function keyValue(src: string, start: number): { key: string; value: string; end: number } | undefined {
  const name = /^[A-Za-z][A-Za-z0-9-]*/.exec(src.slice(start, start + 256));
  if (!name) return undefined;
  let i = start + name[0].length;
  while (src[i] === " " || src[i] === "\t") i++;
  if (src[i] !== "=") {
    if (i < src.length && !"\r\n#;".includes(src[i]!)) return undefined;
    return { key: name[0].toLowerCase(), value: "true", end: lineEnd(src, i) };
  }
  const value = configValue(src, i + 1);
  return value && { key: name[0].toLowerCase(), ...value };
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", b: "\b", "\\": "\\", '"': '"' };

/** A value from `start` (after the `=`): the text with its quotes and escapes resolved, and where its line ends. */
function configValue(src: string, start: number): { value: string; end: number } | undefined {
  let value = "";
  let kept = 0; // length of `value` up to its last character that is no unquoted space
  let quoted = false;
  for (let i = start; i < src.length; i++) {
    const c = src[i]!;
    if (c === "\n" || (!quoted && (c === "#" || c === ";"))) return { value: value.slice(0, kept), end: c === "\n" ? i + 1 : lineEnd(src, i) };
    if (c === '"') quoted = !quoted;
    else if (c === "\\") {
      const next = src[++i];
      if (next === "\n") continue;
      if (next === "\r" && src[i + 1] === "\n") {
        i++;
        continue;
      }
      if (next === undefined || !(next in ESCAPES)) return undefined; // git refuses a bad escape
      value += ESCAPES[next];
      kept = value.length;
    } else if (c === "\r" && src[i + 1] === "\n" && !quoted) continue;
    else if ((c === " " || c === "\t") && !quoted && !value) continue;
    else {
      value += c;
      if (quoted || (c !== " " && c !== "\t")) kept = value.length;
    }
  }
  return quoted ? undefined : { value: value.slice(0, kept), end: src.length };
}

/**
 * The GitHub repository a remote URL names, or undefined for any other host: https
 * (`https://github.com/o/r.git`, with or without a user), `ssh://git@github.com[:22]/o/r`,
 * `git://`, and the scp form `git@github.com:o/r.git`; ssh.github.com (ssh over port 443) too.
 */
export function gitHubRepoOfUrl(url: string, host = GITHUB_HOST): GitHubRepo | undefined {
  const path = String.raw`\/?([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)\/([\w.-]+?)(?:\.git)?\/?`;
  // A GitHub Enterprise server (the CLI pointed at one) is its own host name, nothing around it.
  const [web, ssh] = host === GITHUB_HOST ? [String.raw`(?:www\.|ssh\.)?github\.com`, String.raw`(?:ssh\.)?github\.com`] : [escapeRegExp(host), escapeRegExp(host)];
  const withScheme = new RegExp(String.raw`^(?:git\+)?(?:https?|ssh|git)(?:\+git)?:\/\/(?:[^@\/\s]*@)?${web}(?::\d+)?\/${path}$`, "i");
  const scp = new RegExp(String.raw`^(?:[^@\/:\s]+@)?${ssh}:${path}$`, "i");
  const m = url.trim().match(withScheme) ?? url.trim().match(scp);
  if (!m || m[2] === "." || m[2] === "..") return undefined;
  return { owner: m[1]!, repo: m[2]! };
}

/**
 * Where an issue stands to the folder, by its repository and the folder's remotes:
 * - `same`: a remote of the folder is the issue's repository;
 * - `fork`: only the `upstream` remote is (the folder is a fork of the issue's repository);
 * - `other`: the folder has GitHub remotes and none is the issue's repository;
 * - `unknown`: the folder is no git repository, or has no GitHub remote: nothing to compare.
 * `issue` may name the repository twice (as the URL wrote it and as GitHub answered, after a
 * rename or a transfer): either counts. GitHub's names have no case. `host`: the GitHub the
 * issue is on (github.com, or a GitHub Enterprise server's host name).
 */
export type IssueOrigin =
  | { readonly kind: "same" | "fork"; readonly remote: string }
  | { readonly kind: "other"; readonly remotes: readonly { readonly name: string; readonly repo: GitHubRepo }[] }
  | { readonly kind: "unknown" };

export function issueOrigin(issue: readonly GitHubRepo[], remotes: readonly GitRemote[] | undefined, host = GITHUB_HOST): IssueOrigin {
  const github = (remotes ?? []).flatMap((r) => {
    // As git fetches it first (an alias: gh:acme/web), else as written (a mirror of github.com).
    const repo = gitHubRepoOfUrl(r.url, host) ?? (r.written === undefined ? undefined : gitHubRepoOfUrl(r.written, host));
    return repo ? [{ name: r.name, repo }] : [];
  });
  if (github.length === 0) return { kind: "unknown" };
  const matches = github.filter((r) => issue.some((i) => sameRepo(i, r.repo)));
  const own = matches.find((r) => r.name !== "upstream");
  if (own) return { kind: "same", remote: own.name };
  if (matches.length > 0) return { kind: "fork", remote: "upstream" };
  // One line per repository: origin's fetch and push URLs are one repository.
  const seen = new Set<string>();
  return { kind: "other", remotes: github.filter((r) => !seen.has(repoName(r.repo).toLowerCase()) && seen.add(repoName(r.repo).toLowerCase())) };
}

export function sameRepo(a: GitHubRepo, b: GitHubRepo): boolean {
  return a.owner.toLowerCase() === b.owner.toLowerCase() && a.repo.toLowerCase() === b.repo.toLowerCase();
}

export function repoName(repo: GitHubRepo): string {
  return `${repo.owner}/${repo.repo}`;
}
