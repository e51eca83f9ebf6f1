/**
 * `hearth fix` given a GitHub issue's URL (the whole text): the issue is fetched — title,
 * description and the first comments, as the editor's Fix This Issue does — from the API at
 * $GITHUB_API_URL when set (a GitHub Enterprise server, or a test's server), with the token
 * named for that API when set (see `gitHubAccess`); an issue of another repository than the
 * checkout's GitHub remotes is refused unless --any-repo. Any other text that is only a URL
 * is refused: the agent cannot open web pages, so a link would be all it knew of the issue.
 */
import { domainToUnicode } from "node:url";
import { fetchGitHubIssueDetails, GITHUB_HOST, type GitHubIssueRef, IssueFetchError, type IssueFetchWording, parseGitHubIssueUrl, plainHttpHost, urlHasCredentials, withoutCredentials } from "../github/github-issue.ts";
import { type GitHubRepo, issueOrigin, readGitRemotes, repoName } from "../github/git-remotes.ts";
import { ENTERPRISE_TOKEN_VARIABLES, GITHUB_TOKEN_VARIABLES } from "../protocol/github-tokens.ts";
import { terminalName, terminalText } from "./terminal-text.ts";
import { ownText } from "./locale.ts";

/** Which GitHub the CLI talks to, and with what token. */
export interface GitHubAccess {
  /** The web host of its issue URLs and remotes: github.com, or a GitHub Enterprise server's. */
  readonly host: string;
  readonly apiBase: string;
  readonly token?: string;
  /** The variables that hold a token, in the order they are taken: the first one's is `token`. */
  readonly tokenVariables?: readonly string[];
  /** github.com's token variables that are set but not sent, as the API is another server's (only when `token` is not set). */
  readonly withheldVariables?: readonly string[];
}

/**
 * The GitHub of the environment, as GitHub Actions and gh set it: $GITHUB_SERVER_URL's host
 * (else a GitHub Enterprise API URL's, https://HOST/api/v3; else github.com), $GITHUB_API_URL
 * (else that host's API), and its token: $GH_TOKEN or $GITHUB_TOKEN for https://api.github.com,
 * $GH_ENTERPRISE_TOKEN or $GITHUB_ENTERPRISE_TOKEN for any other API (as gh does for an
 * Enterprise host), never one for the other.
 */
export function gitHubAccess(env: NodeJS.ProcessEnv): GitHubAccess {
  const api = env.GITHUB_API_URL?.trim().replace(/\/+$/, "") || undefined;
  const enterpriseApi = api?.match(/^https?:\/\/([^/]+)\/api\/v3$/i);
  const host = hostOf(env.GITHUB_SERVER_URL) ?? (enterpriseApi ? hostOf(`https://${enterpriseApi[1]}`) : undefined) ?? GITHUB_HOST;
  const apiBase = api ?? (host === GITHUB_HOST ? GITHUB_API : `https://${host}/api/v3`);
  const set = (names: readonly string[]) => names.filter((name) => env[name]?.trim());
  const tokenVariables = set(isGitHubApi(apiBase) ? GITHUB_TOKEN_VARIABLES : ENTERPRISE_TOKEN_VARIABLES);
  const token = tokenVariables[0] && env[tokenVariables[0]]!.trim();
  const withheldVariables = token || isGitHubApi(apiBase) ? [] : set(GITHUB_TOKEN_VARIABLES);
  return { host, apiBase, ...(token ? { token, tokenVariables } : {}), ...(withheldVariables.length ? { withheldVariables } : {}) };
}

const GITHUB_API = "https://api.github.com";

/**
 * Whether an API base is GitHub's own, the only kind given $GH_TOKEN / $GITHUB_TOKEN:
 * https://api.github.com (however written), or a GHE.com tenant's https://api.TENANT.ghe.com
 * (run by GitHub; gh sends those variables there too, and GitHub Actions there sets
 * $GITHUB_TOKEN for it).
 */
function isGitHubApi(apiBase: string): boolean {
  if (!URL.canParse(apiBase)) return false;
  const url = new URL(apiBase);
  return url.protocol === "https:" && /^api\.(?:github\.com|[a-z0-9-]+\.ghe\.com)$/.test(url.host) && !url.username && !url.password && url.pathname === "/" && !url.search;
}

/** The variables a token for this API is taken from, as the messages name them: "GITHUB_TOKEN (or GH_TOKEN)". */
function tokenNames(access: GitHubAccess): string {
  const [first, second] = isGitHubApi(access.apiBase) ? GITHUB_TOKEN_VARIABLES : ENTERPRISE_TOKEN_VARIABLES;
  return isGitHubApi(access.apiBase) ? `${second} (or ${first})` : `${first} (or ${second})`;
}

function hostOf(url: string | undefined): string | undefined {
  if (!url?.trim()) return undefined;
  try {
    const host = new URL(url.trim()).hostname.toLowerCase();
    return host === "www.github.com" ? GITHUB_HOST : host || undefined;
  } catch {
    return undefined;
  }
}

