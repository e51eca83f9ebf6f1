/**
 * `Include` in ~/.ssh/config, as ssh follows it (checked against OpenSSH 9.2's `ssh -G`): a
 * path not absolute is in ~/.ssh, `~/` is the home folder, globs in sorted order, includes
 * nested up to 16 deep (past that, or a cycle, ssh refuses the whole config), and an
 * `Include` under a `Host` or `Match` line applies only where that line does. Real files in a
 * temp HOME; the answer read through `issueOrigin`, as Fix This Issue reads it.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { issueOrigin, readGitRemotes } from "../../../src/github/git-remotes.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** A temp HOME with `files` (paths under it) and a repository whose origin is `remote`. */
async function originKind(files: Record<string, string>, remote: string): Promise<string> {
  const home = tempDir("hearth-ssh-include-home-");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(home, path)), { recursive: true });
    writeFileSync(join(home, path), text);
  }
  const repo = tempDir("hearth-ssh-include-repo-");
  mkdirSync(join(repo, ".git"));
  writeFileSync(join(repo, ".git", "config"), `[remote "origin"]\n\turl = ${remote}\n`);
  const remotes = await readGitRemotes(repo, { home, env: { GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: join(home, "none") } });
  return issueOrigin([{ owner: "evil", repo: "payload" }], remotes).kind;
}

const WORK = "Host github-work\n  HostName github.com\n";
const lines = (...text: string[]) => text.join("\n") + "\n";

describe("Include in ~/.ssh/config", () => {
  it("follows a path in ~/.ssh, one under ~/, an absolute one, and a glob: the alias defined there is a GitHub remote", async () => {
    assert.equal(await originKind({ ".ssh/config": "Include work.conf\n", ".ssh/work.conf": WORK }, "git@github-work:acme/api.git"), "other");
    assert.equal(await originKind({ ".ssh/config": "Include ~/ssh-work\n", "ssh-work": WORK }, "git@github-work:acme/api.git"), "other");
    assert.equal(await originKind({ ".ssh/config": "Include=conf.d/*.conf\n", ".ssh/conf.d/10-work.conf": WORK }, "git@github-work:acme/api.git"), "other");
    const home = tempDir("hearth-ssh-include-abs-");
    writeFileSync(join(home, "work"), WORK);
    assert.equal(await originKind({ ".ssh/config": `Include "${join(home, "work")}"\n` }, "git@github-work:acme/api.git"), "other");
  });

  it("reads a glob's files in sorted order (the first HostName wins), not hidden files, and passes over a missing file or a folder", async () => {
    const gitlabFirst = { ".ssh/config": "Include conf.d/*\n", ".ssh/conf.d/b.conf": WORK, ".ssh/conf.d/a.conf": "Host github-work\n  HostName gitlab.test\n" };
    assert.equal(await originKind(gitlabFirst, "git@github-work:acme/api.git"), "unknown");
    const hidden = { ".ssh/config": "Include conf.d/*\n", ".ssh/conf.d/.a.conf": "Host github-work\n  HostName gitlab.test\n", ".ssh/conf.d/b.conf": WORK };
    assert.equal(await originKind(hidden, "git@github-work:acme/api.git"), "other");
    const missing = { ".ssh/config": lines("Include missing.conf conf.d nothing/*", "Host github-work", "  HostName github.com"), ".ssh/conf.d/x": "" };
    assert.equal(await originKind(missing, "git@github-work:acme/api.git"), "other");
  });

  it("follows includes 16 deep; one more, or a cycle, and ssh refuses the config: no alias is resolved, not even the top file's", async () => {
    const chain = (depth: number) => {
      const files: Record<string, string> = { ".ssh/config": lines("Include c1", WORK) };
      for (let i = 1; i < depth; i++) files[`.ssh/c${i}`] = `Include c${i + 1}\n`;
      files[`.ssh/c${depth}`] = "Host gh-deep\n  HostName github.com\n";
      return files;
    };
    assert.equal(await originKind(chain(16), "git@gh-deep:acme/api.git"), "other");
    assert.equal(await originKind(chain(16), "git@github-work:acme/api.git"), "other");
    assert.equal(await originKind(chain(17), "git@gh-deep:acme/api.git"), "unknown");
    assert.equal(await originKind(chain(17), "git@github-work:acme/api.git"), "unknown");
    const cycle = { ".ssh/config": lines(WORK, "Host loop", "  Include a"), ".ssh/a": "Include b\n", ".ssh/b": "Include a\n" };
    assert.equal(await originKind(cycle, "git@github-work:acme/api.git"), "unknown");
  });

  it("under a Host line applies only to the hosts it matches, and the including block goes on after it", async () => {
    const config = lines("Host other-*", "  Include evil.conf", "Host github-*", "  Include work.conf", "  HostName github.com");
    const files = { ".ssh/config": config, ".ssh/evil.conf": "Host *\n  HostName gitlab.test\n", ".ssh/work.conf": "Host unrelated\n  Port 2222\n" };
    assert.equal(await originKind(files, "git@github-work:acme/api.git"), "other");
    assert.equal(await originKind(files, "git@other-work:acme/api.git"), "unknown");
    const first = { ".ssh/config": lines("Host github-*", "  Include first.conf", WORK), ".ssh/first.conf": "HostName gitlab.test\n" };
    assert.equal(await originKind(first, "git@github-work:acme/api.git"), "unknown");
    assert.equal(await originKind({ ...first, ".ssh/config": lines("Host gitlab-*", "  Include first.conf", WORK) }, "git@github-work:acme/api.git"), "other");
  });

  it("leaves the alias as it is where ssh's answer cannot be known here: under a Match line, or a path with a % token", async () => {
    const match = { ".ssh/config": lines('Match exec "test -e ~/.vpn"', "  Include vpn.conf", WORK), ".ssh/vpn.conf": "HostName gitlab.test\n" };
    assert.equal(await originKind(match, "git@github-work:acme/api.git"), "unknown");
    const token = { ".ssh/config": lines("Include %d/.ssh/%h.conf", WORK) };
    assert.equal(await originKind(token, "git@github-work:acme/api.git"), "unknown");
    assert.equal(await originKind({ ".ssh/config": lines(WORK, "Include %d/.ssh/%h.conf") }, "git@github-work:acme/api.git"), "other");
  });

  it("leaves the alias as it is after an included file over 1 MB, or past 256 files read (includes that fan out)", async () => {
    const huge = { ".ssh/config": lines("Include huge.conf", WORK), ".ssh/huge.conf": "# padding\n".repeat(120_000) };
    assert.equal(await originKind(huge, "git@github-work:acme/api.git"), "unknown");
    const many: Record<string, string> = { ".ssh/config": "Include conf.d/*\n", ".ssh/conf.d/zz-work.conf": WORK };
    for (let i = 0; i < 300; i++) many[`.ssh/conf.d/${String(i).padStart(3, "0")}.conf`] = "";
    assert.equal(await originKind(many, "git@github-work:acme/api.git"), "unknown");
    delete many[".ssh/conf.d/299.conf"];
    for (let i = 254; i < 299; i++) delete many[`.ssh/conf.d/${i}.conf`];
    assert.equal(await originKind(many, "git@github-work:acme/api.git"), "other");
  });
});
