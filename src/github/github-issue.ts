/**
 * GitHub issues for Fix This Issue: recognizing an issue URL and fetching the issue's
 * text through GitHub's REST API. No vscode import: the sign-in token is passed in, so this
 * is tested against a local HTTP server.
 */
import { captivePortalWords, networkProblem } from "../protocol/network-problem.ts";
import { terminalShown } from "../protocol/terminal-text.ts";

/** owner, repo and number of a GitHub issue or pull request URL. */
export interface GitHubIssueRef {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
}

/**
 * The issue a URL names, on github.com or on `host` (a GitHub Enterprise server's host name,
 * for the CLI pointed at one); a pull request is the issue of the same number in GitHub's API.
 * As a browser takes it: the host with its final dot (`github.com.`) or the port 443, the
 * repository with `.git` (a clone URL with /issues/N added is the repository's page).
 */
export function parseGitHubIssueUrl(text: string, host = GITHUB_HOST): GitHubIssueRef | undefined {
  const hostPattern = host === GITHUB_HOST ? String.raw`(?:www\.)?github\.com\.?(?::443)?` : `${escapeRegExp(host)}(?::\d+)?`;
  const m = text.trim().match(new RegExp(String.raw`^https?:\/\/${hostPattern}\/([\w.-]+)\/([\w.-]+?)(?:\.git)?\/(?:issues|pull)\/(\d+)\/?(?:[#?].*)?$`, "i"));
  return m && isName(m[1]!) && isName(m[2]!) && isIssueNumber(Number(m[3])) ? { owner: m[1]!, repo: m[2]!, number: Number(m[3]) } : undefined;
}

/** 1 and up, and no more than a number holds exactly: 99999999999999999999 would ask for issue 100000000000000000000. */
function isIssueNumber(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0;
}

/** github.com's host name: the default wherever a GitHub host is asked for. */
export const GITHUB_HOST = "github.com";

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** An owner or repository name: "." and ".." are path steps, not names (the API path would leave /repos/). */
function isName(part: string): boolean {
  return /^[\w.-]+$/.test(part) && part !== "." && part !== "..";
}

/**
 * Why a text that is only a URL cannot be an issue for the agent, or undefined: the agent
 * cannot open web pages, so a URL Hearth does not fetch itself (GitHub Enterprise, GitLab, a
 * GitHub page that is no issue) would reach it as a bare link.
 */
export function unfetchableIssueUrl(text: string): string | undefined {
  const trimmed = text.trim();
  if (!/^https?:\/\/\S+$/i.test(trimmed) || parseGitHubIssueUrl(trimmed)) return undefined;
  if (urlHasCredentials(trimmed)) return `The issue's URL has a user name or password in it: paste it without them (${withoutCredentials(trimmed)}).`;
  let host: string;
  try {
    host = new URL(trimmed).hostname;
  } catch {
    return undefined; // not a URL after all: the text goes to the agent as it is
  }
  return /^(?:www\.)?github\.com$/i.test(host)
    ? `${withoutCredentials(trimmed)} is not a GitHub issue or pull request (…/owner/repo/issues/N). Paste the issue's text instead.`
    : `Hearth fetches issues from github.com only, not from ${host}. Paste the issue's text instead.`;
}

/** Why a GitHub issue could not be fetched, in words for the user. */
export class IssueFetchError extends Error {}

export interface FetchIssueOptions {
  /** An OAuth token from VS Code's GitHub sign-in (or the CLI's token for that API: see gitHubAccess in src/cli/issue-url.ts), if the user has one. */
  readonly token?: string;
  /** API base (tests point it at a local server; the CLI takes $GITHUB_API_URL). */
  readonly apiBase?: string;
  /** How the messages say to sign in and what to do instead: the editor's words by default, the CLI has its own. */
  readonly wording?: IssueFetchWording;
  /** The web host of the issue's URL, for the link to the rest of a description cut short (default github.com). */
  readonly host?: string;
  /** Sent as User-Agent (GitHub's API wants one). */
  readonly userAgent?: string;
  readonly signal?: AbortSignal;
  /** Longest wait for each answer (default 30 s): a connection that hangs must not keep the progress up for good. */
  readonly timeoutMs?: number;
  /** The clock, in ms since 1970 (tests set it): how long until the rate limit resets, when GitHub's answer has no Date. */
  readonly now?: () => number;
}

