/**
 * SSH host aliases of ~/.ssh/config, as ssh resolves a remote's host: `git@github-work:o/r`
 * with `Host github-work` / `HostName github.com` is a github.com remote (the usual way to use
 * two GitHub accounts). As ssh, the `HostName` taken is the first one of the blocks whose
 * `Host` patterns match the alias (`*`, `?`, `!` to leave a name out; no case), with `%h` the
 * alias. Where ssh's answer cannot be known here — a `Match` block (its conditions are not
 * evaluated) or another `%` token with a `HostName` before the alias has one — the alias is
 * left as it is. `Include` is not followed: an alias defined there stays a host of its own
 * (the remote is no GitHub one).
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { type Token, wildmatches } from "./wildmatch.ts";

/** A real ~/.ssh/config is a few KB: one somebody made huge is not read. */
const MAX_SSH_CONFIG_BYTES = 1024 * 1024;

/** A `Host` block's patterns (undefined for a `Match` block) and its first `HostName`. */
interface SshBlock {
  readonly patterns?: readonly string[];
  hostName?: string;
}

/** The blocks of an ssh config, in order; what comes before the first `Host` is for every host. */
export type SshConfig = readonly SshBlock[];

/** ~/.ssh/config's blocks; none when it is missing, unreadable, or over 1 MB. */
export async function readSshConfig(home: string): Promise<SshConfig> {
  const file = join(home, ".ssh", "config");
  try {
    const info = await stat(file);
    if (!info.isFile() || info.size > MAX_SSH_CONFIG_BYTES) return [];
    return parseSshConfig(await readFile(file, "utf8"));
  } catch {
    return [];
  }
}

/** The blocks of an ssh config's text: ssh takes the first value it finds for a host, so each keeps its first `HostName`. */
export function parseSshConfig(text: string): SshConfig {
  const blocks: SshBlock[] = [{ patterns: ["*"] }];
  for (const line of text.split(/\r?\n/)) {
    const m = line.trim().match(/^(\w+)(?:\s*=\s*|\s+)(.*)$/);
    if (!m || line.trim().startsWith("#")) continue;
    const keyword = m[1]!.toLowerCase();
    const args = sshWords(m[2]!);
    if (keyword === "host") blocks.push({ patterns: args.map((p) => p.toLowerCase()) });
    else if (keyword === "match") blocks.push({});
    else if (keyword === "hostname" && args[0]) blocks[blocks.length - 1]!.hostName ??= args[0];
  }
  return blocks;
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
    if (block.hostName === undefined) continue;
    if (!block.patterns) return undefined; // a Match block: whether ssh takes its HostName is not known
    if (!hostMatches(block.patterns, host)) continue;
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