/** What became of an issue text that is only a URL. */
export type IssueFromUrl =
  | { readonly kind: "issue"; readonly text: string; readonly terminalCodes?: true }
  | { readonly kind: "refused"; readonly message: string }
  | { readonly kind: "cancelled" };

export interface IssueFromUrlOptions {
  /** The checkout: its GitHub remotes say whose issues it fixes. */
  readonly repo: string;
  /** --any-repo: fix an issue of another repository here all the same. */
  readonly anyRepo: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  /** Says what it is doing (fetching takes a moment). */
  readonly progress: (text: string) => void;
  /** Longest wait for each of GitHub's answers (default 30 s). */
  readonly timeoutMs?: number;
  /** The clock (tests set it): how long until GitHub's rate limit resets, when GitHub's answer has no Date. */
  readonly now?: () => number;
}

/** How the fetch's messages say to sign in (with the token this API takes) and what to do instead. */
function wording(access: GitHubAccess): IssueFetchWording {
  const whose = isGitHubApi(access.apiBase) ? "a GitHub token" : `a token of ${terminalName(new URL(access.apiBase).host)}`;
  return { signIn: `Set ${tokenNames(access)} to ${whose} that can read it`, instead: "give the issue's text instead (--issue-file FILE)" };
}

/**
 * The issue a text that is only a URL stands for, or undefined when the text is more than a
 * URL (it goes to the agent as it is). Messages are safe to print on a terminal.
 */
export async function issueFromUrl(issue: string, options: IssueFromUrlOptions): Promise<IssueFromUrl | undefined> {
  const url = issue.trim();
  if (!/^https?:\/\/\S+$/i.test(url)) return undefined;
  if (urlHasCredentials(url)) {
    return { kind: "refused", message: `the issue's URL has a user name or password in it: give it without them (${terminalName(withoutCredentials(url))})` };
  }
  const access = gitHubAccess(options.env);
  if (!/^https?:\/\/[^/\s]/i.test(access.apiBase) || !URL.canParse(access.apiBase)) {
    return { kind: "refused", message: `GITHUB_API_URL is not an http(s) URL (${terminalName(access.apiBase)}): set it to the API's URL, such as https://HOST/api/v3, or unset it for github.com` };
  }
  const plain = access.token ? plainHttpHost(access.apiBase) : undefined;
  if (plain) {
    const variables = access.tokenVariables ?? [];
    return { kind: "refused", message: `GITHUB_API_URL is plain http to ${terminalName(plain)}: the token of ${variables[0]} would cross the network unencrypted. Set GITHUB_API_URL to the API's https:// URL, or unset ${variables.join(" and ")} to fetch a public issue without a token` };
  }
  const ref = parseGitHubIssueUrl(url, access.host);
  if (!ref) return { kind: "refused", message: notAnIssue(url, access) };
  const remotes = await readGitRemotes(options.repo);
  const written = new URL(access.apiBase);
  if (written.username || written.password) {
    // fetch() refuses such a URL: it would read as "cannot be reached".
    return { kind: "refused", message: `GITHUB_API_URL has a user or password in it (${terminalName(withoutCredentials(access.apiBase))}): put the token in ${tokenNames(access)} instead` };
  }
  const withheld = access.withheldVariables ?? [];
  if (withheld.length) {
    options.progress(`${withheld.join(" and ")} hold${withheld.length === 1 ? "s" : ""} a github.com token: it is not sent to ${terminalName(written.host)}, which is not api.github.com (GITHUB_API_URL). For that server's token, set ${tokenNames(access)}`);
  }
  options.progress(`fetching ${refName(ref)} from ${terminalName(withoutCredentials(access.apiBase))}${access.token ? ` (with the token of ${access.tokenVariables?.[0]})` : ""}${ownText("…")}`);
  let fetched;
  try {
    fetched = await fetchGitHubIssueDetails(ref, { apiBase: access.apiBase, host: access.host, wording: wording(access), userAgent: "hearth-cli", signal: options.signal, ...(access.token ? { token: access.token } : {}), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}), ...(options.now ? { now: options.now } : {}) });
  } catch (error) {
    if (options.signal.aborted) return { kind: "cancelled" };
    if (error instanceof IssueFetchError) return { kind: "refused", message: terminalText(error.message) };
    throw error;
  }
  if (!options.anyRepo) {
    // Either name counts: the URL's, and where GitHub says the issue is now (a transfer, a rename).
    const now = fetched.repository;
    const origin = issueOrigin(now ? [ref, now] : [ref], remotes, access.host);
    if (origin.kind === "other") return { kind: "refused", message: otherRepository(now ?? ref, options.repo, origin.remotes) };
    if (origin.kind === "unknown") options.progress(`the checkout has no remote on ${terminalName(access.host)}${remoteHosts(remotes ?? [])}: whether ${refName(ref)} is its issue is not checked`);
  }
  return { kind: "issue", text: fetched.text, ...(fetched.terminalCodes ? { terminalCodes: true } : {}) };
}

