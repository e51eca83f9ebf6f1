/**
 * SSH host aliases of ~/.ssh/config, as ssh resolves a remote's host: `git@github-work:o/r`
 * with `Host github-work` / `HostName github.com` is a github.com remote (the usual way to use
 * two GitHub accounts). As ssh, the `HostName` taken is the first one of the blocks whose
 * `Host` patterns match the alias (`*`, `?`, `!` to leave a name out; no case), with `%h` the
 * alias. `Include` is followed as ssh follows it: see `readSshFile`. Where ssh's answer cannot
 * be known here — a `Match` block (its conditions are not evaluated), another `%` token, an
 * included file that cannot be read — with a `HostName` before the alias has one, the alias is
 * left as it is.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { type Token, wildmatches, wildmatchTokens } from "./wildmatch.ts";

/** A real ~/.ssh/config is a few KB: one somebody made huge is not read. */
const MAX_SSH_CONFIG_BYTES = 1024 * 1024;
/** ssh's READCONF_MAX_DEPTH: a file included deeper (a cycle reaches it) makes ssh refuse the whole config. */
const MAX_INCLUDE_DEPTH = 16;
/** Files read for one config at most: includes that fan out must not multiply without end. */
const MAX_SSH_FILES = 256;

/** Where in the config a line is: the `Host` lines it is under (the including file's first) and whether a `Match` line is one of them. */
interface SshScope {
  readonly hosts: readonly (readonly string[])[];
  readonly match: boolean;
}

/** A run of lines in one scope, and its first `HostName`; `unknown`: what ssh reads there cannot be known here. */
interface SshBlock extends SshScope {
  hostName?: string;
  readonly unknown?: boolean;
}

/** The blocks of an ssh config with its includes in place, in order; a block whose scope matches a host applies to it. */
export type SshConfig = readonly SshBlock[];

/** ssh stops on a config it cannot read whole (includes too deep, a cycle): it connects nowhere. */
class SshConfigRefused extends Error {}

interface SshReader {
  readonly home: string;
  /** Files read so far. */
  files: number;
}

/** ~/.ssh/config's blocks; none when it is missing; one unknown block for all hosts when ssh would refuse it. */
export async function readSshConfig(home: string): Promise<SshConfig> {
  try {
    return await readSshFile(join(home, ".ssh", "config"), { home, files: 0 }, { hosts: [], match: false }, 0);
  } catch (error) {
    if (error instanceof SshConfigRefused) return [{ hosts: [], match: false, unknown: true }];
    throw error;
  }
}

/** A file's text; undefined when missing or not a regular file (ssh reads a folder as empty); "unreadable" when over 1 MB or unreadable. */
async function sshFileText(file: string): Promise<string | undefined | "unreadable"> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  if (info.size > MAX_SSH_CONFIG_BYTES) return "unreadable";
  return readFile(file, "utf8").catch(() => "unreadable" as const);
}

/**
 * The blocks of an ssh config file read in `scope`, with its includes in place, as ssh reads
 * them: an `Include` path not absolute is in ~/.ssh, `~/` is the home folder, a glob's files
 * come in sorted order (`*` takes no hidden file), a missing file or a folder is passed over.
 * An included file's lines are in the scope of the `Include` line (a `Host` there narrows it,
 * and does not end the including block, which goes on after the `Include`).
 */
async function readSshFile(file: string, reader: SshReader, scope: SshScope, depth: number): Promise<SshBlock[]> {
  if (depth > MAX_INCLUDE_DEPTH) throw new SshConfigRefused();
  if (reader.files >= MAX_SSH_FILES) return [{ ...scope, unknown: true }];
  reader.files++;
  const text = await sshFileText(file);
  if (text === "unreadable") return [{ ...scope, unknown: true }];
  if (text === undefined) return [];
  let block: SshBlock = { ...scope };
  const blocks: SshBlock[] = [block];
  for (const line of text.split(/\r?\n/)) {
    const m = line.trim().match(/^(\w+)(?:\s*=\s*|\s+)(.*)$/);
    if (!m || line.trim().startsWith("#")) continue;
    const keyword = m[1]!.toLowerCase();
    const args = sshWords(m[2]!);
    if (keyword === "host") blocks.push((block = { hosts: [...scope.hosts, args.map((p) => p.toLowerCase())], match: scope.match }));
    else if (keyword === "match") blocks.push((block = { hosts: scope.hosts, match: true }));
    else if (keyword === "hostname" && args[0]) block.hostName ??= args[0];
    else if (keyword === "include") {
      for (const path of args) {
        const files = await includedFiles(path, reader.home);
        if (!files) blocks.push({ hosts: block.hosts, match: block.match, unknown: true });
        for (const included of files ?? []) blocks.push(...(await readSshFile(included, reader, block, depth + 1)));
      }
      blocks.push((block = { hosts: block.hosts, match: block.match }));
    }
  }
  return blocks;
}

