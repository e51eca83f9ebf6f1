// A chat or Fix This Issue where the git on the PATH is older than 2.15 (CentOS 7's 1.8.3): it
// refuses the --no-optional-locks every read-only git of Hearth's carries, so git_diff failed
// and the project's history read nothing, and the chat said not a word of it. The
// conversation's first message now says so once, naming the git. Real git behind a fake old
// one first on the PATH (as test/unit/cli/index-history-no-git.test.ts); the scripted backend
// through runConversationTurn.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, it } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import { type AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { committedRepo } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

async function notices(root: string, state: string): Promise<string[]> {
  const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: state });
  const said: string[] = [];
  for (const [text, messages] of [["fix add", []], ["again", [{ role: "system" as const, content: "s" }, { role: "user" as const, content: "fix add" }]]] as const) {
    await runConversationTurn({
      mode: "fix", text, messages: [...messages], workspace: new DiskWorkspace(root), checkpoints,
      backend: async () => new ScriptedBackend({ turns: [{ text: "Done." }], contextSize: 65_536 }),
      policy: "ask", approve: async () => false, signal: new AbortController().signal,
      onEvent: (event: AgentWireEvent) => { if (event.type === "notice") said.push(event.text); },
    });
  }
  return said;
}

it("a conversation where the PATH's git is before 2.15 says once that it is too old, naming it", { timeout: 60_000 }, async (t: TestContext) => {
  const work = tempDir("hearth-old-git-notice-");
  const root = committedRepo(join(work, "repo"), { "calc.py": "def add(a, b):\n    return a - b\n" });
  assert.deepEqual((await notices(root, join(work, "state-new"))).filter((n) => /git/.test(n)), []);
  const real = spawnSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).stdout.trim();
  const old = join(work, "old-git");
  mkdirSync(old);
  writeFileSync(join(old, "git"), `#!/bin/sh\nfor a in "$@"; do case "$a" in --no-optional-locks) echo "Unknown option: --no-optional-locks" >&2; exit 129;; --version|version) echo "git version 1.8.3.1"; exit 0;; esac; done\nexec '${real}' "$@"\n`);
  chmodSync(join(old, "git"), 0o755);
  const saved = process.env.PATH;
  process.env.PATH = `${old}:${saved ?? ""}`;
  t.after(() => (process.env.PATH = saved));
  const said = (await notices(root, join(work, "state-old"))).filter((n) => /git version/.test(n));
  assert.equal(said.length, 1, JSON.stringify(said));
  assert.match(said[0]!, /^git version 1\.8\.3\.1 is too old for Hearth: it refuses --no-optional-locks \(Unknown option: --no-optional-locks\).*the git_diff tool fails and the project's history .* is not read\. Install a newer git, or put its folder first on PATH/);
});
