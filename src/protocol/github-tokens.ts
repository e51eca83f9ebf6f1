/**
 * The environment variables that hold a GitHub token, as gh names them. `hearth fix` reads
 * them to fetch the issue (cli/issue-url.ts), and the agent's commands run without any of
 * them (tools/run-command.ts): the agent runs in the CLI's own process. One list, so a name
 * added for the one is withheld by the other.
 */

/** github.com's token: sent to GitHub's own APIs only. */
export const GITHUB_TOKEN_VARIABLES: readonly string[] = ["GH_TOKEN", "GITHUB_TOKEN"];

/**
 * Any other API's token, as gh names a GitHub Enterprise server's: $GITHUB_API_URL pointed at
 * another server (a look-alike host, a typo, a proxy) is never sent a github.com token.
 */
export const ENTERPRISE_TOKEN_VARIABLES: readonly string[] = ["GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"];
