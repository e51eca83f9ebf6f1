// Fix This Issue's GitHub source against a real HTTP server on 127.0.0.1.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { fetchGitHubIssue, fetchGitHubIssueDetails, IssueFetchError, parseGitHubIssueUrl, unfetchableIssueUrl } from "../../../src/github/github-issue.ts";

describe("GitHub issue URLs", () => {
  it("recognizes issue and pull request URLs and nothing else", () => {
    assert.deepEqual(parseGitHubIssueUrl(" https://github.com/acme/shop/issues/42 "), { owner: "acme", repo: "shop", number: 42 });
    assert.deepEqual(parseGitHubIssueUrl("https://github.com/a-b/c.d/pull/7#issuecomment-1"), { owner: "a-b", repo: "c.d", number: 7 });
    for (const text of ["add(2, 3) returns -1", "https://github.com/acme/shop", "https://gitlab.com/acme/shop/issues/1", "see https://github.com/a/b/issues/1"]) {
      assert.equal(parseGitHubIssueUrl(text), undefined, text);
    }
  });

  it("takes no '.' or '..' for the owner or the repository: the API path would leave /repos/ (https://github.com/../../issues/1 asked api.github.com/issues/1, with the sign-in token)", () => {
    for (const text of ["https://github.com/../../issues/1", "https://github.com/acme/../issues/1", "https://github.com/./shop/issues/1", "https://github.com/acme/./pull/2"]) {
      assert.equal(parseGitHubIssueUrl(text), undefined, text);
    }
    assert.deepEqual(parseGitHubIssueUrl("https://github.com/acme/.github/issues/3"), { owner: "acme", repo: ".github", number: 3 });
  });
});