const TIMEOUT_MS = 30_000;

/** The parts of the error messages that depend on where Hearth runs. */
export interface IssueFetchWording {
  /** How to sign in, as the start of a sentence: "Sign in to GitHub (Accounts menu)". */
  readonly signIn: string;
  /** What to do instead, lower case: "paste the issue text instead". */
  readonly instead: string;
}

const EDITOR_WORDING: IssueFetchWording = { signIn: "Sign in to GitHub (Accounts menu)", instead: "paste the issue text instead" };

const DEFAULT_API_BASE = "https://api.github.com";

/**
 * Characters kept of the description and of each comment (~8k and ~1k tokens): a pasted
 * 1 MB log would not fit the model's context, the run would fail at once, and an issue on
 * GitHub cannot be made shorter from here. The cut says how much is left out and where.
 */
const MAX_BODY_CHARS = 32_000;
const MAX_COMMENT_CHARS = 4_000;
/** GitHub's own limits are 256 (a title) and 39 (a login): more is a server that is not GitHub's. */
const MAX_TITLE_CHARS = 1_000;
const MAX_LOGIN_CHARS = 100;
/** Comments asked for, and the most taken of an answer that holds more. */
const COMMENTS = 10;
/**
 * The most read of one answer: ten comments of GitHub's longest (65,536 characters, each
 * up to 6 bytes in JSON) are under 4 MB. A server sending more (500 MB, or without end) is
 * cut off here rather than held in memory.
 */
const MAX_ANSWER_BYTES = 10 * 1024 * 1024;

/**
 * Why GitHub refused for its rate limit, in words, or undefined: a 403 or 429 with no requests
 * left (60 an hour without sign-in, shared by everyone behind one address), or a 429.
 */
function rateLimited(response: Response, signedIn: boolean, what: string, wording: IssueFetchWording, now: number): string | undefined {
  const left = response.headers.get("x-ratelimit-remaining");
  if (!(response.status === 429 || (response.status === 403 && left === "0"))) return undefined;
  const reset = Number(response.headers.get("x-ratelimit-reset"));
  const retry = Number(response.headers.get("retry-after"));
  // The reset is GitHub's time: counted from its Date header, a clock here that is off (a
  // laptop's after sleep, WSL's) does not say "over now" while the limit holds.
  const said = Date.parse(response.headers.get("date") ?? "");
  const until = Number.isFinite(reset) && reset > 0 && reset < 1e11
    ? ` until ${new Date(reset * 1000).toISOString().slice(11, 16)} UTC (${waitFor(reset * 1000 - (Number.isFinite(said) ? said : now))})`
    : Number.isFinite(retry) && retry > 0 ? ` for ${Math.ceil(retry / 60)} min` : "";
  return signedIn
    ? `GitHub's rate limit for your account is used up${until} (${what}). Try again then, or ${wording.instead}.`
    : `GitHub's rate limit for requests without sign-in (60 an hour) is used up${until} (${what}). ${wording.signIn} for a higher limit, or ${wording.instead}.`;
}

/** A wait in the user's terms, whatever the time zone: "in 12 min", "in 3 h"; a time passed is "over now". */
function waitFor(ms: number): string {
  if (ms <= 0) return "over now";
  const min = Math.ceil(ms / 60_000);
  return min < 120 ? `in ${min} min` : `in ${Math.round(min / 60)} h`;
}

/** The issue as text for the agent: title, body and the first comments. */
export async function fetchGitHubIssue(ref: GitHubIssueRef, options: FetchIssueOptions = {}): Promise<string> {
  return (await fetchGitHubIssueDetails(ref, options)).text;
}

