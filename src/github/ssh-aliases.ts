/**
 * SSH host aliases of ~/.ssh/config, as ssh resolves a remote's host: `git@github-work:o/r`
 * with `Host github-work` / `HostName github.com` is a github.com remote (the usual way to use
 * two GitHub accounts). Only what names one host is taken: a `Host` name without wildcards
 * and its block's first `HostName` without `%` tokens; `Match` blocks and `Include` are not
 * followed, so an alias defined there stays a host of its own (the remote is no GitHub one).
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";

/** A real ~/.ssh/config is a few KB: one somebody made huge is not read. */
const MAX_SSH_CONFIG_BYTES = 1024 * 1024;

/** Each alias (lower case: ssh matches host names without case) and the host name it stands for. */
export async function sshHostNames(home: string): Promise<ReadonlyMap<string, string>> {
  const file = join(home, ".ssh", "config");
  try {
    const info = await stat(file);
    if (!info.isFile() || info.size > MAX_SSH_CONFIG_BYTES) return new Map();
    return parseSshHostNames(await readFile(file, "utf8"));
  } catch {
    return new Map();
  }
}

/** The aliases of an ssh config's text; ssh takes the first value it finds for a host, so does this. */
export function parseSshHostNames(text: string): Map<string, string> {
  const names = new Map<string, string>();
  let hosts: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = line.trim().match(/^(\w+)(?:\s*=\s*|\s+)(.*)$/);
    if (!m || line.trim().startsWith("#")) continue;
    const keyword = m[1]!.toLowerCase();
    const args = m[2]!.trim().split(/\s+/).filter(Boolean);
    if (keyword === "host") hosts = args.filter((h) => !/[*?!%]/.test(h)).map((h) => h.toLowerCase());
    else if (keyword === "match") hosts = [];
    else if (keyword === "hostname" && args[0] && !args[0].includes("%")) {
      for (const host of hosts) if (!names.has(host)) names.set(host, args[0]);
    }
  }
  return names;
}

/**
 * A remote URL with its ssh host alias replaced by the host ssh connects to, or undefined
 * when it names no alias: the scp form `[user@]alias:path` and `ssh://[user@]alias[:port]/path`.
 */
export function resolveSshAlias(url: string, names: ReadonlyMap<string, string>): string | undefined {
  const trimmed = url.trim();
  const withScheme = trimmed.match(/^((?:git\+)?ssh(?:\+git)?:\/\/(?:[^@/\s]*@)?)([^@/:\s]+)((?::\d+)?\/.*)$/i);
  const scp = withScheme ? null : trimmed.match(/^((?:[^@/:\s]+@)?)([^@/:\s]+)(:(?!\/\/).*)$/);
  const m = withScheme ?? scp;
  const host = m && names.get(m[2]!.toLowerCase());
  return m && host ? `${m[1]}${host}${m[3]}` : undefined;
}
