/**
 * `hearth fix` given only an issue's URL: a GitHub issue is fetched (from a real HTTP server
 * on 127.0.0.1 named by $GITHUB_API_URL) before any model loads; one of another repository
 * than the checkout's, one that cannot be fetched, or a URL that is no issue stops the run
 * with exit 2, saying why. The full run with a fetched issue is test/integration/cli/fix-issue-url.test.ts.
 */
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { tempDir } from "../../fixtures/temp.ts";

// The machine's own ~/.gitconfig and /etc/gitconfig (an insteadOf there) stay out of these tests.
process.env.GIT_CONFIG_NOSYSTEM = "1";
process.env.GIT_CONFIG_GLOBAL = join(tempDir("hearth-no-gitconfig-"), "none");

// A file at the --model path that starts as a GGUF does (no model: nothing here gets as far as loading one); a missing path, or a file that is no GGUF, is refused before the issue is looked at.
const MODEL = join(tempDir("hearth-fix-url-model-"), "m.gguf");
writeFileSync(MODEL, "GGUF");

async function fix(cwd: string, ...args: string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const io = { out: () => undefined, err: (t: string) => void err.push(t), readStdin: async () => "", cwd, signal: new AbortController().signal };
  const code = await main(["fix", "--repo", cwd, "--model", MODEL, "--yes", "--state-dir", join(tempDir("hearth-fix-url-state-"), "state"), ...args], io);
  return { code, err: err.join("") };
}

/** A checkout whose origin is `url`. */
function checkout(url: string): string {
  const dir = tempDir("hearth-fix-url-");
  mkdirSync(join(dir, ".git"));
  writeFileSync(join(dir, ".git", "config"), `[remote "origin"]\n\turl = ${url}\n`);
  return dir;
}

describe("hearth fix with an issue URL", () => {
  let server: Server;
  let requests = 0;
  before(async () => {
    server = createServer((req, res) => {
      requests++;
      res.setHeader("content-type", "application/json");
      if (req.url === "/repos/acme/api/issues/12") return res.end(JSON.stringify({ title: "Crash on empty body", body: "500", comments: 0 }));
      if (req.url === "/repos/acme/api/issues/13") return res.end(JSON.stringify({ title: "CI fails", body: "\x1b[31mFAILED\x1b[0m test_calc.py::test_add\nDownloading  10%\rDownloading 100%", comments: 1 }));
      if (req.url === "/repos/acme/api/issues/13/comments?per_page=10") return res.end(JSON.stringify([{ user: { login: "ana" }, body: "Same here." }]));
      if (req.url === "/repos/acme/api/issues/14") return res.end(JSON.stringify({ title: "CI fails", body: "see below", comments: 1 }));
      if (req.url === "/repos/acme/api/issues/14/comments?per_page=10") return res.end(JSON.stringify([{ user: { login: "ana" }, body: "\x1b[1mtest_add\x1b[0m fails" }]));
      res.statusCode = 404;
      res.end(JSON.stringify({ message: "Not Found" }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    // The CLI reads its GitHub from the environment; this file runs in its own process.
    process.env.GITHUB_API_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const name of ["GITHUB_SERVER_URL", "GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"]) delete process.env[name];
  });
  after(() => server.close());

  it("fetches a GitHub issue URL (as text, --issue or --issue-file) before the model loads", async () => {
    const dir = checkout("git@github.com:acme/api.git");
    writeFileSync(join(dir, "issue.md"), "https://github.com/acme/api/issues/12\n");
    for (const args of [["https://github.com/acme/api/issues/12"], ["--issue", " https://github.com/acme/api/pull/12#issuecomment-3 "], ["--issue-file", "issue.md"]]) {
      const { err } = await fix(dir, ...args);
      assert.match(err, /^hearth fix: fetching acme\/api#12 from http:\/\/127\.0\.0\.1:\d+…$/m, args.join(" "));
      assert.doesNotMatch(err, /only a link|does not fetch/, args.join(" "));
    }
  });

  // As for an issue piped in or in --issue-file: a log pasted with its colours went to the model cleaned, and stderr said nothing.
  it("says on stderr that a fetched issue held terminal control codes and went as a terminal shows it (description or comment); nothing for a plain one", async () => {
    const dir = checkout("git@github.com:acme/api.git");
    const note = /^hearth fix: the issue held terminal control codes \(colours, progress-bar redraws\): it went to the model as a terminal shows it$/m;
    for (const n of [13, 14]) assert.match((await fix(dir, `https://github.com/acme/api/issues/${n}`)).err, note, `#${n}`);
    assert.doesNotMatch((await fix(dir, "https://github.com/acme/api/issues/12")).err, /control codes/);
  });

  it("refuses an issue of another repository than the checkout's with exit 2, naming both, before anything runs; --any-repo fixes it here", async () => {
    const dir = checkout("git@github.com:acme/web.git");
    const { code, err } = await fix(dir, "https://github.com/acme/api/issues/12");
    assert.equal(code, 2, err);
    assert.match(err, /hearth fix: the issue is from acme\/api, but the checkout .* is another repository \(GitHub remote: acme\/web \(origin\)\): .* pass --any-repo to fix it here anyway\n$/);
    assert.deepEqual(readdirSync(dir).sort(), [".git"], "no state, no trajectory: nothing ran");
    const anyRepo = await fix(dir, "--any-repo", "https://github.com/acme/api/issues/12");
    assert.doesNotMatch(anyRepo.err, /another repository/);
  });

  it("stops with exit 2 and GitHub's answer in words when the issue cannot be fetched", async () => {
    const dir = checkout("git@github.com:acme/api.git");
    const { code, err } = await fix(dir, "--issue", "https://github.com/acme/api/issues/99");
    assert.equal(code, 2, err);
    assert.match(err, /hearth fix: GitHub answered 404 for acme\/api#99\. Set GH_ENTERPRISE_TOKEN \(or GITHUB_ENTERPRISE_TOKEN\) to a token of 127\.0\.0\.1:\d+ that can read it if it is in a private repository\.\n$/);
    assert.deepEqual(readdirSync(dir).sort(), [".git"]);
  });

  // Since 3360f3c5 the issue goes as a terminal shows it (the ESC [2J cleared away, said on stderr) before the URL is looked at.
  it("refuses any other bare URL without a request, its terminal escapes cleaned away, not sent", async () => {
    const dir = tempDir("hearth-fix-url-");
    const before = requests;
    const { code, err } = await fix(dir, "--issue", "https://gitlab.com/acme/api/-/issues/7\u001b[2J");
    assert.equal(code, 2, err);
    assert.match(err, /^hearth fix: the issue held terminal control codes /m);
    assert.match(err, /the issue is only a link \(https:\/\/gitlab\.com\/acme\/api\/-\/issues\/7\): hearth fix fetches issues from github\.com only .*, and the agent cannot open web pages\. Give the issue's text \(as text, with --issue or with --issue-file FILE\)/);
    assert.ok(!err.includes("\u001b"));
    assert.equal(requests, before);
  });

  it("takes an issue text that mentions a URL, without a request", async () => {
    const dir = tempDir("hearth-fix-url-");
    const before = requests;
    const { err } = await fix(dir, "--issue", "crash on start, see https://github.com/acme/api/issues/12");
    assert.doesNotMatch(err, /only a link|fetching/);
    assert.equal(requests, before);
  });
});
