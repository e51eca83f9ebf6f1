/**
 * A checkout whose GitHub remote goes through an SSH host alias (`git@github-work:acme/api.git`
 * with `Host github-work` / `HostName github.com` in ~/.ssh/config, the usual way to use two
 * GitHub accounts): its remote is still a GitHub repository, so an issue of another repository
 * is one (real files in temp folders).
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { issueOrigin, readGitRemotes } from "../../../src/github/git-remotes.ts";
import { tempDir } from "../../fixtures/temp.ts";

function setup(sshConfig: string, remote: string) {
  const home = tempDir("hearth-ssh-home-");
  mkdirSync(join(home, ".ssh"));
  writeFileSync(join(home, ".ssh", "config"), sshConfig);
  const repo = tempDir("hearth-ssh-repo-");
  mkdirSync(join(repo, ".git"));
  writeFileSync(join(repo, ".git", "config"), `[remote "origin"]\n\turl = ${remote}\n`);
  return readGitRemotes(repo, { home, env: { GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: join(home, "none") } });
}

const SSH_CONFIG = [
  "# two accounts",
  "Host github-work gh-alt",
  "  HostName github.com",
  "  IdentityFile ~/.ssh/work",
  "Host=github-443",
  "\tHostname = ssh.github.com",
  "Host *.corp",
  "  HostName github.com",
  "Host gitlab-work",
  "  HostName gitlab.com",
  "",
].join("\n");

describe("a remote through an SSH host alias", () => {
  it("is the GitHub repository of the alias's HostName: an issue of another repository is 'other', its own 'same'", async () => {
    for (const url of ["git@github-work:acme/api.git", "gh-alt:acme/api", "ssh://git@GitHub-Work/acme/api.git", "git@github-443:acme/api.git", "git@x.corp:acme/api.git"]) {
      const remotes = await setup(SSH_CONFIG, url);
      assert.deepEqual(issueOrigin([{ owner: "evil", repo: "payload" }], remotes), { kind: "other", remotes: [{ name: "origin", repo: { owner: "acme", repo: "api" } }] }, url);
      assert.deepEqual(issueOrigin([{ owner: "Acme", repo: "API" }], remotes), { kind: "same", remote: "origin" }, url);
    }
  });

  it("takes no other HostName, and no alias without an ssh config", async () => {
    for (const url of ["git@gitlab-work:acme/api.git"]) {
      assert.deepEqual(issueOrigin([{ owner: "evil", repo: "payload" }], await setup(SSH_CONFIG, url)), { kind: "unknown" }, url);
    }
    assert.deepEqual(issueOrigin([{ owner: "evil", repo: "payload" }], await setup("", "git@github-work:acme/api.git")), { kind: "unknown" });
  });
});

describe("the HostName ssh takes for an alias: the first one of the blocks that match it, in order", () => {
  const other = (remotes: Awaited<ReturnType<typeof setup>>) => issueOrigin([{ owner: "evil", repo: "payload" }], remotes).kind;

  it("is an earlier wildcard block's, or its %h expanded: a later github.com for the alias does not make the remote a GitHub one", async () => {
    const wildcardFirst = ["Host *-work", "  HostName gitlab.corp.test", "Host github-work", "  HostName github.com", ""].join("\n");
    assert.equal(other(await setup(wildcardFirst, "git@github-work:acme/api.git")), "unknown");
    const tokenFirst = ["Host github-work", "  HostName %h.corp.test", "Host github-work", "  HostName github.com", ""].join("\n");
    assert.equal(other(await setup(tokenFirst, "git@github-work:acme/api.git")), "unknown");
    const matchFirst = ["Match exec \"test -e ~/.vpn\"", "  HostName gitlab.corp.test", "Host github-work", "  HostName github.com", ""].join("\n");
    assert.equal(other(await setup(matchFirst, "git@github-work:acme/api.git")), "unknown");
  });

  it("is a wildcard block's when it is the first to match (no case; a negated name keeps the block from it)", async () => {
    const config = ["Host * !github-personal", "  IdentityFile ~/.ssh/work", "Host github-* !github-personal", "  HostName github.com", "Host *.example.test", "  HostName %h", ""].join("\n");
    assert.equal(other(await setup(config, "git@github-team:acme/api.git")), "other");
    assert.equal(other(await setup(config, "git@GitHub-Team:acme/api.git")), "other");
    assert.equal(other(await setup(config, "git@github-personal:acme/api.git")), "unknown");
  });
});

describe("an ssh config's words as ssh reads them", () => {
  it("takes quoted names and values, and stops a line at a word starting with #", async () => {
    const config = ['Host "github-quoted" \'gh-single\' # the work account', '  HostName "github.com" # not gitlab.com', ""].join("\n");
    for (const url of ["git@github-quoted:acme/api.git", "git@gh-single:acme/api.git"]) {
      assert.deepEqual(issueOrigin([{ owner: "acme", repo: "api" }], await setup(config, url)), { kind: "same", remote: "origin" }, url);
    }
    assert.deepEqual(issueOrigin([{ owner: "acme", repo: "api" }], await setup(config, "git@account:acme/api.git")), { kind: "unknown" });
  });
});