/** A fetched issue: its text for the agent, and the repository GitHub says it is in. */
export interface FetchedIssue {
  readonly text: string;
  /**
   * From the answer's `repository_url`: after a rename or a transfer GitHub answers the old
   * URL with the issue where it is now, so this may differ from the URL's. Undefined when
   * the answer does not say.
   */
  readonly repository?: { readonly owner: string; readonly repo: string };
  /**
   * Set when the title, the description or a comment held terminal control codes (a log pasted
   * with its colours): `text` has it as a terminal shows it, which the caller says (as for an
   * issue piped in).
   */
  readonly terminalCodes?: true;
}

/** The issue's text and the repository it is in now. */
export async function fetchGitHubIssueDetails(ref: GitHubIssueRef, options: FetchIssueOptions = {}): Promise<FetchedIssue> {
  const wording = options.wording ?? EDITOR_WORDING;
  if (!isName(ref.owner) || !isName(ref.repo)) throw new IssueFetchError(`${ref.owner}/${ref.repo} is not a GitHub repository. ${capital(wording.instead)}.`);
  if (!isIssueNumber(ref.number)) throw new IssueFetchError(`${ref.number} is not a GitHub issue number. ${capital(wording.instead)}.`);
  const clear = options.token && options.apiBase ? plainHttpHost(options.apiBase) : undefined;
  if (clear) throw new IssueFetchError(`The token is not sent over plain http to ${clear}: use an https:// API URL, or ${wording.instead}.`);
  const get = (path: string) => getJson(path, ref, options, wording);
  const issue = await get(`/repos/${ref.owner}/${ref.repo}/issues/${ref.number}`);
  if (typeof issue !== "object" || issue === null || Array.isArray(issue)) throw new IssueFetchError(`GitHub's answer for ${refName(ref)} is not an issue. ${capital(wording.instead)}.`);
  // Each field is checked: a proxy or an API of another version may send other types.
  const { title, body, comments: count, repository_url: repositoryUrl, message } = issue as Record<string, unknown>;
  // A server (or a proxy) that answers its error with 200: {"message":"Bad credentials"}.
  if (!("title" in issue) && !("body" in issue)) {
    const said = text(message) ? ` ("${short(text(message), 200)}")` : "";
    throw new IssueFetchError(`GitHub's answer for ${refName(ref)} is not an issue${said}. ${capital(wording.instead)}.`);
  }
  const url = `https://${options.host ?? GITHUB_HOST}/${ref.owner}/${ref.repo}/issues/${ref.number}`;
  // An ESC is what text() takes for a terminal's log (see there).
  let terminalCodes = [title, body].some(heldCodes);
  const parts = [`${short(oneLine(text(title)), MAX_TITLE_CHARS) || "(no title)"} (${ref.owner}/${ref.repo}#${ref.number})`, cut(text(body), MAX_BODY_CHARS, `of the description left out: see ${url}`) || "(no description)"];
  if (typeof count === "number" && count > 0) {
    const comments = await get(`/repos/${ref.owner}/${ref.repo}/issues/${ref.number}/comments?per_page=${COMMENTS}`);
    // The issue itself is what matters: comments of another shape are left out, not an error.
    for (const c of Array.isArray(comments) ? (comments as unknown[]).slice(0, COMMENTS) : []) {
      const comment = (typeof c === "object" && c !== null ? c : {}) as { user?: unknown; body?: unknown };
      const login = typeof comment.user === "object" && comment.user !== null ? short(text((comment.user as { login?: unknown }).login), MAX_LOGIN_CHARS) : "";
      terminalCodes ||= heldCodes(comment.body);
      if (typeof comment.body === "string") parts.push(`Comment by ${login || "someone"}:\n${cut(text(comment.body), MAX_COMMENT_CHARS, "of this comment left out")}`);
    }
  }
  const repository = typeof repositoryUrl === "string" ? repositoryUrl.match(/\/repos\/([\w.-]+)\/([\w.-]+)\/?$/) : null;
  return { text: parts.join("\n\n"), ...(repository && isName(repository[1]!) && isName(repository[2]!) ? { repository: { owner: repository[1]!, repo: repository[2]! } } : {}), ...(terminalCodes ? { terminalCodes } : {}) };
}

