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
  return m ? { owner: m[1]!, repo: m[2]!, number: Number(m[3]) } : undefined;
}

/** Why a GitHub issue could not be fetched, in words for the user. */
export class IssueFetchError extends Error {}

export interface FetchIssueOptions {
  /** An OAuth token from VS Code's GitHub sign-in, if the user has one. */
  readonly token?: string;
  /** API base (tests point it at a local server). */
  readonly apiBase?: string;
  readonly signal?: AbortSignal;
}

/** The issue as text for the agent: title, body and the first comments. */
export async function fetchGitHubIssue(ref: GitHubIssueRef, options: FetchIssueOptions = {}): Promise<string> {
  const base = (options.apiBase ?? "https://api.github.com").replace(/\/$/, "");
  const headers: Record<string, string> = { Accept: "application/vnd.github+json", "User-Agent": "hearth-vscode" };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const get = async (path: string): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, { headers, ...(options.signal ? { signal: options.signal } : {}) });
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      throw new IssueFetchError("GitHub cannot be reached (are you offline?). Paste the issue text instead.");
    }
    if (response.status === 404 || response.status === 401 || response.status === 403) {
      throw new IssueFetchError(
        options.token
          ? `GitHub answered ${response.status} for ${ref.owner}/${ref.repo}#${ref.number}: the issue does not exist or your account cannot see it.`
          : `GitHub answered ${response.status} for ${ref.owner}/${ref.repo}#${ref.number}. Sign in to GitHub (Accounts menu) if it is in a private repository.`,
      );
    }
    if (!response.ok) throw new IssueFetchError(`GitHub answered ${response.status} ${response.statusText} for ${ref.owner}/${ref.repo}#${ref.number}.`);
    return response.json();
  };
  const issue = (await get(`/repos/${ref.owner}/${ref.repo}/issues/${ref.number}`)) as { title?: string; body?: string | null; comments?: number };
  const parts = [`${issue.title ?? "(no title)"} (${ref.owner}/${ref.repo}#${ref.number})`, issue.body?.trim() || "(no description)"];
  if ((issue.comments ?? 0) > 0) {
    const comments = (await get(`/repos/${ref.owner}/${ref.repo}/issues/${ref.number}/comments?per_page=10`)) as { user?: { login?: string }; body?: string }[];
    for (const c of comments) parts.push(`Comment by ${c.user?.login ?? "someone"}:\n${c.body?.trim() ?? ""}`);
  }
  return parts.join("\n\n");
}