describe("a URL Fix This Issue cannot fetch", () => {
  it("says so instead of handing the agent a bare URL it cannot open (GitHub Enterprise, GitLab, a GitHub page that is no issue)", () => {
    assert.match(unfetchableIssueUrl("https://github.example.com/acme/shop/issues/42")!, /^Hearth fetches issues from github\.com only, not from github\.example\.com\. Paste the issue's text instead\.$/);
    assert.match(unfetchableIssueUrl(" https://gitlab.com/acme/shop/-/issues/7\n")!, /not from gitlab\.com\. Paste the issue's text/);
    assert.match(unfetchableIssueUrl("https://github.com/acme/shop/discussions/5")!, /is not a GitHub issue or pull request \(…\/owner\/repo\/issues\/N\)\. Paste the issue's text instead\.$/);
    assert.match(unfetchableIssueUrl("https://github.com/../../issues/1")!, /is not a GitHub issue or pull request/);
    for (const url of ["https://bot:s3cret@github.com/acme/shop/discussions/5", "https://bot:s3cret@gitlab.com/acme/shop/-/issues/7"]) {
      assert.doesNotMatch(unfetchableIssueUrl(url)!, /bot|s3cret/, url);
    }
    // An issue's URL with a user and password is one all the same: said so, not "not a GitHub issue".
    assert.equal(unfetchableIssueUrl("https://bot:s3cret@github.com/acme/shop/issues/5"), "The issue's URL has a user name or password in it: paste it without them (https://github.com/acme/shop/issues/5).");
    assert.equal(unfetchableIssueUrl("https://bot@gitlab.com/acme/shop/-/issues/7"), "The issue's URL has a user name or password in it: paste it without them (https://gitlab.com/acme/shop/-/issues/7).");
  });

  it("leaves alone an issue it can fetch and any text that is more than a URL", () => {
    for (const text of ["https://github.com/acme/shop/issues/42", "https://www.github.com/acme/shop/pull/7", "add(2, 3) returns -1", "crash, see https://gitlab.com/acme/shop/-/issues/7", "ftp://example.com/x"]) {
      assert.equal(unfetchableIssueUrl(text), undefined, text);
    }
  });
});

describe("fetching a GitHub issue", () => {
  let server: Server;
  let base: string;
  const seen: { url: string; auth: string | undefined }[] = [];
  before(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url!, auth: req.headers.authorization });
      res.setHeader("content-type", "application/json");
      if (req.url === "/repos/acme/shop/issues/42") return res.end(JSON.stringify({ title: "Cart total is wrong", body: "add(2, 3) gives -1", comments: 1 }));
      if (req.url === "/repos/acme/shop/issues/42/comments?per_page=10") return res.end(JSON.stringify([{ user: { login: "ana" }, body: "Also for floats." }]));
      if (req.url === "/repos/acme/busy/issues/1" || req.url === "/repos/acme/busy-dated/issues/1") {
        // Without a Date header the wait is counted on this machine's clock (the tests' `now`).
        if (req.url === "/repos/acme/busy/issues/1") res.sendDate = false;
        else res.setHeader("date", new Date(Date.UTC(2026, 11, 5, 7, 30, 10)).toUTCString());
        res.statusCode = req.headers.authorization ? 429 : 403;
        res.setHeader("x-ratelimit-remaining", "0");
        res.setHeader("x-ratelimit-reset", String(Date.UTC(2026, 11, 5, 7, 42) / 1000));
        return res.end(JSON.stringify({ message: "API rate limit exceeded" }));
      }
      if (req.url === "/repos/acme/portal/issues/1") {
        res.setHeader("content-type", "text/html");
        return res.end("<html><body>Sign in to the hotel Wi-Fi</body></html>");
      }
      if (req.url === "/repos/acme/odd/issues/1") return res.end(JSON.stringify({ title: "Odd comments", body: "body", comments: 2 }));
      if (req.url === "/repos/acme/odd/issues/1/comments?per_page=10") return res.end(JSON.stringify({ message: "not a list" }));
      if (req.url === "/repos/acme/list/issues/1") return res.end(JSON.stringify([1, 2, 3]));
      if (req.url === "/repos/acme/huge/issues/1") return res.end(JSON.stringify({ title: "Crash on start", body: `Starts, then crashes.\n${"log line\n".repeat(120_000)}`, comments: 1 }));
      if (req.url === "/repos/acme/huge/issues/1/comments?per_page=10") return res.end(JSON.stringify([{ user: { login: "bo" }, body: "x".repeat(100_000) }]));
      if (req.url === "/repos/acme/types/issues/1") return res.end(JSON.stringify({ title: 1234, body: { text: "x" }, comments: "2" }));
      if (req.url === "/repos/acme/types/issues/2") return res.end(JSON.stringify({ title: null, body: 42, comments: 1 }));
      if (req.url === "/repos/acme/types/issues/2/comments?per_page=10") return res.end(JSON.stringify([null, { user: { login: 7 }, body: "Seen on 2.1" }, { user: null, body: 5 }]));
      if (req.url === "/repos/acme/slow/issues/1") return; // never answers
      // A transferred issue: GitHub redirects the old URL to the issue where it is now.
      if (req.url === "/repos/acme/old-api/issues/3") return res.writeHead(301, { location: "/repos/acme/web/issues/9" }).end();
      if (req.url === "/repos/acme/web/issues/9") return res.end(JSON.stringify({ title: "Moved", body: "b", comments: 0, repository_url: `${base}/repos/acme/web` }));
      if (req.url === "/repos/acme/secret/issues/1") {
        res.statusCode = req.headers.authorization ? 200 : 404;
        return res.end(JSON.stringify(req.headers.authorization ? { title: "Private bug", body: "", comments: 0 } : { message: "Not Found" }));
      }
      res.statusCode = 500;
      res.end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections(); // the one that never answers
    server.close();
  });

  it("returns title, body and comments as the agent's issue text", async () => {
    const text = await fetchGitHubIssue({ owner: "acme", repo: "shop", number: 42 }, { apiBase: base });
    assert.equal(text, "Cart total is wrong (acme/shop#42)\n\nadd(2, 3) gives -1\n\nComment by ana:\nAlso for floats.");
  });

  it("says which repository GitHub has the issue in now (a transfer or a rename), and none when the answer does not say", async () => {
    const moved = await fetchGitHubIssueDetails({ owner: "acme", repo: "old-api", number: 3 }, { apiBase: base });
    assert.deepEqual(moved, { text: "Moved (acme/old-api#3)\n\nb", repository: { owner: "acme", repo: "web" } });
    assert.equal((await fetchGitHubIssueDetails({ owner: "acme", repo: "shop", number: 42 }, { apiBase: base })).repository, undefined);
  });

  it("asks to sign in for a private issue, and sends the sign-in token when it has one", async () => {
    await assert.rejects(fetchGitHubIssue({ owner: "acme", repo: "secret", number: 1 }, { apiBase: base }), (e: Error) => e instanceof IssueFetchError && /Sign in to GitHub/.test(e.message));
    const text = await fetchGitHubIssue({ owner: "acme", repo: "secret", number: 1 }, { apiBase: base, token: "gho_test" });
    assert.match(text, /^Private bug/);
    assert.equal(seen.at(-1)?.auth, "Bearer gho_test");
  });

  it("says when the rate limit is used up, until when and how long that is from now (whatever the time zone), and offers sign-in only where it helps", async () => {
    const now = () => Date.UTC(2026, 11, 5, 7, 30, 10);
    await assert.rejects(fetchGitHubIssue({ owner: "acme", repo: "busy", number: 1 }, { apiBase: base, now }), (e: Error) =>
      e instanceof IssueFetchError && e.message === "GitHub's rate limit for requests without sign-in (60 an hour) is used up until 07:42 UTC (in 12 min) (acme/busy#1). Sign in to GitHub (Accounts menu) for a higher limit, or paste the issue text instead.");
    await assert.rejects(fetchGitHubIssue({ owner: "acme", repo: "busy", number: 1 }, { apiBase: base, token: "gho_test", now }), (e: Error) =>
      e instanceof IssueFetchError && /^GitHub's rate limit for your account is used up until 07:42 UTC \(in 12 min\)/.test(e.message) && !/Sign in/.test(e.message));
    await assert.rejects(fetchGitHubIssue({ owner: "acme", repo: "busy", number: 1 }, { apiBase: base, now: () => Date.UTC(2026, 11, 5, 4, 0) }), (e: Error) => /until 07:42 UTC \(in 4 h\)/.test(e.message));
    await assert.rejects(fetchGitHubIssue({ owner: "acme", repo: "busy", number: 1 }, { apiBase: base, now: () => Date.UTC(2026, 11, 5, 8, 0) }), (e: Error) => /until 07:42 UTC \(over now\)/.test(e.message));
  });

  it("counts the wait on GitHub's clock (its Date header), not on a clock of this machine that is off", async () => {
    for (const off of [-30, 20]) {
      const now = () => Date.UTC(2026, 11, 5, 7, 30 + off, 10);
      await assert.rejects(fetchGitHubIssue({ owner: "acme", repo: "busy-dated", number: 1 }, { apiBase: base, now }), (e: Error) => /until 07:42 UTC \(in 12 min\)/.test(e.message), `clock ${off} min off`);
    }
  });

  it("an answer that is not an issue (a Wi-Fi sign-in page, a list, comments of another shape) is said so or left out, never a TypeError", async () => {
    await assert.rejects(fetchGitHubIssue({ owner: "acme", repo: "portal", number: 1 }, { apiBase: base }), (e: Error) => e instanceof IssueFetchError && /is not JSON \(a proxy or a sign-in page/.test(e.message));
    await assert.rejects(fetchGitHubIssue({ owner: "acme", repo: "list", number: 1 }, { apiBase: base }), (e: Error) => e instanceof IssueFetchError && /is not an issue/.test(e.message));
    assert.equal(await fetchGitHubIssue({ owner: "acme", repo: "odd", number: 1 }, { apiBase: base }), "Odd comments (acme/odd#1)\n\nbody");
  });

  it("fields of the wrong type (a number title, an object or number body, comments as text) are taken as far as they make sense, never a TypeError", async () => {
    assert.equal(await fetchGitHubIssue({ owner: "acme", repo: "types", number: 1 }, { apiBase: base }), "1234 (acme/types#1)\n\n(no description)");
    assert.equal(await fetchGitHubIssue({ owner: "acme", repo: "types", number: 2 }, { apiBase: base }), "(no title) (acme/types#2)\n\n42\n\nComment by 7:\nSeen on 2.1");
  });

  it("an issue with a huge body (a 1 MB log) is cut to what a model can read, saying how much was left out and where the rest is", async () => {
    const text = await fetchGitHubIssue({ owner: "acme", repo: "huge", number: 1 }, { apiBase: base });
    assert.ok(text.length < 60_000, `${text.length} characters`);
    assert.match(text, /^Crash on start \(acme\/huge#1\)\n\nStarts, then crashes\.\nlog line\n/);
    assert.match(text, /\n\[… 1,0\d\d,\d\d\d more characters of the description left out: see https:\/\/github\.com\/acme\/huge\/issues\/1\]\n\nComment by bo:\nx+\n\[… 9\d,\d\d\d more characters of this comment left out\]$/);
  });

  it("refuses a reference whose owner or repository is a dot segment, without a request", async () => {
    const before = seen.length;
    await assert.rejects(fetchGitHubIssue({ owner: "..", repo: "..", number: 1 }, { apiBase: base, token: "gho_test" }), (e: Error) => e instanceof IssueFetchError && /not a GitHub repository/.test(e.message));
    assert.equal(seen.length, before);
  });

  it("gives up on a server that never answers, and a cancel ends the wait at once", async () => {
    await assert.rejects(fetchGitHubIssue({ owner: "acme", repo: "slow", number: 1 }, { apiBase: base, timeoutMs: 200 }), (e: Error) => e instanceof IssueFetchError && /did not answer within 0\.2 s/.test(e.message));
    const cancel = new AbortController();
    const pending = fetchGitHubIssue({ owner: "acme", repo: "slow", number: 1 }, { apiBase: base, signal: cancel.signal });
    cancel.abort();
    await assert.rejects(pending, (e: Error) => !(e instanceof IssueFetchError) && e.name === "AbortError");
  });

  it("says so plainly when GitHub cannot be reached", async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    await assert.rejects(
      fetchGitHubIssue({ owner: "acme", repo: "shop", number: 42 }, { apiBase: `http://127.0.0.1:${port}` }),
      (e: Error) => e instanceof IssueFetchError && /offline/.test(e.message),
    );
  });
});
