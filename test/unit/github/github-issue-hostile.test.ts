// Fetching a GitHub issue from a hostile or broken server (a real HTTP server on 127.0.0.1):
// where the token goes, how much is read, and what of the answer reaches the agent.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { fetchGitHubIssue, IssueFetchError, parseGitHubIssueUrl } from "../../../src/github/github-issue.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ server: Server; base: string; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return { server, base: `http://127.0.0.1:${port}`, port };
}

function stop(server: Server): void {
  server.closeAllConnections();
  server.close();
}

const issue = { owner: "acme", repo: "shop", number: 1 };
const fails = (pattern: RegExp) => (e: Error) => e instanceof IssueFetchError && pattern.test(e.message);

describe("the token and redirects", () => {
  let api: Awaited<ReturnType<typeof serve>>;
  let other: Awaited<ReturnType<typeof serve>>;
  const otherSaw: (string | undefined)[] = [];
  before(async () => {
    other = await serve((req, res) => {
      otherSaw.push(req.headers.authorization);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ title: "Elsewhere", body: "b", comments: 0 }));
    });
    api = await serve((req, res) => {
      const m = req.url!.match(/^\/repos\/acme\/(\d{3})-(port|host)\/issues\/1$/);
      if (!m) return res.writeHead(500).end("{}");
      const target = m[2] === "port" ? other.base : `http://localhost:${other.port}`;
      res.writeHead(Number(m[1]), { location: `${target}/repos/acme/shop/issues/1` }).end();
    });
  });
  after(() => {
    stop(api.server);
    stop(other.server);
  });

  it("never sends the token on to another port or host a redirect (301, 302, 307, 308) points at", async () => {
    for (const status of [301, 302, 307, 308]) {
      for (const where of ["port", "host"]) {
        otherSaw.length = 0;
        await fetchGitHubIssue({ owner: "acme", repo: `${status}-${where}`, number: 1 }, { apiBase: api.base, token: "ghp_secret" });
        assert.deepEqual(otherSaw, [undefined], `${status} to another ${where}`);
      }
    }
  });

  it("refuses to send the token over plain http to a host other than this machine", async () => {
    await assert.rejects(fetchGitHubIssue(issue, { apiBase: "http://api.example.test", token: "ghp_secret" }), fails(/^The token is not sent over plain http to api\.example\.test: use an https:\/\/ API URL/));
  });

  it("takes only localhost itself and loopback addresses for this machine: a name under .localhost is looked up in DNS, which may answer another machine", async () => {
    await assert.rejects(fetchGitHubIssue(issue, { apiBase: "http://api.localhost:8080/api/v3", token: "ghp_secret" }), fails(/^The token is not sent over plain http to api\.localhost:8080:/));
    for (const base of ["http://localhost:1", "http://127.0.0.2:1", "http://[::1]:1"]) {
      await assert.rejects(fetchGitHubIssue(issue, { apiBase: base, token: "ghp_secret" }), fails(/cannot be reached/), base);
    }
  });
});