/**
 * The files an `Include` path names, as ssh globs them; undefined when that cannot be known
 * here: a `%` token or `${…}` (newer ssh expands them, older ones do not), `~user/`.
 */
async function includedFiles(path: string, home: string): Promise<string[] | undefined> {
  if (/%|\$\{/.test(path) || /^~[^/]/.test(path)) return undefined;
  const absolute = path.startsWith("~") ? join(home, path.slice(1)) : isAbsolute(path) ? path : join(home, ".ssh", path);
  let found = ["/"];
  for (const name of absolute.split("/").filter(Boolean)) {
    if (!/[*?[\\]/.test(name)) {
      found = found.map((dir) => join(dir, name));
      continue;
    }
    const tokens = wildmatchTokens(name);
    const matches = async (dir: string) => {
      const names = await readdir(dir).catch(() => []);
      // glob(3): a name's leading dot is matched only by a dot in the pattern.
      return names.filter((entry) => (!entry.startsWith(".") || name.startsWith(".")) && wildmatches(tokens, entry, false)).map((entry) => join(dir, entry));
    };
    found = (await Promise.all(found.map(matches))).flat();
  }
  return found.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/**
 * A line's arguments as ssh splits them: "…" and '…' group a word and are dropped, a
 * backslash keeps the next character, and a word starting with # is a comment to the line's end.
 */
function sshWords(text: string): string[] {
  const words: string[] = [];
  for (const [word] of text.matchAll(/(?:"[^"]*"|'[^']*'|\\.|[^\s"'\\])+/g)) {
    if (word.startsWith("#")) break;
    words.push(word.replace(/"([^"]*)"|'([^']*)'|\\(.)/g, (_, double?: string, single?: string, escaped?: string) => double ?? single ?? escaped ?? ""));
  }
  return words;
}

/** The host ssh connects to for `alias`, or undefined where it is the alias itself or cannot be known here. */
export function sshHostName(config: SshConfig, alias: string): string | undefined {
  const host = alias.toLowerCase();
  for (const block of config) {
    if (block.hostName === undefined && !block.unknown) continue;
    if (!block.hosts.every((patterns) => hostMatches(patterns, host))) continue;
    if (block.match || block.unknown || block.hostName === undefined) return undefined; // whether ssh takes a HostName there is not known
    // ssh expands %h (the alias) and %% in a HostName; any other token is an error to it.
    let known = true;
    const expanded = block.hostName.replace(/%(.?)/g, (_, c: string) => (c === "h" ? host : c === "%" ? "%" : ((known = false), "")));
    return known && expanded !== host ? expanded : undefined;
  }
  return undefined;
}

/** As ssh matches a `Host` line: one pattern matches and no negated (`!`) one does. */
function hostMatches(patterns: readonly string[], host: string): boolean {
  const matches = (pattern: string) => wildmatches([...pattern].map((c): Token => (c === "*" ? { kind: "star" } : c === "?" ? { kind: "one", test: () => true } : { kind: "char", char: c })), host, true);
  return !patterns.some((p) => p.startsWith("!") && matches(p.slice(1))) && patterns.some((p) => !p.startsWith("!") && matches(p));
}

/**
 * A remote URL with its ssh host alias replaced by the host ssh connects to, or undefined
 * when it names no alias: the scp form `[user@]alias:path` and `ssh://[user@]alias[:port]/path`.
 */
export function resolveSshAlias(url: string, config: SshConfig): string | undefined {
  const trimmed = url.trim();
  const withScheme = trimmed.match(/^((?:git\+)?ssh(?:\+git)?:\/\/(?:[^@/\s]*@)?)([^@/:\s]+)((?::\d+)?\/.*)$/i);
  const scp = withScheme ? null : trimmed.match(/^((?:[^@/:\s]+@)?)([^@/:\s]+)(:(?!\/\/).*)$/);
  const m = withScheme ?? scp;
  const host = m && sshHostName(config, m[2]!);
  return m && host ? `${m[1]}${host}${m[3]}` : undefined;
}
