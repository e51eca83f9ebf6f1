/**
 * Issue URLs under seeded fuzzing: real github.com and Enterprise issue URLs with pieces
 * inserted, removed and cut. Property: a URL read as an issue is one the browser's URL
 * parser reads the same way — that host, and a path of owner, repository, issues or pull,
 * and the number — so what Hearth fetches is the issue the user's browser would show.
 * Nothing throws. Seed and case count fixed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseGitHubIssueUrl } from "../../../src/github/github-issue.ts";
import { pick, seededRandom } from "../../fixtures/seeded-random.ts";

const REAL = ["https://github.com/acme/shop/issues/42", "https://www.github.com/a-b/c.d/pull/7#issuecomment-1", "http://github.com/o/r.git/issues/9?x=1", "https://git.corp.example:8443/team/app/issues/3"];
const PIECES = ["/", "\\", "@", ":", "#", "?", ".", "..", "%2e", "%2F", "evil.example", "github.com", ":443", ":80", " ", "\t", "\n", "0", "-1", "99999999999999999999", ".git", "issues", "pull", "é", "\u0131", "//", "%40", "[::1]", "user:pw@"];

function mutate(rand: () => number, url: string): string {
  let out = url;
  for (let m = 0; m < 1 + Math.floor(rand() * 3); m++) {
    // Half the time where the URL's parts meet (after "//", at a "/", ":", "." or "#"), where a user name, port or path step changes what it names.
    const bounds = [...out.matchAll(/\/\/|[/:.#]/g)].map((m) => m.index + m[0].length);
    const at = rand() < 0.5 && bounds.length ? pick(rand, bounds) : Math.floor(rand() * (out.length + 1));
    const kind = rand();
    if (kind < 0.5) out = out.slice(0, at) + pick(rand, PIECES) + out.slice(at);
    else if (kind < 0.85) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(rand() * 4));
    else out = out.slice(0, at);
  }
  return out;
}

test("fuzz: an issue URL Hearth reads is the issue the URL parser reads, on the host it names", () => {
  const rand = seededRandom(1);
  let read = 0;
  for (let i = 0; i < 3000; i++) {
    const real = pick(rand, REAL);
    // Mostly the host the URL was made for (else few Enterprise URLs are read at all), sometimes the other.
    const host = real.includes("corp") === rand() < 0.85 ? "git.corp.example" : "github.com";
    const text = mutate(rand, real);
    const ref = parseGitHubIssueUrl(text, host);
    if (!ref) continue;
    read++;
    const label = JSON.stringify(text);
    assert.ok(URL.canParse(text.trim()), label);
    const url = new URL(text.trim());
    const hostname = url.hostname.replace(/\.$/, "");
    assert.ok(host === "github.com" ? ["github.com", "www.github.com"].includes(hostname) : hostname === host, `${hostname}: ${label}`);
    assert.equal(url.username + url.password, "", label);
    const [owner, repo, kind, number, ...rest] = url.pathname.slice(1).split("/");
    assert.deepEqual([owner, repo?.replace(/(.)\.git$/i, "$1"), /^(issues|pull)$/i.test(kind ?? ""), Number(number)], [ref.owner, ref.repo, true, ref.number], label);
    // 99999999999999999999 is read as 1e20 by both: the number asked for must be the one written.
    assert.ok(Number.isSafeInteger(ref.number) && ref.number > 0 && String(ref.number) === number?.replace(/^0+(?=\d)/, ""), label);
    assert.ok(rest.length === 0 || (rest.length === 1 && rest[0] === ""), label);
  }
  assert.ok(read > 100, `${read} read as issues`);
});
