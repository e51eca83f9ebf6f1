// A chat or Fix This Issue in a checkout another user owns (a container's root on a mounted
// checkout, one made with sudo): git refuses every command there ("detected dubious
// ownership"), so the agent's git commands fail and the project's history reads nothing. The
// conversation's first message says so once, with git's own safe.directory line. Real git, as
// root with the checkout given to nobody; the scripted backend through runConversationTurn.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, it } from "node:test";
import { type AgentWireEvent } from "../../../src/protocol/agent.ts";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

it("a conversation in a checkout git refuses because another user owns it says so once, with the safe.directory command git suggests", { timeout: 60_000 }, async (t: TestContext) => {
  if (process.getuid?.() !== 0) return void t.skip("needs root to give the checkout to another user");
  const work = tempDir("hearth-ownership-notice-");
  const root = join(work, "my repo");
  execFileSync("mkdir", [root]);
  writeFileSync(join(root, "calc.py"), "def add(a, b):\n    return a - b\n");
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "init", "-q"], { cwd: root });
  spawnSync("chown", ["-R", "nobody", root]);
  const refusal = spawnSync("git", ["status"], { cwd: root, encoding: "utf8" }).stderr;
  if (!/dubious ownership/.test(refusal)) return void t.skip("this git, or the user's git config (safe.directory), reads another user's repository");
  const gitsLine = /^\s*(git config --global --add safe\.directory .+)$/m.exec(refusal)![1]!;
  const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(work, "state") });
  const notices: string[] = [];
  for (const [text, messages] of [["fix add", []], ["again", [{ role: "system" as const, content: "s" }, { role: "user" as const, content: "fix add" }]]] as const) {
    await runConversationTurn({
      mode: "fix", text, messages: [...messages], workspace: new DiskWorkspace(root), checkpoints,
      backend: async () => new ScriptedBackend({ turns: [{ text: "Done." }], contextSize: 65_536 }),
      policy: "ask", approve: async () => false, signal: new AbortController().signal,
      onEvent: (event: AgentWireEvent) => { if (event.type === "notice") notices.push(event.text); },
    });
  }
  const said = notices.filter((notice) => /dubious ownership/.test(notice));
  assert.equal(said.length, 1, JSON.stringify(notices));
  assert.ok(said[0]!.includes(gitsLine), said[0]);
  assert.match(said[0]!, /another user owns it/);
});