/** " (origin: gitlab.com, backup: a folder)": each remote's host, never its URL (it may hold a token). */
function remoteHosts(remotes: readonly { readonly name: string; readonly url: string }[]): string {
  const named = new Set(remotes.map((r) => `${terminalName(r.name)}: ${terminalName(remoteHost(r.url))}`));
  return named.size ? ` (${[...named].join(", ")})` : "";
}

function remoteHost(url: string): string {
  const scp = url.trim().match(/^(?:[^@/:\s]+@)?([^@/:\s]+):(?!\/\/)/);
  if (scp) return scp[1]!;
  try {
    return new URL(url.trim()).hostname || "a folder";
  } catch {
    return "a folder";
  }
}

function refName(ref: GitHubIssueRef): string {
  return `${ref.owner}/${ref.repo}#${ref.number}`;
}

function otherRepository(issueRepo: GitHubRepo, checkout: string, remotes: readonly { readonly name: string; readonly repo: GitHubRepo }[]): string {
  const named = remotes.map((r) => `${repoName(r.repo)} (${terminalName(r.name)})`).join(", ");
  return `the issue is from ${repoName(issueRepo)}, but the checkout ${terminalName(checkout)} is another repository (GitHub remote${remotes.length === 1 ? "" : "s"}: ${named}): the agent would change its files for another repository's issue. Run hearth fix in a clone of ${repoName(issueRepo)}, or pass --any-repo to fix it here anyway`;
}

/**
 * Why `host` (as URL writes it, IDN labels as xn--, DNS's trailing dot kept) only looks like `github`, or undefined:
 * a name with letters outside ASCII in place of some of its letters (gіthub.com with a
 * Cyrillic і), or a name under another domain (github.com.evil.test). No Enterprise hint for
 * those: it would point at the look-alike.
 */
function lookAlike(host: string, github: string): string | undefined {
  if (host.split(".").some((label) => label.startsWith("xn--")) && [github, `www.${github}`].some((name) => lettersSwapped(domainToUnicode(host).replace(/\.$/, ""), name))) return "its name is written with letters outside ASCII (shown here as the name DNS looks up), however alike they look";
  const under = [github, `www.${github}`].find((name) => host.startsWith(`${name}.`) && host.length > name.length + 1);
  return under ? `a name under ${host.slice(under.length + 1)}` : undefined;
}

/** Whether `name` is `original` with some letters other than ASCII in place of its own (gіthub.com for github.com): same length, the same ASCII letters in the same places. */
function lettersSwapped(name: string, original: string): boolean {
  const letters = [...name];
  return letters.length === original.length && letters.every((c, i) => c.charCodeAt(0) > 0x7f || c === original[i]);
}

/** Why a URL that is no issue this CLI can fetch is refused, with what to do instead. */
function notAnIssue(url: string, access: GitHubAccess): string {
  const shown = terminalName(url);
  const github = url.match(/^https?:\/\/(?:www\.)?github\.com\/([\w.-]+)\/([\w.-]+)\/(issues|pull)\/(\d+)\/?(?:[#?]\S*)?$/i);
  const gh = github ? `gh ${github[3]!.toLowerCase() === "pull" ? "pr" : "issue"} view ${github[4]} -R ${github[1]}/${github[2]} > issue.md, then --issue-file issue.md` : "";
  if (gh && parseGitHubIssueUrl(url)) {
    return `the issue ${shown} is on github.com, but GITHUB_SERVER_URL or GITHUB_API_URL points hearth fix at ${terminalName(access.host)}: unset them to fetch it from github.com, or give the issue's text: ${gh}`;
  }
  let host = "";
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    // not a URL after all: said as such below
  }
  const text = "Give the issue's text (as text, with --issue or with --issue-file FILE)";
  const alike = lookAlike(host, access.host);
  if (alike) return `the issue is only a link to ${terminalName(host)}, which is not ${terminalName(access.host)}: ${alike}. hearth fix fetches issues from ${terminalName(access.host)} only, and the agent cannot open web pages. ${text}`;
  if (host === access.host || (access.host === GITHUB_HOST && host === "www.github.com")) return `${shown} is not a GitHub issue or pull request (${ownText("…")}/owner/repo/issues/N), and the agent cannot open web pages. ${text}`;
  const enterprise = access.host === GITHUB_HOST ? ` (for a GitHub Enterprise server, set GITHUB_API_URL to its API, https://${terminalName(host || "HOST")}/api/v3)` : "";
  return `the issue is only a link (${shown}): hearth fix fetches issues from ${terminalName(access.host)} only${enterprise}, and the agent cannot open web pages. ${text}`;
}
