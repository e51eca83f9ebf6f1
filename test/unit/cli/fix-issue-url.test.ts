/**
 * `hearth fix` given only an issue's URL: the CLI fetches no issues and the agent cannot open
 * web pages, so a bare link would be all the agent knows of the issue — refused before any
 * model loads, saying how to give the issue's text.
 */
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { tempDir } from "../../fixtures/temp.ts";

async function fix(cwd: string, ...args: string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const io = { out: () => undefined, err: (t: string) => void err.push(t), readStdin: async () => "", cwd, signal: new AbortController().signal };
  const code = await main(["fix", "--repo", cwd, "--model", "m.gguf", "--yes", "--state-dir", join(cwd, "state"), ...args], io);
  return { code, err: err.join("") };
}

describe("hearth fix with an issue URL", () => {
  it("refuses a GitHub issue URL (as text, --issue or --issue-file), naming the gh command that gives its text", async () => {
    const dir = tempDir("hearth-fix-url-");
    writeFileSync(join(dir, "issue.md"), "https://github.com/acme/api/issues/12\n");
    for (const args of [["https://github.com/acme/api/issues/12"], ["--issue", " https://github.com/acme/api/pull/12#issuecomment-3 "], ["--issue-file", "issue.md"]]) {
      const { code, err } = await fix(dir, ...args);
      assert.equal(code, 2, err);
      assert.match(err, args[0] === "--issue" ? /gh pr view 12/ : /gh issue view 12/, args.join(" "));
      assert.match(err, /hearth fix: the issue is only a link \(https:\/\/github\.com\/acme\/api\/(issues|pull)\/12\S*\): hearth fix does not fetch issues, and the agent cannot open web pages\. Give the issue's text: gh (issue|pr) view 12 -R acme\/api > issue\.md, then --issue-file issue\.md/, args.join(" "));
    }
    assert.deepEqual(readdirSync(dir).sort(), ["issue.md"], "no state, no trajectory: nothing ran");
  });

  it("refuses any other bare URL, with its terminal escapes shown, not sent", async () => {
    const dir = tempDir("hearth-fix-url-");
    const { code, err } = await fix(dir, "--issue", "https://gitlab.com/acme/api/-/issues/7\u001b[2J");
    assert.equal(code, 2, err);
    assert.match(err, /the issue is only a link \(https:\/\/gitlab\.com\/acme\/api\/-\/issues\/7\\x1b\[2J\): hearth fix does not fetch issues, and the agent cannot open web pages\. Give the issue's text \(as text, with --issue or with --issue-file FILE\)/);
    assert.ok(!err.includes("\u001b"));
  });

  it("takes an issue text that mentions a URL", async () => {
    const dir = tempDir("hearth-fix-url-");
    const { err } = await fix(dir, "--issue", "crash on start, see https://github.com/acme/api/issues/12");
    assert.doesNotMatch(err, /only a link/);
  });
});
