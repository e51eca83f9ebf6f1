/**
 * Fix This Issue with an issue of another repository: the folder's GitHub remotes read from
 * its git config file (real files in temp folders, no git run), and the decision — same
 * repository, fork, other, unknown.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, it } from "node:test";
import { gitHubRepoOfUrl, issueOrigin, parseGitConfigRemotes, readGitRemotes } from "../../../src/github/git-remotes.ts";
import { tempDir } from "../../fixtures/temp.ts";

// The machine's own ~/.gitconfig and /etc/gitconfig stay out of these tests (readGitRemotes reads them as git does).
process.env.GIT_CONFIG_NOSYSTEM = "1";
process.env.GIT_CONFIG_GLOBAL = join(tempDir("hearth-no-gitconfig-"), "none");

const API = [{ owner: "acme", repo: "api" }];

function repoWith(config: string): string {
  const dir = tempDir("hearth-remotes-");
  mkdirSync(join(dir, ".git"));
  writeFileSync(join(dir, ".git", "config"), config);
  return dir;
}

describe("a remote's GitHub repository", () => {
  it("reads the https, ssh, scp and git forms, with or without .git, a user or a port, in any case", () => {
    for (const url of [
      "https://github.com/acme/api.git", "https://github.com/acme/api", "https://github.com/acme/api/", "http://www.github.com/acme/api",
      "https://x-access-token:abc@github.com/acme/api.git", "ssh://git@github.com/acme/api.git", "ssh://git@github.com:22/acme/api",
      "ssh://git@ssh.github.com:443/acme/api.git", "git@github.com:acme/api.git", "git@github.com:acme/api", "github.com:acme/api.git",
      "git://github.com/acme/api.git", "git+ssh://git@github.com/acme/api.git", "GIT@GitHub.COM:acme/api.GIT", " https://GITHUB.com/acme/api \n",
    ]) {
      assert.deepEqual(gitHubRepoOfUrl(url), { owner: "acme", repo: "api" }, url);
    }
    assert.deepEqual(gitHubRepoOfUrl("git@github.com:Acme-Corp/my.site.git"), { owner: "Acme-Corp", repo: "my.site" });
  });

  it("is no GitHub repository for other hosts, local paths and lookalikes", () => {
    for (const url of [
      "https://gitlab.com/acme/api.git", "git@gitlab.com:acme/api.git", "https://github.example.com/acme/api", "https://notgithub.com/acme/api",
      "https://github.com.evil.test/acme/api", "/srv/git/api.git", "../api", "file:///srv/git/api.git", "https://github.com/acme",
      "https://github.com/acme/api/tree/main", "git@github.com:acme/../x.git", "gh:acme/api",
    ]) {
      assert.equal(gitHubRepoOfUrl(url), undefined, url);
    }
  });
});

describe("a git config file's remotes", () => {
  it("reads every remote.<name>.url, in order, as git parses the file", () => {
    const config = [
      "[core]", "\trepositoryformatversion = 0", "\tbare = false",
      '[remote "origin"]', "\turl = git@github.com:acme/web.git  # the team's", "\tfetch = +refs/heads/*:refs/remotes/origin/*",
      '[Remote "My \\"Fork\\""] URL = "https://github.com/me/web.git" ; mine',
      "[remote.upstream]", "\turl = https://github.com/\\", "acme/api.git",
      '[branch "main"]', "\tremote = origin", "\turl = https://github.com/not/a-remote",
    ].join("\r\n");
    assert.deepEqual(parseGitConfigRemotes(config), [
      { name: "origin", url: "git@github.com:acme/web.git" },
      { name: 'My "Fork"', url: "https://github.com/me/web.git" },
      { name: "upstream", url: "https://github.com/acme/api.git" },
    ]);
  });

  it("stops where git would refuse the file, keeping nothing after", () => {
    assert.deepEqual(parseGitConfigRemotes('[remote "origin"]\n\turl = https://github.com/acme/web\n[broken\n[remote "x"]\n\turl = https://github.com/acme/api\n'), [
      { name: "origin", url: "https://github.com/acme/web" },
    ]);
    assert.deepEqual(parseGitConfigRemotes("url = https://github.com/acme/api\n"), []); // no section: no remote
  });

  it("reads them from .git/config, from the folder or a folder above it", async () => {
    const dir = repoWith('[remote "origin"]\n\turl = https://github.com/acme/web.git\n');
    const sub = join(dir, "packages", "ui");
    mkdirSync(sub, { recursive: true });
    const expected = [{ name: "origin", url: "https://github.com/acme/web.git" }];
    assert.deepEqual(await readGitRemotes(dir), expected);
    assert.deepEqual(await readGitRemotes(sub), expected);
  });

  it("follows a worktree's .git file to the main repository's config (commondir), and its config.worktree", async () => {
    const main = repoWith('[remote "origin"]\n\turl = git@github.com:acme/web.git\n');
    const worktreeGit = join(main, ".git", "worktrees", "feature");
    mkdirSync(worktreeGit, { recursive: true });
    writeFileSync(join(worktreeGit, "commondir"), "../..\n");
    writeFileSync(join(worktreeGit, "config.worktree"), '[remote "mine"]\n\turl = git@github.com:me/web.git\n');
    const worktree = tempDir("hearth-worktree-");
    writeFileSync(join(worktree, ".git"), `gitdir: ${worktreeGit}\n`);
    assert.deepEqual(await readGitRemotes(worktree), [
      { name: "origin", url: "git@github.com:acme/web.git" },
      { name: "mine", url: "git@github.com:me/web.git" },
    ]);
  });

  it("follows a submodule's relative gitdir", async () => {
    const parent = repoWith('[remote "origin"]\n\turl = git@github.com:acme/web.git\n');
    mkdirSync(join(parent, ".git", "modules", "lib"), { recursive: true });
    writeFileSync(join(parent, ".git", "modules", "lib", "config"), '[remote "origin"]\n\turl = git@github.com:acme/lib.git\n');
    mkdirSync(join(parent, "lib"));
    writeFileSync(join(parent, "lib", ".git"), "gitdir: ../.git/modules/lib\n");
    assert.deepEqual(await readGitRemotes(join(parent, "lib")), [{ name: "origin", url: "git@github.com:acme/lib.git" }]);
  });

  it("is undefined for a folder in no repository, a .git that points nowhere, or a config that is no file (a folder, a pipe)", async () => {
    const broken = tempDir("hearth-remotes-");
    writeFileSync(join(broken, ".git"), "gitdir: /nonexistent/hearth/.git\n");
    assert.equal(await readGitRemotes(broken), undefined);
    const folderConfig = tempDir("hearth-remotes-");
    mkdirSync(join(folderConfig, ".git", "config"), { recursive: true });
    assert.equal(await readGitRemotes(folderConfig), undefined);
    // A pipe (from an unpacked archive, not a clone) would hang a read for good.
    const pipe = tempDir("hearth-remotes-");
    mkdirSync(join(pipe, ".git"));
    execFileSync("mkfifo", [join(pipe, ".git", "config")]);
    assert.equal(await readGitRemotes(pipe), undefined);
    const noRemotes = repoWith("[core]\n\tbare = false\n");
    assert.deepEqual(await readGitRemotes(noRemotes), []);
  });
});

describe("where an issue stands to the folder", () => {
  const remotes = (...pairs: [string, string][]) => pairs.map(([name, url]) => ({ name, url }));

  it("is the same repository when a remote is the issue's, in any case and URL form", () => {
    assert.deepEqual(issueOrigin(API, remotes(["origin", "git@github.com:ACME/Api.git"])), { kind: "same", remote: "origin" });
    assert.deepEqual(issueOrigin(API, remotes(["upstream", "https://github.com/acme/api"], ["mine", "https://github.com/acme/api.git"])), { kind: "same", remote: "mine" });
  });

  it("is a fork when only the upstream remote is the issue's repository", () => {
    assert.deepEqual(issueOrigin(API, remotes(["origin", "git@github.com:me/api.git"], ["upstream", "https://github.com/acme/api.git"])), { kind: "fork", remote: "upstream" });
  });

  it("is another repository when the folder has GitHub remotes and none is the issue's, naming each repository once", () => {
    const origin = issueOrigin(API, remotes(["origin", "git@github.com:acme/web.git"], ["origin", "https://github.com/acme/web"], ["mirror", "https://gitlab.com/acme/api"], ["fork", "git@github.com:me/web.git"]));
    assert.deepEqual(origin, {
      kind: "other",
      remotes: [{ name: "origin", repo: { owner: "acme", repo: "web" } }, { name: "fork", repo: { owner: "me", repo: "web" } }],
    });
  });

  it("takes either name of the issue's repository (the URL's, and GitHub's after a rename or transfer)", () => {
    assert.equal(issueOrigin([{ owner: "acme", repo: "old-api" }, { owner: "acme", repo: "api" }], remotes(["origin", "git@github.com:acme/api.git"])).kind, "same");
  });

  it("is unknown with nothing to compare: no repository, no remotes, or no GitHub remote", () => {
    assert.deepEqual(issueOrigin(API, undefined), { kind: "unknown" });
    assert.deepEqual(issueOrigin(API, []), { kind: "unknown" });
    assert.deepEqual(issueOrigin(API, remotes(["origin", "git@gitlab.com:acme/web.git"], ["local", "/srv/git/web.git"])), { kind: "unknown" });
  });
});

describe("remotes written through include, includeIf and insteadOf", () => {
  /** A home folder with a ~/.gitconfig, and the options that make it the user's. */
  function home(gitconfig: string) {
    const dir = tempDir("hearth-home-");
    writeFileSync(join(dir, ".gitconfig"), gitconfig);
    return { dir, options: { home: dir, env: { GIT_CONFIG_NOSYSTEM: "1" } } };
  }

  it("follows [include] path = … relative to the including file, ~/, and an include inside an include, in place", async () => {
    const user = home("");
    writeFileSync(join(user.dir, "remotes.inc"), '[remote "mirror"]\n\turl = https://github.com/acme/mirror\n');
    const dir = repoWith('[remote "origin"]\n\turl = https://github.com/acme/web\n[include]\n\tpath = team.inc\n[remote "last"]\n\turl = https://github.com/acme/last\n');
    writeFileSync(join(dir, ".git", "team.inc"), '[remote "upstream"]\n\turl = https://github.com/acme/api\n[include]\n\tpath = ~/remotes.inc\n');
    assert.deepEqual((await readGitRemotes(dir, user.options))?.map((r) => r.name), ["origin", "upstream", "mirror", "last"]);
  });

  it("rewrites a remote's URL with url.<base>.insteadOf, the longest match winning, from the repository's config or the user's", async () => {
    const user = home('[url "git@github.com:"]\n\tinsteadOf = gh:\n[url "https://gitlab.com/"]\n\tinsteadOf = g\n');
    const dir = repoWith('[remote "origin"]\n\turl = gh:acme/web.git\n[remote "work"]\n\turl = work:api\n[url "git@github.com:acme/"]\n\tinsteadOf = work:\n[remote "other"]\n\turl = gitlab-thing\n');
    assert.deepEqual(await readGitRemotes(dir, user.options), [
      { name: "origin", url: "git@github.com:acme/web.git", written: "gh:acme/web.git" },
      { name: "work", url: "git@github.com:acme/api", written: "work:api" },
      { name: "other", url: "https://gitlab.com/itlab-thing", written: "gitlab-thing" },
    ]);
    assert.equal(issueOrigin(API, await readGitRemotes(dir, user.options)).kind, "same");
  });

  it("still knows a GitHub remote that insteadOf sends through a mirror or proxy (ghproxy, Artifactory): by the URL as written", async () => {
    // Common behind the Great Firewall and in companies: every github.com URL fetched through a mirror.
    const user = home('[url "https://ghproxy.com/https://github.com/"]\n\tinsteadOf = https://github.com/\n[url "https://artifactory.corp.example/api/vcs/github/"]\n\tinsteadOf = git@github.com:\n');
    const dir = repoWith('[remote "origin"]\n\turl = https://github.com/acme/api.git\n[remote "fork"]\n\turl = git@github.com:me/api.git\n');
    const remotes = await readGitRemotes(dir, user.options);
    assert.deepEqual(remotes?.map((r) => r.url), ["https://ghproxy.com/https://github.com/acme/api.git", "https://artifactory.corp.example/api/vcs/github/me/api.git"]);
    assert.deepEqual(issueOrigin(API, remotes), { kind: "same", remote: "origin" });
    assert.deepEqual(issueOrigin([{ owner: "acme", repo: "web" }], remotes), {
      kind: "other",
      remotes: [{ name: "origin", repo: { owner: "acme", repo: "api" } }, { name: "fork", repo: { owner: "me", repo: "api" } }],
    });
  });

  it("follows [includeIf \"gitdir:…\"] where the repository's git folder matches (~/, **, a trailing /, gitdir/i:, ./), and not elsewhere", async () => {
    const user = home([
      '[includeIf "gitdir:~/work/"]', "\tpath = work.gitconfig",
      '[includeIf "gitdir/i:~/CASE/**/.git"]', "\tpath = case.gitconfig",
      '[includeIf "gitdir:other/"]', "\tpath = never.gitconfig",
      '[includeIf "onbranch:main"]', "\tpath = never.gitconfig",
      '[includeIf "gitdir:./rel/"]', "\tpath = rel.gitconfig",
    ].join("\n"));
    writeFileSync(join(user.dir, "work.gitconfig"), '[url "git@github.com:acme/"]\n\tinsteadOf = w:\n');
    writeFileSync(join(user.dir, "case.gitconfig"), '[url "git@github.com:acme/"]\n\tinsteadOf = c:\n');
    writeFileSync(join(user.dir, "rel.gitconfig"), '[url "git@github.com:acme/"]\n\tinsteadOf = r:\n');
    writeFileSync(join(user.dir, "never.gitconfig"), '[url "https://example.com/"]\n\tinsteadOf = \n');
    const repoIn = (path: string) => {
      mkdirSync(join(user.dir, path, ".git"), { recursive: true });
      writeFileSync(join(user.dir, path, ".git", "config"), '[remote "origin"]\n\turl = w:api\n[remote "c"]\n\turl = c:api\n[remote "r"]\n\turl = r:api\n');
      return join(user.dir, path);
    };
    assert.deepEqual((await readGitRemotes(repoIn("work/api"), user.options))?.map((r) => r.url), ["git@github.com:acme/api", "c:api", "r:api"]);
    assert.deepEqual((await readGitRemotes(repoIn("case/deep/api"), user.options))?.map((r) => r.url), ["w:api", "git@github.com:acme/api", "r:api"]);
    assert.deepEqual((await readGitRemotes(repoIn("rel/api"), user.options))?.map((r) => r.url), ["w:api", "c:api", "git@github.com:acme/api"]);
    assert.deepEqual((await readGitRemotes(repoIn("elsewhere/work/api"), user.options))?.map((r) => r.url), ["w:api", "c:api", "r:api"]);
  });

  it("finishes on an include cycle, a chain deeper than git's 10, a pipe, a huge file or a folder, keeping what it could read", async () => {
    const user = home("");
    const dir = repoWith('[include]\n\tpath = a.inc\n\tpath = fifo\n\tpath = huge\n\tpath = folder\n\tpath = zero\n\tpath = missing\n[remote "origin"]\n\turl = https://github.com/acme/web\n');
    const git = join(dir, ".git");
    writeFileSync(join(git, "a.inc"), '[include]\n\tpath = b.inc\n');
    writeFileSync(join(git, "b.inc"), '[remote "b"]\n\turl = https://github.com/acme/b\n[include]\n\tpath = a.inc\n\tpath = config\n');
    execFileSync("mkfifo", [join(git, "fifo")]);
    writeFileSync(join(git, "huge"), `[remote "huge"]\n\turl = https://github.com/acme/huge\n${"#".repeat(2 * 1024 * 1024)}\n`);
    mkdirSync(join(git, "folder"));
    symlinkSync("/dev/zero", join(git, "zero"));
    const remotes = await readGitRemotes(dir, user.options);
    assert.deepEqual([...new Set(remotes?.map((r) => r.name))], ["b", "origin"]);
    // A chain of 12 includes: git stops at a depth of 10.
    const deep = repoWith("[include]\n\tpath = d1\n");
    for (let i = 1; i <= 12; i++) writeFileSync(join(deep, ".git", `d${i}`), `[remote "d${i}"]\n\turl = https://github.com/acme/d${i}\n[include]\n\tpath = d${i + 1}\n`);
    assert.deepEqual((await readGitRemotes(deep, user.options))?.map((r) => r.name), ["d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9", "d10"]);
  });
});

