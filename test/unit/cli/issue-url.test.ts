/**
 * `hearth fix` given a GitHub issue URL: fetched from a real HTTP server on 127.0.0.1 (the
 * API at $GITHUB_API_URL, the token from $GH_ENTERPRISE_TOKEN / $GITHUB_ENTERPRISE_TOKEN, as
 * for any API but api.github.com), and checked against the
 * checkout's GitHub remotes read from real git config files in temp folders.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gitHubAccess, issueFromUrl, type IssueFromUrlOptions } from "../../../src/cli/issue-url.ts";
import { tempDir } from "../../fixtures/temp.ts";

// The machine's own ~/.gitconfig and /etc/gitconfig (an insteadOf there) stay out of these tests.
process.env.GIT_CONFIG_NOSYSTEM = "1";
process.env.GIT_CONFIG_GLOBAL = join(tempDir("hearth-no-gitconfig-"), "none");

function checkout(...urls: string[]): string {
  const dir = tempDir("hearth-issue-url-");
  mkdirSync(join(dir, ".git"));
  writeFileSync(join(dir, ".git", "config"), urls.map((url, i) => `[remote "${i === 0 ? "origin" : `r${i}`}"]\n\turl = ${url}\n`).join(""));
  return dir;
}

describe("the GitHub of the environment", () => {
  it("is github.com's API without a variable; $GITHUB_API_URL (a test's server, GitHub Enterprise) when set; $GH_TOKEN before $GITHUB_TOKEN", () => {
    assert.deepEqual(gitHubAccess({}), { host: "github.com", apiBase: "https://api.github.com" });
    assert.deepEqual(gitHubAccess({ GITHUB_API_URL: "http://127.0.0.1:9/", GITHUB_ENTERPRISE_TOKEN: "t1" }), { host: "github.com", apiBase: "http://127.0.0.1:9", token: "t1", tokenVariables: ["GITHUB_ENTERPRISE_TOKEN"] });
    assert.deepEqual(gitHubAccess({ GITHUB_TOKEN: "t1", GH_TOKEN: "t2" }).token, "t2");
    assert.deepEqual(gitHubAccess({ GITHUB_API_URL: "https://ghe.corp.test/api/v3", GH_TOKEN: "t2", GH_ENTERPRISE_TOKEN: "e" }), { host: "ghe.corp.test", apiBase: "https://ghe.corp.test/api/v3", token: "e", tokenVariables: ["GH_ENTERPRISE_TOKEN"] });
    assert.deepEqual(gitHubAccess({ GITHUB_SERVER_URL: "https://ghe.corp.test", GITHUB_API_URL: "http://127.0.0.1:9" }), { host: "ghe.corp.test", apiBase: "http://127.0.0.1:9" });
    assert.deepEqual(gitHubAccess({ GITHUB_SERVER_URL: "https://ghe.corp.test" }), { host: "ghe.corp.test", apiBase: "https://ghe.corp.test/api/v3" });
    assert.deepEqual(gitHubAccess({ GITHUB_SERVER_URL: "https://github.com", GITHUB_API_URL: "https://api.github.com" }), { host: "github.com", apiBase: "https://api.github.com" });
  });
});

describe("an issue given only as its URL", () => {
  let server: Server;
  let base: string;
  const seen: { url: string; auth: string | undefined }[] = [];
  before(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url!, auth: req.headers.authorization });
      res.setHeader("content-type", "application/json");
      if (req.url === "/repos/acme/api/issues/12") return res.end(JSON.stringify({ title: "Crash on empty body", body: "POST / with no body gives 500", comments: 1, repository_url: `${base}/repos/acme/api` }));
      if (req.url === "/repos/acme/api/issues/12/comments?per_page=10") return res.end(JSON.stringify([{ user: { login: "ana" }, body: "Since 2.1." }]));
      if (req.url === "/repos/acme/old-api/issues/3") return res.end(JSON.stringify({ title: "Moved here", body: "b", comments: 0, repository_url: `${base}/repos/acme/web` }));
      if (req.url === "/repos/acme/secret/issues/1") {
        res.statusCode = req.headers.authorization === "Bearer ghp_env" ? 200 : 404;
        return res.end(JSON.stringify(res.statusCode === 200 ? { title: "Private bug", body: "", comments: 0 } : { message: "Not Found" }));
      }
      if (req.url === "/repos/acme/busy/issues/1") {
        res.sendDate = false; // the wait is counted on the tests' clock
        res.statusCode = 403;
        res.setHeader("x-ratelimit-remaining", "0");
        res.setHeader("x-ratelimit-reset", String(Date.UTC(2026, 11, 5, 7, 42) / 1000));
        return res.end(JSON.stringify({ message: "API rate limit exceeded" }));
      }
      if (req.url === "/repos/acme/portal/issues/1") {
        res.statusCode = 511; // a captive portal (RFC 6585) answering for the network
        return res.end("<html><title>Sign in to Hotel WiFi</title></html>");
      }
      res.statusCode = 500;
      res.end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const progress: string[] = [];
  const options = (repo: string, env: NodeJS.ProcessEnv = {}, anyRepo = false): IssueFromUrlOptions => ({
    repo, anyRepo, env: { GITHUB_API_URL: base, ...env }, signal: new AbortController().signal, progress: (t) => void progress.push(t),
  });

  it("fetches an issue (or a pull request) of the checkout's repository: title, description, comments", async () => {
    const repo = checkout("git@github.com:acme/api.git");
    const expected = "Crash on empty body (acme/api#12)\n\nPOST / with no body gives 500\n\nComment by ana:\nSince 2.1.";
    assert.deepEqual(await issueFromUrl(" https://github.com/acme/api/issues/12\n", options(repo)), { kind: "issue", text: expected });
    assert.deepEqual(await issueFromUrl("https://github.com/acme/api/pull/12#issuecomment-3", options(repo)), { kind: "issue", text: expected });
    assert.match(progress.at(-1)!, /^fetching acme\/api#12 from http:\/\/127\.0\.0\.1:\d+…$/);
  });

  it("leaves a text that is more than a URL alone, without a request", async () => {
    const before = seen.length;
    assert.equal(await issueFromUrl("crash on start, see https://github.com/acme/api/issues/12", options(checkout())), undefined);
    assert.equal(seen.length, before);
  });

  it("refuses an issue of another repository than the checkout's GitHub remotes, naming both, unless --any-repo", async () => {
    const repo = checkout("git@github.com:acme/web.git", "https://github.com/me/web");
    const refused = await issueFromUrl("https://github.com/acme/api/issues/12", options(repo));
    assert.equal(refused?.kind, "refused");
    assert.equal((refused as { message: string }).message, `the issue is from acme/api, but the checkout ${repo} is another repository (GitHub remotes: acme/web (origin), me/web (r1)): the agent would change its files for another repository's issue. Run hearth fix in a clone of acme/api, or pass --any-repo to fix it here anyway`);
    assert.equal((await issueFromUrl("https://github.com/acme/api/issues/12", options(repo, {}, true)))?.kind, "issue");
    // A fork's issue (its upstream's) and a checkout with no GitHub remote are fixed.
    assert.equal((await issueFromUrl("https://github.com/acme/api/issues/12", options(checkout("git@github.com:me/api.git", "https://github.com/acme/api.git"))))?.kind, "issue");
    assert.equal((await issueFromUrl("https://github.com/acme/api/issues/12", options(checkout("git@gitlab.com:acme/web.git"))))?.kind, "issue");
  });

  it("takes an issue transferred to the checkout's repository by its old URL", async () => {
    assert.deepEqual(await issueFromUrl("https://github.com/acme/old-api/issues/3", options(checkout("git@github.com:acme/web.git"))), { kind: "issue", text: "Moved here (acme/old-api#3)\n\nb" });
  });

  it("sends the API's token, and says to set one when a private issue answers 404", async () => {
    const repo = checkout();
    const missing = await issueFromUrl("https://github.com/acme/secret/issues/1", options(repo));
    assert.deepEqual(missing, { kind: "refused", message: `GitHub answered 404 for acme/secret#1. Set GH_ENTERPRISE_TOKEN (or GITHUB_ENTERPRISE_TOKEN) to a token of ${base.slice("http://".length)} that can read it if it is in a private repository.` });
    assert.deepEqual(await issueFromUrl("https://github.com/acme/secret/issues/1", options(repo, { GITHUB_ENTERPRISE_TOKEN: "ghp_env" })), { kind: "issue", text: "Private bug (acme/secret#1)\n\n(no description)" });
    assert.equal(seen.at(-1)?.auth, "Bearer ghp_env");
  });

  it("sends github.com's token ($GH_TOKEN, $GITHUB_TOKEN) to api.github.com only: another API gets $GH_ENTERPRISE_TOKEN or $GITHUB_ENTERPRISE_TOKEN, and is told why when only github.com's is set", async () => {
    assert.deepEqual(gitHubAccess({ GH_TOKEN: "ghp_com", GH_ENTERPRISE_TOKEN: "e" }), { host: "github.com", apiBase: "https://api.github.com", token: "ghp_com", tokenVariables: ["GH_TOKEN"] });
    assert.equal(gitHubAccess({ GITHUB_API_URL: "https://API.github.com:443/", GITHUB_TOKEN: "ghp_com" }).token, "ghp_com");
    for (const api of ["https://ghe.corp.test/api/v3", "https://api.github.com.evil.test", "https://evil.test/api.github.com", base]) {
      assert.equal(gitHubAccess({ GITHUB_API_URL: api, GH_TOKEN: "ghp_com", GITHUB_TOKEN: "ghp_com2" }).token, undefined, api);
      assert.equal(gitHubAccess({ GITHUB_API_URL: api, GH_TOKEN: "ghp_com", GITHUB_ENTERPRISE_TOKEN: "e" }).token, "e", api);
    }
    const repo = checkout("git@github.com:acme/secret.git");
    progress.length = 0;
    const withheld = await issueFromUrl("https://github.com/acme/secret/issues/1", options(repo, { GH_TOKEN: "ghp_env", GITHUB_TOKEN: "ghp_env" }));
    assert.equal(seen.at(-1)?.auth, undefined, "github.com's token is not sent to another server");
    const where = base.slice("http://".length);
    assert.equal(progress[0], `GH_TOKEN and GITHUB_TOKEN hold a github.com token: it is not sent to ${where}, which is not api.github.com (GITHUB_API_URL). For that server's token, set GH_ENTERPRISE_TOKEN (or GITHUB_ENTERPRISE_TOKEN)`);
    assert.deepEqual(withheld, { kind: "refused", message: `GitHub answered 404 for acme/secret#1. Set GH_ENTERPRISE_TOKEN (or GITHUB_ENTERPRISE_TOKEN) to a token of ${where} that can read it if it is in a private repository.` });
    progress.length = 0;
    assert.equal((await issueFromUrl("https://github.com/acme/secret/issues/1", options(repo, { GH_TOKEN: "ghp_com", GH_ENTERPRISE_TOKEN: "ghp_env" })))?.kind, "issue");
    assert.equal(seen.at(-1)?.auth, "Bearer ghp_env");
    assert.match(progress.join("\n"), /^fetching acme\/secret#1 from http:\/\/127\.0\.0\.1:\d+ \(with the token of GH_ENTERPRISE_TOKEN\)…$/);
  });

  it("sends $GITHUB_TOKEN to a GHE.com tenant's API (GitHub's own servers, as gh does: GitHub Actions there sets it), not to a name that only ends like one", () => {
    const actions = { GITHUB_SERVER_URL: "https://acme.ghe.com", GITHUB_API_URL: "https://api.acme.ghe.com", GITHUB_TOKEN: "ghs_run" };
    assert.deepEqual(gitHubAccess(actions), { host: "acme.ghe.com", apiBase: "https://api.acme.ghe.com", token: "ghs_run", tokenVariables: ["GITHUB_TOKEN"] });
    for (const api of ["https://api.acme.ghe.com.evil.test", "https://evil.test/api.acme.ghe.com", "https://api.ghe.com", "https://x.api.acme.ghe.com", "http://api.acme.ghe.com", "https://api.acme.ghe.com/v3", "https://api.acme.ghe.com:8443"]) {
      assert.equal(gitHubAccess({ ...actions, GITHUB_API_URL: api }).token, undefined, api);
    }
  });

  it("says when the rate limit is used up, until when, and what raises it", async () => {
    const now = () => Date.UTC(2026, 11, 5, 7, 30, 10);
    assert.deepEqual(await issueFromUrl("https://github.com/acme/busy/issues/1", { ...options(checkout()), now }), {
      kind: "refused",
      message: `GitHub's rate limit for requests without sign-in (60 an hour) is used up until 07:42 UTC (in 12 min) (acme/busy#1). Set GH_ENTERPRISE_TOKEN (or GITHUB_ENTERPRISE_TOKEN) to a token of ${base.slice("http://".length)} that can read it for a higher limit, or give the issue's text instead (--issue-file FILE).`,
    });
  });

  it("says a captive portal's 511 as a network to sign in to, in a browser", async () => {
    const got = await issueFromUrl("https://github.com/acme/portal/issues/1", options(checkout()));
    assert.equal(got?.kind, "refused");
    assert.match((got as { message: string }).message, /^GitHub answered 511 Network Authentication Required for acme\/portal#1\. This network wants you to sign in first \(a captive portal: a hotel's or guest network's\): open any web page in a browser, sign in there, then run it again$/);
  });

  it("says so when the API cannot be reached, naming where it looked", async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    assert.deepEqual(await issueFromUrl("https://github.com/acme/api/issues/12", options(checkout(), { GITHUB_API_URL: `http://127.0.0.1:${port}` })), {
      kind: "refused",
      message: `GitHub's API at http://127.0.0.1:${port} cannot be reached (are you offline?). Give the issue's text instead (--issue-file FILE).`,
    });
  });

  it("never prints credentials written into $GITHUB_API_URL, and says so when it is no URL", async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    progress.length = 0;
    const result = await issueFromUrl("https://github.com/acme/api/issues/12", options(checkout(), { GITHUB_API_URL: `http://bot:s3cret@127.0.0.1:${port}/api` }));
    assert.equal(result?.kind, "refused");
    assert.ok(![...progress, (result as { message: string }).message].some((t) => t.includes("s3cret")), JSON.stringify([progress, result]));
    assert.equal((result as { message: string }).message, `GITHUB_API_URL has a user or password in it (http://127.0.0.1:${port}/api): put the token in GH_ENTERPRISE_TOKEN (or GITHUB_ENTERPRISE_TOKEN) instead`);
    assert.deepEqual(await issueFromUrl("https://github.com/acme/api/issues/12", options(checkout(), { GITHUB_API_URL: "api.corp.test/v3" })), {
      kind: "refused",
      message: "GITHUB_API_URL is not an http(s) URL (api.corp.test/v3): set it to the API's URL, such as https://HOST/api/v3, or unset it for github.com",
    });
  });

  it("never sends the token over plain http to another machine than this one: $GITHUB_API_URL http://api.corp.test is refused with a token, fetched without", async () => {
    progress.length = 0;
    assert.deepEqual(await issueFromUrl("https://github.com/acme/api/issues/12", options(checkout(), { GITHUB_API_URL: "http://api.corp.test:8080/api/v3", GH_ENTERPRISE_TOKEN: "ghp_env" })), {
      kind: "refused",
      message: "GITHUB_API_URL is plain http to api.corp.test:8080: the token of GH_ENTERPRISE_TOKEN would cross the network unencrypted. Set GITHUB_API_URL to the API's https:// URL, or unset GH_ENTERPRISE_TOKEN to fetch a public issue without a token",
    });
    assert.deepEqual(progress, []);
    // An Enterprise server's token is $GH_ENTERPRISE_TOKEN's (github.com's $GITHUB_TOKEN is not sent there): the message names it.
    assert.deepEqual(await issueFromUrl("http://ghe.corp.test/acme/api/issues/12", options(checkout(), { GITHUB_API_URL: "http://ghe.corp.test/api/v3", GH_ENTERPRISE_TOKEN: "e", GITHUB_TOKEN: "t" })), {
      kind: "refused",
      message: "GITHUB_API_URL is plain http to ghe.corp.test: the token of GH_ENTERPRISE_TOKEN would cross the network unencrypted. Set GITHUB_API_URL to the API's https:// URL, or unset GH_ENTERPRISE_TOKEN to fetch a public issue without a token",
    });
    const repo = checkout("git@github.com:acme/api.git");
    assert.equal((await issueFromUrl("https://github.com/acme/api/issues/12", options(repo, { GITHUB_API_URL: base.replace("127.0.0.1", "localhost"), GH_ENTERPRISE_TOKEN: "ghp_env" })))?.kind, "issue");
    assert.equal(seen.at(-1)?.auth, "Bearer ghp_env");
  });

  it("is cancelled by Ctrl-C while fetching", async () => {
    const cancel = new AbortController();
    cancel.abort();
    assert.deepEqual(await issueFromUrl("https://github.com/acme/api/issues/12", { ...options(checkout()), signal: cancel.signal }), { kind: "cancelled" });
  });

  it("refuses a URL that is no issue it can fetch, saying why and what to do", async () => {
    const repo = checkout();
    const message = async (url: string, env: NodeJS.ProcessEnv = {}) => {
      const result = await issueFromUrl(url, options(repo, env));
      assert.equal(result?.kind, "refused", url);
      return (result as { message: string }).message;
    };
    const before = seen.length;
    assert.equal(await message("https://github.com/acme/api/discussions/5"), "https://github.com/acme/api/discussions/5 is not a GitHub issue or pull request (…/owner/repo/issues/N), and the agent cannot open web pages. Give the issue's text (as text, with --issue or with --issue-file FILE)");
    assert.equal(await message("https://gitlab.com/acme/api/-/issues/7\u001b[2J"), "the issue is only a link (https://gitlab.com/acme/api/-/issues/7\\x1b[2J): hearth fix fetches issues from github.com only (for a GitHub Enterprise server, set GITHUB_API_URL to its API, https://gitlab.com/api/v3), and the agent cannot open web pages. Give the issue's text (as text, with --issue or with --issue-file FILE)");
    assert.match(await message("https://github.com/acme/api/issues/12", { GITHUB_SERVER_URL: "https://ghe.corp.test" }), /^the issue https:\/\/github\.com\/acme\/api\/issues\/12 is on github\.com, but GITHUB_SERVER_URL or GITHUB_API_URL points hearth fix at ghe\.corp\.test: unset them to fetch it from github\.com, or give the issue's text: gh issue view 12 -R acme\/api > issue\.md, then --issue-file issue\.md$/);
    assert.equal(seen.length, before, "no request for any of them");
  });

  it("never prints a user or password written into the issue's URL, and says to give it without them", async () => {
    const before = seen.length;
    progress.length = 0;
    for (const [url, shown] of [["https://alice:hunter2@github.com/acme/api/issues/12", "https://github.com/acme/api/issues/12"], ["https://alice:hunter2@gitlab.com/acme/api/-/issues/7", "https://gitlab.com/acme/api/-/issues/7"]]) {
      const result = await issueFromUrl(url!, options(checkout()));
      assert.deepEqual(result, { kind: "refused", message: `the issue's URL has a user name or password in it: give it without them (${shown})` }, url);
    }
    assert.equal(seen.length, before, "no request");
    assert.deepEqual(progress, []);
  });

  it("says a host that only looks like github.com is not github.com (letters of another alphabet, github.com.<another domain>), with no hint to send the token there", async () => {
    const refused = async (url: string) => ((await issueFromUrl(url, options(checkout()))) as { message: string }).message;
    assert.equal(await refused("https://g\u0456thub.com/acme/api/issues/12"), "the issue is only a link to xn--gthub-n2e.com, which is not github.com: its name is written with letters outside ASCII (shown here as the name DNS looks up), however alike they look. hearth fix fetches issues from github.com only, and the agent cannot open web pages. Give the issue's text (as text, with --issue or with --issue-file FILE)");
    // Written with DNS's trailing dot, as a browser opens it: a look-alike all the same, with no hint to point GITHUB_API_URL there.
    assert.equal(await refused("https://g\u0456thub.com./acme/api/issues/12"), "the issue is only a link to xn--gthub-n2e.com., which is not github.com: its name is written with letters outside ASCII (shown here as the name DNS looks up), however alike they look. hearth fix fetches issues from github.com only, and the agent cannot open web pages. Give the issue's text (as text, with --issue or with --issue-file FILE)");
    // A name outside ASCII that is nothing like github.com is no look-alike: the ordinary refusal.
    assert.match(await refused("https://b\u00fccher.example/acme/api/issues/12"), /^the issue is only a link \(https:\/\/b\u00fccher\.example\/acme\/api\/issues\/12\): hearth fix fetches issues from github\.com only/);
    assert.match(await refused("https://\u0261ithub.com/acme/api/issues/12"), /^the issue is only a link to xn--ithub-.*, which is not github\.com: its name is written with letters outside ASCII/);
    assert.equal(await refused("https://github.com.evil.test/acme/api/issues/12"), "the issue is only a link to github.com.evil.test, which is not github.com: a name under evil.test. hearth fix fetches issues from github.com only, and the agent cannot open web pages. Give the issue's text (as text, with --issue or with --issue-file FILE)");
  });

  it("takes github.com's issue URL written with the repository's .git, the port 443, or the host's final dot", async () => {
    const repo = checkout("git@github.com:acme/api.git");
    for (const url of ["https://github.com/acme/api.git/issues/12", "https://github.com:443/acme/api/issues/12", "https://github.com./acme/api/pull/12"]) {
      assert.equal((await issueFromUrl(url, options(repo)))?.kind, "issue", url);
      assert.equal(seen.at(-1)?.url, "/repos/acme/api/issues/12/comments?per_page=10", url);
    }
  });

  it("says that whether the issue is the checkout's is not checked when no remote is on GitHub, naming the remote's host only", async () => {
    progress.length = 0;
    assert.equal((await issueFromUrl("https://github.com/acme/api/issues/12", options(checkout("https://bot:s3cret@gitlab.com/acme/web.git", "git@bitbucket.org:acme/web.git"))))?.kind, "issue");
    assert.equal(progress.at(-1), "the checkout has no remote on github.com (origin: gitlab.com, r1: bitbucket.org): whether acme/api#12 is its issue is not checked");
    progress.length = 0;
    assert.equal((await issueFromUrl("https://github.com/acme/api/issues/12", options(checkout())))?.kind, "issue");
    assert.equal(progress.at(-1), "the checkout has no remote on github.com: whether acme/api#12 is its issue is not checked");
  });

  it("fetches a GitHub Enterprise issue from its server's API and checks it against that server's remotes", async () => {
    const env = { GITHUB_SERVER_URL: "https://ghe.corp.test" };
    const ours = checkout("git@ghe.corp.test:acme/api.git");
    assert.equal((await issueFromUrl("https://ghe.corp.test/acme/api/issues/12", options(ours, env)))?.kind, "issue");
    const other = await issueFromUrl("https://ghe.corp.test/acme/api/issues/12", options(checkout("https://ghe.corp.test/acme/web.git"), env));
    assert.match((other as { message: string }).message, /^the issue is from acme\/api, but the checkout .* \(GitHub remote: acme\/web \(origin\)\)/);
  });
});