/** Whether a field holds a terminal's control codes, which text() reads as a terminal shows them. */
function heldCodes(value: unknown): boolean {
  return typeof value === "string" && value.includes("\x1b");
}


/** Whether a URL has a user or password in it (`https://user:token@host/…`): it must not be printed as it is. */
export function urlHasCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return Boolean(parsed.username || parsed.password);
  } catch {
    return /^[a-z+]+:\/\/[^/@]*@/i.test(url);
  }
}

/** A URL to show: without a user and password written into it (they would land in logs). */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.href.replace(/\/$/, "");
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//");
  }
}

function refName(ref: GitHubIssueRef): string {
  return `${ref.owner}/${ref.repo}#${ref.number}`;
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** One API request's JSON answer, or an IssueFetchError saying in words why there is none; a cancel rethrows the AbortError. */
async function getJson(path: string, ref: GitHubIssueRef, options: FetchIssueOptions, wording: IssueFetchWording): Promise<unknown> {
  const base = (options.apiBase ?? DEFAULT_API_BASE).replace(/\/$/, "");
  const headers: Record<string, string> = { Accept: "application/vnd.github+json", "User-Agent": options.userAgent ?? "hearth-vscode" };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const what = refName(ref);
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, { headers, signal });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    if (timeout.aborted) throw new IssueFetchError(`GitHub did not answer within ${timeoutMs / 1000} s for ${what}. Try again, or ${wording.instead}.`);
    const where = base === DEFAULT_API_BASE ? "GitHub" : `GitHub's API at ${withoutCredentials(base)}`;
    const problem = networkProblem(`${base}${path}`, error);
    if (problem !== undefined) throw new IssueFetchError(`${where} cannot be reached: ${problem}. ${capital(wording.instead)}.`);
    throw new IssueFetchError(`${where} cannot be reached (are you offline?). ${capital(wording.instead)}.`);
  }
  const limited = rateLimited(response, Boolean(options.token), what, wording, (options.now ?? Date.now)());
  if (limited) throw new IssueFetchError(limited);
  if (response.status === 404 || response.status === 401 || response.status === 403) {
    throw new IssueFetchError(
      options.token
        ? `GitHub answered ${response.status} for ${what}: the issue does not exist or your account cannot see it.`
        : `GitHub answered ${response.status} for ${what}. ${wording.signIn} if it is in a private repository.`,
    );
  }
  if (!response.ok) throw new IssueFetchError(`GitHub answered ${response.status} ${response.statusText} for ${what}.${response.status === 511 ? ` ${captivePortalWords("run it again")}` : ""}`);
  let answer: string;
  try {
    answer = await readAtMost(response, MAX_ANSWER_BYTES);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    if (timeout.aborted) throw new IssueFetchError(`GitHub did not finish its answer within ${timeoutMs / 1000} s for ${what}. Try again, or ${wording.instead}.`);
    if (error instanceof AnswerTooBig) throw new IssueFetchError(`GitHub's answer for ${what} is over ${MAX_ANSWER_BYTES / 1024 / 1024} MB, more than an issue can be: not read. ${capital(wording.instead)}.`);
    throw new IssueFetchError(`GitHub's answer for ${what} broke off (${error instanceof Error ? error.message : String(error)}). Try again, or ${wording.instead}.`);
  }
  try {
    return JSON.parse(answer);
  } catch {
    throw new IssueFetchError(`GitHub's answer for ${what} is not JSON (a proxy or a sign-in page of the network in the way?). ${capital(wording.instead)}.`);
  }
}

class AnswerTooBig extends Error {}

