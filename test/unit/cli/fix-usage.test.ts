// hearth fix --help on the issue URL's token: since f755d3c github.com's token ($GH_TOKEN,
// $GITHUB_TOKEN) goes to api.github.com only, and a $GITHUB_API_URL server gets the Enterprise
// variables'; the usage text said the github.com token was sent with any $GITHUB_API_URL.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fixCommand } from "../../../src/cli/commands/fix.ts";

describe("hearth fix's usage text", () => {
  it("says which token goes where when an issue URL is fetched", () => {
    const text = fixCommand.usage.replace(/\s+/g, " ");
    // GitHub's own APIs are api.github.com and a GHE.com tenant's (issue-url.ts's isGitHubApi): github.com's token goes to both.
    assert.match(text, /with \$GH_TOKEN or \$GITHUB_TOKEN when set \(private repositories, a higher rate limit\), sent only to GitHub's own API: https:\/\/api\.github\.com, or a GHE\.com tenant's https:\/\/api\.TENANT\.ghe\.com/);
    assert.match(text, /from \$GITHUB_API_URL when set; a GitHub Enterprise Server's \(https:\/\/HOST\/api\/v3\) gets \$GH_ENTERPRISE_TOKEN or \$GITHUB_ENTERPRISE_TOKEN instead/);
    assert.doesNotMatch(text, /\$GITHUB_TOKEN when set \(private repositories, a higher rate limit\), from \$GITHUB_API_URL/);
  });
});
