// Export Conversation carries the diff since the conversation's first message. A diff that
// could not be made — over the checkpoints' limit (a build's output in a folder the project
// does not ignore), or its checkpoint gone — was turned into no diff at all
// (agent-service.ts: .catch(() => "")): the export said nothing of the changes, and neither
// did the chat. Now the export says in its Changes section that the diff is left out and why,
// the runtime's answer carries the same words for the chat, and such a file still imports.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { exportConversation, exportedPatch, importConversation } from "../../../src/agent/handoff.ts";
import type { ChatMessage } from "../../../src/models/index.ts";
import { CheckpointStore } from "../../../src/tools/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const MESSAGES: ChatMessage[] = [
  { role: "user", content: "build the project" },
  { role: "assistant", content: "Built it." },
];

async function afterABuild(): Promise<{ store: CheckpointStore; start: string }> {
  const root = tempDir("hearth-export-diff-");
  writeFileSync(join(root, "main.c"), "int main(void) { return 0; }\n");
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: tempDir("hearth-export-state-") });
  const start = (await store.create("start")).id;
  writeFileSync(join(root, "main.c"), "int main(void) { return 1; }\n");
  mkdirSync(join(root, "build"));
  for (let i = 0; i < 20; i++) writeFileSync(join(root, "build", `part${i}.txt`), randomBytes(4096).toString("hex"));
  await store.create("after run_command");
  return { store, start };
}

it("an export whose diff is over the limit says the diff is left out, why and what to do, and still imports", async () => {
  const { store, start } = await afterABuild();
  const made = await exportedPatch(store, start, 50_000);
  assert.ok("leftOut" in made, JSON.stringify(made).slice(0, 200));
  assert.equal(made.leftOut, "The diff of the changes is left out of this export: it is over 50,000 bytes (many changed files or large binary ones, such as a build's output in a folder the project does not ignore). git diff in the project shows them.");
  const markdown = exportConversation(MESSAGES, { title: "Build", exportedAt: "2026-12-07T00:00:00.000Z", patchLeftOut: made.leftOut });
  assert.match(markdown, /\n## Changes\n\n_The diff of the changes is left out of this export: it is over 50,000 bytes .*_\n$/);
  const imported = importConversation(markdown);
  assert.equal(imported.patch, "");
  assert.deepEqual(imported.edited, [], "the note is no edit of the last message");
  assert.equal(imported.messages.length, 2);
});

it("an export whose checkpoint is gone says the diff could not be made", async () => {
  const { store } = await afterABuild();
  const made = await exportedPatch(store, "0123456789abcdef0123456789abcdef01234567");
  assert.ok("leftOut" in made);
  assert.match(made.leftOut, /^The diff of the changes is left out of this export: it could not be made \(Checkpoint 0123456789abcdef0123456789abcdef01234567 does not exist/);
});

it("an export whose diff is within the limit carries it whole", async () => {
  const { store, start } = await afterABuild();
  const made = await exportedPatch(store, start);
  assert.ok("patch" in made);
  assert.match(made.patch, /^\+int main\(void\) \{ return 1; \}$/m);
  assert.equal(made.patch.match(/^diff --git /gm)?.length, 21);
});
