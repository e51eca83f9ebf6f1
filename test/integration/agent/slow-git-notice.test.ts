// A conversation's first message asks whether the PATH's git runs Hearth's read-only options
// (agent/git-usable.ts, the old-git notice). It asked with a blocking spawnSync in the runtime:
// a git slow to answer (on a network mount, behind a wrapper script) stalled every other
// request of the runtime — completions included — for up to its 30 s limit. Now it asks
// asynchronously. A fake git first on the PATH holds `--version` until the test releases it;
// the test can only release it if its own promise runs meanwhile. No wall clock: a FIFO says
// the git started, a file lets it go.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type TestContext, it } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { gitUnusable, gitUnusableAsync } from "../../../src/agent/git-usable.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import { type AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { committedRepo } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

it("a git slow to answer --version at a conversation's start holds up nothing else in the runtime meanwhile", { timeout: 90_000 }, async (t: TestContext) => {
  const work = tempDir("hearth-slow-git-notice-");
  const root = committedRepo(join(work, "repo"), { "calc.py": "def add(a, b):\n    return a - b\n" });
  const real = spawnSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).stdout.trim();
  const started = join(work, "started");
  const release = join(work, "release");
  const log = join(work, "log");
  assert.equal(spawnSync("mkfifo", [started]).status, 0);
  const slow = join(work, "slow-git");
  mkdirSync(slow);
  // Only the usability check (the read-only options, then --version) waits; every other git is the real one.
  writeFileSync(join(slow, "git"), `#!/bin/sh\ncase "$1 $*" in --no-optional-locks*--version) echo started > '${started}'; while [ ! -e '${release}' ]; do sleep 0.05; done; echo released >> '${log}';; esac\nexec '${real}' "$@"\n`);
  chmodSync(join(slow, "git"), 0o755);
  const saved = process.env.PATH;
  process.env.PATH = `${slow}:${saved ?? ""}`;
  t.after(() => (process.env.PATH = saved));

  const gitStarted = readFile(started, "utf8");
  const said: string[] = [];
  const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(work, "state") });
  const run = runConversationTurn({
    mode: "fix", text: "fix add", messages: [], workspace: new DiskWorkspace(root), checkpoints,
    backend: async () => new ScriptedBackend({ turns: [{ text: "Done." }], contextSize: 65_536 }),
    policy: "ask", approve: async () => false, signal: new AbortController().signal,
    onEvent: (event: AgentWireEvent) => { if (event.type === "notice") said.push(event.text); },
  });
  // This runs while the git waits only if the runtime's event loop is free: a blocking check
  // held it until its 30 s limit killed the git, which then never saw the release.
  assert.equal(await gitStarted, "started\n");
  writeFileSync(release, "");
  await run;
  assert.ok(existsSync(log), "the git was killed before the test could release it");
  assert.equal(readFileSync(log, "utf8"), "released\n");
  // The released git is the real one, new enough: nothing to say of it.
  assert.deepEqual(said.filter((n) => /\bgit\b/.test(n)), []);
});

it("the asynchronous check says what the blocking one says: no git on the PATH, a git before 2.15, a new one", async (t: TestContext) => {
  const work = tempDir("hearth-git-usable-async-");
  const root = committedRepo(join(work, "repo"), { "calc.py": "def add(a, b):\n    return a - b\n" });
  const real = spawnSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).stdout.trim();
  const saved = process.env.PATH;
  t.after(() => (process.env.PATH = saved));
  assert.equal(await gitUnusableAsync(root), undefined);
  assert.equal(await gitUnusableAsync(join(work, "no-such-folder")), undefined);
  const empty = join(work, "empty");
  mkdirSync(empty);
  process.env.PATH = empty;
  assert.deepEqual(await gitUnusableAsync(root), { missing: "spawn git ENOENT" });
  assert.deepEqual(gitUnusable(root), { missing: "spawnSync git ENOENT" });
  const old = join(work, "old-git");
  mkdirSync(old);
  writeFileSync(join(old, "git"), `#!/bin/sh\nfor a in "$@"; do case "$a" in --no-optional-locks) echo "Unknown option: --no-optional-locks" >&2; exit 129;; --version|version) echo "git version 2.11.0"; exit 0;; esac; done\nexec '${real}' "$@"\n`);
  chmodSync(join(old, "git"), 0o755);
  process.env.PATH = `${old}:${saved ?? ""}`;
  const expected = { old: "Unknown option: --no-optional-locks", version: "git version 2.11.0" };
  assert.deepEqual(await gitUnusableAsync(root), expected);
  assert.deepEqual(gitUnusable(root), expected);
});
