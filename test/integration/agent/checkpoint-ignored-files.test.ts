// Issue 13.6 end to end: a chat run (runConversationTurn, as the editor drives it) and a
// `hearth fix` run (runFix) that edit a .gitignored file and create one list them in the
// review (per step and for the run) and restore them from the run's first checkpoint.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { changedSinceExpected } from "../../../src/agent/checkpoint-restore.ts";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { runFix } from "../../../src/agent/fix.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });
const TURNS: ScriptedTurn[] = [
  call("edit_file", { path: ".env", old_text: "TOKEN=old", new_text: "TOKEN=new" }),
  call("write_file", { path: "logs/agent.log", content: "created\n" }),
  call("finish", { summary: "done" }),
];

function project(t: TestContext): { repo: string; storageDir: string } {
  const root = mkdtempSync(join(tmpdir(), "hearth-cp-ignored-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const repo = join(root, "repo");
  mkdirSync(repo);
  for (const [path, text] of Object.entries({ ".gitignore": ".env\nlogs/\n", ".env": "TOKEN=old\n", "app.py": "x = 1\n" })) writeFileSync(join(repo, path), text);
  return { repo, storageDir: join(root, "state") };
}

async function assertRestores(repo: string, storageDir: string, start: string): Promise<void> {
  const store = await CheckpointStore.open({ workspaceRoot: repo, storageDir });
  await store.restore(start);
  assert.equal(readFileSync(join(repo, ".env"), "utf8"), "TOKEN=old\n");
  assert.equal(existsSync(join(repo, "logs", "agent.log")), false);
}

describe("agent runs checkpoint the ignored files they write", () => {
  it("in a chat run: each step's card and the run's result list them", async (t) => {
    const { repo, storageDir } = project(t);
    const events: AgentWireEvent[] = [];
    const outcome = await runConversationTurn({
      mode: "chat", text: "rotate the token", messages: [], policy: "auto-all",
      workspace: new DiskWorkspace(repo),
      checkpoints: await CheckpointStore.open({ workspaceRoot: repo, storageDir }),
      backend: async () => new ScriptedBackend({ turns: TURNS }),
      approve: async () => true,
      onEvent: (event) => events.push(event),
      signal: new AbortController().signal,
    });
    const steps = events.flatMap((e) => (e.type === "toolEnd" && e.changedFiles ? [e.changedFiles] : []));
    assert.deepEqual(steps, [[".env"], ["logs/agent.log"]]);
    assert.deepEqual([...outcome.result.changedFiles].sort(), [".env", "logs/agent.log"]);
    await assertRestores(repo, storageDir, outcome.result.startCheckpoint!);
  });

  it("undoing the step that edited an ignored file asks first once the file changed since (its after-checkpoint holds it too)", async (t) => {
    const { repo, storageDir } = project(t);
    const events: AgentWireEvent[] = [];
    const checkpoints = await CheckpointStore.open({ workspaceRoot: repo, storageDir });
    await runConversationTurn({
      mode: "chat", text: "rotate the token", messages: [], policy: "auto-all",
      workspace: new DiskWorkspace(repo), checkpoints,
      backend: async () => new ScriptedBackend({ turns: TURNS }),
      approve: async () => true,
      onEvent: (event) => events.push(event),
      signal: new AbortController().signal,
    });
    const step = events.find((e) => e.type === "toolEnd" && e.changedFiles?.includes(".env"));
    assert.ok(step?.type === "toolEnd" && step.checkpoint && step.after);
    assert.deepEqual(await changedSinceExpected(checkpoints, step.checkpoint, step.after, [".env"]), [], "nothing changed since the step");
    writeFileSync(join(repo, ".env"), "TOKEN=mine\n");
    assert.deepEqual(await changedSinceExpected(checkpoints, step.checkpoint, step.after, [".env"]), [".env"]);
  });

  it("in hearth fix: the result and the patch hold them", async (t) => {
    const { repo, storageDir } = project(t);
    const result = await runFix({ repo, issue: "rotate the token", backend: new ScriptedBackend({ turns: TURNS }), storageDir, policy: "auto-all" });
    assert.deepEqual([...result.changedFiles].sort(), [".env", "logs/agent.log"]);
    assert.match(result.patch, /^-TOKEN=old$\n^\+TOKEN=new$/m);
    await assertRestores(repo, storageDir, result.startCheckpoint);
  });
});
