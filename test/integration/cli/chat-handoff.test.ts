// `hearth chat` from the built CLI with a scripted model: the project's rules and memory
// go into the prompt, --continue picks up an exported conversation, --save exports the
// continued one, and a damaged export is refused with a clear message.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { exportConversation, importConversation } from "../../../src/agent/handoff.ts";
import type { ChatMessage } from "../../../src/models/types.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

describe("hearth chat with project memory and handoff", () => {
  it("--continue FILE --save FILE: the project rules, the earlier turns and the new turn, exported again", () => {
    const work = tempDir("hearth-chat-handoff-");
    mkdirSync(join(work, ".hearth"));
    writeFileSync(join(work, ".hearth", "rules.md"), "Answer in one sentence.\n");
    writeFileSync(join(work, "model.json"), JSON.stringify({ name: "scripted-chat", turns: [{ text: "I changed add() to add." }] }));
    const earlier: ChatMessage[] = [
      { role: "system", content: "Alice's prompt" },
      { role: "user", content: "add(2, 3) returns -1" },
      { role: "assistant", content: "", thinking: "Read it.", toolCalls: [{ id: "c1", name: "read_file", arguments: { path: "calc.py" } }] },
      { role: "tool", toolCallId: "c1", name: "read_file", content: "def add(a, b):\n    return a - b" },
      { role: "assistant", content: "It subtracts; fixed." },
    ];
    writeFileSync(join(work, "alice.md"), exportConversation(earlier, { title: "Fix add()", exportedAt: new Date(), patch: "diff --git a/calc.py b/calc.py\n" }));
    const run = spawnSync(process.execPath, [CLI, "chat", "--model", "model.json", "--no-think", "--continue", "alice.md", "--save", "bob.md", "What did you change?"], { cwd: work, encoding: "utf8", timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /I changed add\(\) to add\./);
    assert.match(run.stderr, /continuing "Fix add\(\)" \(4 messages/);
    assert.match(run.stderr, /project rules and memory: \.hearth\/rules\.md: \d+ of 2,000 tokens/);
    const saved = importConversation(readFileSync(join(work, "bob.md"), "utf8"));
    assert.equal(saved.title, "Fix add()");
    assert.equal(saved.patch, "diff --git a/calc.py b/calc.py\n");
    assert.match(saved.systemPrompt ?? "", /Project rules:\nFrom \.hearth\/rules\.md:\nAnswer in one sentence\./);
    assert.deepEqual(saved.messages.slice(0, 4), earlier.slice(1));
    assert.deepEqual(saved.messages.slice(4).map((m) => [m.role, m.content]), [["user", "What did you change?"], ["assistant", "I changed add() to add."]]);
  });

  it("a file that is not a Hearth export is refused before anything starts", () => {
    const work = tempDir("hearth-chat-handoff-");
    writeFileSync(join(work, "notes.md"), "# notes\n");
    const run = spawnSync(process.execPath, [CLI, "chat", "--model", "x.json", "--continue", "notes.md", "hi"], { cwd: work, encoding: "utf8", timeout: 60_000 });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /notes\.md: this is not a Hearth conversation export/);
  });
});
