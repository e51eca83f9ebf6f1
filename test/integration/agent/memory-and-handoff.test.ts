// Project memory and conversation handoff through the real agent: the scripted backend
// (a real ModelBackend replaying Qwen3.5 turns through the real parser) drives runFix and
// Agent on fixture checkouts on disk, with real checkpoints (shadow git) and real files.
import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { runFix } from "../../../src/agent/fix.ts";
import { exportConversation, importConversation } from "../../../src/agent/handoff.ts";
import { Agent, type ApprovalRequest } from "../../../src/agent/loop.ts";
import type { ChatRequest, ModelBackend } from "../../../src/models/backend.ts";
import { ScriptedBackend, type ScriptedTurn } from "../../../src/models/scripted.ts";
import type { ChatMessage } from "../../../src/models/types.ts";
import { isoDate, parseMemoryEntry } from "../../../src/protocol/memory.ts";
import { AGENT_TOOLS, DiskWorkspace } from "../../../src/tools/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const FIXTURES = resolve(import.meta.dirname, "../../fixtures/agent");

function checkout(name: string): string {
  const dir = tempDir(`hearth-memory-${name}-`);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

const call = (name: string, args: Record<string, string>): ScriptedTurn => ({ toolCalls: [{ name, arguments: args }] });

/** The scripted backend, plus a record of every conversation it was asked to continue. */
function recording(turns: readonly ScriptedTurn[]): { backend: ModelBackend; prompts: ChatMessage[][] } {
  const inner = new ScriptedBackend({ turns });
  const prompts: ChatMessage[][] = [];
  const backend: ModelBackend = Object.assign(Object.create(inner) as ModelBackend, {
    chat: (request: ChatRequest) => {
      prompts.push(structuredClone([...request.messages]));
      return inner.chat(request);
    },
  });
  return { backend, prompts };
}

const REMEMBER = { title: "Tests run with unittest", fact: "Run the tests with `python3 -m unittest -q` from the repository root.", category: "testing" };

describe("remember: a memory entry is written only after approval, and reaches the next run's prompt", () => {
  const repo = checkout("python-calc");
  const storageDir = tempDir("hearth-memory-state-");
  const memoryDir = join(repo, ".hearth", "memory");

  async function fixWith(answer: boolean) {
    const { backend, prompts } = recording([call("remember", REMEMBER), call("finish", { summary: "done" })]);
    const requests: ApprovalRequest[] = [];
    const result = await runFix({
      repo, issue: "add() is wrong", backend, storageDir, policy: "auto-edit", // auto-edit still asks for memory
      approve: async (request) => (requests.push(request), answer),
    });
    return { result, prompts, requests };
  }

  it("proposed and denied: the user was asked (even under auto-edit) and nothing is written", async () => {
    const { result, requests } = await fixWith(false);
    assert.deepEqual(requests.map((r) => [r.call.name, r.effect, r.call.arguments.title]), [["remember", "memory", REMEMBER.title]]);
    assert.equal(existsSync(memoryDir), false);
    assert.deepEqual(result.memories, []);
    assert.equal(result.agent.stopReason, "finished");
  });

  it("proposed and approved: .hearth/memory/<date>-<slug>.md with date, source and category; kept out of the patch", async () => {
    const { result } = await fixWith(true);
    const file = `${isoDate(new Date())}-tests-run-with-unittest.md`;
    assert.deepEqual(readdirSync(memoryDir), [file]);
    const text = readFileSync(join(memoryDir, file), "utf8");
    assert.deepEqual(parseMemoryEntry(text, file), { title: REMEMBER.title, date: isoDate(new Date()), source: "hearth fix", category: "testing", body: REMEMBER.fact });
    assert.match(text, /^---\ntitle: Tests run with unittest\ndate: \d{4}-\d{2}-\d{2}\nsource: hearth fix\ncategory: testing\n---\n/);
    assert.deepEqual(result.memories, [`.hearth/memory/${file}`]);
    assert.equal(result.patch, "");
    assert.deepEqual(result.changedFiles, []);
  });

  it("the next run's system prompt holds the entry, and the project context counts it", async () => {
    const { result, prompts } = await fixWith(false);
    const system = prompts[0]![0]!;
    assert.equal(system.role, "system");
    assert.match(system.content, /Project rules:\nProject memory \(facts learned earlier, in \.hearth\/memory\/\):\n- Tests run with unittest \(testing, \d{4}-\d{2}-\d{2}\): Run the tests with `python3 -m unittest -q`/);
    assert.equal(result.projectContext.sources.length, 1);
    assert.ok(result.projectContext.tokens > 0);
  });

  it("remembering the same fact twice is refused, so later prompts carry no duplicates", async () => {
    const { backend } = recording([call("remember", REMEMBER), call("finish", { summary: "done" })]);
    const agent = new Agent({ backend, tools: AGENT_TOOLS, toolContext: { workspace: new DiskWorkspace(repo) }, systemPrompt: "s", policy: "auto-all" });
    await agent.run("remember it");
    assert.match(agent.messages.find((m) => m.role === "tool")!.content, /^Error \(already-exists\): this fact is already remembered in \.hearth\/memory\//);
    assert.equal(readdirSync(memoryDir).length, 1);
  });
});

describe("conversation handoff", () => {
  it("a run exported to Markdown imports losslessly and a new agent continues it, seeing the earlier turns", async () => {
    const repo = checkout("python-calc");
    const first = new Agent({
      backend: new ScriptedBackend({ turns: [
        { thinking: "Look at calc.py first.", ...call("read_file", { path: "calc.py" }) },
        { thinking: "It subtracts.", text: "Found it", ...call("edit_file", { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b" }) },
        call("finish", { summary: "add() now adds; ```fences``` and <!-- comments --> survive" }),
      ] }),
      tools: AGENT_TOOLS,
      toolContext: { workspace: new DiskWorkspace(repo) },
      systemPrompt: "You are Hearth (Alice's machine).",
      policy: "auto-all",
    });
    await first.run("add(2, 3) returns -1");
    const patch = "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n";
    const markdown = exportConversation(first.messages, { title: "Fix add()", model: "scripted", exportedAt: new Date("2026-11-22T12:00:00Z"), patch });

    // Readable by a person: turns, collapsed thinking, the call with its arguments, the result, the diff.
    assert.match(markdown, /^# Fix add\(\)\n/);
    assert.match(markdown, /## User\n\nadd\(2, 3\) returns -1/);
    assert.match(markdown, /<details>\n<summary>Thinking<\/summary>\n\nLook at calc\.py first\./);
    assert.match(markdown, /\*\*Tool call\*\* `edit_file`\n\n```json\n\{\n  "path": "calc\.py",/);
    assert.match(markdown, /<summary>Result of <code>read_file<\/code> \(\d+ lines\)<\/summary>\n\n```text\n/);
    assert.match(markdown, /## Changes\n\n<!-- hearth-patch: [A-Za-z0-9+/=]+ -->\n```diff\ndiff --git a\/calc\.py b\/calc\.py/);

    // Lossless: Bob's import gives back exactly the turns after the system prompt.
    const imported = importConversation(markdown);
    assert.deepEqual(imported.messages, first.messages.slice(1));
    assert.equal(imported.systemPrompt, "You are Hearth (Alice's machine).");
    assert.deepEqual([imported.title, imported.model, imported.exportedAt, imported.patch], ["Fix add()", "scripted", "2026-11-22T12:00:00.000Z", patch]);

    // Bob continues with his own system prompt; the model sees Alice's turns before his question.
    const { backend, prompts } = recording([{ text: "It was subtracting; I changed it to add." }]);
    const second = new Agent({ backend, tools: AGENT_TOOLS, toolContext: { workspace: new DiskWorkspace(repo) }, systemPrompt: "You are Hearth (Bob's machine).", history: imported.messages, policy: "ask" });
    const result = await second.run("What did you change, and why?");
    assert.equal(result.stopReason, "answered");
    const seen = prompts[0]!;
    assert.deepEqual(seen.map((m) => m.role), ["system", "user", "assistant", "tool", "assistant", "tool", "assistant", "tool", "user"]);
    assert.equal(seen[0]!.content, "You are Hearth (Bob's machine).");
    assert.deepEqual(seen.slice(1, -1), first.messages.slice(1));
    assert.equal(seen.at(-1)!.content, "What did you change, and why?");
  });

  it("malformed files are refused with a message that says what is wrong", () => {
    const good = exportConversation([{ role: "user", content: "hi" }, { role: "assistant", content: "hello" }], { title: "t", exportedAt: "2026-01-01T00:00:00Z" });
    assert.throws(() => importConversation("# Just notes\n\nhello"), /not a Hearth conversation export/);
    const dropped = good.replace(/<!-- hearth-message: [^ ]+ -->\n## Assistant/, "## Assistant");
    assert.throws(() => importConversation(dropped), /says it has 2 messages but holds 1: it was cut or edited/);
    assert.throws(() => importConversation(good.replace(/(<!-- hearth-message: )[A-Za-z0-9+/=]{6}/, "$1!!!!!!")), /message 1 is damaged: its data is not base64/);
    const badRole = good.replace(/<!-- hearth-message: ([^ ]+) -->/, () => `<!-- hearth-message: ${Buffer.from(JSON.stringify({ role: "robot", content: "x" })).toString("base64")} -->`);
    assert.throws(() => importConversation(badRole), /message 1: unknown role "robot"/);
    const orphan = good.replace(/<!-- hearth-message: ([^ ]+) -->/, () => `<!-- hearth-message: ${Buffer.from(JSON.stringify({ role: "tool", toolCallId: "c9", name: "read_file", content: "x" })).toString("base64")} -->`);
    assert.throws(() => importConversation(orphan), /message 1: a result for tool call "c9", which no earlier message made/);
    const v2 = good.replace(/<!-- hearth-conversation: ([^ ]+) -->/, (_, d: string) => `<!-- hearth-conversation: ${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(d, "base64").toString()), version: 2 })).toString("base64")} -->`);
    assert.throws(() => importConversation(v2), /format version 2; this Hearth reads version 1/);
    assert.equal(importConversation(good.replace(/\n/g, "\r\n")).messages.length, 2, "CRLF line endings (a Windows checkout) import too");
  });
});
