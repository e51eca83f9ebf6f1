// A write step's card carries the diff of what changed on disk during the step, sent whole to
// the webview and saved in the transcript. Another program writing in the step's time (a
// build watching the folder that rewrites dist/ on each save) made that diff as large as its
// output, up to the 256 MiB checkpoints allow: megabytes per step over the webview's channel
// and into the saved conversation, to show 300 lines. Past MAX_STEP_DIFF_BYTES the card gets
// the changed files without the diff, and the chat says why.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace, type WorkspaceChange } from "../../../src/tools/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** A folder a build watches: each save the agent makes rewrites dist/bundle.js (~3 MB). */
class WatchedWorkspace extends DiskWorkspace {
  override async apply(changes: readonly WorkspaceChange[]): Promise<void> {
    await super.apply(changes);
    mkdirSync(join(this.root, "dist"), { recursive: true });
    writeFileSync(join(this.root, "dist", "bundle.js"), randomBytes(1_500_000).toString("hex").replace(/(.{100})/g, "$1\n"));
  }
}

async function run(workspace: DiskWorkspace, storageDir: string, content: string): Promise<AgentWireEvent[]> {
  const events: AgentWireEvent[] = [];
  await runConversationTurn({
    mode: "chat", text: "fix the greeting", messages: [], policy: "auto-all",
    workspace,
    checkpoints: await CheckpointStore.open({ workspaceRoot: workspace.root, storageDir }),
    backend: async () => new ScriptedBackend({ turns: [{ toolCalls: [{ name: "write_file", arguments: { path: "src/greet.js", content } }] }, { toolCalls: [{ name: "finish", arguments: { summary: "done" } }] }] }),
    approve: async () => true,
    onEvent: (event) => events.push(event),
    signal: new AbortController().signal,
  });
  return events;
}

function project(): { repo: string; storageDir: string } {
  const root = tempDir("hearth-step-diff-");
  const repo = join(root, "repo");
  mkdirSync(join(repo, "src"), { recursive: true });
  writeFileSync(join(repo, "src", "app.js"), "console.log('hi');\n");
  return { repo, storageDir: join(root, "state") };
}

it("a write step during which a build rewrote megabytes: its card lists the files without the diff, and the chat says why", async () => {
  const { repo, storageDir } = project();
  const events = await run(new WatchedWorkspace(repo), storageDir, "console.log('hello');\n");
  const end = events.find((e) => e.type === "toolEnd");
  assert.ok(end?.type === "toolEnd");
  assert.equal(end.diff?.length, undefined, "no diff on the card");
  assert.deepEqual([...(end.changedFiles ?? [])].sort(), ["dist/bundle.js", "src/greet.js"]);
  assert.ok(end.after && end.checkpoint, "Open diff and Undo this step still have their checkpoints");
  const notices = events.flatMap((e) => (e.type === "notice" ? [e.text] : []));
  assert.ok(notices.some((text) => /^write_file's step changed 2 files, a diff over 2 MiB .*dist\/bundle\.js.*Open diff/.test(text)), notices.join("\n"));
  assert.ok(JSON.stringify(events).length < 1_000_000, "no megabytes of diff in the events");
  assert.equal(readFileSync(join(repo, "src", "greet.js"), "utf8"), "console.log('hello');\n");
});

it("a write step's diff within the limit comes whole, as before", async () => {
  const { repo, storageDir } = project();
  const events = await run(new DiskWorkspace(repo), storageDir, "console.log('hello');\n");
  const end = events.find((e) => e.type === "toolEnd");
  assert.ok(end?.type === "toolEnd");
  assert.match(end.diff ?? "", /^\+console\.log\('hello'\);$/m);
  assert.deepEqual(end.changedFiles, ["src/greet.js"]);
});