/** The body as text (invalid UTF-8 as U+FFFD), or AnswerTooBig once more than `max` bytes came: the rest is not read. */
async function readAtMost(response: Response, max: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let bytes = 0;
  let out = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out + decoder.decode();
    bytes += value.byteLength;
    if (bytes > max) {
      await reader.cancel().catch(() => undefined); // closes the connection: the server stops sending
      throw new AnswerTooBig();
    }
    out += decoder.decode(value, { stream: true });
  }
}

/**
 * The host of an http:// API URL that is not this machine, or undefined: a token sent there
 * crosses the network unencrypted (http:// is for a test's server on 127.0.0.1). This
 * machine is a loopback address or `localhost` itself: a name under .localhost is looked up
 * in DNS like any other (Node's lookup does not keep it local), and may answer another machine.
 */
export function plainHttpHost(apiBase: string): string | undefined {
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch {
    return undefined; // no URL: fetch says it cannot be reached, and sends nothing
  }
  if (url.protocol !== "http:") return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const loopback = host === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(host) || host === "::1";
  return loopback ? undefined : url.host;
}

/**
 * A JSON field as text: a string trimmed, a number written out, anything else nothing.
 * Control characters other than line ends and tabs (terminal escapes, NUL) are dropped: they
 * mean nothing to the model, and would act on a terminal the text is printed to. So are
 * Unicode tag characters (U+E0000–U+E007F): GitHub shows nothing for them, a model reads
 * them as the ASCII they mirror — instructions hidden from the person who picked the issue.
 */
function text(value: unknown): string {
  const raw = typeof value === "string" ? value : typeof value === "number" && Number.isFinite(value) ? String(value) : "";
  // A log pasted with its colours (a CI job's output, a bot's report): as a terminal shows it, so
  // the model reads "FAILED test_calc.py", not "[31mFAILED[0m" and every progress-bar frame.
  // Only where an ESC shows it is such a log: a lone CR elsewhere stays a line end.
  const shown = raw.includes("\x1b") ? (terminalShown(raw) ?? raw) : raw;
  return shown.replace(/\r\n?/g, "\n").replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u{E0000}-\u{E007F}]/gu, "").trim();
}

/**
 * A title without zero-width characters and bidi controls: in one line of words they mean
 * nothing, and they make a title read otherwise than it is (`lo\u202Egin`). The joiners
 * (U+200C, U+200D) stay where one stands alone between two characters outside ASCII: Persian
 * and Indic words and emoji sequences are written with them, never with two in a row (a run
 * could spell hidden bits). Description and comments keep all of theirs: code
 * quoted there may hold them, and the bug may be about them.
 */
function oneLine(text: string): string {
  // Each run of joiners is matched once and its neighbours read by index: a lookahead after `+` would retry every run's tail (quadratic on a long run).
  return text.replace(/[\u061C\u200B\u200E\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g, "").replace(/[\u200C\u200D]+/g, (run: string, at: number, all: string) => (run.length === 1 && outsideAscii(all[at - 1]) && outsideAscii(all[at + 1]) ? run : ""));
}

function outsideAscii(c: string | undefined): boolean {
  return c !== undefined && c.charCodeAt(0) > 0x7f;
}

/** `text` of at most `max` characters, with "…" where it was cut. */
function short(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 1] ?? "") ? max - 1 : max;
  return `${text.slice(0, end).trimEnd()}…`;
}

/** `text` up to `max` characters (at a line end when one is near), then how much more there was. */
function cut(text: string, max: number, what: string): string {
  if (text.length <= max) return text;
  const lineEnd = text.lastIndexOf("\n", max);
  let end = lineEnd > max * 0.8 ? lineEnd : max;
  if (/[\uD800-\uDBFF]/.test(text[end - 1] ?? "")) end--; // never half an emoji
  const kept = text.slice(0, end).trimEnd();
  return `${kept}\n[… ${(text.length - kept.length).toLocaleString("en-US")} more characters ${what}]`;
}