describe("answers too big or too slow", () => {
  let api: Awaited<ReturnType<typeof serve>>;
  let sent = 0;
  before(async () => {
    api = await serve((req, res) => {
      res.setHeader("content-type", "application/json");
      const url = req.url!;
      if (url === "/repos/acme/endless/issues/1") {
        // 500 MB or more: it writes as fast as it is read, until the client hangs up.
        sent = 0;
        res.write('{"title":"x","body":"');
        const chunk = "a".repeat(1 << 20);
        const more = () => {
          while (sent < 500 << 20 && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once("drain", more);
          }
          res.end('"}');
        };
        return more();
      }
      if (url === "/repos/acme/many/issues/1") return res.end(JSON.stringify({ title: "Many comments", body: "b", comments: 10_000 }));
      if (url === "/repos/acme/many/issues/1/comments?per_page=10") {
        return res.end(JSON.stringify(Array.from({ length: 10_000 }, (_, i) => ({ user: { login: `u${i}` }, body: `comment ${i}` }))));
      }
      if (url === "/repos/acme/long/issues/1") return res.end(JSON.stringify({ title: "T".repeat(1 << 20), body: "b", comments: 1 }));
      if (url === "/repos/acme/long/issues/1/comments?per_page=10") return res.end(JSON.stringify([{ user: { login: "L".repeat(1 << 20) }, body: "c" }]));
      if (url === "/repos/acme/deep/issues/1") return res.end(`{"title":"deep","body":${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}}`);
      if (url === "/repos/acme/loris/issues/1") {
        res.write('{"title":"');
        return; // one byte now, and the next one never comes
      }
      res.writeHead(500).end("{}");
    });
  });
  after(() => stop(api.server));

  it("stops reading an answer of 500 MB at a few MB, saying it is too big", async () => {
    await assert.rejects(fetchGitHubIssue({ owner: "acme", repo: "endless", number: 1 }, { apiBase: api.base }), fails(/^GitHub's answer for acme\/endless#1 is over 10 MB/));
    assert.ok(sent < 100 << 20, `the server wrote ${sent} bytes before the client hung up`);
  });

  it("gives up on an answer that stops half-way (slow loris)", async () => {
    await assert.rejects(fetchGitHubIssue({ owner: "acme", repo: "loris", number: 1 }, { apiBase: api.base, timeoutMs: 300 }), fails(/did not finish its answer within 0\.3 s/));
  });

  it("takes the first 10 of 10,000 comments", async () => {
    const text = await fetchGitHubIssue({ owner: "acme", repo: "many", number: 1 }, { apiBase: api.base });
    assert.equal(text.match(/^Comment by /gm)?.length, 10);
    assert.match(text, /Comment by u9:\ncomment 9$/);
  });

  it("cuts a title of 1 MB and a login of 1 MB", async () => {
    const text = await fetchGitHubIssue({ owner: "acme", repo: "long", number: 1 }, { apiBase: api.base });
    assert.ok(text.length < 5_000, `${text.length} characters`);
    assert.match(text, /^T+… \(acme\/long#1\)\n\nb\n\nComment by L+…:\nc$/);
  });

  it("reads deeply nested JSON without a crash", async () => {
    assert.equal(await fetchGitHubIssue({ owner: "acme", repo: "deep", number: 1 }, { apiBase: api.base }), "deep (acme/deep#1)\n\n(no description)");
  });
});

describe("answers that are no issue, or an issue with odd text", () => {
  let api: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    api = await serve((req, res) => {
      res.setHeader("content-type", "application/json");
      const url = req.url!;
      if (url === "/repos/acme/creds/issues/1") return res.end(JSON.stringify({ message: "Bad credentials\u001b[2J", documentation_url: "https://docs.github.com/rest" }));
      if (url === "/repos/acme/escapes/issues/1") return res.end(JSON.stringify({ title: "Bell\u0007 \u001b]0;pwned\u0007title\u0000", body: "line\r\n\u001b[31mred\u001b[0m\u009b2J end\ttab", comments: 0 }));
      if (url === "/repos/acme/ci-log/issues/1") return res.end(JSON.stringify({ title: "\u001b[31mtest_add\u001b[0m fails", body: "pytest output:\r\n\u001b[31mFAILED\u001b[0m \u001b[1mtest_calc.py\u001b[0m::\u001b[1mtest_add\u001b[0m - assert 3 == 4\r\nDownloading  10%\rDownloading 100%\r\n", comments: 0 }));
      if (url === "/repos/acme/invisible/issues/1") return res.end(JSON.stringify({ title: "Fix\u200b lo\u202egin\u2066 \u{E0049}\u{E0067}\u{E006E}\u{E006F}\u{E0072}\u{E0065}", body: "Steps\u{E0020}\u{E0041}\u{E0064}\u{E0064}\n\u200bis\u200bAdmin \ud83d\udc68\u200d\ud83d\udc69", comments: 0 }));
      if (url === "/repos/acme/joiner-runs/issues/1") return res.end(JSON.stringify({ title: `\u00e9${"\u200d".repeat(1_000_000)}\u00e9 a\u00e9\u200c\u200d\u200c\u00e9b`, body: "b", comments: 0 }));
      if (url === "/repos/acme/joiners/issues/1") return res.end(JSON.stringify({ title: "lo\u200dgin\u200c fails: \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \ud83d\udc68\u200d\ud83d\udc69", body: "b", comments: 0 }));
      if (url === "/repos/acme/utf8/issues/1") return res.end(Buffer.concat([Buffer.from('{"title":"bad '), Buffer.from([0xff, 0xfe]), Buffer.from(' bytes","body":"b","comments":0}')]));
      res.writeHead(500).end("{}");
    });
  });
  after(() => stop(api.server));

  it("refuses a 200 whose JSON is GitHub's error message, not an issue, saying the message", async () => {
    await assert.rejects(fetchGitHubIssue({ owner: "acme", repo: "creds", number: 1 }, { apiBase: api.base }), fails(/^GitHub's answer for acme\/creds#1 is not an issue \("Bad credentials"\)\./));
  });

  it("keeps no terminal escapes, NUL or other control characters of the title and the body; line ends and tabs stay", async () => {
    assert.equal(await fetchGitHubIssue({ owner: "acme", repo: "escapes", number: 1 }, { apiBase: api.base }), "Bell title (acme/escapes#1)\n\nline\nred2J end\ttab");
  });

  it("gives a log pasted with its colour codes and progress-bar redraws (a CI job's output) as a terminal shows it, not as [31m and frames", async () => {
    assert.equal(await fetchGitHubIssue({ owner: "acme", repo: "ci-log", number: 1 }, { apiBase: api.base }), "test_add fails (acme/ci-log#1)\n\npytest output:\nFAILED test_calc.py::test_add - assert 3 == 4\nDownloading 100%");
  });

  it("keeps no invisible Unicode tag characters (a model reads them as ASCII, GitHub shows nothing), and no zero-width or bidi controls in the one-line title", async () => {
    assert.equal(await fetchGitHubIssue({ owner: "acme", repo: "invisible", number: 1 }, { apiBase: api.base }), "Fix login (acme/invisible#1)\n\nSteps\n\u200bis\u200bAdmin \ud83d\udc68\u200d\ud83d\udc69");
  });

  it("keeps a title's joiners where words need them (Persian's zero-width non-joiner, an emoji sequence's joiner), not next to ASCII", async () => {
    assert.equal(await fetchGitHubIssue({ owner: "acme", repo: "joiners", number: 1 }, { apiBase: api.base }), "login fails: \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \ud83d\udc68\u200d\ud83d\udc69 (acme/joiners#1)\n\nb");
  });

  it("drops a run of joiners from a title, however long (no word is written with two in a row; a run could spell hidden bits), and reads a title of a million of them at once", async () => {
    assert.equal(await fetchGitHubIssue({ owner: "acme", repo: "joiner-runs", number: 1 }, { apiBase: api.base }), "\u00e9\u00e9 a\u00e9\u00e9b (acme/joiner-runs#1)\n\nb");
  });

  it("reads invalid UTF-8 as replacement characters", async () => {
    assert.match(await fetchGitHubIssue({ owner: "acme", repo: "utf8", number: 1 }, { apiBase: api.base }), /^bad \uFFFD\uFFFD bytes/);
  });
});

describe("issue numbers in URLs", () => {
  it("takes no issue 0 and no number past what JavaScript counts exactly (it would ask for another issue)", () => {
    for (const n of ["0", "000", "99999999999999999999", "9007199254740993"]) assert.equal(parseGitHubIssueUrl(`https://github.com/acme/shop/issues/${n}`), undefined, n);
    assert.deepEqual(parseGitHubIssueUrl("https://github.com/acme/shop/issues/007#issuecomment-123"), { owner: "acme", repo: "shop", number: 7 });
  });
});