const GIT_REMOTES = join(import.meta.dirname, "../../../src/github/git-remotes.ts");

/** Why the unlisted-user test cannot run here, or false: it needs root, and a checkout other users may read (a fresh clone in a `mktemp -d` folder is its owner's only). */
function unlistedUserSkip(): string | false {
  if (process.getuid?.() !== 0) return "needs root to run as a user the system does not list";
  for (let dir = dirname(GIT_REMOTES); dir !== dirname(dir); dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return `${dir} is not open to other users`;
  }
  return (statSync(GIT_REMOTES).mode & 0o004) === 0 ? `${GIT_REMOTES} is not readable by other users` : false;
}

describe("remotes with HOME empty or relative", () => {
  for (const home of ["", "."]) {
    it(`HOME=${JSON.stringify(home)}: the workspace's .gitconfig and .ssh/config are not read as the user's`, async () => {
      // A systemd unit's Environment=HOME= or a CI step's env: os.homedir() is then HOME as it is, and
      // ~/.gitconfig was the .gitconfig of the folder Hearth runs in — a clone's committed file
      // could rewrite its remote to the issue's repository, and the issue check said "same".
      const dir = repoWith('[remote "origin"]\n\turl = https://github.com/me/api.git\n[remote "work"]\n\turl = git@work:me/web.git\n');
      writeFileSync(join(dir, ".gitconfig"), '[url "https://github.com/acme/"]\n\tinsteadOf = https://github.com/me/\n');
      mkdirSync(join(dir, ".ssh"));
      writeFileSync(join(dir, ".ssh", "config"), "Host work\n\tHostName github.com\n");
      const [savedHome, savedCwd] = [process.env.HOME, process.cwd()];
      process.env.HOME = home;
      process.chdir(dir);
      try {
        const remotes = await readGitRemotes(dir, { env: { GIT_CONFIG_NOSYSTEM: "1" } });
        assert.deepEqual(remotes?.map((r) => r.url), ["https://github.com/me/api.git", "git@work:me/web.git"]);
        assert.deepEqual(issueOrigin(API, remotes), { kind: "other", remotes: [{ name: "origin", repo: { owner: "me", repo: "api" } }] });
      } finally {
        process.chdir(savedCwd);
        process.env.HOME = savedHome;
      }
    });
  }

  it("HOME empty and no home in the system's user list (a container run with --user 12345): no user config read, `~/` includes skipped", { skip: unlistedUserSkip() }, (t) => {
    // Not in the test run's own temp folder: that one only its owner may enter.
    const dir = mkdtempSync("/tmp/hearth-remotes-unlisted-");
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, ".git"));
    writeFileSync(join(dir, ".git", "config"), '[remote "origin"]\n\turl = https://github.com/me/api.git\n[include]\n\tpath = ~/team.inc\n');
    writeFileSync(join(dir, ".gitconfig"), '[url "https://github.com/acme/"]\n\tinsteadOf = https://github.com/me/\n');
    writeFileSync(join(dir, "team.inc"), '[remote "team"]\n\turl = https://github.com/acme/api.git\n');
    chmodSync(dir, 0o755); // the unlisted user reads it
    const module = pathToFileURL(GIT_REMOTES).href;
    const script = `import(${JSON.stringify(module)}).then(async (m) => console.log(JSON.stringify(await m.readGitRemotes(process.cwd(), { env: { GIT_CONFIG_NOSYSTEM: "1" } }))))`;
    const run = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), "--input-type=module", "-e", script], {
      cwd: dir, uid: 54321, gid: 54321, env: { HOME: "", PATH: process.env.PATH }, encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), [{ name: "origin", url: "https://github.com/me/api.git" }]);
  });
});
