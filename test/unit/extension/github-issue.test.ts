// Fix This Issue's GitHub source against a real HTTP server on 127.0.0.1.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { fetchGitHubIssue, IssueFetchError, parseGitHubIssueUrl } from "../../../src/extension/github-issue.ts";

describe("GitHub issue URLs", () => {
  it("recognizes issue and pull request URLs and nothing else", () => {
    assert.deepEqual(parseGitHubIssueUrl(" https://github.com/acme/shop/issues/42 "), { owner: "acme", repo: "shop", number: 42 });
    assert.deepEqual(parseGitHubIssueUrl("https://github.com/a-b/c.d/pull/7#issuecomment-1"), { owner: "a-b", repo: "c.d", number: 7 });
    for (const text of ["add(2, 3) returns -1", "https://github.com/acme/shop", "https://gitlab.com/acme/shop/issues/1", "see https://github.com/a/b/issues/1"]) {
      assert.equal(parseGitHubIssueUrl(text), undefined, text);
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
  after(() => server.close());

  it("returns title, body and comments as the agent's issue text", async () => {
    const text = await fetchGitHubIssue({ owner: "acme", repo: "shop", number: 42 }, { apiBase: base });
    assert.equal(text, "Cart total is wrong (acme/shop#42)\n\nadd(2, 3) gives -1\n\nComment by ana:\nAlso for floats.");
  });

  it("asks to sign in for a private issue, and sends the sign-in token when it has one", async () => {
    await assert.rejects(fetchGitHubIssue({ owner: "acme", repo: "secret", number: 1 }, { apiBase: base }), (e: Error) => e instanceof IssueFetchError && /Sign in to GitHub/.test(e.message));
    const text = await fetchGitHubIssue({ owner: "acme", repo: "secret", number: 1 }, { apiBase: base, token: "gho_test" });
    assert.match(text, /^Private bug/);
    assert.equal(seen.at(-1)?.auth, "Bearer gho_test");
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
