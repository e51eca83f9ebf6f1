/**
 * GitHub issues for Fix This Issue: recognizing an issue URL and fetching the issue's
 * text through GitHub's REST API. No vscode import: the sign-in token is passed in, so this
 * is tested against a local HTTP server.
 */

/** owner, repo and number of a GitHub issue or pull request URL. */
export interface GitHubIssueRef {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
}

export function parseGitHubIssueUrl(text: string): GitHubIssueRef | undefined {
  const m = text.trim().match(/^https?:\/\/(?:www\.)?github\.com\/([\w.-]+)\/([\w.-]+)\/(?:issues|pull)\/(\d+)\/?(?:[#?].*)?$/i);
  return m && isName(m[1]!) && isName(m[2]!) ? { owner: m[1]!, repo: m[2]!, number: Number(m[3]) } : undefined;
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
  let host: string;
  try {
    host = new URL(trimmed).hostname;
  } catch {
    return undefined; // not a URL after all: the text goes to the agent as it is
  }
  return /^(?:www\.)?github\.com$/i.test(host)
    ? `${trimmed} is not a GitHub issue or pull request (…/owner/repo/issues/N). Paste the issue's text instead.`
    : `Hearth fetches issues from github.com only, not from ${host}. Paste the issue's text instead.`;
}

/** Why a GitHub issue could not be fetched, in words for the user. */
export class IssueFetchError extends Error {}

export interface FetchIssueOptions {
  /** An OAuth token from VS Code's GitHub sign-in, if the user has one. */
  readonly token?: string;
  /** API base (tests point it at a local server). */
  readonly apiBase?: string;
  readonly signal?: AbortSignal;
  /** Longest wait for each answer (default 30 s): a connection that hangs must not keep the progress up for good. */
  readonly timeoutMs?: number;
}

const TIMEOUT_MS = 30_000;

/**
 * Characters kept of the description and of each comment (~8k and ~1k tokens): a pasted
 * 1 MB log would not fit the model's context, the run would fail at once, and an issue on
 * GitHub cannot be made shorter from here. The cut says how much is left out and where.
 */
const MAX_BODY_CHARS = 32_000;
const MAX_COMMENT_CHARS = 4_000;

/**
 * Why GitHub refused for its rate limit, in words, or undefined: a 403 or 429 with no requests
 * left (60 an hour without sign-in, shared by everyone behind one address), or a 429.
 */
function rateLimited(response: Response, signedIn: boolean, what: string): string | undefined {
  const left = response.headers.get("x-ratelimit-remaining");
  if (!(response.status === 429 || (response.status === 403 && left === "0"))) return undefined;
  const reset = Number(response.headers.get("x-ratelimit-reset"));
  const retry = Number(response.headers.get("retry-after"));
  const until = Number.isFinite(reset) && reset > 0
    ? ` until ${new Date(reset * 1000).toISOString().slice(11, 16)} UTC`
    : Number.isFinite(retry) && retry > 0 ? ` for ${Math.ceil(retry / 60)} min` : "";
  return signedIn
    ? `GitHub's rate limit for your account is used up${until} (${what}). Try again then, or paste the issue text instead.`
    : `GitHub's rate limit for requests without sign-in (60 an hour) is used up${until} (${what}). Sign in to GitHub (Accounts menu) for a higher limit, or paste the issue text instead.`;
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
}

/** The issue's text and the repository it is in now. */
export async function fetchGitHubIssueDetails(ref: GitHubIssueRef, options: FetchIssueOptions = {}): Promise<FetchedIssue> {
  const base = (options.apiBase ?? "https://api.github.com").replace(/\/$/, "");
  const headers: Record<string, string> = { Accept: "application/vnd.github+json", "User-Agent": "hearth-vscode" };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const what = `${ref.owner}/${ref.repo}#${ref.number}`;
  if (!isName(ref.owner) || !isName(ref.repo)) throw new IssueFetchError(`${ref.owner}/${ref.repo} is not a GitHub repository. Paste the issue text instead.`);
  const get = async (path: string): Promise<unknown> => {
    const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, { headers, signal });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (timeout.aborted) throw new IssueFetchError(`GitHub did not answer within ${timeoutMs / 1000} s for ${what}. Try again, or paste the issue text instead.`);
      throw new IssueFetchError("GitHub cannot be reached (are you offline?). Paste the issue text instead.");
    }
    const limited = rateLimited(response, Boolean(options.token), what);
    if (limited) throw new IssueFetchError(limited);
    if (response.status === 404 || response.status === 401 || response.status === 403) {
      throw new IssueFetchError(
        options.token
          ? `GitHub answered ${response.status} for ${ref.owner}/${ref.repo}#${ref.number}: the issue does not exist or your account cannot see it.`
          : `GitHub answered ${response.status} for ${ref.owner}/${ref.repo}#${ref.number}. Sign in to GitHub (Accounts menu) if it is in a private repository.`,
      );
    }
    if (!response.ok) throw new IssueFetchError(`GitHub answered ${response.status} ${response.statusText} for ${what}.`);
    try {
      return await response.json();
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (timeout.aborted) throw new IssueFetchError(`GitHub did not finish its answer within ${timeoutMs / 1000} s for ${what}. Try again, or paste the issue text instead.`);
      throw new IssueFetchError(`GitHub's answer for ${what} is not JSON (a proxy or a sign-in page of the network in the way?). Paste the issue text instead.`);
    }
  };
  const issue = await get(`/repos/${ref.owner}/${ref.repo}/issues/${ref.number}`);
  if (typeof issue !== "object" || issue === null || Array.isArray(issue)) throw new IssueFetchError(`GitHub's answer for ${what} is not an issue. Paste the issue text instead.`);
  // Each field is checked: a proxy or an API of another version may send other types.
  const { title, body, comments: count, repository_url: repositoryUrl } = issue as Record<string, unknown>;
  const url = `https://github.com/${ref.owner}/${ref.repo}/issues/${ref.number}`;
  const parts = [`${text(title) || "(no title)"} (${ref.owner}/${ref.repo}#${ref.number})`, cut(text(body), MAX_BODY_CHARS, `of the description left out: see ${url}`) || "(no description)"];
  if (typeof count === "number" && count > 0) {
    const comments = await get(`/repos/${ref.owner}/${ref.repo}/issues/${ref.number}/comments?per_page=10`);
    // The issue itself is what matters: comments of another shape are left out, not an error.
    for (const c of Array.isArray(comments) ? (comments as unknown[]) : []) {
      const comment = (typeof c === "object" && c !== null ? c : {}) as { user?: unknown; body?: unknown };
      const login = typeof comment.user === "object" && comment.user !== null ? text((comment.user as { login?: unknown }).login) : "";
      if (typeof comment.body === "string") parts.push(`Comment by ${login || "someone"}:\n${cut(comment.body.trim(), MAX_COMMENT_CHARS, "of this comment left out")}`);
    }
  }
  const repository = typeof repositoryUrl === "string" ? repositoryUrl.match(/\/repos\/([\w.-]+)\/([\w.-]+)\/?$/) : null;
  return { text: parts.join("\n\n"), ...(repository && isName(repository[1]!) && isName(repository[2]!) ? { repository: { owner: repository[1]!, repo: repository[2]! } } : {}) };
}


/** A JSON field as text: a string trimmed, a number written out, anything else nothing. */
function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : typeof value === "number" && Number.isFinite(value) ? String(value) : "";
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
